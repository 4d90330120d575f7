// Built without libnats (libnats-dev): --jetstream says so.
#include "perf.hpp"

#include <stdexcept>

namespace zc_log_perf {

perf_result run_jetstream(const perf_options&) {
    throw std::runtime_error("built without libnats (install libnats-dev and rebuild): no JetStream driver");
}

}  // namespace zc_log_perf
