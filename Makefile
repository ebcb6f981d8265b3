# The two commands of the README:
#   make run    installs what is missing, builds, and runs the relay (or, with
#               no bot token configured, a self-contained local demo)
#   make test   installs what is missing, builds, and runs every test
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
# Cache hits across clones in different directories.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps configure build run test test-fast clean

all: build

deps:
	@scripts/setup-deps

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

run: build
	@scripts/run-main $(BUILD)/bin/telclaude

test: build
	@TELCLAUDE_CLAUDE_BIN="$$(scripts/install-claude-cli)" && \
	  export TELCLAUDE_CLAUDE_BIN && \
	  ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

# Pure logic and actors only: seconds, no processes or sockets.
test-fast: build
	@ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) -L 'unit|actor'

clean:
	@rm -rf $(BUILD)
