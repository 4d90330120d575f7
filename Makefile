# zerocopy — the two commands: `make run` and `make test`.
# Each installs missing Debian packages (as root, apt-get update only when
# something is missing), configures and builds with CMake, then runs.

BUILD      ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc)
ZC         := $(BUILD)/apps/zc/zc

# Build, test and comparison tools, all from Debian 12.
PACKAGES := cmake g++ make pkg-config liburing-dev libgtest-dev libgmock-dev libbenchmark-dev \
            libcli11-dev libfmt-dev nlohmann-json3-dev node-llhttp libssl-dev \
            socat netcat-openbsd coreutils python3 \
            clang-19 libclang-rt-19-dev llvm-19

.PHONY: all deps configure build run test bench-peers bench-serve bench-stress fuzz-build fuzz-ci fuzz clean

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

# zc bench --quick: every strategy on every scenario, about a minute on 2 cores.
BENCH_OUT := bench-results
run: build
	@mkdir -p $(BENCH_OUT)
	@svg=; if $(ZC) bench --help | grep -q -- '--svg'; then svg="--svg $(BENCH_OUT)/"; fi; \
	  $(ZC) bench --quick --json $(BENCH_OUT)/bench.json --csv $(BENCH_OUT)/bench.csv $$svg
	@echo "zerocopy: results in $(BENCH_OUT)/ (bench.json: every raw run; bench.csv; SVG charts when built with them)"

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) --timeout 600

bench-peers: build
	./bench/vs-peers $(ZC)

# zc serve against nginx (wrk; installs nginx-light and wrk when missing).
# BENCH_SERVE_FLAGS=--quick for one short round.
bench-serve: build
	./bench/serve-vs-nginx $(BENCH_SERVE_FLAGS) $(ZC)

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

# zc serve under hostile load, 2 minutes, then checks (installs wrk when missing).
# BENCH_STRESS_FLAGS="--duration 30" for a shorter run.
bench-stress: build
	./bench/serve-stress $(BENCH_STRESS_FLAGS) --zc $(ZC)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
