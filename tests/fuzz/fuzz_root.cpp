#include "fuzz_root.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_check.hpp"

namespace zc::fuzz {
namespace {

// Every file gets the same mtime, so that entity tags and Last-Modified are
// known in advance: the corpus and dictionary can hold matching validators.
void write_file(const std::filesystem::path& path, std::size_t bytes) {
    {
        std::ofstream out(path, std::ios::binary);
        for (std::size_t i = 0; i < bytes; ++i) out.put(static_cast<char>('a' + i % 26));
        FUZZ_CHECK(out.good(), "cannot write %s", path.c_str());
    }
    const timespec times[2] = {{fixed_mtime, 0}, {fixed_mtime, 0}};
    FUZZ_CHECK(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0, "utimensat %s", path.c_str());
}

struct root_owner {
    std::filesystem::path base;
    served_root served;

    root_owner() {
        namespace fs = std::filesystem;
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/zc-fuzz-XXXXXX";
        FUZZ_CHECK(::mkdtemp(pattern.data()) != nullptr, "mkdtemp %s", pattern.c_str());
        base = pattern;
        const fs::path root = base / "root";
        fs::create_directories(base / "outside");
        fs::create_directories(root / "dir");
        write_file(base / "outside" / "secret", 7);
        write_file(root / "index.html", 20);
        write_file(root / "a.txt", 100);
        write_file(root / "empty", 0);
        write_file(root / "dir" / "b.bin", 4096);
        FUZZ_CHECK(::mkfifo((root / "fifo").c_str(), 0600) == 0, "mkfifo");
        fs::create_symlink("a.txt", root / "inside");
        fs::create_symlink("../outside", root / "escape");
        fs::create_symlink("/etc", root / "abs");

        served.root_path = root.string();
        served.root_real = fs::canonical(root).string();
        served.root_fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        FUZZ_CHECK(served.root_fd >= 0, "open %s", root.c_str());
    }
    ~root_owner() {
        ::close(served.root_fd);
        std::error_code ignored;
        std::filesystem::remove_all(base, ignored);
    }
};

} // namespace

const served_root& fuzz_root() {
    static root_owner owner;
    return owner.served;
}

bool is_inside_root(int fd) {
    const std::string& root = fuzz_root().root_real;
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    char target[4096];
    ssize_t n = ::readlink(link, target, sizeof target - 1);
    FUZZ_CHECK(n > 0, "readlink %s", link);
    std::string_view path(target, static_cast<std::size_t>(n));
    return path == root || (path.size() > root.size() && path.substr(0, root.size()) == root && path[root.size()] == '/');
}

} // namespace zc::fuzz
