// ZEROCOPY_API: what libzerocopy exports.
//
// The library is compiled with hidden visibility (-fvisibility=hidden
// -fvisibility-inlines-hidden): libzerocopy.so exports the functions and
// classes marked ZEROCOPY_API here in include/zerocopy/ and nothing else, so
// its internals (namespace zc::detail) can change without breaking programs
// linked against it, and a .so that links libzerocopy.a does not re-export
// them either.
#pragma once

#define ZEROCOPY_API __attribute__((visibility("default")))
// On a member of an exported class that only the library itself calls, and
// whose signature names zc::detail types: it stays out of the export table.
#define ZEROCOPY_LOCAL __attribute__((visibility("hidden")))
