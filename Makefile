# grove — top-level entry points. `make` builds, `make check` tests, `make demo` runs the main job.
# Every target that needs Debian packages installs the missing ones first (scripts/deps.sh; root or sudo).
#
#   make                  build libgrove and the six tools into build/ (Debian's CPU LibTorch)
#   make TORCH=DIR        build against another LibTorch, e.g. the CUDA one inside a PyTorch wheel
#                         (DIR holds include/, lib/ and share/cmake/Torch); the build goes to build-cuda/
#   make check            build, then run the GoogleTest suite and the Bats tests
#   make asan check-asan  the same under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
#   make bench            the benchmarks in bench/ (ratios against baselines measured in the same run)
#   make fuzz             libgrove's parsers under libFuzzer + ASan/UBSan (build-fuzz/, clang, no LibTorch):
#                         every fuzz/*_fuzz.cpp for FUZZ_SECONDS each (default 600); fails on any finding
#   make install PREFIX=/usr/local
#   make deps             install the Debian packages only
#   make demo             the embedded default end to end

PREFIX   ?= /usr/local
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
TORCH    ?=
ifeq ($(TORCH),)
BUILD    ?= build
TORCH_ARGS :=
else
BUILD    ?= build-cuda
TORCH_ARGS := -DCMAKE_PREFIX_PATH=$(abspath $(TORCH))/share/cmake
endif
CMAKE_ARGS ?=
FUZZ_SECONDS ?= 600

.PHONY: all deps build check test unit bats asan check-asan bench fuzz install demo clean

all: build

deps:
	@scripts/deps.sh

$(BUILD)/CMakeCache.txt: CMakeLists.txt | deps
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(TORCH_ARGS) $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

check: build
	@scripts/check.sh $(BUILD)

test: check

asan: deps
	cmake -S . -B build-asan -DGROVE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS)
	cmake --build build-asan -j$(JOBS)

check-asan: asan
	@scripts/check.sh build-asan

bench: build
	@scripts/bench.sh $(BUILD)

fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) scripts/fuzz.sh

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

demo: build
	@scripts/demo.sh $(BUILD)

clean:
	rm -rf build build-asan build-cuda build-fuzz
