// A small served root for the fuzz targets that resolve paths, made once per
// process in $TMPDIR and removed at exit:
//
//   <base>/outside/secret          must never be opened through the root
//   <base>/root/index.html  a.txt (100 bytes)  empty  fifo
//   <base>/root/dir/b.bin (4096 bytes)          (a directory without index)
//   <base>/root/inside  -> a.txt                (a symlink that stays inside)
//   <base>/root/escape  -> ../outside           (one that leaves the root)
//   <base>/root/abs     -> /etc                 (an absolute one)
// Every regular file has mtime fixed_mtime, so a.txt's entity tag is
// "64-17a6101701650000" and Last-Modified "Mon, 01 Jan 2024 00:00:00 GMT".
#pragma once

#include <string>

namespace zc::fuzz {

inline constexpr long fixed_mtime = 1704067200; // 2024-01-01 00:00:00 UTC

struct served_root {
    std::string root_path; // as created
    std::string root_real; // realpath(), for the inside-the-root check
    int root_fd = -1;      // O_PATH | O_DIRECTORY
};

const served_root& fuzz_root();

// Is the file open as fd inside the root (by its real path, /proc/self/fd)?
bool is_inside_root(int fd);

} // namespace zc::fuzz
