// The engine: sets up a transfer, runs strategies, and falls back between them
// at the exact byte reached.
#include "zerocopy/transfer.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "core/io.hpp"
#include "core/sigpipe_guard.hpp"
#include "engine/auto_select.hpp"
#include "strategies/strategy.hpp"

namespace zc {

using detail::step;
using detail::transfer_context;

namespace {

using clock_type = std::chrono::steady_clock;

std::string pair_text(const transfer_context& ctx) {
    return ctx.source.describe() + " → " + ctx.sink.describe();
}

std::expected<void, error> check_endpoints(const transfer_context& ctx) {
    if (ctx.source.kind == fd_kind::directory)
        return std::unexpected(error::from_errno(EISDIR, "source"));
    if (ctx.sink.kind == fd_kind::directory) return std::unexpected(error::from_errno(EISDIR, "sink"));
    return {};
}

// Where the source starts and how many bytes the range holds.
std::expected<void, error> resolve_range(transfer_context& ctx, const transfer_options& options) {
    ctx.seekable_source = ctx.source.kind == fd_kind::regular_file;
    if (!ctx.seekable_source) {
        if (options.offset)
            return std::unexpected(error::from(errc::not_seekable, "source is a " + ctx.source.describe()));
        ctx.total = options.length;
        return {};
    }
    if (options.offset) {
        ctx.position = *options.offset;
    } else {
        off_t here = ::lseek(ctx.source.fd, 0, SEEK_CUR);
        if (here < 0) return std::unexpected(error::from_errno(errno, "lseek(source)"));
        ctx.position = static_cast<std::uint64_t>(here);
    }
    const auto size = static_cast<std::uint64_t>(ctx.source.st.st_size);
    if (size == 0) { // empty, or /proc-like: size unknown until EOF
        ctx.total = options.length;
        return {};
    }
    const std::uint64_t available = ctx.position <= size ? size - ctx.position : 0;
    if (ctx.position > size || (options.length && *options.length > available))
        return std::unexpected(error::from(
            errc::source_too_short, "range " + std::to_string(ctx.position) + "+" +
                                        std::to_string(options.length.value_or(0)) + " of a " +
                                        std::to_string(size) + "-byte file"));
    ctx.total = options.length.value_or(available);
    return {};
}

} // namespace

bool is_refusal(const error& e) noexcept {
    // Refusals mean "this strategy cannot do this here", not "the transfer
    // failed": the next strategy in the chain gets the same bytes.
    switch (e.errno_value()) {
    case EINVAL:
    case ENOSYS:
    case EOPNOTSUPP:
    case EXDEV:
    case EPERM: return true;
    default: return e.is(errc::unsupported_pair) || e.is(errc::strategy_unavailable);
    }
}

namespace detail {

std::expected<void, error> transfer_context::source_ended(std::string_view by) {
    if (!total) {
        finished = true;
        return {};
    }
    const std::string where = std::string(by) + " hit end of source after " + std::to_string(done) +
                              " of " + std::to_string(*total) + " bytes";
    // A file that had a size at the start and ended early shrank under us; a
    // stream or size-0 file simply had fewer bytes than asked for.
    const bool shrank = seekable_source && source.st.st_size > 0;
    return std::unexpected(error::from(shrank ? errc::source_shrank : errc::source_too_short, where));
}

} // namespace detail

struct transfer_job::impl {
    transfer_options options;
    transfer_stats stats;
    transfer_context ctx;
    std::vector<strategy_id> chain;
    std::size_t current = 0;
    std::unique_ptr<detail::mover> mover;
    std::string stranded;          // bytes a failed mover took from a stream and never delivered
    std::size_t stranded_sent = 0;
    bool restore_source_offset = false;
    clock_type::time_point started = clock_type::now();
    bool finalized = false;

    std::expected<void, error> choose_chain();
    std::expected<state, error> run();
    std::expected<bool, error> deliver_stranded(); // false: sink would block
    bool fall_back(const error& reason); // false: no strategy left to try
    std::expected<state, error> finish();
};

std::expected<void, error> transfer_job::impl::choose_chain() {
    if (options.strategy != strategy_id::automatic) {
        const auto& ops = detail::ops_for(options.strategy);
        const std::string name(ops.name);
        if (auto why = ops.refuses(ctx.source, ctx.sink))
            return std::unexpected(error::from(errc::unsupported_pair,
                                               "strategy '" + name + "' cannot serve " + pair_text(ctx) + ": " + *why));
        if (const auto& unavailable = detail::availability(options.strategy))
            return std::unexpected(error::from(errc::strategy_unavailable,
                                               "strategy '" + name + "': " + unavailable->message()));
        chain = {options.strategy};
        return {};
    }
    chain = detail::auto_chain(ctx.source, ctx.sink, ctx.total, options); // may apply the profile's tuning
    // Skip what this kernel cannot run, and say so.
    while (current + 1 < chain.size() && detail::availability(chain[current])) {
        stats.fallbacks.push_back({chain[current], chain[current + 1], 0, *detail::availability(chain[current])});
        ++current;
    }
    if (chain.empty())
        return std::unexpected(error::from(errc::unsupported_pair, "no strategy serves " + pair_text(ctx)));
    return {};
}

std::expected<transfer_job, error> transfer_job::start(int source_fd, int sink_fd,
                                                       const transfer_options& options) {
    auto source = detail::inspect(source_fd, "source");
    if (!source) return std::unexpected(source.error());
    auto sink = detail::inspect(sink_fd, "sink");
    if (!sink) return std::unexpected(sink.error());
    auto job = start_inspected(*source, *sink, options);
    if (job) job->impl_->stats.syscalls += 4; // fstat + fcntl for each side
    return job;
}

std::expected<transfer_job, error> transfer_job::start(int source_fd, const descriptor_facts& source, int sink_fd,
                                                       const descriptor_facts& sink,
                                                       const transfer_options& options) {
    return start_inspected(detail::endpoint_from_facts(source_fd, source), detail::endpoint_from_facts(sink_fd, sink),
                           options);
}

std::expected<transfer_job, error> transfer_job::start_inspected(const detail::endpoint& source,
                                                                 const detail::endpoint& sink,
                                                                 const transfer_options& options) {
    auto p = std::make_unique<impl>();
    p->options = options;
    p->ctx.options = &p->options;
    p->ctx.stats = &p->stats;
    p->ctx.source = source;
    p->ctx.sink = sink;
    if (auto ok = check_endpoints(p->ctx); !ok) return std::unexpected(ok.error());
    if (auto ok = resolve_range(p->ctx, options); !ok) return std::unexpected(ok.error());
    p->restore_source_offset = p->ctx.seekable_source && !options.offset;
    if (auto ok = p->choose_chain(); !ok) return std::unexpected(ok.error());
    p->stats.strategy_used = p->chain[p->current];
    return transfer_job(std::move(p));
}

std::expected<bool, error> transfer_job::impl::deliver_stranded() {
    const std::size_t before = stranded_sent;
    auto wrote = detail::write_some(ctx.sink.fd, detail::as_bytes(stranded), stranded_sent, &stats.syscalls);
    ctx.done += stranded_sent - before; // a stream source: position does not apply
    if (!wrote)
        return std::unexpected(
            error::from_errno(wrote.error().errno_value(), "write(sink) of bytes held across a fallback"));
    if (stranded_sent < stranded.size()) return false;
    stranded.clear();
    stranded_sent = 0;
    return true;
}

bool transfer_job::impl::fall_back(const error& reason) {
    if (options.strategy != strategy_id::automatic || !is_refusal(reason) || current + 1 >= chain.size())
        return false;
    if (mover) stranded += mover->take_stranded();
    mover.reset();
    stats.fallbacks.push_back({chain[current], chain[current + 1], ctx.done, reason});
    ++current;
    while (detail::availability(chain[current]) && current + 1 < chain.size()) {
        stats.fallbacks.push_back({chain[current], chain[current + 1], ctx.done, *detail::availability(chain[current])});
        ++current;
    }
    return !detail::availability(chain[current]);
}

std::expected<transfer_job::state, error> transfer_job::impl::finish() {
    if (!finalized) {
        finalized = true;
        stats.bytes = ctx.done;
        stats.elapsed = clock_type::now() - started;
        if (restore_source_offset) {
            // Without an offset the caller reads "from here": leave the fd where a
            // read(2) of the same bytes would have left it.
            ++stats.syscalls;
            if (::lseek(ctx.source.fd, static_cast<off_t>(ctx.position), SEEK_SET) < 0)
                return std::unexpected(error::from_errno(errno, "lseek(source) after transfer"));
        }
    }
    return state::done;
}

std::expected<transfer_job::state, error> transfer_job::impl::run() {
    for (;;) {
        if (!stranded.empty()) {
            auto delivered = deliver_stranded();
            if (!delivered) return std::unexpected(delivered.error());
            if (!*delivered) return state::would_block_on_sink;
        }
        // A mover may still owe completions (zero-copy notifications) after
        // the last byte is accounted: it says when it is done.
        if (ctx.complete() && !mover) return finish();
        const strategy_id id = chain[current];
        const auto& ops = detail::ops_for(id);
        if (!mover) {
            auto opened = ops.open(ctx);
            if (!opened) {
                error e = opened.error();
                if (fall_back(e)) continue;
                return std::unexpected(e.wrap("strategy '" + std::string(ops.name) + "'"));
            }
            mover = std::move(*opened);
        }
        const std::uint64_t before = ctx.done;
        auto moved = mover->move(ctx);
        if (ctx.done != before) stats.strategy_used = id;
        if (!moved) {
            error e = moved.error();
            if (fall_back(e)) continue;
            return std::unexpected(e.wrap("strategy '" + std::string(ops.name) + "'"));
        }
        switch (*moved) {
        case step::done: stats.strategy_used = id; return finish();
        case step::sink_blocked: return state::would_block_on_sink;
        case step::source_blocked: return state::would_block_on_source;
        }
    }
}

transfer_job::transfer_job(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
transfer_job::transfer_job(transfer_job&&) noexcept = default;
transfer_job& transfer_job::operator=(transfer_job&&) noexcept = default;
transfer_job::~transfer_job() = default;

std::expected<transfer_job::state, error> transfer_job::step() {
    detail::sigpipe_guard guard(impl_->options.guard_sigpipe);
    return impl_->run();
}

std::uint64_t transfer_job::bytes_done() const noexcept { return impl_->ctx.done; }
std::optional<std::uint64_t> transfer_job::bytes_total() const noexcept { return impl_->ctx.total; }
const transfer_stats& transfer_job::stats() const noexcept { return impl_->stats; }

std::expected<transfer_stats, error> transfer(int source_fd, int sink_fd, const transfer_options& options) {
    auto job = transfer_job::start(source_fd, sink_fd, options);
    if (!job) return std::unexpected(job.error());
    for (;;) {
        auto state = job->step();
        if (!state) return std::unexpected(state.error());
        if (*state == transfer_job::state::done) return job->stats();
        pollfd p{};
        p.fd = *state == transfer_job::state::would_block_on_sink ? sink_fd : source_fd;
        p.events = *state == transfer_job::state::would_block_on_sink ? POLLOUT : POLLIN;
        (void)detail::retry_on_eintr([&] { return ::poll(&p, 1, -1); });
    }
}

} // namespace zc
