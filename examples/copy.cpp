// copy: copies a file with zc::transfer, like cp for one regular file.
//
//     copy SOURCE DESTINATION
//
// zc::transfer picks the strategy (copy_file_range between files, so the
// kernel moves the bytes without them passing through this process) and
// falls back when a filesystem refuses it.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include <zerocopy/transfer.hpp>
#include <zerocopy/unique_fd.hpp>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s SOURCE DESTINATION\n", argv[0]);
        return 2;
    }
    const zc::unique_fd source{::open(argv[1], O_RDONLY | O_CLOEXEC)};
    if (!source) {
        std::perror(argv[1]);
        return 1;
    }
    const zc::unique_fd sink{::open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (!sink) {
        std::perror(argv[2]);
        return 1;
    }
    const auto stats = zc::transfer(source.get(), sink.get());
    if (!stats) {
        std::fprintf(stderr, "copy: %s\n", stats.error().message().c_str());
        return 1;
    }
    std::printf("%llu bytes with %s\n", static_cast<unsigned long long>(stats->bytes),
                std::string(zc::strategy_name(stats->strategy_used)).c_str());
    return 0;
}
