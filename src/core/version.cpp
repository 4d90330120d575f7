// zc::version(): the library's own version, fixed when it is compiled, so that
// a program can compare it with the ZEROCOPY_VERSION_* it was compiled against.
#include "zerocopy/version.hpp"

namespace zc {

version_info version() noexcept {
    return {ZEROCOPY_VERSION_MAJOR, ZEROCOPY_VERSION_MINOR, ZEROCOPY_VERSION_PATCH, ZEROCOPY_VERSION_STRING};
}

} // namespace zc
