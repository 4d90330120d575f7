# make package (CPack, Debian packages), one package per install component:
#   libzerocopy0     runtime: libzerocopy.so.0 (BUILD_SHARED_LIBS=ON builds)
#   libzerocopy-dev  development: headers, libzerocopy.a, the libzerocopy.so
#                    link, the CMake package and zerocopy.pc
#   zerocopy         tool: zc, its man pages and bash completion (ZC_BUILD_APPS)
# The Makefile's package target configures a build of its own for it, with
# BUILD_SHARED_LIBS=ON and the /usr prefix (Debian's multiarch libdir).

# zc (component tool). It links the static libzerocopy, so it runs without
# libzerocopy.so. The man pages and the bash completion that apps/zc
# generates next to it are installed when the build has them.
if(ZC_BUILD_APPS)
  install(TARGETS zc RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tool)
  install(DIRECTORY ${PROJECT_BINARY_DIR}/man/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT tool
    OPTIONAL FILES_MATCHING PATTERN "*.1")
  install(FILES ${PROJECT_BINARY_DIR}/completion/zc DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
    COMPONENT tool OPTIONAL)
endif()

if(NOT PROJECT_IS_TOP_LEVEL)
  return()
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME zerocopy)
set(CPACK_PACKAGE_VENDOR zerocopy)
set(CPACK_PACKAGE_CONTACT "zerocopy developers <zerocopy@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Move bytes between files, sockets and pipes with zero-copy syscalls")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

set(CPACK_COMPONENTS_ALL development)
if(BUILD_SHARED_LIBS)
  list(PREPEND CPACK_COMPONENTS_ALL runtime)
endif()
if(ZC_BUILD_APPS)
  list(APPEND CPACK_COMPONENTS_ALL tool)
endif()

set(ZC_DEB_VERSION "${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}")

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libzerocopy${PROJECT_VERSION_MAJOR})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "zerocopy library: zero-copy transfers between files, sockets and pipes
 libzerocopy picks sendfile, splice, copy_file_range, io_uring or
 MSG_ZEROCOPY for each transfer and falls back when the kernel refuses.
 This package holds the shared library.")
# A shlibs file (for the package holding a library with a soname), so that
# packages built against libzerocopy depend on it.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)

set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME libzerocopy-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_DEVELOPMENT_DESCRIPTION "zerocopy library: development files
 Headers (include/zerocopy/), the static library, the CMake package
 (find_package(zerocopy), target zerocopy::zerocopy) and zerocopy.pc.")
# liburing-dev: the static library's users link liburing, and zerocopy.pc
# and the CMake package look it up (Requires.private, pkg_check_modules).
if(BUILD_SHARED_LIBS)
  set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS "libzerocopy${PROJECT_VERSION_MAJOR} (= ${ZC_DEB_VERSION}), liburing-dev, pkg-config")
else()
  set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS "liburing-dev, pkg-config")
endif()

set(CPACK_DEBIAN_TOOL_PACKAGE_NAME zerocopy)
set(CPACK_DEBIAN_TOOL_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_TOOL_DESCRIPTION "zero-copy copy, send, receive, serve and benchmark tool (zc)
 zc copies files, sends and receives over TCP, serves a directory over
 HTTP and measures every transfer strategy of libzerocopy on this machine.")

include(CPack)
