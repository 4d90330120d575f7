// uring_backend — io_uring for a loop (seastar's reactor_backend_uring):
// wait() is one io_uring_enter that submits what changed since the last
// pass and waits for completions. Listeners are multishot accepts and the
// sessions that take completion I/O have their receives and sends in the
// ring (below); the rest (eventfds, sessions that do their own I/O) have one
// poll request each, readiness like epoll's.
//
// Edge: a multishot IORING_OP_POLL_ADD (Linux 5.13) posts a completion on
// each wake-up of the socket's wait queue — new bytes, room to write, a
// hang-up — like EPOLLET, so a session that stopped before EAGAIN after a
// short read (HTTP's "drained" read) still hears of the next bytes. The
// kernel ends a multishot poll when it cannot post a completion (the CQ is
// full) or on an error: its last completion lacks IORING_CQE_F_MORE, and the
// poll is armed again here (its first check reports the descriptor if it is
// ready, so nothing that happened meanwhile is lost). Level (the stop
// eventfd): a one-shot poll armed again after each completion, submitted
// with the next wait, after the loop has read the eventfd.
//
// Stale completions: a removed poll may still have completions in the CQ —
// and the session they were for is freed after the batch. user_data is
// therefore (generation << 32 | fd), never the tag: a completion is delivered
// only while its descriptor is watched under that generation, and every
// watch() of a descriptor number starts a new one (fd numbers are reused at
// once by accept). The poll-remove requests carry remove_marker.
//
// A closed descriptor does not end its poll: the request holds the file, so
// the socket would not close (no FIN) while its poll lives. unwatch() comes
// before the session's close and submits the removal at once, with the task
// work that ends the poll (io_uring_submit_and_get_events: one io_uring_enter,
// as epoll pays one epoll_ctl(DEL)); watch() is batched into the next wait.
//
// Rings: 4096 submission entries (a burst of accepts past that submits
// early) and 16384 completion entries, enough for 10,000 connections' polls;
// an overflowing CQ ends multishot polls (re-armed above) and the kernel
// keeps the overflow (IORING_FEAT_NODROP). The ring is created disabled and
// enabled by the thread that first submits (the loop's own, not the one that
// created the loop), so that IORING_SETUP_SINGLE_ISSUER and
// IORING_SETUP_DEFER_TASKRUN (6.1: completions are produced only inside our
// io_uring_enter, no interrupting task work) can be used; older kernels get
// the flags they know.
//
// Completion I/O (watch_completions, Linux 5.19: a provided-buffer ring and
// cancellation by descriptor): for a session that takes it, there is no poll
// at all. Its receive is a multishot IORING_OP_RECV (6.0) that stays armed
// and lets the kernel pick one of uring_buffers' buffers each time bytes
// arrive; bytes that come before the session asks are copied aside (their
// buffer goes back), the receive is cancelled so that the rest waits in the
// kernel, and the next receive() is answered from them. Its send is an IORING_OP_SEND of
// bytes the backend owns until every one left (a short send is submitted
// again from where it stopped), also past unwatch(): a closed session's send
// buffer may not be freed while the kernel could still read it; and when a
// body goes through the engine (sendfile) and the socket is full, a one-shot
// POLLOUT says when to go on. All of them are submitted with the next wait,
// so one io_uring_enter per pass receives and sends for every connection of
// the pass. The low three bits of user_data name the request's kind.
// unwatch() cancels what a session has in flight (IORING_ASYNC_CANCEL_FD)
// before its descriptor closes; nothing, when nothing is in flight (a
// connection that ended with the peer's EOF).
//
// Accept (watch_accepts, 5.19): one multishot IORING_OP_ACCEPT per
// listener, a completion per connection with its descriptor; one accepted
// for a listener no longer watched is closed here.
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/uring.hpp"
#include "net/backend.hpp"
#include "net/uring_buffers.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::net {
namespace {

constexpr std::uint64_t remove_marker = ~std::uint64_t{0};
constexpr unsigned default_sq_entries = 4096;
constexpr unsigned default_cq_entries = 16384;

unsigned poll_mask(watch_mode mode) {
    switch (mode) {
    case watch_mode::level_read:
    case watch_mode::edge_read: return POLLIN;
    case watch_mode::edge_read_write: return POLLIN | POLLOUT | POLLRDHUP;
    }
    return POLLIN;
}

// A receive or send that moved nothing and may simply be asked again.
bool retry_later(int res) { return res == -EINTR || res == -EAGAIN; }

readiness readiness_of(int res) {
    if (res < 0) return {true, true, true}; // the poll failed: let the session find out what is wrong
    const auto mask = static_cast<unsigned>(res);
    return {(mask & POLLIN) != 0, (mask & POLLOUT) != 0, (mask & (POLLRDHUP | POLLHUP | POLLERR)) != 0};
}

// What a request in the ring is for (user_data's low three bits).
enum request_kind : std::uint64_t {
    poll_request = 0,
    recv_request = 1,
    send_request = 2,
    pollout_request = 3,
    accept_request = 4,
};
constexpr std::uint64_t kind_mask = 7;

std::uint64_t user_data_of(int fd, std::uint32_t generation, request_kind kind = poll_request) {
    return (std::uint64_t{generation} << 32) | (std::uint64_t{static_cast<std::uint32_t>(fd)} << 3) | kind;
}

constexpr std::uint16_t buffer_group = 0;
constexpr std::uint16_t no_buffer = 0xffff; // a received event whose bytes are not in a provided buffer
// Per worker 128 KiB. The kernel takes buffers from the ring's head and
// they go back to its tail, so over time every one is touched and stays
// resident: the ring is kept small (a burst of more receives than buffers
// waits for the next pass, -ENOBUFS), and a buffer holds a typical request
// head (a longer one comes in parts).
constexpr unsigned receive_buffers = 128;
constexpr unsigned receive_buffer_size = 1024;

// Flags best first; a kernel that does not know one says EINVAL.
constexpr unsigned setup_flag_sets[] = {
    IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
        IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED,
    IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN,
    IORING_SETUP_CQSIZE,
};

class uring_backend final : public backend {
public:
    uring_backend(detail::uring ring, const io_uring_params& params)
        : ring_(std::move(ring)),
          disabled_((params.flags & IORING_SETUP_R_DISABLED) != 0),
          skip_remove_success_((params.features & IORING_FEAT_CQE_SKIP) != 0) {
        // Without provided-buffer rings (before 5.19) sessions keep to readiness.
        if (auto made = uring_buffers::create(ring_.get(), buffer_group, receive_buffers, receive_buffer_size))
            buffers_.emplace(std::move(*made));
    }

    std::string_view name() const noexcept override { return "io-uring"; }

    bool completes_io() const noexcept override { return buffers_.has_value(); }

    std::expected<void, error> watch_completions(int fd, void* tag) override {
        auto w = take_slot(fd, tag, "io_uring completions");
        if (!w) return std::unexpected(w.error());
        (*w)->completions = true;
        return {};
    }

    void receive(int fd) override {
        watched& w = slot(fd);
        if (!w.live || w.receiving) return;
        w.receiving = true;
        if (early_.contains(fd)) {
            early_due_.push_back(user_data_of(fd, w.generation, recv_request));
        } else if (!w.recv_armed) {
            arm_receive(fd, w);
        }
    }

    void send(int fd, send_bytes bytes) override {
        watched& w = slot(fd);
        if (!w.live || w.sending) return;
        w.send_slot = keep_send(std::move(bytes));
        if (queue_send(fd, w)) w.sending = true;
        else drop_send(w.send_slot);
    }

    void wait_writable(int fd) override {
        watched& w = slot(fd);
        if (!w.live || w.polling_out) return;
        io_uring_sqe* sqe = next_sqe();
        if (!sqe) return;
        io_uring_prep_poll_add(sqe, fd, POLLOUT);
        io_uring_sqe_set_data64(sqe, user_data_of(fd, w.generation, pollout_request));
        w.polling_out = true;
    }

    void recycle(const ready_event& event) noexcept override {
        if (event.kind == event_kind::received && !event.bytes.empty() && buffers_ && event.buffer_id != no_buffer)
            buffers_->give_back(event.buffer_id);
    }

    std::expected<void, error> watch_accepts(int fd, void* tag) override {
        // Multishot accept came with 5.19, as the buffer rings completion I/O needs.
        if (!buffers_) return std::unexpected(error::from_errno(EOPNOTSUPP, "io_uring accept"));
        auto w = take_slot(fd, tag, "io_uring accept");
        if (!w) return std::unexpected(w.error());
        (*w)->accepting = true;
        if (!arm_accept(fd, **w)) {
            (*w)->live = (*w)->accepting = false;
            return std::unexpected(error::from_errno(EBUSY, "io_uring accept: no submission entry"));
        }
        return {};
    }

    std::expected<void, error> watch(int fd, void* tag, watch_mode mode) override {
        auto w = take_slot(fd, tag, "io_uring poll");
        if (!w) return std::unexpected(w.error());
        (*w)->mode = mode;
        if (!arm(fd, **w)) {
            (*w)->live = false;
            return std::unexpected(error::from_errno(EBUSY, "io_uring poll: no submission entry"));
        }
        return {};
    }

    void unwatch(int fd) noexcept override {
        if (fd < 0 || static_cast<std::size_t>(fd) >= slots_.size() || !slots_[static_cast<std::size_t>(fd)].live) return;
        watched& w = slots_[static_cast<std::size_t>(fd)];
        w.live = false;
        if (w.completions) {
            end_completions(fd, w);
            return;
        }
        if (w.accepting) {
            w.accepting = false;
            cancel_all(fd);
            return;
        }
        const std::uint64_t target = user_data_of(fd, w.generation);
        if (!queue_remove(target)) {
            deferred_removes_.push_back(target);
            return;
        }
        // Now, not with the next wait: the loop closes the descriptor after
        // this batch and may return from run() before waiting again.
        submit_now();
    }

    std::expected<std::size_t, error> wait(std::span<ready_event> out, int timeout_ms) override {
        while (!deferred_removes_.empty() && queue_remove(deferred_removes_.back())) deferred_removes_.pop_back();
        // Bytes kept aside are due: submitted, but no waiting for more.
        if (!early_due_.empty()) timeout_ms = 0;
        if (const int r = submit_and_wait(timeout_ms); r < 0 && r != -ETIME && r != -EINTR && r != -EBUSY && r != -EAGAIN)
            return std::unexpected(error::from_errno(-r, "io_uring_submit_and_wait_timeout"));
        return reap(out);
    }

private:
    // One per descriptor number up to the highest (every worker's table
    // spans the process's descriptors): kept to 32 bytes.
    struct watched {
        void* tag = nullptr;
        std::uint32_t generation = 0;
        std::uint32_t send_slot = 0; // while sending: its bytes, sends_[send_slot]
        std::uint32_t batch = 0;     // the reap that reported it last, and where in `out`
        std::uint32_t index = 0;
        watch_mode mode = watch_mode::edge_read;
        bool live : 1 = false;
        bool completions : 1 = false; // watch_completions: no poll, receives and sends in the ring
        bool receiving : 1 = false;   // the session asked for bytes and has not had them yet
        bool recv_armed : 1 = false;  // a (multishot) receive queued or in the kernel
        bool recv_cancelling : 1 = false; // ... and asked to end, bytes having come unasked
        bool sending : 1 = false;
        bool polling_out : 1 = false;
        bool accepting : 1 = false; // watch_accepts: a multishot accept in the ring
    };
    static_assert(sizeof(watched) <= 32);

    // A send's bytes, kept until its last completion (send_bytes keeps them
    // in place while sends_ grows), and how many left. Not in the slots: an
    // idle descriptor needs no room for them.
    struct pending_send {
        send_bytes bytes;
        std::size_t done = 0;
    };

    std::uint32_t keep_send(send_bytes bytes) {
        if (free_sends_.empty()) {
            sends_.push_back({std::move(bytes), 0});
            return static_cast<std::uint32_t>(sends_.size() - 1);
        }
        const std::uint32_t i = free_sends_.back();
        free_sends_.pop_back();
        sends_[i] = {std::move(bytes), 0};
        return i;
    }

    void drop_send(std::uint32_t i) {
        sends_[i].bytes.release();
        free_sends_.push_back(i);
    }

    // fd's slot for a new watch (a new generation: completions of an
    // earlier watch of the same number are not delivered).
    std::expected<watched*, error> take_slot(int fd, void* tag, const char* what) {
        if (fd < 0 || static_cast<std::uint64_t>(fd) >= (std::uint64_t{1} << 29))
            return std::unexpected(error::from_errno(EBADF, what));
        watched& w = slot(fd);
        if (w.live) return std::unexpected(error::from_errno(EEXIST, what));
        ++w.generation;
        w.tag = tag;
        w.live = true;
        w.completions = w.accepting = false;
        w.batch = 0;
        return &w;
    }

    watched& slot(int fd) {
        // Just as far as this descriptor: the vector's growth is geometric
        // anyway, and its spare capacity, never written, stays out of RSS.
        const auto index = static_cast<std::size_t>(fd);
        if (index >= slots_.size()) slots_.resize(index + 1);
        return slots_[index];
    }

    // Multishot (6.0): one receive stays in the kernel and completes each
    // time bytes come, instead of one submitted (and its poll armed) per
    // request; a kernel that refuses it gets one-shot receives from then on.
    void arm_receive(int fd, watched& w) {
        if (queue_receive(fd, w)) w.recv_armed = true;
        else w.receiving = false; // no submission entry (an old kernel with an overflowing CQ)
    }

    bool queue_receive(int fd, const watched& w) {
        io_uring_sqe* sqe = next_sqe();
        if (!sqe) return false;
        // The buffer's size as the length of each receive (so that a fault
        // plan can shorten it); older kernels want 0 for multishot, which
        // means the same.
        if (multishot_receive_) io_uring_prep_recv_multishot(sqe, fd, nullptr, multishot_length_ ? buffers_->size() : 0, 0);
        else io_uring_prep_recv(sqe, fd, nullptr, buffers_->size(), 0);
        // A session asks for bytes when it has answered what it had, so the
        // next request is rarely there yet: the kernel arms its poll at once
        // instead of trying a receive that would find nothing (5.19, as the
        // buffer ring).
        sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
        io_uring_sqe_set_flags(sqe, IOSQE_BUFFER_SELECT);
        sqe->buf_group = buffers_->group();
        io_uring_sqe_set_data64(sqe, user_data_of(fd, w.generation, recv_request));
        return true;
    }

    bool queue_send(int fd, const watched& w) {
        io_uring_sqe* sqe = next_sqe();
        if (!sqe) return false;
        const pending_send& p = sends_[w.send_slot];
        const std::string_view bytes = p.bytes.view();
        io_uring_prep_send(sqe, fd, bytes.data() + p.done, bytes.size() - p.done, MSG_NOSIGNAL);
        io_uring_sqe_set_data64(sqe, user_data_of(fd, w.generation, send_request));
        return true;
    }

    // Before the descriptor closes: what is queued is submitted and what is
    // in flight cancelled, now (the loop closes the socket after this batch
    // and accept may hand its number to a new connection before the next
    // wait). A send's bytes stay until its last completion.
    void end_completions(int fd, watched& w) noexcept {
        w.completions = false;
        if (w.sending) orphaned_sends_.emplace(user_data_of(fd, w.generation, send_request), w.send_slot);
        const bool in_flight = w.recv_armed || w.sending || w.polling_out;
        w.receiving = w.recv_armed = w.recv_cancelling = w.sending = w.polling_out = false;
        early_.erase(fd);
        if (in_flight) cancel_all(fd);
    }

    // Every request on fd cancelled, now.
    void cancel_all(int fd) noexcept {
        io_uring_sqe* sqe = next_sqe();
        if (!sqe) return; // only an old kernel with an overflowing CQ: the completions are dropped by generation
        io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
        io_uring_sqe_set_data64(sqe, remove_marker);
        if (skip_remove_success_) io_uring_sqe_set_flags(sqe, IOSQE_CQE_SKIP_SUCCESS);
        submit_now();
    }

    bool arm_accept(int fd, const watched& w) {
        io_uring_sqe* sqe = next_sqe();
        if (!sqe) return false;
        io_uring_prep_multishot_accept(sqe, fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        io_uring_sqe_set_data64(sqe, user_data_of(fd, w.generation, accept_request));
        return true;
    }

    // One accepted connection (or why none): an event for the loop. A
    // descriptor accepted for a listener no longer watched is closed here,
    // nobody else knows of it. Errors the loop need not hear of (a
    // connection reset while queued, a signal) are skipped; a multishot
    // accept that ended is armed again, unless the loop must act.
    void deliver_accept(std::uint64_t user_data, const io_uring_cqe& cqe, std::span<ready_event> out, std::size_t& n) {
        const auto fd = static_cast<int>((user_data >> 3) & 0x1fff'ffffu);
        const auto generation = static_cast<std::uint32_t>(user_data >> 32);
        watched* w = static_cast<std::size_t>(fd) < slots_.size() ? &slots_[static_cast<std::size_t>(fd)] : nullptr;
        if (!w || !w->live || !w->accepting || w->generation != generation) {
            if (cqe.res >= 0) ::close(cqe.res);
            return;
        }
        const bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
        const int e = -cqe.res;
        const bool passing = cqe.res < 0 && (e == EAGAIN || accept_error_passes(e));
        if (!more && (cqe.res >= 0 || passing) && !arm_accept(fd, *w)) w->live = w->accepting = false;
        if (passing) return;
        ready_event& event = out[n++];
        event = ready_event{};
        event.tag = w->tag;
        event.kind = event_kind::accepted;
        event.accepted = cqe.res;
    }

    // A receive's completion: true when it goes to the session now (it
    // asked); else it is kept aside, retried or was the end of a cancel.
    bool deliver_received(int fd, watched& w, const io_uring_cqe& cqe, bool has_buffer, std::uint16_t buffer_id) {
        const bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
        if (!more) w.recv_armed = false;
        const bool cancelled = cqe.res == -ECANCELED && w.recv_cancelling;
        if (!more) w.recv_cancelling = false;
        // A kernel that refuses the request: the length, then multishot
        // (before 6.0) is given up, for every later receive.
        const bool refused_multishot = cqe.res == -EINVAL && !has_buffer && multishot_receive_;
        if (refused_multishot) {
            if (multishot_length_) multishot_length_ = false;
            else multishot_receive_ = false;
        }
        const bool kept = !early_.empty() && early_.contains(fd);
        // Every buffer is out, a receive that moved nothing and may be
        // retried, the end of a cancel, a kernel without multishot: asked
        // again with the next wait if the session still wants bytes.
        if (cqe.res == -ENOBUFS || retry_later(cqe.res) || cancelled || refused_multishot) {
            if (has_buffer) buffers_->give_back(buffer_id);
            if (w.receiving && !w.recv_armed && !kept) arm_receive(fd, w);
            return false;
        }
        if (w.receiving && !kept) {
            w.receiving = false;
            return true;
        }
        // Unasked (pipelined bytes, or more of a long head): kept in order,
        // and the receive is ended, so that the rest waits in the kernel.
        early_bytes& e = early_[fd];
        if (cqe.res > 0 && has_buffer) {
            const auto bytes = buffers_->view(buffer_id, static_cast<std::size_t>(cqe.res));
            e.bytes.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        } else if (e.end == 1) {
            e.end = cqe.res;
        }
        if (has_buffer) buffers_->give_back(buffer_id);
        if (w.recv_armed && !w.recv_cancelling) cancel_receive(fd, w);
        return false;
    }

    void cancel_receive(int fd, watched& w) {
        io_uring_sqe* sqe = next_sqe();
        if (!sqe) return; // the session's next receive() is served from what was kept, the rest keeps coming
        io_uring_prep_cancel64(sqe, user_data_of(fd, w.generation, recv_request), 0);
        io_uring_sqe_set_data64(sqe, remove_marker);
        if (skip_remove_success_) io_uring_sqe_set_flags(sqe, IOSQE_CQE_SKIP_SUCCESS);
        w.recv_cancelling = true;
    }

    // Kept bytes for sessions that asked again (receive()), a buffer's
    // worth an event, as a receive would have brought them; the bytes live
    // in handed_out_ until the next reap (the loop recycles every event of
    // a batch before it waits again).
    void deliver_early(std::span<ready_event> out, std::size_t& n) {
        handed_out_.clear();
        std::size_t kept = 0;
        for (const std::uint64_t user_data : early_due_) {
            const auto fd = static_cast<int>((user_data >> 3) & 0x1fff'ffffu);
            const auto generation = static_cast<std::uint32_t>(user_data >> 32);
            watched& w = slots_[static_cast<std::size_t>(fd)];
            const auto found = early_.find(fd);
            if (!w.live || !w.completions || w.generation != generation || !w.receiving || found == early_.end()) continue;
            early_bytes& e = found->second;
            if (n == out.size()) { // no room in this wait: the next one
                early_due_[kept++] = user_data;
                continue;
            }
            ready_event& event = out[n++];
            event = ready_event{};
            event.tag = w.tag;
            event.kind = event_kind::received;
            event.buffer_id = no_buffer;
            w.receiving = false;
            if (e.from < e.bytes.size()) {
                const std::size_t length = std::min<std::size_t>(e.bytes.size() - e.from, buffers_->size());
                handed_out_.emplace_back(e.bytes, e.from, length);
                event.bytes = std::as_bytes(std::span(handed_out_.back()));
                e.from += length;
            } else { // the receive's end: EOF or its error, as none
                e.end = 1;
            }
            if (e.from == e.bytes.size() && e.end == 1) early_.erase(found);
        }
        early_due_.resize(kept);
    }

    // A completion of a session's own request (receive, send, POLLOUT).
    void deliver_completion(std::uint64_t user_data, const io_uring_cqe& cqe, std::span<ready_event> out,
                            std::size_t& n) {
        const auto kind = static_cast<request_kind>(user_data & kind_mask);
        const auto fd = static_cast<int>((user_data >> 3) & 0x1fff'ffffu);
        const auto generation = static_cast<std::uint32_t>(user_data >> 32);
        const bool has_buffer = (cqe.flags & IORING_CQE_F_BUFFER) != 0;
        const auto buffer_id = static_cast<std::uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
        watched* w = static_cast<std::size_t>(fd) < slots_.size() ? &slots_[static_cast<std::size_t>(fd)] : nullptr;
        if (!w || !w->live || !w->completions || w->generation != generation) { // its session is gone
            if (has_buffer && buffers_) buffers_->give_back(buffer_id);
            if (kind != send_request) return;
            if (const auto orphan = orphaned_sends_.find(user_data); orphan != orphaned_sends_.end()) {
                drop_send(orphan->second);
                orphaned_sends_.erase(orphan);
            }
            return;
        }
        ready_event event{};
        event.tag = w->tag;
        switch (kind) {
        case recv_request:
            if (!deliver_received(fd, *w, cqe, has_buffer, buffer_id)) return;
            event.kind = event_kind::received;
            if (cqe.res > 0 && has_buffer) {
                event.bytes = buffers_->view(buffer_id, static_cast<std::size_t>(cqe.res));
                event.buffer_id = buffer_id;
            } else if (has_buffer) {
                buffers_->give_back(buffer_id);
            }
            break;
        case send_request: {
            pending_send& p = sends_[w->send_slot];
            if (cqe.res > 0) p.done += static_cast<std::size_t>(cqe.res);
            // A short send, or one that moved nothing and may be retried: the rest.
            if ((cqe.res > 0 || retry_later(cqe.res)) && p.done < p.bytes.view().size() && queue_send(fd, *w)) return;
            event.kind = event_kind::sent;
            event.sent_all = cqe.res > 0 && p.done == p.bytes.view().size();
            w->sending = false;
            drop_send(w->send_slot);
            break;
        }
        case pollout_request:
            w->polling_out = false;
            event.what = readiness_of(cqe.res);
            event.what.writable = true; // let the session find out
            break;
        case poll_request:
        case accept_request: return;
        }
        out[n++] = event;
    }

    // An SQE, submitting what is queued when the SQ is full; null only when
    // the kernel takes none (-EBUSY on an old kernel with an overflowing CQ).
    io_uring_sqe* next_sqe() {
        if (io_uring_sqe* sqe = io_uring_get_sqe(ring_.get())) return sqe;
        enable_if_needed();
        if (zc_fault_uring_before_submit) zc_fault_uring_before_submit(ring_.get());
        io_uring_submit(ring_.get());
        return io_uring_get_sqe(ring_.get());
    }

    // Submits what is queued without waiting (and runs the completions'
    // task work, so that a cancelled request lets go of its file).
    void submit_now() {
        enable_if_needed();
        if (zc_fault_uring_before_submit) zc_fault_uring_before_submit(ring_.get());
        io_uring_submit_and_get_events(ring_.get());
    }

    bool arm(int fd, const watched& w) {
        io_uring_sqe* sqe = next_sqe();
        if (!sqe) return false;
        if (w.mode == watch_mode::level_read) io_uring_prep_poll_add(sqe, fd, poll_mask(w.mode));
        else io_uring_prep_poll_multishot(sqe, fd, poll_mask(w.mode));
        io_uring_sqe_set_data64(sqe, user_data_of(fd, w.generation));
        return true;
    }

    bool queue_remove(std::uint64_t target) {
        io_uring_sqe* sqe = next_sqe();
        if (!sqe) return false;
        io_uring_prep_poll_remove(sqe, target);
        io_uring_sqe_set_data64(sqe, remove_marker);
        if (skip_remove_success_) io_uring_sqe_set_flags(sqe, IOSQE_CQE_SKIP_SUCCESS);
        return true;
    }

    void enable_if_needed() {
        if (!disabled_) return;
        disabled_ = false;
        // Debian's liburing 2.3 declares io_uring_enable_rings but does not export it.
        ::syscall(__NR_io_uring_register, ring_.get()->ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr, 0);
    }

    // Submits what is queued and waits for one completion, in one
    // io_uring_enter (none when completions are already in and nothing is
    // queued).
    int submit_and_wait(int timeout_ms) {
        enable_if_needed();
        if (zc_fault_uring_before_submit) zc_fault_uring_before_submit(ring_.get());
        io_uring_cqe* cqe = nullptr;
        if (timeout_ms < 0) return io_uring_submit_and_wait_timeout(ring_.get(), &cqe, 1, nullptr, nullptr);
        __kernel_timespec ts{};
        ts.tv_sec = timeout_ms / 1000;
        ts.tv_nsec = static_cast<long long>(timeout_ms % 1000) * 1'000'000;
        return io_uring_submit_and_wait_timeout(ring_.get(), &cqe, 1, &ts, nullptr);
    }

    // Completions into `out`, at most out.size() events; the rest stay in
    // the CQ for the next wait (checked again then: by that time their
    // descriptor may have been unwatched). Two completions of one descriptor
    // in one reap are one event.
    std::size_t reap(std::span<ready_event> out) {
        if (++batch_ == 0) ++batch_; // 0 means "never reported"
        std::size_t n = 0;
        deliver_early(out, n);
        unsigned head;
        unsigned seen = 0;
        io_uring_cqe* cqe;
        io_uring_for_each_cqe(ring_.get(), head, cqe) {
            if (n == out.size()) break;
            ++seen;
            if (zc_fault_uring_on_completion) zc_fault_uring_on_completion(ring_.get(), cqe);
            const std::uint64_t kind = cqe->user_data == remove_marker ? std::uint64_t{poll_request} : cqe->user_data & kind_mask;
            if (kind == accept_request)
                deliver_accept(cqe->user_data, *cqe, out, n);
            else if (kind != poll_request)
                deliver_completion(cqe->user_data, *cqe, out, n);
            else
                deliver(cqe->user_data, cqe->res, (cqe->flags & IORING_CQE_F_MORE) != 0, out, n);
        }
        io_uring_cq_advance(ring_.get(), seen);
        return n;
    }

    void deliver(std::uint64_t user_data, int res, bool more, std::span<ready_event> out, std::size_t& n) {
        if (user_data == remove_marker) return;
        const auto fd = static_cast<int>((user_data >> 3) & 0x1fff'ffffu);
        const auto generation = static_cast<std::uint32_t>(user_data >> 32);
        if (static_cast<std::size_t>(fd) >= slots_.size()) return;
        watched& w = slots_[static_cast<std::size_t>(fd)];
        if (!w.live || w.completions || w.accepting || w.generation != generation) return; // removed: its tag may be freed
        // Ended (one-shot, a full CQ, an error other than a descriptor the
        // poll cannot work on): armed again.
        const bool hopeless = res == -EBADF || res == -EINVAL || res == -EOPNOTSUPP;
        if (!more && !hopeless && !arm(fd, w)) w.live = false;
        const readiness what = readiness_of(res);
        if (w.batch == batch_) {
            readiness& merged = out[w.index].what;
            merged.readable |= what.readable;
            merged.writable |= what.writable;
            merged.hung_up |= what.hung_up;
            return;
        }
        w.batch = batch_;
        w.index = static_cast<std::uint32_t>(n);
        ready_event& event = out[n++];
        event = ready_event{};
        event.tag = w.tag;
        event.what = what;
    }

    // Destroyed in reverse: the buffers are unregistered while the ring
    // lives, and the bytes of sends still in flight are freed only after the
    // ring closed (io_uring_queue_exit cancels them first).
    std::vector<watched> slots_; // by descriptor number
    std::vector<pending_send> sends_;         // sends in flight (keep_send)
    std::vector<std::uint32_t> free_sends_;
    std::unordered_map<std::uint64_t, std::uint32_t> orphaned_sends_; // unwatched while in flight: their sends_
    detail::uring ring_;
    bool disabled_;
    bool skip_remove_success_;
    std::optional<uring_buffers> buffers_;
    std::vector<std::uint64_t> deferred_removes_;
    bool multishot_receive_ = true;
    bool multishot_length_ = true;
    // Bytes that came before their session asked (a multishot receive goes
    // on until cancelled), by descriptor, copied out of their buffers so
    // that those go back at once; after them the receive's end, if it ended
    // (0: the peer closed, < 0: its error; 1: it did not). Rare: pipelined
    // requests and heads longer than a buffer.
    struct early_bytes {
        std::string bytes;
        std::size_t from = 0;
        int end = 1;
    };
    std::unordered_map<int, early_bytes> early_;
    std::vector<std::uint64_t> early_due_;  // receive()s that kept bytes answer (user_data)
    std::deque<std::string> handed_out_;    // kept bytes delivered in the last reap (deque: they never move)
    std::uint32_t batch_ = 0;
};

std::expected<std::unique_ptr<backend>, error> create_uring_backend(unsigned sq_entries, unsigned cq_entries) {
    std::optional<error> last;
    for (unsigned flags : setup_flag_sets) {
        io_uring_params params{};
        params.flags = flags;
        params.cq_entries = cq_entries;
        auto ring = detail::uring::create(sq_entries, params);
        if (ring) return std::make_unique<uring_backend>(std::move(*ring), params);
        last = ring.error();
        if (ring.error().errno_value() != EINVAL) break;
    }
    return std::unexpected(last->wrap("io-uring"));
}

// Can this process make a ring, and does the kernel's poll know multishot?
// A poll on a readable eventfd must complete with IORING_CQE_F_MORE set.
std::optional<error> probe_multishot_poll() {
    auto ring = detail::uring::create(4);
    if (!ring) return ring.error();
    unique_fd readable(::eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!readable) return error::from_errno(errno, "eventfd");
    io_uring_sqe* sqe = io_uring_get_sqe(ring->get());
    io_uring_prep_poll_multishot(sqe, readable.get(), POLLIN);
    std::uint64_t syscalls = 0;
    if (const int r = ring->submit_and_wait(1, syscalls); r < 0) return error::from_errno(-r, "io_uring_enter");
    io_uring_cqe* cqe = nullptr;
    if (const int r = ring->next_completion(&cqe, true, syscalls); r < 0)
        return error::from_errno(-r, "io_uring_wait_cqe");
    const bool multishot = cqe->res > 0 && (cqe->flags & IORING_CQE_F_MORE) != 0;
    const int res = cqe->res;
    ring->seen(cqe);
    if (!multishot)
        return error::from_errno(res < 0 ? -res : EOPNOTSUPP, "this kernel's io_uring has no multishot poll (Linux 5.13+)");
    return std::nullopt;
}

} // namespace

std::optional<error> io_uring_backend_unavailable() {
    static const std::optional<error> refused = probe_multishot_poll();
    return refused;
}

std::expected<std::unique_ptr<backend>, error> make_io_uring_backend(unsigned sq_entries, unsigned cq_entries) {
    if (auto refused = io_uring_backend_unavailable()) return std::unexpected(refused->wrap("io-uring"));
    return create_uring_backend(sq_entries, cq_entries);
}

std::expected<std::unique_ptr<backend>, error> make_io_uring_backend_default() {
    return create_uring_backend(default_sq_entries, default_cq_entries);
}

} // namespace zc::net
