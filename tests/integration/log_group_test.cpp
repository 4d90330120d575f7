// zc log serve's consumer groups with real clients: two kcat (librdkafka)
// consumers in one group share 3 partitions, the survivor takes them all
// when the other leaves and reads on; offsets committed before a broker
// restart hold after it; kafka-python's KafkaConsumer joins a group,
// commits, and a later member starts after the commit. A missing client is
// a skip.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kafka_clients.hpp"
#include "support/test_support.hpp"
#include "zc_process.hpp"

namespace zc::test {
namespace {

using namespace std::chrono_literals;

// Polls `ready` every 100 ms for at most `limit`: a wait for a client, not a
// timed assertion (the limit is far beyond what the step takes).
template <class Ready>
bool wait_until(Ready ready, std::chrono::milliseconds limit = 60s) {
    for (auto waited = 0ms; waited < limit; waited += 100ms) {
        if (ready()) return true;
        std::this_thread::sleep_for(100ms);
    }
    return ready();
}

// A client running in the background with its stdout and stderr in files;
// stop() is SIGTERM (a kcat consumer then closes: commits, LeaveGroup).
class background_client {
public:
    background_client(const std::string& command, std::filesystem::path out, std::filesystem::path err)
        : out_(std::move(out)), err_(std::move(err)) {
        const std::string line = "exec " + command + " >" + out_.string() + " 2>" + err_.string();
        pid_ = ::fork();
        if (pid_ == 0) {
            ::execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
    }
    ~background_client() { stop(); }
    background_client(const background_client&) = delete;
    background_client& operator=(const background_client&) = delete;

    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        int status = 0;
        const bool exited = wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, 30s);
        if (!exited) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
        }
        pid_ = -1;
    }
    std::string out() const { return read_file(out_); }
    std::string err() const { return read_file(err_); }

    // The partitions of the last "assigned:" line kcat printed (-1 none yet).
    std::set<int> assignment() const {
        std::set<int> parts;
        const std::string text = err();
        const auto at = text.rfind("assigned:");
        if (at == std::string::npos) return parts;
        const std::string line = text.substr(at, text.find('\n', at) - at);
        static const std::regex partition(R"(\[(\d+)\])");
        for (std::sregex_iterator it(line.begin(), line.end(), partition), end; it != end; ++it)
            parts.insert(std::stoi((*it)[1]));
        return parts;
    }
    // Output lines "PARTITION VALUE".
    std::vector<std::pair<int, std::string>> records() const {
        std::vector<std::pair<int, std::string>> out;
        std::istringstream in(this->out());
        int p;
        std::string value;
        while (in >> p >> value) out.emplace_back(p, value);
        return out;
    }
    std::size_t count_with(const std::string& prefix) const {
        const auto rs = records();
        return static_cast<std::size_t>(
            std::count_if(rs.begin(), rs.end(), [&](const auto& r) { return r.second.starts_with(prefix); }));
    }

private:
    std::filesystem::path out_, err_;
    pid_t pid_ = -1;
};

bool produce(const broker_process& broker, const std::filesystem::path& dir, const std::string& topic,
             const std::string& prefix, int count) {
    std::string lines;
    for (int i = 0; i < count; ++i) lines += "key" + std::to_string(i) + ":" + prefix + std::to_string(i) + "\n";
    const auto path = dir / (prefix + "input.txt");
    std::ofstream(path) << lines;
    return shell("kcat -b " + broker.bootstrap() + " -P -t " + topic + " -K: -X acks=all < " + path.string()).exit_code == 0;
}

std::string group_consumer(const broker_process& broker, const std::string& group, const std::string& topic) {
    return "kcat -b " + broker.bootstrap() + " -G " + group + " " + topic +
           " -u -f \"%p %s\\n\" -X auto.offset.reset=earliest -X session.timeout.ms=6000 -X heartbeat.interval.ms=500 -X auto.commit.interval.ms=500";
}

const std::set<int> all_partitions = {0, 1, 2};

TEST(log_group, two_kcat_consumers_share_three_partitions_and_the_survivor_takes_over) {
    if (!have_program("kcat")) GTEST_SKIP() << "kcat is not installed";
    temp_dir dir;
    broker_process broker(dir / "log", {"--partitions", "3"});
    ASSERT_TRUE(broker.started()) << broker.stderr_so_far();
    ASSERT_TRUE(produce(broker, dir.path(), "events", "first-", 30));

    background_client one(group_consumer(broker, "readers", "events"), dir / "one.out", dir / "one.err");
    ASSERT_TRUE(wait_until([&] { return one.assignment() == all_partitions && one.count_with("first-") == 30; }))
        << one.err() << one.out();

    background_client two(group_consumer(broker, "readers", "events"), dir / "two.out", dir / "two.err");
    auto shared = [&] {
        const auto a = one.assignment(), b = two.assignment();
        std::set<int> both(a.begin(), a.end());
        both.insert(b.begin(), b.end());
        return !a.empty() && !b.empty() && a.size() + b.size() == 3 && both == all_partitions;
    };
    ASSERT_TRUE(wait_until(shared)) << one.err() << "\n----\n" << two.err();
    EXPECT_EQ(two.count_with("first-"), 0u) << "the first member committed what it read; the second starts after it";

    ASSERT_TRUE(produce(broker, dir.path(), "events", "second-", 30));
    ASSERT_TRUE(wait_until([&] { return one.count_with("second-") + two.count_with("second-") == 30; }))
        << one.out() << "\n----\n" << two.out();
    for (const auto* c : {&one, &two}) {
        const auto mine = c->assignment();
        for (const auto& [partition, value] : c->records()) {
            if (value.starts_with("second-")) {
                EXPECT_TRUE(mine.contains(partition)) << value << " on " << partition;
            }
        }
    }

    two.stop(); // closes: commits and leaves the group
    ASSERT_TRUE(wait_until([&] { return one.assignment() == all_partitions; })) << one.err();
    ASSERT_TRUE(produce(broker, dir.path(), "events", "third-", 30));
    ASSERT_TRUE(wait_until([&] { return one.count_with("third-") == 30; })) << one.out();
    EXPECT_EQ(one.count_with("second-") + two.count_with("second-"), 30u) << "nothing read twice across the handover";
    one.stop();
    EXPECT_EQ(broker.stop().exit_code, 0);
}

TEST(log_group, committed_offsets_survive_a_broker_restart) {
    if (!have_program("kcat")) GTEST_SKIP() << "kcat is not installed";
    temp_dir dir;
    const std::string read_to_end = " -q -e -f \"%s\\n\" -X auto.offset.reset=earliest -X session.timeout.ms=6000";
    {
        broker_process broker(dir / "log", {"--partitions", "3"});
        ASSERT_TRUE(broker.started()) << broker.stderr_so_far();
        ASSERT_TRUE(produce(broker, dir.path(), "events", "before-", 20));
        const auto first = shell("kcat -b " + broker.bootstrap() + " -G keepers events" + read_to_end);
        ASSERT_EQ(first.exit_code, 0);
        EXPECT_EQ(std::count(first.out.begin(), first.out.end(), '\n'), 20) << first.out;
        EXPECT_EQ(broker.stop().exit_code, 0);
    }
    EXPECT_TRUE(std::filesystem::exists(dir / "log" / "__consumer_offsets" / "offsets.journal"));
    broker_process broker(dir / "log", {"--partitions", "3"});
    ASSERT_TRUE(broker.started()) << broker.stderr_so_far();
    ASSERT_TRUE(produce(broker, dir.path(), "events", "after-", 10));
    const auto second = shell("kcat -b " + broker.bootstrap() + " -G keepers events" + read_to_end);
    ASSERT_EQ(second.exit_code, 0);
    EXPECT_EQ(std::count(second.out.begin(), second.out.end(), '\n'), 10) << second.out;
    EXPECT_EQ(second.out.find("before-"), std::string::npos) << "read again after the restart:\n" << second.out;
    EXPECT_EQ(broker.stop().exit_code, 0);
}

TEST(log_group, kafka_python_consumer_joins_commits_and_a_later_member_starts_after_the_commit) {
    if (!have_program("kcat")) GTEST_SKIP() << "kcat is not installed (it produces the messages)";
    if (shell(std::string(debian_python) + " -c \"import kafka\" 2>/dev/null", 30).exit_code != 0)
        GTEST_SKIP() << "kafka-python (python3-kafka) is not installed";
    temp_dir dir;
    broker_process broker(dir / "log", {"--partitions", "3"});
    ASSERT_TRUE(broker.started()) << broker.stderr_so_far();
    ASSERT_TRUE(produce(broker, dir.path(), "events", "py-", 25));
    const std::string script = std::string(debian_python) + " " + kafka_clients_dir + "/group_kafka_python.py " +
                               broker.bootstrap() + " events pygroup ";
    const auto first = shell(script + "25 2>&1");
    EXPECT_EQ(first.exit_code, 0) << first.out;
    EXPECT_NE(first.out.find("assigned 0,1,2 read 25"), std::string::npos) << first.out;
    const auto second = shell(script + "0 2>&1");
    EXPECT_EQ(second.exit_code, 0) << second.out;
    EXPECT_NE(second.out.find("assigned 0,1,2 read 0"), std::string::npos) << second.out;
    EXPECT_EQ(broker.stop().exit_code, 0);
}

} // namespace
} // namespace zc::test
