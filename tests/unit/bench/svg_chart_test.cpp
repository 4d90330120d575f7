// The bench chart writer: well-formed SVG, one bar per measured value, the
// memcpy reference, escaping, file names, and results with holes in them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench/svg_chart.hpp"
#include "support/test_support.hpp"

namespace zc::test {
namespace {

using nlohmann::json;

// A minimal XML well-formedness check: every tag closes in order, attribute
// values are quoted and hold no raw '<', every '&' starts a known entity, and
// there is exactly one root element. Returns "" or what is wrong.
std::string xml_problem(const std::string& xml) {
    std::vector<std::string> open;
    int roots = 0;
    auto entity_ok = [&](std::size_t amp) {
        for (std::string_view e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"})
            if (xml.compare(amp, e.size(), e) == 0) return true;
        return xml.compare(amp, 2, "&#") == 0 && xml.find(';', amp) != std::string::npos;
    };
    std::size_t i = 0;
    while (i < xml.size()) {
        if (xml[i] != '<') {
            if (xml[i] == '&' && !entity_ok(i)) return "bad entity at " + std::to_string(i);
            if (xml[i] == '>') return "raw '>' in text at " + std::to_string(i);
            if (open.empty() && !std::isspace(static_cast<unsigned char>(xml[i]))) return "text outside the root";
            ++i;
            continue;
        }
        if (xml.compare(i, 4, "<!--") == 0) {
            std::size_t end = xml.find("-->", i);
            if (end == std::string::npos) return "unclosed comment";
            i = end + 3;
            continue;
        }
        if (xml.compare(i, 2, "<?") == 0) {
            std::size_t end = xml.find("?>", i);
            if (end == std::string::npos) return "unclosed declaration";
            i = end + 2;
            continue;
        }
        // Find the end of the tag, skipping quoted attribute values.
        std::size_t j = i + 1;
        char quote = 0;
        for (; j < xml.size(); ++j) {
            char c = xml[j];
            if (quote) {
                if (c == quote) quote = 0;
                else if (c == '<') return "'<' inside an attribute at " + std::to_string(j);
                else if (c == '&' && !entity_ok(j)) return "bad entity in an attribute at " + std::to_string(j);
            } else if (c == '"' || c == '\'') {
                if (xml[j - 1] != '=') return "unexpected quote at " + std::to_string(j);
                quote = c;
            } else if (c == '<') {
                return "'<' inside a tag at " + std::to_string(j);
            } else if (c == '>') {
                break;
            }
        }
        if (j >= xml.size()) return "unclosed tag at " + std::to_string(i);
        std::string tag = xml.substr(i + 1, j - i - 1);
        i = j + 1;
        if (tag.starts_with("/")) {
            std::string name = tag.substr(1);
            if (open.empty() || open.back() != name) return "mismatched </" + name + ">";
            open.pop_back();
            continue;
        }
        bool self_closing = tag.ends_with("/");
        std::string name = tag.substr(0, tag.find_first_of(" \t\n/"));
        if (name.empty()) return "empty tag name";
        if (open.empty() && ++roots > 1) return "more than one root";
        if (!self_closing) open.push_back(name);
    }
    if (!open.empty()) return "unclosed <" + open.back() + ">";
    return roots == 1 ? "" : "no root element";
}

std::size_t count(const std::string& text, std::string_view needle) {
    std::size_t n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

json result(std::string scenario, std::string strategy, double size, std::string cache, json median,
            bool verified = true) {
    return {{"scenario", scenario}, {"strategy", strategy}, {"size", size}, {"cache", cache},
            {"verified", verified}, {"runs", json::array()}, {"median", median}};
}

json median(double gbps, json sender, json receiver) {
    return {{"gbps", gbps},         {"seconds", 1.0 / gbps}, {"sender_cpu_s_per_gb", sender},
            {"receiver_cpu_s_per_gb", receiver}, {"syscalls_per_gb", 10}, {"context_switches", 3},
            {"copy_equivalents", 1}, {"min_gbps", gbps * 0.9}, {"max_gbps", gbps * 1.1}};
}

json sample_results() {
    json results = {{"machine", {{"kernel", "6.1.0-18-amd64"}, {"cpu", "AMD EPYC <test> & co"}, {"cores", 8},
                                 {"filesystem", "ext4"}}},
                    {"memcpy_gbps", 11.5},
                    {"results", json::array()}};
    auto& rows = results["results"];
    const double sizes[] = {4096, 65536, 1 << 20, 64.0 * (1 << 20), 1024.0 * (1 << 20)};
    int k = 0;
    for (double size : sizes) {
        ++k;
        rows.push_back(result("file-to-socket", "read-write", size, "warm", median(1.0 + k, 0.4, 0.3)));
        rows.push_back(result("file-to-socket", "sendfile", size, "warm", median(2.0 + 1.5 * k, 0.1, 0.3)));
        rows.push_back(result("file-to-socket", "a<b&c>", size, "warm", median(0.5 * k, 0.2, nullptr)));
        rows.push_back(result("file-to-socket", "auto", size, "warm", median(1.8 + 1.5 * k, 0.12, 0.3)));
        rows.push_back(result("file-to-file", "copy-file-range", size, "cold", median(3.0 * k, 0.05, nullptr)));
        rows.push_back(result("file-to-file", "read-write", size, "cold", median(1.0 * k, 0.5, nullptr), k != 3));
    }
    return results;
}

const bench::svg_document* find(const std::vector<bench::svg_document>& docs, std::string_view name) {
    for (const auto& doc : docs)
        if (doc.file_name == name) return &doc;
    return nullptr;
}

TEST(svg_chart, file_names_and_well_formed) {
    auto docs = bench::render_bench_charts(sample_results());
    std::vector<std::string> names;
    for (const auto& doc : docs) names.push_back(doc.file_name);
    EXPECT_EQ(names, (std::vector<std::string>{"file-to-socket-warm-throughput.svg", "file-to-socket-warm-cpu.svg",
                                               "file-to-file-cold-throughput.svg", "file-to-file-cold-cpu.svg"}));
    for (const auto& doc : docs) {
        EXPECT_EQ(xml_problem(doc.svg), "") << doc.file_name;
        EXPECT_TRUE(doc.svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"")) << doc.file_name;
        EXPECT_NE(doc.svg.find("viewBox=\"0 0 900 "), std::string::npos);
    }
    EXPECT_EQ(xml_problem(bench::render_combined_bench_chart(sample_results())), "");
}

TEST(svg_chart, checker_catches_broken_xml) {
    EXPECT_NE(xml_problem("<svg><g></svg>"), "");
    EXPECT_NE(xml_problem("<svg><text>a<b</text></svg>"), "");
    EXPECT_NE(xml_problem("<svg><text>a & b</text></svg>"), "");
    EXPECT_NE(xml_problem("<svg a=\"<\"/>"), "");
    EXPECT_EQ(xml_problem("<svg><g a=\"1\"/><text>a &amp; b</text></svg>"), "");
}

TEST(svg_chart, one_bar_per_value_with_memcpy_line_and_machine) {
    auto docs = bench::render_bench_charts(sample_results());
    const auto* throughput = find(docs, "file-to-socket-warm-throughput.svg");
    ASSERT_NE(throughput, nullptr);
    EXPECT_EQ(count(throughput->svg, "<rect class=\"bar\""), 20u); // 4 strategies × 5 sizes
    EXPECT_EQ(count(throughput->svg, "class=\"whisker\""), 20u);
    EXPECT_EQ(count(throughput->svg, "class=\"best\""), 5u); // one per size
    EXPECT_EQ(count(throughput->svg, "class=\"reference\""), 1u);
    EXPECT_NE(throughput->svg.find(">memcpy</text>"), std::string::npos);
    for (std::string_view size : {">4 KiB<", ">64 KiB<", ">1 MiB<", ">64 MiB<", ">1 GiB<"})
        EXPECT_NE(throughput->svg.find(size), std::string::npos) << size;
    EXPECT_NE(throughput->svg.find("Linux 6.1.0-18-amd64 · AMD EPYC &lt;test&gt; &amp; co · 8 cores · ext4"),
              std::string::npos);

    const auto* cpu = find(docs, "file-to-socket-warm-cpu.svg");
    ASSERT_NE(cpu, nullptr);
    EXPECT_EQ(count(cpu->svg, "<rect class=\"bar\""), 20u);
    EXPECT_EQ(count(cpu->svg, "<rect class=\"stacked\""), 15u); // a<b&c> has no receiver figure
    EXPECT_EQ(count(cpu->svg, "class=\"reference\""), 0u);

    // The unverified bar is faded and explained.
    const auto* file_to_file = find(docs, "file-to-file-cold-throughput.svg");
    ASSERT_NE(file_to_file, nullptr);
    EXPECT_EQ(count(file_to_file->svg, "<rect class=\"bar\""), 10u);
    EXPECT_EQ(count(file_to_file->svg, "fill-opacity=\"0.35\""), 1u);
    EXPECT_NE(file_to_file->svg.find("did not verify"), std::string::npos);
}

TEST(svg_chart, strategy_names_are_escaped_and_colours_consistent) {
    auto docs = bench::render_bench_charts(sample_results());
    for (const auto& doc : docs) {
        EXPECT_EQ(doc.svg.find("a<b&c>"), std::string::npos) << doc.file_name;
        EXPECT_EQ(doc.svg.find("AMD EPYC <test>"), std::string::npos) << doc.file_name;
    }
    EXPECT_NE(find(docs, "file-to-socket-warm-throughput.svg")->svg.find(">a&lt;b&amp;c&gt;</text>"),
              std::string::npos);
    // read-write has one colour in the file-to-socket and the file-to-file charts.
    for (const auto& doc : docs)
        EXPECT_NE(doc.svg.find("fill=\"#8c8c8c\"/><text x=\"17\" y=\"10.5\" font-size=\"12\" fill=\"#333\">read-write"),
                  std::string::npos)
            << doc.file_name;
    EXPECT_EQ(bench::xml_escape("<a href='x'>&\"\x01"), "&lt;a href=&apos;x&apos;&gt;&amp;&quot;?");
}

// Every strategy keeps the colour it had when the chart listed them by name;
// scan methods take the colour of their strategy's mechanism.
TEST(svg_chart, each_strategy_and_scan_method_keeps_its_colour) {
    const std::vector<std::pair<std::string, std::string>> colours = {
        {"read-write", "#8c8c8c"},   {"mmap-write", "#E69F00"},      {"sendfile", "#0072B2"},
        {"splice", "#56B4E9"},       {"copy-file-range", "#009E73"}, {"direct-io", "#F0E442"},
        {"uring-splice", "#CC79A7"}, {"uring-send-zc", "#D55E00"},   {"msg-zerocopy", "#882255"},
        {"auto", "#332288"},         {"read", "#8c8c8c"},            {"mmap", "#E69F00"},
        {"io_uring", "#CC79A7"},     {"uring", "#CC79A7"}};
    for (const auto& [name, colour] : colours) {
        json results = {{"results", {result("file-to-socket", name, 65536, "warm", median(1.0, 0.1, 0.1))}}};
        const auto docs = bench::render_bench_charts(results);
        ASSERT_FALSE(docs.empty()) << name;
        EXPECT_NE(docs.front().svg.find("fill=\"" + colour + "\"/><text x=\"17\" y=\"10.5\" font-size=\"12\" fill=\"#333\">" + name),
                  std::string::npos)
            << name;
    }
}

TEST(svg_chart, nulls_and_single_values_do_not_crash) {
    json results = {{"machine", nullptr},
                    {"memcpy_gbps", nullptr},
                    {"results",
                     {result("scan", "mmap", 4096, "cold",
                             {{"gbps", 2.5}, {"min_gbps", nullptr}, {"max_gbps", nullptr},
                              {"sender_cpu_s_per_gb", nullptr}, {"receiver_cpu_s_per_gb", nullptr}}),
                      result("scan", "read", 4096, "cold", {{"gbps", nullptr}}),
                      result("scan", "direct-io", 4096, "cold", nullptr),
                      json{{"scenario", "scan"}, {"strategy", "read"}}, // no size: skipped
                      json{{"size", 1}},                                // no scenario: skipped
                      json(42)}}};
    auto docs = bench::render_bench_charts(results);
    ASSERT_EQ(docs.size(), 1u); // no CPU figure at all: no CPU chart
    EXPECT_EQ(docs[0].file_name, "scan-cold-throughput.svg");
    EXPECT_EQ(xml_problem(docs[0].svg), "");
    EXPECT_EQ(count(docs[0].svg, "<rect class=\"bar\""), 1u);
    EXPECT_EQ(count(docs[0].svg, "class=\"whisker\""), 0u);
    EXPECT_EQ(count(docs[0].svg, "class=\"best\""), 0u); // a group of one has no winner
    EXPECT_EQ(count(docs[0].svg, "class=\"reference\""), 0u);

    for (const json& odd : {json(nullptr), json::array(), json("text"), json::object(),
                            json{{"results", nullptr}}, json{{"results", {{{"median", "x"}}}}}}) {
        EXPECT_TRUE(bench::render_bench_charts(odd).empty()) << odd.dump();
        EXPECT_EQ(xml_problem(bench::render_combined_bench_chart(odd)), "") << odd.dump();
    }
    // A zero throughput still draws (a flat bar) and the scale stays finite.
    json zero = {{"results", {result("file-to-pipe", "splice", 1, "warm", median(0.0, 0.0, 0.0))}}};
    zero["results"][0]["median"]["gbps"] = 0.0;
    auto zero_docs = bench::render_bench_charts(zero);
    ASSERT_FALSE(zero_docs.empty());
    EXPECT_EQ(xml_problem(zero_docs[0].svg), "");
    EXPECT_EQ(zero_docs[0].svg.find("nan"), std::string::npos);
    EXPECT_EQ(zero_docs[0].svg.find("inf"), std::string::npos);
}

TEST(svg_chart, human_sizes_and_nice_ticks) {
    EXPECT_EQ(bench::human_size(4096), "4 KiB");
    EXPECT_EQ(bench::human_size(65536), "64 KiB");
    EXPECT_EQ(bench::human_size(1 << 20), "1 MiB");
    EXPECT_EQ(bench::human_size(64.0 * (1 << 20)), "64 MiB");
    EXPECT_EQ(bench::human_size(1024.0 * (1 << 20)), "1 GiB");
    EXPECT_EQ(bench::human_size(512), "512 B");
    EXPECT_EQ(bench::human_size(1536), "1.5 KiB");
    EXPECT_DOUBLE_EQ(bench::nice_tick_step(10), 2);
    EXPECT_DOUBLE_EQ(bench::nice_tick_step(23), 5);
    EXPECT_DOUBLE_EQ(bench::nice_tick_step(0.9), 0.2);
    EXPECT_DOUBLE_EQ(bench::nice_tick_step(48), 10);
    EXPECT_DOUBLE_EQ(bench::nice_tick_step(0), 0.2);
}

std::string slurp(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(svg_chart, writes_a_directory_or_one_combined_file) {
    temp_dir dir;
    auto per_chart = bench::write_bench_charts(sample_results(), (dir.path() / "charts").string());
    ASSERT_TRUE(per_chart) << per_chart.error().message();
    ASSERT_EQ(per_chart->size(), 4u);
    EXPECT_EQ(std::filesystem::path((*per_chart)[0]).filename(), "file-to-socket-warm-throughput.svg");
    for (const std::string& file : *per_chart) EXPECT_EQ(xml_problem(slurp(file)), "") << file;

    std::string combined_path = (dir.path() / "nested" / "all.svg").string();
    auto combined = bench::write_bench_charts(sample_results(), combined_path);
    ASSERT_TRUE(combined) << combined.error().message();
    EXPECT_EQ(*combined, std::vector<std::string>{combined_path});
    std::string combined_text = slurp(combined_path);
    EXPECT_EQ(xml_problem(combined_text), "");
    EXPECT_EQ(count(combined_text, "<rect class=\"bar\""), 20u + 20u + 10u + 10u);

    // A regular file where a directory should be: the error names the path.
    std::ofstream(dir.path() / "plain") << "x";
    auto failed = bench::write_bench_charts(sample_results(), (dir.path() / "plain" / "charts").string());
    ASSERT_FALSE(failed);
    EXPECT_NE(failed.error().context().find("plain"), std::string::npos);
}

} // namespace
} // namespace zc::test
