// libzerocopy in one include: every public header.
//
// Each header also compiles on its own; include only the ones you use to keep
// builds fast, or this one to get all of the API.
#pragma once

#include "zerocopy/error.hpp"
#include "zerocopy/export.hpp"
#include "zerocopy/mapped_file.hpp"
#include "zerocopy/profile.hpp"
#include "zerocopy/strategy.hpp"
#include "zerocopy/transfer.hpp"
#include "zerocopy/unique_fd.hpp"
#include "zerocopy/version.hpp"
