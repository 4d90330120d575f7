# libzerocopy: the layers' object files as one library (docs/design.md,
# "Layers"), its install rules, its CMake package and its pkg-config file.
#
#   zerocopy         libzerocopy.a, PIC. Everything inside this project
#                    (src/net, src/http, src/bench, zc, the tests) links this
#                    one: it keeps the zc::detail symbols they use visible to
#                    a static link.
#   zerocopy_shared  libzerocopy.so.0, built when BUILD_SHARED_LIBS is ON: only
#                    the public API (ZEROCOPY_API) is exported.
#   zerocopy::zerocopy  the library users get: the shared one when
#                    BUILD_SHARED_LIBS is ON, else the static one; an ALIAS
#                    here, the exported target once installed.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ZC_LIBRARY_OBJECTS
  $<TARGET_OBJECTS:zerocopy_core> $<TARGET_OBJECTS:zerocopy_strategies> $<TARGET_OBJECTS:zerocopy_engine>)

function(zc_library_product target)
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  # No header of include/zerocopy/ includes liburing's or pthread's: they are
  # what the objects link against (for the static library, CMake passes them
  # on to whoever links it).
  target_link_libraries(${target} PRIVATE PkgConfig::URING Threads::Threads)
  target_compile_features(${target} INTERFACE cxx_std_23)
  set_target_properties(${target} PROPERTIES OUTPUT_NAME zerocopy)
endfunction()

add_library(zerocopy STATIC ${ZC_LIBRARY_OBJECTS})
zc_library_product(zerocopy)
set(ZC_INSTALLED_TARGETS zerocopy)
if(BUILD_SHARED_LIBS)
  add_library(zerocopy_shared SHARED ${ZC_LIBRARY_OBJECTS})
  zc_library_product(zerocopy_shared)
  set_target_properties(zerocopy_shared PROPERTIES
    VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR} EXPORT_NAME zerocopy)
  # A library must say what it needs: an undefined symbol fails here, not in
  # the program that loads it. (Not with sanitizers: Clang leaves their
  # runtime to the executable.)
  if(NOT ZC_SANITIZE AND NOT ZC_FUZZ)
    target_link_options(zerocopy_shared PRIVATE LINKER:--no-undefined)
  endif()
  target_link_options(zerocopy_shared PRIVATE LINKER:--version-script=${PROJECT_SOURCE_DIR}/cmake/zerocopy.map)
  set_target_properties(zerocopy_shared PROPERTIES LINK_DEPENDS ${PROJECT_SOURCE_DIR}/cmake/zerocopy.map)
  set_target_properties(zerocopy PROPERTIES EXPORT_NAME zerocopy_static)
  add_library(zerocopy::zerocopy ALIAS zerocopy_shared)
  add_library(zerocopy::zerocopy_static ALIAS zerocopy)
  list(APPEND ZC_INSTALLED_TARGETS zerocopy_shared)
else()
  add_library(zerocopy::zerocopy ALIAS zerocopy)
endif()

# ---- install -------------------------------------------------------------
# Components, one per Debian package (cmake/packaging.cmake): runtime (the .so
# and its soname link), development (headers, libzerocopy.a, the .so link,
# CMake and pkg-config files).
set(ZC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/zerocopy)
install(TARGETS ${ZC_INSTALLED_TARGETS} EXPORT zerocopyTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT development)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/zerocopy DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT development FILES_MATCHING PATTERN "*.hpp")
install(FILES ${PROJECT_BINARY_DIR}/include/zerocopy/version.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/zerocopy COMPONENT development)
install(EXPORT zerocopyTargets NAMESPACE zerocopy:: DESTINATION ${ZC_CMAKE_DIR} COMPONENT development)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/zerocopyConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/zerocopyConfig.cmake INSTALL_DESTINATION ${ZC_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/zerocopyConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/zerocopyConfig.cmake ${PROJECT_BINARY_DIR}/cmake/zerocopyConfigVersion.cmake
  DESTINATION ${ZC_CMAKE_DIR} COMPONENT development)

# zerocopy.pc finds its prefix from its own place (${pcfiledir}), so a tree
# installed with `cmake --install --prefix DIR` or DESTDIR works as is.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(ZC_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH ZC_PC_UP /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
  string(REGEX REPLACE "/$" "" ZC_PC_UP "${ZC_PC_UP}")
  set(ZC_PC_PREFIX "\${pcfiledir}/${ZC_PC_UP}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/zerocopy.pc.in ${PROJECT_BINARY_DIR}/zerocopy.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/zerocopy.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT development)
