// The engine: sets up a transfer, runs strategies, and falls back between them
// at the exact byte reached.
//
// File → file with transfer_options::preserve_holes, the engine walks the
// source's data extents (lseek SEEK_DATA/SEEK_HOLE, Linux 3.1+) and runs the
// strategy on one extent at a time (transfer_context::stop_at); a hole moves
// the sink's offset instead, and a range that ends in one extends the sink
// with ftruncate at the end. Done once here, it serves every strategy the
// same way, fallbacks and resumed steps included. copy_file_range may keep
// holes on its own on some filesystems, but not everywhere: the walk does not
// rely on it.
#include "zerocopy/transfer.hpp"

#include <poll.h>
#include <sys/stat.h>
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
    // preserve_holes: decided at the first step.
    enum class holes_mode { undecided, off, on } holes = holes_mode::undecided;
    std::uint64_t range_end = 0;    // source offset where the range ends
    bool sink_ends_in_hole = false; // the last bytes were skipped: extend the sink at the end

    std::expected<void, error> choose_chain();
    std::expected<state, error> run();
    std::expected<bool, error> sink_may_keep_holes();
    std::expected<void, error> skip_holes(); // at a stop: past the holes, to the next data extent
    void write_every_byte();
    std::expected<void, error> skip_in_sink(std::uint64_t n);
    std::expected<void, error> extend_sink_over_trailing_hole();
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

// Holes can be left unwritten only where the sink reads back as zeros: a
// regular file without O_APPEND (where lseek moves the next write) with
// nothing at or after its offset. A source whose blocks cover its size has
// no hole to find, so the walk's lseeks are spared.
std::expected<bool, error> transfer_job::impl::sink_may_keep_holes() {
    const auto& source = ctx.source.st;
    if (!options.preserve_holes || !ctx.seekable_source || !ctx.total || *ctx.total == 0 || source.st_size == 0)
        return false;
    if (static_cast<std::uint64_t>(source.st_blocks) * 512 >= static_cast<std::uint64_t>(source.st_size)) return false;
    if (ctx.sink.kind != fd_kind::regular_file || ctx.sink.appending()) return false;
    ++stats.syscalls;
    const off_t here = ::lseek(ctx.sink.fd, 0, SEEK_CUR);
    if (here < 0) return std::unexpected(error::from_errno(errno, "lseek(sink)"));
    return here >= ctx.sink.st.st_size;
}

void transfer_job::impl::write_every_byte() {
    holes = holes_mode::off;
    ctx.stop_at = UINT64_MAX;
}

std::expected<void, error> transfer_job::impl::skip_in_sink(std::uint64_t n) {
    ++stats.syscalls;
    if (::lseek(ctx.sink.fd, static_cast<off_t>(n), SEEK_CUR) < 0)
        return std::unexpected(error::from_errno(errno, "lseek(sink) past a hole"));
    sink_ends_in_hole = true;
    ctx.stop_at = ctx.done + n;
    ctx.advance(n); // a hole is part of the range: progress reaches 100 %
    return {};
}

std::expected<void, error> transfer_job::impl::skip_holes() {
    if (holes == holes_mode::undecided) {
        auto keep = sink_may_keep_holes();
        if (!keep) return std::unexpected(keep.error());
        if (!*keep) {
            write_every_byte();
            return {};
        }
        holes = holes_mode::on;
        range_end = ctx.position + *ctx.total;
        ctx.stop_at = ctx.done; // nothing to copy until the first extent is found
    }
    while (holes == holes_mode::on && ctx.done == ctx.stop_at && !ctx.range_complete()) {
        const std::uint64_t here = ctx.position;
        ++stats.syscalls;
        off_t data = ::lseek(ctx.source.fd, static_cast<off_t>(here), SEEK_DATA);
        if (data < 0 && errno == ENXIO) {
            // No data at or after `here`: a hole to the end of the file — or
            // a file that shrank, which the strategy must see and report.
            struct stat now {};
            ++stats.syscalls;
            if (::fstat(ctx.source.fd, &now) != 0 || static_cast<std::uint64_t>(now.st_size) < range_end) break;
            data = static_cast<off_t>(range_end);
        }
        if (data < 0) break; // EINVAL and the like: no SEEK_DATA here, copy plainly
        const std::uint64_t data_at = std::min(static_cast<std::uint64_t>(data), range_end);
        if (data_at > here) {
            if (auto skipped = skip_in_sink(data_at - here); !skipped) return skipped;
            continue;
        }
        ++stats.syscalls;
        const off_t hole = ::lseek(ctx.source.fd, static_cast<off_t>(here), SEEK_HOLE);
        if (hole <= static_cast<off_t>(here)) break; // an error, or a file changing under us
        ctx.stop_at = ctx.done + (std::min(static_cast<std::uint64_t>(hole), range_end) - here);
        sink_ends_in_hole = false;
        return {};
    }
    if (holes == holes_mode::on && !ctx.range_complete() && ctx.done == ctx.stop_at) write_every_byte();
    return {};
}

// A range that ends in a hole left the sink's offset past its end: set the
// size there, as the bytes of a write would have. Never shrinks the sink.
std::expected<void, error> transfer_job::impl::extend_sink_over_trailing_hole() {
    if (!sink_ends_in_hole) return {};
    sink_ends_in_hole = false;
    stats.syscalls += 2;
    const off_t end = ::lseek(ctx.sink.fd, 0, SEEK_CUR);
    struct stat now {};
    if (end < 0 || ::fstat(ctx.sink.fd, &now) != 0)
        return std::unexpected(error::from_errno(errno, "lseek/fstat(sink) after a trailing hole"));
    if (now.st_size >= end) return {};
    ++stats.syscalls;
    if (::ftruncate(ctx.sink.fd, end) != 0)
        return std::unexpected(error::from_errno(errno, "ftruncate(sink) over a trailing hole"));
    return {};
}

std::expected<transfer_job::state, error> transfer_job::impl::finish() {
    if (!finalized) {
        if (auto extended = extend_sink_over_trailing_hole(); !extended) return std::unexpected(extended.error());
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
        if (holes != holes_mode::off)
            if (auto skipped = skip_holes(); !skipped) return std::unexpected(skipped.error());
        // A mover may still owe completions (zero-copy notifications) after
        // the last byte is accounted: it says when it is done.
        if (ctx.range_complete() && !mover) return finish();
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
        case step::done:
            stats.strategy_used = id;
            if (ctx.paused()) return state::yielded;
            if (ctx.range_complete() || holes != holes_mode::on) return finish();
            continue; // at the end of a data extent: the next one
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
    const std::uint64_t limit = impl_->options.step_limit;
    auto& ctx = impl_->ctx;
    ctx.pause_at = limit == 0 || ctx.done > UINT64_MAX - limit ? UINT64_MAX : ctx.done + limit;
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
        if (*state == transfer_job::state::yielded) continue;
        pollfd p{};
        p.fd = *state == transfer_job::state::would_block_on_sink ? sink_fd : source_fd;
        p.events = *state == transfer_job::state::would_block_on_sink ? POLLOUT : POLLIN;
        (void)detail::retry_on_eintr([&] { return ::poll(&p, 1, -1); });
    }
}

} // namespace zc
