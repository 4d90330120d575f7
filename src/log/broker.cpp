#include "log/broker.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace zc::log {

namespace {

using protocol::error_code;

std::int64_t wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A Kafka cluster id: 16 random bytes in URL-safe base64 without padding
// (org.apache.kafka.common.Uuid.toString), 22 characters.
std::string random_cluster_id() {
    unsigned char raw[16] = {};
    std::size_t got = 0;
    while (got < sizeof raw) {
        const ssize_t n = ::getrandom(raw + got, sizeof raw - got, 0);
        if (n > 0) got += static_cast<std::size_t>(n);
        else if (errno != EINTR) break;
    }
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t bits = 0;
    int held = 0;
    for (unsigned char c : raw) {
        bits = (bits << 8) | c;
        held += 8;
        while (held >= 6) {
            held -= 6;
            out += alphabet[(bits >> held) & 63];
        }
    }
    if (held > 0) out += alphabet[(bits << (6 - held)) & 63];
    return out;
}

std::map<std::string, std::string> read_properties(const std::filesystem::path& path) {
    std::map<std::string, std::string> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        out[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return out;
}

// Written to a temporary name, synced, renamed: a crash leaves the old file or the new one.
std::expected<void, error> write_file_durably(const std::filesystem::path& path, const std::string& text) {
    const auto temporary = path.string() + ".tmp";
    const int raw = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (raw < 0) return std::unexpected(error::from_errno(errno, "open(" + temporary + ")"));
    unique_fd fd(raw);
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::unexpected(error::from_errno(errno, "write(" + temporary + ")"));
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return std::unexpected(error::from_errno(errno, "fsync(" + temporary + ")"));
    if (::rename(temporary.c_str(), path.c_str()) != 0)
        return std::unexpected(error::from_errno(errno, "rename(" + temporary + ")"));
    const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return {};
}

} // namespace

bool is_legal_topic_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-';
    });
}

std::expected<std::unique_ptr<broker>, error> broker::open(const broker_config& config) {
    std::unique_ptr<broker> b(new broker(config));
    std::error_code ec;
    std::filesystem::create_directories(config.dir, ec);
    if (ec) return std::unexpected(error(ec, "create " + config.dir.string()));
    if (auto identity = b->load_identity(); !identity) return std::unexpected(identity.error());
    if (auto opened = b->open_existing(); !opened) return std::unexpected(opened.error());
    b->next_retention_check_ = steady_clock::now() + config.retention_check_interval;
    return b;
}

broker::~broker() { (void)close(); }

std::expected<void, error> broker::load_identity() {
    const auto path = config_.dir / "meta.properties";
    auto properties = read_properties(path);
    if (auto it = properties.find("cluster.id"); it != properties.end() && !it->second.empty()) {
        cluster_id_ = it->second;
        if (auto node = properties.find("node.id"); node != properties.end()) {
            try {
                config_.node_id = std::stoi(node->second);
            } catch (const std::exception&) {
                return std::unexpected(error::from_errno(EINVAL, path.string() + ": node.id is not a number"));
            }
        }
        return {};
    }
    cluster_id_ = random_cluster_id();
    return write_file_durably(path, fmt::format("#zc log serve\nversion=1\ncluster.id={}\nnode.id={}\n", cluster_id_,
                                                config_.node_id));
}

std::expected<void, error> broker::open_existing() {
    std::map<std::string, std::int32_t> found; // topic → partitions (highest index + 1)
    std::error_code ec;
    for (std::filesystem::directory_iterator it(config_.dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_directory()) continue;
        auto parsed = parse_partition_dir_name(it->path().filename().string());
        if (!parsed || !is_legal_topic_name(parsed->topic)) continue;
        auto& count = found[parsed->topic];
        count = std::max(count, parsed->partition + 1);
    }
    if (ec) return std::unexpected(error(ec, "list " + config_.dir.string()));
    for (const auto& [name, partitions] : found) {
        auto opened = open_topic(name, partitions);
        if (!opened) return std::unexpected(opened.error());
        topics_.emplace(name, std::move(*opened));
    }
    return {};
}

std::expected<std::unique_ptr<topic>, error> broker::open_topic(const std::string& name, std::int32_t partitions) {
    auto t = std::make_unique<topic>();
    t->name = name;
    for (std::int32_t i = 0; i < partitions; ++i) {
        auto log = partition_log::open(config_.dir / fmt::format("{}-{}", name, i), config_.log);
        if (!log) return std::unexpected(log.error());
        auto p = std::make_unique<partition>();
        p->log = std::move(*log);
        p->topic = name;
        p->index = i;
        t->partitions.push_back(std::move(p));
    }
    return t;
}

broker::address broker::advertised() const {
    std::lock_guard lock(advertised_mutex_);
    return {config_.advertised_host, config_.advertised_port};
}

void broker::set_advertised(std::string host, std::uint16_t port) {
    std::lock_guard lock(advertised_mutex_);
    config_.advertised_host = std::move(host);
    config_.advertised_port = port;
}

topic* broker::find_topic(std::string_view name) const {
    std::shared_lock lock(topics_mutex_);
    const auto it = topics_.find(name);
    return it == topics_.end() ? nullptr : it->second.get();
}

partition* broker::find_partition(std::string_view topic_name, std::int32_t index) const {
    topic* t = find_topic(topic_name);
    if (!t || index < 0 || static_cast<std::size_t>(index) >= t->partitions.size()) return nullptr;
    return t->partitions[static_cast<std::size_t>(index)].get();
}

std::expected<topic*, error_code> broker::topic_for_use(std::string_view name, bool allow_create) {
    if (topic* t = find_topic(name)) return t;
    if (!is_legal_topic_name(name)) return std::unexpected(error_code::invalid_topic_exception);
    if (!allow_create || !config_.auto_create_topics || closed_)
        return std::unexpected(error_code::unknown_topic_or_partition);
    std::unique_lock lock(topics_mutex_);
    if (auto it = topics_.find(name); it != topics_.end()) return it->second.get(); // another worker made it
    auto opened = open_topic(std::string(name), config_.default_partitions);
    if (!opened) return std::unexpected(error_code::kafka_storage_error);
    topic* t = opened->get();
    topics_.emplace(std::string(name), std::move(*opened));
    return t;
}

broker::create_result broker::create_topic(std::string_view name, std::int32_t partitions, bool validate_only) {
    if (!is_legal_topic_name(name))
        return {error_code::invalid_topic_exception,
                fmt::format("Topic name \"{}\" is illegal: it must be 1 to 249 characters of [a-zA-Z0-9._-], not . "
                            "or ..",
                            name)};
    if (partitions == -1) partitions = config_.default_partitions;
    if (partitions < 1 || partitions > 100'000)
        return {error_code::invalid_partitions, "Number of partitions must be at least 1."};
    std::unique_lock lock(topics_mutex_);
    if (topics_.contains(name))
        return {error_code::topic_already_exists, fmt::format("Topic '{}' already exists.", name)};
    if (validate_only || closed_) return {};
    auto opened = open_topic(std::string(name), partitions);
    if (!opened) return {error_code::kafka_storage_error, opened.error().message()};
    topics_.emplace(std::string(name), std::move(*opened));
    return {};
}

std::vector<topic*> broker::topics() const {
    std::shared_lock lock(topics_mutex_);
    std::vector<topic*> out;
    out.reserve(topics_.size());
    for (const auto& [name, t] : topics_) out.push_back(t.get());
    return out;
}

std::uint64_t broker::add_waiter(std::vector<const partition*> partitions, std::function<void()> wake) {
    std::lock_guard lock(waiters_mutex_);
    const std::uint64_t token = next_token_++;
    waiters_.emplace(token, waiter{std::move(partitions), std::move(wake)});
    return token;
}

void broker::remove_waiter(std::uint64_t token) {
    std::lock_guard lock(waiters_mutex_);
    waiters_.erase(token);
}

void broker::notify_appended(const partition* p) {
    std::vector<std::function<void()>> wakes;
    {
        std::lock_guard lock(waiters_mutex_);
        for (auto it = waiters_.begin(); it != waiters_.end();) {
            const auto& parts = it->second.partitions;
            if (std::find(parts.begin(), parts.end(), p) != parts.end()) {
                wakes.push_back(std::move(it->second.wake));
                it = waiters_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (auto& wake : wakes) wake();
}

std::optional<broker::steady_clock::time_point> broker::next_due() const {
    std::optional<steady_clock::time_point> due;
    if (config_.log.retention_bytes || config_.log.retention_time) due = next_retention_check_;
    if (config_.log.flush.when != flush_policy::kind::interval) return due;
    for (topic* t : topics()) {
        for (const auto& p : t->partitions) {
            std::lock_guard lock(p->mutex);
            if (auto when = p->log->needs_flush_by(); when && (!due || *when < *due)) due = when;
        }
    }
    return due;
}

void broker::run_due(steady_clock::time_point now) {
    const bool retention = (config_.log.retention_bytes || config_.log.retention_time) && now >= next_retention_check_;
    if (retention) next_retention_check_ = now + config_.retention_check_interval;
    const bool interval = config_.log.flush.when == flush_policy::kind::interval;
    if (!retention && !interval) return;
    const std::int64_t now_ms = wall_clock_ms();
    for (topic* t : topics()) {
        for (const auto& p : t->partitions) {
            std::lock_guard lock(p->mutex);
            // A failed flush makes the partition refuse appends (its producers
            // hear KAFKA_STORAGE_ERROR); the timer carries on with the others.
            if (interval) (void)p->log->flush_if_due(now);
            if (retention) (void)p->log->apply_retention(now_ms);
        }
    }
}

std::expected<void, error> broker::close() {
    std::unique_lock lock(topics_mutex_);
    if (closed_) return {};
    closed_ = true;
    std::optional<error> first;
    for (auto& [name, t] : topics_) {
        for (auto& p : t->partitions) {
            std::lock_guard partition_lock(p->mutex);
            auto flushed = p->log->flush();
            if (!flushed && !first) first = flushed.error();
            auto closed = p->log->close();
            if (!closed && !first) first = closed.error();
        }
    }
    if (first) return std::unexpected(*first);
    return {};
}

} // namespace zc::log
