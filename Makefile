# The front door. `make run` and `make test` are the two set-up commands: on a fresh Debian
# bookworm machine (as root) they install what is missing, build, and run or test.

BUILD_DIR ?= build
# The sanitizer build: clang with ASan+UBSan, for `make test-asan` and the fuzz targets.
ASAN_BUILD_DIR ?= build-asan
# Seconds each fuzz target runs in `make fuzz` (CI keeps it short; run longer by hand).
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := kafka_request_fuzz record_batch_fuzz segment_recovery_fuzz sqs_request_fuzz sqs_sigv4_fuzz
BUILD_TYPE ?= RelWithDebInfo
# Debug information in the plain RelWithDebInfo build: full (-g) for people; CI passes -g1
# (line tables: file:line stacks, no locals), which cuts the plain build's CPU time by about a
# quarter and leaves the generated code unchanged.
DEBUG_FLAGS ?= -g
JOBS ?= $(shell nproc)
# CTest parallelism; tests that start servers pick free ports, so they may overlap.
TEST_JOBS ?= $(shell nproc)

# Every Debian package the build, the tests and the benchmarks need.
DEB_PACKAGES := \
	build-essential cmake ninja-build pkg-config git \
	clang clang-format clang-tidy libclang-rt-14-dev \
	libgtest-dev libgmock-dev libbenchmark-dev \
	libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libboost-dev libtomlplusplus-dev \
	kcat python3-pytest python3-confluent-kafka python3-kafka \
	python3-snappy python3-lz4 python3-zstandard librdkafka-dev \
	libssl-dev nodejs \
	etcd-server etcd-client \
	awscli python3-boto3 \
	libnats-dev librabbitmq-dev libhiredis-dev gnuplot-nox

CMAKE_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DSLUICE_WERROR=ON
PLAIN_CMAKE_FLAGS := $(CMAKE_FLAGS) "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 $(DEBUG_FLAGS) -DNDEBUG"
# One clang build serves the sanitizer tests and the fuzz targets (libFuzzer needs clang):
# the libraries the fuzzers drive carry its coverage instrumentation, which is inert in the
# test binaries. The benchmarks and bench/loadgen are not built there.
ASAN_CMAKE_FLAGS := $(CMAKE_FLAGS) -DCMAKE_CXX_COMPILER=clang++ -DSLUICE_SANITIZE=ON \
	-DSLUICE_BUILD_BENCH=OFF -DSLUICE_BUILD_FUZZ=ON

.PHONY: all deps build run test test-asan fuzz bench format format-check clean

all: build

# Installs only what is missing, so a second run calls no apt-get at all.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; fi; \
		$$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends $$missing; \
	else \
		echo "deps: all $(words $(DEB_PACKAGES)) packages present"; \
	fi
	@# npm comes inside NodeSource's nodejs package where that is installed (and conflicts
	@# with Debian's npm package); Debian's own nodejs needs the separate npm package.
	@command -v npm >/dev/null || { \
		if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; fi; \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends npm; }

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) $(PLAIN_CMAKE_FLAGS)

build: $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: deps build
	./$(BUILD_DIR)/sluice serve

test: deps build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(TEST_JOBS)

# Under AddressSanitizer and UndefinedBehaviorSanitizer (CI runs this too): every unit test
# and the integration suites labelled `asan` in tests/integration/CMakeLists.txt; the ones
# labelled `plain-only` (long client-driven suites) run in `make test` only.
test-asan: deps
	cmake -S . -B $(ASAN_BUILD_DIR) $(ASAN_CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD_DIR) --output-on-failure -j $(TEST_JOBS) -LE plain-only

# Builds the libFuzzer targets (in the sanitizer build) and runs each for FUZZ_SECONDS; a
# crash fails.
fuzz: deps
	cmake -S . -B $(ASAN_BUILD_DIR) $(ASAN_CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS) --target $(FUZZ_TARGETS)
	@for target in $(FUZZ_TARGETS); do \
		echo "fuzzing $$target for $(FUZZ_SECONDS)s"; \
		mkdir -p $(ASAN_BUILD_DIR)/corpus/$$target; \
		log=$(ASAN_BUILD_DIR)/$$target.log; \
		./$(ASAN_BUILD_DIR)/fuzz/$$target -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			$(ASAN_BUILD_DIR)/corpus/$$target > $$log 2>&1; status=$$?; \
		grep -E "number_of_executed_units|new_units_added" $$log; \
		if [ $$status -ne 0 ]; then tail -50 $$log; exit 1; fi; \
	done

bench: deps build
	./$(BUILD_DIR)/bench/log_bench

SOURCES = $(shell find src tests bench fuzz tools -name '*.cc' -o -name '*.h' 2>/dev/null)

format:
	clang-format -i $(SOURCES)

format-check:
	@clang-format --dry-run -Werror $(SOURCES) && echo "format-check: $(words $(SOURCES)) files clean"

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) build-fuzz
