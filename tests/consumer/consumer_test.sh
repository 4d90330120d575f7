#!/bin/bash
# libzerocopy as its users get it, shared and static:
#   1. installs this build tree into a staging prefix (cmake --install), and
#      configures, builds and installs the library alone the other way
#      (BUILD_SHARED_LIBS flipped; ZC_BUILD_APPS/TESTS/BENCH off: it needs
#      liburing and nlohmann-json's headers only);
#   2. against each prefix builds find_package/ (find_package(zerocopy)) and
#      copy_check.cpp with `pkg-config --cflags --libs zerocopy`, runs both
#      (they copy a file and compare it) and checks what they link;
#   3. checks the exports: libzerocopy.so and a .so that links libzerocopy.a
#      export no zc::detail symbol;
#   4. runs cpack in both trees and checks the Debian packages (names, files,
#      dependencies, soname) with dpkg-deb.
#     consumer_test.sh SOURCE_DIR BUILD_DIR WORK_DIR
set -euo pipefail
source_dir=$1 build_dir=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
trap 'status=$?; [ $status = 0 ] && rm -rf "$work"; exit $status' EXIT

fail() { echo "consumer_test: FAIL: $*" >&2; exit 1; }
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build_dir/CMakeCache.txt"; }
is_on() { case "${1^^}" in ON|YES|TRUE|Y|1) return 0 ;; *) return 1 ;; esac; }

compiler=$(cache CMAKE_CXX_COMPILER)
launcher=$(cache CMAKE_CXX_COMPILER_LAUNCHER)
build_type=$(cache CMAKE_BUILD_TYPE)
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:[A-Z]*=//p' "$build_dir/CMakeCache.txt")
[ -n "$version" ] || fail "no project version in $build_dir/CMakeCache.txt"
common=(-DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_BUILD_TYPE="${build_type:-Release}")
[ -n "$launcher" ] && common+=(-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher" -DCMAKE_C_COMPILER_LAUNCHER="$launcher")
if is_on "$(cache BUILD_SHARED_LIBS)"; then main_kind=shared other_kind=static; else main_kind=static other_kind=shared; fi

echo "== install $build_dir ($main_kind) into the staging prefix"
cmake --install "$build_dir" --prefix "$work/prefix-$main_kind" >"$work/install-$main_kind.log"
other_flag=OFF; [ $other_kind = shared ] && other_flag=ON
echo "== the library alone, BUILD_SHARED_LIBS=$other_flag"
cmake -S "$source_dir" -B "$work/build-$other_kind" "${common[@]}" -DBUILD_SHARED_LIBS=$other_flag \
  -DZC_BUILD_APPS=OFF -DZC_BUILD_TESTS=OFF -DZC_BUILD_BENCH=OFF -DZC_BUILD_EXAMPLES=OFF >"$work/configure-$other_kind.log"
cmake --build "$work/build-$other_kind" -j 2 >"$work/build-$other_kind.log" || { cat "$work/build-$other_kind.log"; fail "library-only build"; }
cmake --install "$work/build-$other_kind" --prefix "$work/prefix-$other_kind" >"$work/install-$other_kind.log"

head -c 1048599 /dev/urandom >"$work/source"
libdir_of() { dirname "$(find "$1" -name zerocopy.pc -path '*/pkgconfig/*' | head -1)" | xargs dirname; }

# $1 program, $2 shared|static: it runs, copies byte-exact, and links
# libzerocopy.so.0 exactly when it should.
check_program() {
  local program=$1 kind=$2 libdir=$3
  rm -f "$work/copy"
  LD_LIBRARY_PATH="$libdir" "$program" "$work/source" "$work/copy" || fail "$program did not copy"
  cmp -s "$work/source" "$work/copy" || fail "$program: the copy differs"
  if readelf -d "$program" | grep -q 'NEEDED.*\[libzerocopy\.so\.0\]'; then
    [ "$kind" = shared ] || fail "$program links libzerocopy.so.0 but was built against the static library"
  else
    [ "$kind" = static ] || fail "$program does not link libzerocopy.so.0"
  fi
  echo "ok: $program ($kind)"
}

for kind in shared static; do
  prefix=$work/prefix-$kind
  libdir=$(libdir_of "$prefix")
  [ -f "$libdir/libzerocopy.a" ] || fail "$kind install has no libzerocopy.a"
  echo "== $kind: find_package(zerocopy)"
  cmake -S "$source_dir/tests/consumer/find_package" -B "$work/find_package-$kind" "${common[@]}" \
    -DCMAKE_PREFIX_PATH="$prefix" >"$work/find_package-$kind.log" || { cat "$work/find_package-$kind.log"; fail "find_package ($kind)"; }
  cmake --build "$work/find_package-$kind" >>"$work/find_package-$kind.log" || { cat "$work/find_package-$kind.log"; fail "find_package build ($kind)"; }
  check_program "$work/find_package-$kind/app" $kind "$libdir"

  echo "== $kind: pkg-config"
  static_flag=; [ $kind = static ] && static_flag=--static
  flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config $static_flag --cflags --libs zerocopy) || fail "pkg-config ($kind)"
  [ $kind = static ] && { [[ $flags == *-luring* ]] || fail "pkg-config --static --libs names no -luring: $flags"; }
  # shellcheck disable=SC2086
  $compiler -std=c++23 -o "$work/pkg_config-$kind" "$source_dir/tests/consumer/copy_check.cpp" $flags
  check_program "$work/pkg_config-$kind" $kind "$libdir"
done

echo "== exports"
shared_lib=$(libdir_of "$work/prefix-shared")/libzerocopy.so.0
[ -f "$shared_lib" ] || fail "no libzerocopy.so.0"
readelf -d "$shared_lib" | grep -q 'SONAME.*\[libzerocopy\.so\.0\]' || fail "soname of $shared_lib is not libzerocopy.so.0"
exported=$(nm -D --defined-only "$shared_lib" | c++filt)
# zc::detail, and the members of transfer_job's private implementation.
internals='zc::detail|zc::transfer_job::impl::'
detail=$(grep -cE "$internals" <<<"$exported" || true)
[ "$detail" = 0 ] || { grep -E "$internals" <<<"$exported" | head; fail "libzerocopy.so exports $detail internal symbols"; }
grep -q 'zc::transfer(int, int, zc::transfer_options const&)' <<<"$exported" || fail "libzerocopy.so does not export zc::transfer"
# Nothing but namespace zc (cmake/zerocopy.map): no std:: template code either.
others=$(grep -vc ' zc::' <<<"$exported" || true)
[ "$others" = 0 ] || { grep -v ' zc::' <<<"$exported" | head; fail "libzerocopy.so exports $others symbols outside zc::"; }
[ "$(grep -c detail <<<"$exported" || true)" = 0 ] || fail "libzerocopy.so exports a symbol named *detail*"
# A plugin that links the static library: PIC, and it re-exports none of zc::detail.
static_libdir=$(libdir_of "$work/prefix-static")
$compiler -std=c++23 -shared -fPIC -o "$work/plugin.so" "$source_dir/tests/consumer/copy_check.cpp" \
  $(PKG_CONFIG_PATH="$static_libdir/pkgconfig" pkg-config --static --cflags --libs zerocopy)
plugin_detail=$(nm -D --defined-only "$work/plugin.so" | c++filt | grep -cE "$internals" || true)
[ "$plugin_detail" = 0 ] || fail "a .so linking libzerocopy.a exports $plugin_detail zc::detail symbols"
echo "ok: libzerocopy.so exports $(grep -c ' zc::' <<<"$exported") zc:: symbols, none internal; a .so linking libzerocopy.a exports none either"

echo "== Debian packages"
# $1 .deb, $2 field: its value.
field() { dpkg-deb -f "$1" "$2"; }
has_file() { dpkg-deb -c "$1" | awk '{print $6}' | grep -Eq "$2" || fail "$(basename "$1") holds nothing matching $2"; }
lacks_file() { ! dpkg-deb -c "$1" | awk '{print $6}' | grep -Eq "$2" || fail "$(basename "$1") holds $2"; }
shared_build=$build_dir; [ $main_kind = static ] && shared_build=$work/build-shared
(cd "$work" && cpack -G DEB -B "$work/debs-shared" --config "$shared_build/CPackConfig.cmake" >"$work/cpack-shared.log") \
  || { cat "$work/cpack-shared.log"; fail "cpack (shared build)"; }
deb_version="$version-1"
runtime=$(ls "$work"/debs-shared/libzerocopy0_"$deb_version"_*.deb) || fail "no libzerocopy0 package"
dev=$(ls "$work"/debs-shared/libzerocopy-dev_"$deb_version"_*.deb) || fail "no libzerocopy-dev package"
[ "$(field "$runtime" Package)" = libzerocopy0 ] || fail "runtime package name"
[[ $(field "$runtime" Depends) == *liburing2* ]] || fail "libzerocopy0 does not depend on liburing2: $(field "$runtime" Depends)"
has_file "$runtime" '/libzerocopy\.so\.0$'
has_file "$runtime" "/libzerocopy\.so\.$version\$"
lacks_file "$runtime" '\.(a|hpp|pc)$'
dpkg-deb -x "$runtime" "$work/runtime-root"
readelf -d "$(find "$work/runtime-root" -name "libzerocopy.so.$version")" | grep -q 'SONAME.*\[libzerocopy\.so\.0\]' \
  || fail "libzerocopy0's library has no soname libzerocopy.so.0"
dpkg-deb --ctrl-tarfile "$runtime" | tar -t | grep -q shlibs || fail "libzerocopy0 has no shlibs file"
[ "$(field "$dev" Package)" = libzerocopy-dev ] || fail "dev package name"
[[ $(field "$dev" Depends) == *"libzerocopy0 (= $deb_version)"* ]] || fail "libzerocopy-dev does not depend on libzerocopy0 (= $deb_version)"
[[ $(field "$dev" Depends) == *liburing-dev* ]] || fail "libzerocopy-dev does not depend on liburing-dev"
for f in '/include/zerocopy/transfer\.hpp$' '/include/zerocopy/export\.hpp$' '/include/zerocopy/version\.hpp$' \
         '/libzerocopy\.a$' '/libzerocopy\.so$' '/cmake/zerocopy/zerocopyConfig\.cmake$' \
         '/cmake/zerocopy/zerocopyConfigVersion\.cmake$' '/cmake/zerocopy/zerocopyTargets\.cmake$' '/pkgconfig/zerocopy\.pc$'; do
  has_file "$dev" "$f"
done
lacks_file "$dev" '/libzerocopy\.so\.0'
echo "ok: $(basename "$runtime"), $(basename "$dev")"

if is_on "$(cache ZC_BUILD_APPS)"; then
  (cd "$work" && cpack -G DEB -B "$work/debs-tool" -D CPACK_COMPONENTS_ALL=tool --config "$build_dir/CPackConfig.cmake" \
    >"$work/cpack-tool.log") || { cat "$work/cpack-tool.log"; fail "cpack (zc)"; }
  tool=$(ls "$work"/debs-tool/zerocopy_"$deb_version"_*.deb) || fail "no zerocopy package"
  [ "$(field "$tool" Package)" = zerocopy ] || fail "tool package name"
  has_file "$tool" '/bin/zc$'
  lacks_file "$tool" '/libzerocopy'
  [[ $(field "$tool" Depends) == *liburing2* ]] || fail "zerocopy does not depend on liburing2"
  if [ -d "$build_dir/man" ]; then has_file "$tool" '/share/man/man1/zc\.1$'; fi
  if [ -f "$build_dir/completion/zc" ]; then has_file "$tool" '/share/bash-completion/completions/zc$'; fi
  echo "ok: $(basename "$tool")"
fi
echo "consumer_test: all good"
