// What zc does when the reader of its stdout goes away, as GNU cat does.
//
// cat does not handle SIGPIPE: with the default disposition it is killed by
// it, silently (a shell reports 141); when it was started with SIGPIPE
// ignored, write() fails with EPIPE and cat prints "write error: Broken
// pipe" and exits 1. zc ignores SIGPIPE for itself (a socket peer that goes
// away must be an error value, not a death), so it remembers the disposition
// it was started with and, on EPIPE on stdout, ends the way cat would have.
#pragma once

namespace zc::cli {

// Called first in main: notes whether SIGPIPE was ignored when zc started,
// then ignores it.
void ignore_sigpipe_remembering_inherited();

// A write to stdout failed with EPIPE. When SIGPIPE was not ignored at start,
// the process dies of SIGPIPE here, quietly; otherwise this returns, and the
// caller reports the error and exits 1.
void end_like_cat_on_broken_stdout();

} // namespace zc::cli
