# Thin wrapper over CMake presets. `make run` and `make test` first install whatever is
# missing (scripts/setup), so both work on a fresh Debian 12 machine. Each phase prints a
# heading with the time elapsed since the job began (scripts/phase).
SHELL := /bin/bash
JOBS ?= $(shell nproc)
PHASE := scripts/phase
ifndef VIGIL_JOB_START
export VIGIL_JOB_START := $(shell date +%s)
endif

# ccache speeds warm rebuilds when it is installed; without it the launcher is cleared, so
# a build directory configured while it was present still works.
CCACHE := $(shell command -v ccache 2>/dev/null)
CONFIGURE_FLAGS := -DCMAKE_C_COMPILER_LAUNCHER=$(CCACHE) -DCMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE)

.PHONY: all setup build build-bench dev asan kernel run test bench fuzz fuzz-build format tidy clean

all: build

# scripts/setup runs once per checkout and profile (it is idempotent; delete the stamp to
# re-run it). `run` installs what the main job needs; `test` and `bench` add their own.
build/.setup-%: scripts/setup scripts/fetch-kernel scripts/kernel.pin
	@$(PHASE) "packages ($*): scripts/setup $*"
	scripts/setup $*
	@mkdir -p build && touch $@

setup: build/.setup-all

# The release binaries the main job runs (vigil, vigil-init, the services, hello), without
# tests or benchmarks.
build: build/.setup-run
	@$(PHASE) "build: release binaries into build/bin"
	cmake --preset release $(CONFIGURE_FLAGS) -DVIGIL_BUILD_BENCH=OFF >/dev/null
	cmake --build --preset release -j $(JOBS)

build-bench: build/.setup-bench
	@$(PHASE) "build: release binaries and benchmarks into build/bin"
	cmake --preset release $(CONFIGURE_FLAGS) -DVIGIL_BUILD_BENCH=ON >/dev/null
	cmake --build --preset release -j $(JOBS)

asan: build/.setup-test
	@$(PHASE) "build: ASan+UBSan binaries and tests (build/asan)"
	cmake --preset asan $(CONFIGURE_FLAGS) >/dev/null
	cmake --build --preset asan -j $(JOBS)

dev: build/.setup-all
	cmake --preset dev $(CONFIGURE_FLAGS) >/dev/null
	cmake --build --preset dev -j $(JOBS)

# Our kernel (kernel/vigil.toml) into build/kernel/vigil: a cold build takes minutes on 2
# cores; afterwards it comes from the cache (~/.cache/vigil/kernels) keyed by its inputs.
KERNEL_PHASE = @$(PHASE) "kernel: vigil kernel build kernel/vigil.toml (cold: about 5 minutes on 2 cores; cached afterwards)"
kernel: build
	$(KERNEL_PHASE)
	scripts/build-kernel build/bin/vigil

# The main job: the farm builds our kernel (cached after the first time) and the example
# image from signed tags, and boots the image in QEMU; then the quorum example.
run: build
	scripts/run-example
	@$(PHASE) "make run: done"

# Every test: every fuzz target briefly, then the unit tests under ASan+UBSan and the
# integration tests (real cpio/bsdtar, real QEMU boot) against the ASan build (the quorum
# image's own binaries are static, so they come from the release build). CTest's
# summary (with each suite's time) stays the last lines.
FUZZ_SMOKE_SECONDS ?= 8
test: asan fuzz-build
	@$(PHASE) "build: the static vigil-enclave and quorum-hello that go into the quorum image (build/bin)"
	cmake --preset release $(CONFIGURE_FLAGS) -DVIGIL_BUILD_BENCH=OFF >/dev/null
	cmake --build --preset release -j $(JOBS) --target vigil-enclave quorum-hello
	$(KERNEL_PHASE)
	scripts/build-kernel build/asan/bin/vigil
	@$(PHASE) "fuzz: each target for $(FUZZ_SMOKE_SECONDS) s"
	scripts/run-fuzzers $(FUZZ_SMOKE_SECONDS)
	@$(PHASE) "tests: unit (ASan+UBSan) and integration"
	ctest --preset asan -j $(JOBS)
	@$(PHASE) "make test: done"

bench: build-bench
	$(KERNEL_PHASE)
	scripts/build-kernel build/bin/vigil
	scripts/bench

# Builds only the libFuzzer targets (and the code they link) with clang.
FUZZ_SECONDS ?= 60
fuzz-build: build/.setup-test
	@$(PHASE) "build: libFuzzer targets (build/fuzz)"
	cmake --preset fuzz $(CONFIGURE_FLAGS) >/dev/null
	cmake --build --preset fuzz -j $(JOBS)

fuzz: fuzz-build
	scripts/run-fuzzers $(FUZZ_SECONDS)

format: build/.setup-all
	clang-format -i $$(git ls-files '*.cc' '*.h')

tidy: dev
	clang-tidy -p build/dev --extra-arg=-Wno-unknown-warning-option $$(git ls-files 'src/*.cc')

clean:
	rm -rf build/release build/asan build/dev build/fuzz build/bin
