# zerocopy — the two commands: `make run` and `make test`.
# Each installs missing Debian packages (as root, apt-get update only when
# something is missing), configures and builds with CMake, then runs.

BUILD      ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc)
ZC         := $(BUILD)/apps/zc/zc

# Build, test and comparison tools, all from Debian 12.
PACKAGES := cmake g++ make pkg-config liburing-dev libgtest-dev libgmock-dev libbenchmark-dev \
            libcli11-dev libfmt-dev nlohmann-json3-dev node-llhttp libssl-dev python3-kafka \
            socat netcat-openbsd coreutils python3 groff-base \
            clang-19 libclang-rt-19-dev llvm-19

# h2load, the HTTP/1.1 pipelining client tests/integration/serve_clients_test.cpp drives.
PACKAGES += nghttp2-client

# make package and the consumer test: dpkg-deb, and dpkg-shlibdeps (dpkg-dev)
# and file, with which CPack finds the packages' library dependencies.
PACKAGES += dpkg-dev file binutils

# Real clients the tests drive against zc serve (HTTP) and zc log serve
# (Kafka), and the log benchmark's peers (librdkafka's mock cluster, NATS).
PACKAGES += curl wget aria2 ffmpeg kcat librdkafka-dev python3-confluent-kafka libnats-dev nats-server

.PHONY: all deps configure build run test install package test-asan test-tsan bench-peers bench-serve bench-stress bench-log fuzz-build fuzz-ci fuzz clean

all: build

deps:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "zerocopy: installing missing packages:" $$missing; \
	  if [ "$$(id -u)" != 0 ]; then echo "zerocopy: run as root (or install: $$missing)"; exit 1; fi; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing </dev/null; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

# zc bench --quick: every strategy on every scenario (docs/bench.md: 22 s–2 min on 2 cores).
BENCH_OUT := bench-results
run: build
	@mkdir -p $(BENCH_OUT)
	@svg=; if $(ZC) bench --help | grep -q -- '--svg'; then svg="--svg $(BENCH_OUT)/"; fi; \
	  $(ZC) bench --quick --json $(BENCH_OUT)/bench.json --csv $(BENCH_OUT)/bench.csv $$svg
	@echo "zerocopy: results in $(BENCH_OUT)/ (bench.json: every raw run; bench.csv; SVG charts when built with them)"

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 600

# ---- install and package (README, "Install") --------------------------------
# make install [PREFIX=/usr/local] [DESTDIR=/staging]: zc, its man pages and
# completion, the headers, libzerocopy.a, the CMake package and zerocopy.pc.
PREFIX ?= /usr/local
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix $(PREFIX)

# make package: the Debian packages libzerocopy0, libzerocopy-dev and zerocopy,
# from a build of their own (shared library, /usr prefix) in $(PACKAGE_BUILD).
PACKAGE_BUILD := build-package
package: deps
	cmake -S . -B $(PACKAGE_BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
	  -DBUILD_SHARED_LIBS=ON -DZC_BUILD_TESTS=OFF -DZC_BUILD_EXAMPLES=OFF
	cmake --build $(PACKAGE_BUILD) -j $(JOBS)
	cd $(PACKAGE_BUILD) && cpack -G DEB
	@ls -1 $(PACKAGE_BUILD)/*.deb

# ---- sanitizers (CI; docs/sanitizers.md) -----------------------------------
# Each in its own build directory, -O1 with debug info (line numbers in the
# reports). Every report is fatal, and each runtime also writes its reports
# to <build>/sanitizer-reports/: a zc child process (integration tests) whose
# exit status a test does not look at still fails the run that way.
SAN_CMAKE := -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO='-O1 -g' \
             -DCMAKE_C_FLAGS_RELWITHDEBINFO='-O1 -g'
ASAN_BUILD := build-asan
TSAN_BUILD := build-tsan
empty :=
colon_separated = $(subst $(empty) $(empty),:,$(strip $(1)))
ASAN_OPTIONS_CI := $(call colon_separated,halt_on_error=1 detect_leaks=1 print_stacktrace=1 \
  strict_string_checks=1 detect_stack_use_after_return=1 check_initialization_order=1 strict_init_order=1 \
  log_path=$(CURDIR)/$(ASAN_BUILD)/sanitizer-reports/asan)
UBSAN_OPTIONS_CI := $(call colon_separated,halt_on_error=1 print_stacktrace=1 \
  log_path=$(CURDIR)/$(ASAN_BUILD)/sanitizer-reports/ubsan)
TSAN_OPTIONS_CI := $(call colon_separated,halt_on_error=1 second_deadlock_stack=1 \
  log_path=$(CURDIR)/$(TSAN_BUILD)/sanitizer-reports/tsan)
# The servers' tests: the reactor's (net_*, each/net_* on every backend), src/http's (http_*)
# and zc serve's (serve*, uring.serve* on io_uring), and the Kafka broker's
# (kafka_server*, log_group*, log_serve*),
# whose workers are threads of one process.
TSAN_TESTS := '^(http_|serve|net_|each/net_|uring\.serve|kafka_server|log_group|log_serve)'
# GCC 12's TSan runtime cannot map its shadow when the kernel randomises mmap
# with more entropy than it was written for (seen with vm.mmap_rnd_bits=32:
# "FATAL: ThreadSanitizer: unexpected memory mapping");
# running without address-space randomisation avoids it where that is allowed.
TSAN_NO_ASLR = $(shell setarch -R true 2>/dev/null && echo setarch -R)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) $(SAN_CMAKE) -DZC_SANITIZE=address,undefined
$(TSAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(TSAN_BUILD) $(SAN_CMAKE) -DZC_SANITIZE=thread

# $(call sanitized_ctest,<build dir>,<environment>,<ctest arguments>)
define sanitized_ctest
	rm -rf $(1)/sanitizer-reports && mkdir -p $(1)/sanitizer-reports
	status=0; $(2) ctest --test-dir $(1) --output-on-failure -j $(JOBS) $(3) || status=$$?; \
	if [ -n "$$(ls -A $(1)/sanitizer-reports)" ]; then \
	  echo "zerocopy: sanitizer reports in $(1)/sanitizer-reports:"; cat $(1)/sanitizer-reports/*; exit 1; \
	fi; exit $$status
endef

test-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	$(call sanitized_ctest,$(ASAN_BUILD),ASAN_OPTIONS=$(ASAN_OPTIONS_CI) UBSAN_OPTIONS=$(UBSAN_OPTIONS_CI),)

test-tsan: deps $(TSAN_BUILD)/CMakeCache.txt
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target zc zc_unit_tests zc_integration_tests
	$(call sanitized_ctest,$(TSAN_BUILD),TSAN_OPTIONS=$(TSAN_OPTIONS_CI) $(TSAN_NO_ASLR),-R $(TSAN_TESTS))

bench-peers: build
	./bench/vs-peers $(ZC)

# zc serve against nginx (wrk; installs nginx-light and wrk when missing):
# the pinned run (one server core, one client core, CPU per request), then
# the unpinned one. BENCH_SERVE_FLAGS=--quick for one short round of each;
# e.g. BENCH_SERVE_FLAGS="--zc-baseline /path/to/old/zc --json serve.json".
bench-serve: build
	./bench/serve-vs-nginx --both --backends epoll,io-uring $(BENCH_SERVE_FLAGS) $(ZC)

# zc log serve against librdkafka's mock cluster and NATS JetStream (docs/log.md,
# "Performance"): builds zc and zc-log-perf (bench/log/, needs librdkafka-dev;
# libnats-dev and nats-server for JetStream), then runs bench/log-vs-peers.
# BENCH_LOG_FLAGS=--quick for shorter runs; e.g. BENCH_LOG_FLAGS="--rounds 3 --json log.json".
bench-log: build
	./bench/log-vs-peers --zc $(ZC) --perf $(BUILD)/bench/log/zc-log-perf $(BENCH_LOG_FLAGS)

# Fuzzing (docs/fuzzing.md): libFuzzer + ASan + UBSan with clang-19 (Debian
# 12's clang-14 and -16 cannot use GCC 12's <expected>) in $(FUZZ_BUILD).
# fuzz-ci: every target FUZZ_SECONDS, two at a time; a crash, leak or
# violated property fails and keeps the reproducer in $(FUZZ_BUILD)/artifacts/.
# fuzz: the same, 30 minutes per target.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
fuzz-build: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-19 \
	  -DCMAKE_CXX_COMPILER=clang++-19 -DZC_FUZZ=ON -DBUILD_TESTING=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target zc_fuzzers

fuzz-ci: fuzz-build
	tests/fuzz/run_fuzzers $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz: FUZZ_SECONDS = 1800
fuzz: fuzz-ci

# zc serve under hostile load, 2 minutes per backend (epoll, then io-uring),
# then checks (installs wrk when missing).
# BENCH_STRESS_FLAGS="--duration 30" for a shorter run.
STRESS_BACKENDS ?= epoll io-uring
bench-stress: build
	set -e; for b in $(STRESS_BACKENDS); do ./bench/serve-stress $(BENCH_STRESS_FLAGS) --backend $$b --zc $(ZC); done

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD) $(PACKAGE_BUILD)
