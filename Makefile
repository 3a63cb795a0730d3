# SPDX-License-Identifier: MIT
# Thin wrapper around meson/ninja. `make help` lists the targets.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
PREFIX     ?= /usr/local
MESON_OPTS ?=
MESON_TEST = meson test -C $(BUILD) --print-errorlogs --num-processes 1

.PHONY: all build deps test test-unit test-e2e test-asan test-e2e-asan fuzz fuzz-smoke bench demo install clean help

all: build

help:
	@echo "make deps        install the Debian packages vnetd needs (root)"
	@echo "make             build into $(BUILD)/"
	@echo "make demo        deps + build + the demo (root)"
	@echo "make test        unit tests and end-to-end tests (root for e2e)"
	@echo "make test-unit   unit tests only"
	@echo "make test-asan   unit tests under ASan+UBSan in $(ASAN_BUILD)/"
	@echo "make test-e2e-asan  end-to-end tests against the ASan+UBSan vnetd (root;"
	@echo "                 the slow ones, suite 'slow': QEMU guests, install, 1 GiB, left out)"
	@echo "make fuzz-smoke  build the libFuzzer targets with clang, run each FUZZ_SECONDS"
	@echo "make bench       run the benchmarks in bench/"
	@echo "make install     install binaries, man pages and units under PREFIX"
	@echo "                 (PREFIX=DIR reconfigures an existing $(BUILD)/; DESTDIR= stages)"

deps:
	.ci/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX) $(MESON_OPTS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: deps build
	scripts/demo.sh $(BUILD)

# every suite, live migration (067-069) included: those tests run once more
# only if the destination guest's kernel failed (oops, panic, soft lockup),
# a QEMU/TCG failure that happens without vnetd too (docs/TESTING.md)
test: build
	$(MESON_TEST)
	@.ci/summary.py $(BUILD)/meson-logs/testlog.json

test-migration: build
	$(MESON_TEST) --suite migration

test-unit: build
	$(MESON_TEST) --suite unit

test-e2e: build
	$(MESON_TEST) --suite e2e

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false

test-asan: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
		meson test -C $(ASAN_BUILD) --print-errorlogs --suite unit
	@.ci/summary.py $(ASAN_BUILD)/meson-logs/testlog.json

# vnetd, vnetctl and the helpers from $(ASAN_BUILD)/: a sanitizer report or a
# leak at exit makes vnetd fail, and so the test that ran it
test-e2e-asan: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
		meson test -C $(ASAN_BUILD) --print-errorlogs --num-processes 1 \
		--suite e2e --no-suite slow
	@.ci/summary.py $(ASAN_BUILD)/meson-logs/testlog.json

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Dtests=false -Db_lundef=false \
		-Db_sanitize=address,undefined

fuzz-smoke: $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)
	fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

bench: build
	bench/run-all.sh $(BUILD)

# A PREFIX given to this make (command line or environment) wins over the
# one $(BUILD)/ was first set up with: the build dir is reconfigured to it.
install: $(BUILD)/build.ninja
ifneq ($(filter command line environment,$(origin PREFIX)),)
	meson configure $(BUILD) --prefix=$(PREFIX)
endif
	ninja -C $(BUILD)
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
