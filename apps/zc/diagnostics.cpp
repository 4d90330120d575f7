#include "diagnostics.hpp"

#include <cstring>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace zc::cli {
namespace {

// One process, one verb: the --json state is process-wide.
struct json_errors {
    std::FILE* stream = nullptr; // null: --json not given
    std::vector<nlohmann::json> kept;
};

json_errors& json_state() {
    static json_errors state;
    return state;
}

void keep_for_json(nlohmann::json entry) {
    auto& state = json_state();
    if (state.stream) state.kept.push_back(std::move(entry));
}

nlohmann::json error_entry(const error& failure) {
    const int number = failure.errno_value();
    const char* name = number != 0 ? ::strerrorname_np(number) : nullptr; // null for an unknown number
    return {
        {"message", failure.message()},
        {"reason", failure.code().message()},
        {"errno", number != 0 ? nlohmann::json(number) : nlohmann::json(nullptr)},
        {"errno_name", name ? nlohmann::json(name) : nlohmann::json(nullptr)},
        {"context", failure.context().empty() ? nlohmann::json(nullptr) : nlohmann::json(failure.context())},
    };
}

nlohmann::json message_entry(std::string_view message) {
    return {{"message", message}, {"reason", message}, {"errno", nullptr}, {"errno_name", nullptr}, {"context", nullptr}};
}

void print_line(std::string_view message) { fmt::print(stderr, "zc: error: {}\n", message); }

} // namespace

void print_error(std::string_view message) {
    print_line(message);
    keep_for_json(message_entry(message));
}

int report_failure(const error& failure) {
    print_line(failure.message());
    keep_for_json(error_entry(failure));
    return exit_failure;
}

void print_warning(std::string_view message) { fmt::print(stderr, "zc: warning: {}\n", message); }

void report_errors_as_json(std::FILE* stream) { json_state().stream = stream; }

void print_json_errors() {
    auto& state = json_state();
    if (!state.stream || state.kept.empty()) return;
    nlohmann::json object = {{"error", state.kept.front()}};
    if (state.kept.size() > 1) object["errors"] = state.kept;
    fmt::print(state.stream, "{}\n", object.dump());
    std::fflush(state.stream);
    state.kept.clear();
}

} // namespace zc::cli
