# Thin wrapper over CMake presets. `make run` and `make test` first install whatever is
# missing (scripts/setup), so both work on a fresh Debian 12 machine.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
SETUP_STAMP := build/.setup-done

.PHONY: all setup build dev asan run test unit integration bench fuzz format tidy clean

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

# Every test: unit tests under ASan+UBSan, then the integration tests (real cpio/bsdtar,
# real QEMU boot) against the ASan build.
test: asan
	ctest --preset asan -j $(JOBS)

bench: build
	scripts/bench

# Builds the libFuzzer targets with clang and runs each for FUZZ_SECONDS.
FUZZ_SECONDS ?= 30
fuzz: $(SETUP_STAMP)
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	@set -o pipefail; for t in eif_parse spec_parse target_argv; do \
	  mkdir -p build/fuzz/corpus/$$t; \
	  echo "== $$t ($(FUZZ_SECONDS) s)"; \
	  build/fuzz/bin/$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    build/fuzz/corpus/$$t fuzz/seeds/$$t 2>&1 | tail -3 || exit 1; \
	done

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

tidy: dev
	clang-tidy -p build/dev --extra-arg=-Wno-unknown-warning-option $$(git ls-files 'src/*.cc')

clean:
	rm -rf build/release build/asan build/dev build/fuzz build/bin
