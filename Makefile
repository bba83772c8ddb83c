# A thin layer over CMake. `make run` and `make test` are the README's two commands.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps build run test unit integration asan tsan bench clean

all: build

deps:
	./deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# Installs what is missing, builds, and runs the daemon on the embedded default config.
run: deps build
	./$(BUILD)/genai-collector

# Installs what is missing (with the interop tests' npm packages), builds, runs every test.
test:
	./deps.sh --with-node-modules
	$(MAKE) build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit

integration: build
	cd $(BUILD) && ctest --output-on-failure -L integration

# The suite again under AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DGC_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=Debug -DGC_BENCH=OFF"

# The suite again under ThreadSanitizer (reports inside the uninstrumented gRPC
# and Abseil libraries are suppressed: tests/tsan.supp).
tsan:
	$(MAKE) test BUILD=build-tsan CMAKE_FLAGS="-DGC_SANITIZE=thread -DCMAKE_BUILD_TYPE=Debug -DGC_BENCH=OFF"

bench: build
	bash bench/run.sh

clean:
	rm -rf $(BUILD) build-asan build-tsan
