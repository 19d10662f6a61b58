# Thin wrapper over CMake presets. `make run` and `make test` first install whatever is
# missing (scripts/setup), so both work on a fresh Debian 12 machine.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
SETUP_STAMP := build/.setup-done

.PHONY: all setup build dev asan run test bench fuzz fuzz-build format tidy clean

all: build

# Runs scripts/setup once per checkout (it is idempotent; delete the stamp to re-run).
$(SETUP_STAMP): scripts/setup scripts/fetch-kernel scripts/kernel.pin
	scripts/setup
	@mkdir -p build && touch $@

setup:
	scripts/setup
	@mkdir -p build && touch $(SETUP_STAMP)

build: $(SETUP_STAMP)
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

asan: $(SETUP_STAMP)
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

dev: $(SETUP_STAMP)
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)

# The main job: build the example image and boot it in QEMU.
run: build
	scripts/run-example

# Every test: every fuzz target briefly, then the unit tests under ASan+UBSan and the
# integration tests (real cpio/bsdtar, real QEMU boot) against the ASan build. CTest's
# summary stays the last line.
FUZZ_SMOKE_SECONDS ?= 8
test: asan fuzz-build
	scripts/run-fuzzers $(FUZZ_SMOKE_SECONDS)
	ctest --preset asan -j $(JOBS)

bench: build
	scripts/bench

# Builds the libFuzzer targets with clang and runs each for FUZZ_SECONDS.
FUZZ_SECONDS ?= 60
fuzz-build: $(SETUP_STAMP)
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)

fuzz: fuzz-build
	scripts/run-fuzzers $(FUZZ_SECONDS)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

tidy: dev
	clang-tidy -p build/dev --extra-arg=-Wno-unknown-warning-option $$(git ls-files 'src/*.cc')

clean:
	rm -rf build/release build/asan build/dev build/fuzz build/bin
