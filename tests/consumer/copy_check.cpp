// A program outside zerocopy: copies SOURCE to DESTINATION with zc::transfer,
// then checks that the copy holds the same bytes and that the headers and the
// library it linked are the same version. Built by consumer_test.sh through
// find_package(zerocopy) and through pkg-config.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <zerocopy/zerocopy.hpp>

namespace {

std::vector<char> contents(const char* path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s SOURCE DESTINATION\n", argv[0]);
        return 2;
    }
    if (std::strcmp(zc::version().string, ZEROCOPY_VERSION_STRING) != 0) {
        std::fprintf(stderr, "headers %s, library %s\n", ZEROCOPY_VERSION_STRING, zc::version().string);
        return 1;
    }
    const zc::unique_fd source{::open(argv[1], O_RDONLY | O_CLOEXEC)};
    const zc::unique_fd sink{::open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (!source || !sink) {
        std::perror("open");
        return 1;
    }
    const auto stats = zc::transfer(source.get(), sink.get());
    if (!stats) {
        std::fprintf(stderr, "transfer: %s\n", stats.error().message().c_str());
        return 1;
    }
    if (contents(argv[1]) != contents(argv[2])) {
        std::fprintf(stderr, "%s and %s differ\n", argv[1], argv[2]);
        return 1;
    }
    std::printf("zerocopy %s: %llu bytes with %s\n", zc::version().string,
                static_cast<unsigned long long>(stats->bytes),
                std::string(zc::strategy_name(stats->strategy_used)).c_str());
    return 0;
}
