# lab: build, test, install. `make help` lists the targets.
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

VERSION := 0.1.0
PREFIX ?= /usr/local
HOST_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
ARCH := $(HOST_ARCH)
CROSS_arm64 := aarch64-linux-gnu-
CROSS_x86 := x86_64-linux-gnu-
CROSS_DEB_arm64 := gcc-aarch64-linux-gnu qemu-user
CROSS_DEB_x86 := gcc-x86-64-linux-gnu qemu-user
# make ARCH=arm64 on x86-64 (or ARCH=x86 on arm64): Debian's cross
# compiler, the other architecture's libraries (dpkg multiarch) and the
# BTF of Debian's kernel for it, all into build/ARCH/.
ifeq ($(ARCH),$(HOST_ARCH))
BUILD := build
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
else
BUILD := build/$(ARCH)
CC := $(CROSS_$(ARCH))gcc
VMLINUX_BTF ?= $(BUILD)/vmlinux.btf
DEB_ARCH := $(if $(filter x86,$(ARCH)),amd64,$(ARCH))
CROSS_DEB_PKGS := $(CROSS_DEB_$(ARCH)) $(addsuffix :$(DEB_ARCH),libc6-dev \
	libbpf-dev libelf-dev zlib1g-dev libjson-c-dev systemtap-sdt-dev)
endif
OBJ := $(BUILD)/obj

CC ?= cc
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= $(or $(shell command -v bpftool 2>/dev/null),/usr/sbin/bpftool)
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

# Warnings are errors in CI; users with newer compilers still get a build.
WERROR := $(if $(CI),-Werror)
WARNINGS := -Wall -Wextra -Wshadow -Wundef -Wwrite-strings \
	-Wmissing-prototypes -Wstrict-prototypes $(WERROR)
CFLAGS ?= -O2 -g
# Includes name their folder from the repository's root ("probes/events.h"),
# so each shows which layer it crosses; build/ holds the generated headers.
ALL_CFLAGS := $(CFLAGS) -std=gnu11 $(WARNINGS) -I. -I$(BUILD) \
	-DLAB_VERSION='"$(VERSION)"' -D_GNU_SOURCE -MMD -MP
LDLIBS := -lbpf -lelf -lz -ljson-c -lpthread -lm
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -I. -I$(BUILD) \
	-I/usr/include/$(MULTIARCH) -Wall -Werror

DEB_PKGS := make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool \
	systemtap-sdt-dev libjson-c-dev pkg-config cppcheck clang-format \
	libclang-rt-14-dev chromium groff-base sudo
DEB_PKGS += $(CROSS_DEB_PKGS)

LIB_SRCS := $(filter-out %.bpf.c,$(wildcard workloads/*.c workloads/coro/*.c \
	probes/*.c analyzer/*.c cli/*.c))
LIB_ASMS := $(wildcard workloads/coro/*.S)
LIB_OBJS := $(LIB_SRCS:%.c=$(OBJ)/%.o) $(LIB_ASMS:%.S=$(OBJ)/%.o)
TEST_SRCS := $(wildcard tests/test_*.c) tests/workload_child.c tests/json_path.c \
	tests/browser.c tests/sudo_user.c tests/trace_craft.c tests/kept_families.c \
	tests/fuzz/fuzz_trace.c tests/fuzz/replay.c
TEST_OBJS := $(TEST_SRCS:%.c=$(OBJ)/%.o)
TEST_PROGS := $(patsubst tests/progs/%.c,$(BUILD)/tests/%,$(wildcard tests/progs/*.c))
SKEL := $(BUILD)/lab.skel.h

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all deps demo test unit bench install uninstall format lint clean help
.PHONY: test-asan fuzz bench-deps test-kernels test-kernels-deps test-arm64
all: deps $(BUILD)/lab $(BUILD)/tests/lab-tests $(TEST_PROGS) $(BUILD)/fuzz/replay

help:
	@echo 'make          build build/lab and the tests (installs packages: make deps)'
	@echo 'make demo     run the io family under probes, write reports to lab-out/io/'
	@echo 'make test     every test (integration tests need root)'
	@echo 'make unit     the tests that need no root'
	@echo 'make test-asan  the unit tests built with ASan and UBSan (build/asan/)'
	@echo 'make fuzz     fuzz the trace reader and analysis for FUZZ_SECONDS (60),'
	@echo '              the options of lab run for FUZZ_ARGS_SECONDS (20)'
	@echo 'make test-kernels  boot Debian'"'"'s kernels under qemu (TCG), run lab and the oracle tests there'
	@echo 'make test-arm64  cross-build for arm64 (build/arm64/), its tests under qemu-aarch64'
	@echo 'make bench    measure switches, round trips, tracer overhead; update docs/performance.md'
	@echo 'make install  install lab to $(PREFIX)/bin, its man page to $(PREFIX)/share/man/man1'
	@echo 'make format   clang-format the sources; make lint: cppcheck'

# Installs missing Debian packages; when not root, says what to run.
deps:
	$(if $(DEB_ARCH),@dpkg --print-foreign-architectures | grep -qx $(DEB_ARCH) || \
	  dpkg --add-architecture $(DEB_ARCH))
	@missing=; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "lab: missing packages:$$missing (run: sudo apt-get install -y$$missing)"; exit 1; \
	  fi; \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing >/dev/null; \
	fi

$(BUILD) $(OBJ) $(BUILD)/tests:
	$(Q)mkdir -p $@

$(BUILD)/vmlinux.h: $(filter $(BUILD)/%,$(VMLINUX_BTF)) | $(BUILD)
	$(call msg,BTF,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

# The BTF of Debian's kernel for ARCH, cut out of its package's image.
$(BUILD)/vmlinux.btf: tests/kernels/vmlinux_btf.py | $(BUILD) deps
	$(call msg,BTF,$@)
	$(Q)tests/kernels/fetch.sh linux-image-$(DEB_ARCH):$(DEB_ARCH) \
	  $(BUILD)/kernel >/dev/null
	$(Q)tests/kernels/vmlinux_btf.py $(BUILD)/kernel/*/root/boot/vmlinuz-* $@

$(BUILD)/lab.bpf.o: probes/lab.bpf.c probes/events.h probes/marks.h $(BUILD)/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@ # keeps .BTF, drops DWARF: a smaller skeleton

$(SKEL): $(BUILD)/lab.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name lab_bpf > $@

$(OBJ)/%.o: %.c | $(SKEL)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(OBJ)/%.o: %.S
	@mkdir -p $(@D)
	$(call msg,AS,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/liblab.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/lab: $(OBJ)/lab.o $(BUILD)/liblab.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/lab-tests: $(TEST_OBJS) $(BUILD)/liblab.a | $(BUILD)/tests
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/progs/%.c | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< -lpthread

# lab-tests calls the replay function; the standalone replay has a main().
$(OBJ)/tests/fuzz/replay.o: ALL_CFLAGS += -DFUZZ_REPLAY_NO_MAIN

$(OBJ)/tests/fuzz/replay_main.o: tests/fuzz/replay.c | $(SKEL)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# Replays corpus directories without libFuzzer: build/fuzz/replay DIR...
$(BUILD)/fuzz/replay: $(OBJ)/tests/fuzz/fuzz_trace.o $(OBJ)/tests/fuzz/replay_main.o \
		$(BUILD)/liblab.a
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

BENCH_OBJS := $(patsubst %.c,$(OBJ)/%.o,$(filter-out tests/bench/bench_analyzer.c \
	tests/bench/bench_html.c tests/bench/synth.c tests/bench/timed.c \
	tests/bench/floor.c %.bpf.c,$(wildcard tests/bench/*.c))) \
	$(patsubst %.S,$(OBJ)/%.o,$(wildcard tests/bench/*.S))

$(BUILD)/tests/bench: $(BENCH_OBJS) $(BUILD)/liblab.a | $(BUILD)/tests
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The analyzer's throughput and memory: a program of its own.
$(BUILD)/tests/bench-analyzer: $(OBJ)/tests/bench/bench_analyzer.o \
		$(OBJ)/tests/bench/pin.o $(OBJ)/tests/bench/synth.o $(BUILD)/liblab.a \
		| $(BUILD)/tests
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The HTML report's size and the time chromium takes to open it.
$(BUILD)/tests/bench-html: $(OBJ)/tests/bench/bench_html.o $(OBJ)/tests/browser.o \
		$(OBJ)/tests/json_path.o $(OBJ)/tests/bench/synth.o $(BUILD)/liblab.a \
		| $(BUILD)/tests
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# One workload timed from inside, for the tracer overhead benchmark.
$(BUILD)/tests/bench-timed: $(OBJ)/tests/bench/timed.o $(BUILD)/liblab.a | $(BUILD)/tests
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Empty programs where the tracers' probes go: the overhead's floor.
$(BUILD)/floor.bpf.o: tests/bench/floor.bpf.c $(BUILD)/vmlinux.h | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(BUILD)/floor.skel.h: $(BUILD)/floor.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name floor_bpf > $@

$(OBJ)/tests/bench/floor.o: $(BUILD)/floor.skel.h

$(BUILD)/tests/bench-floor: $(OBJ)/tests/bench/floor.o | $(BUILD)/tests
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lbpf -lelf -lz

# The peers the overhead benchmark measures lab against.
BENCH_DEB_PKGS := libbpf-tools linux-perf jq stress-ng rt-tests sysbench

bench-deps:
	$(Q)$(MAKE) --no-print-directory deps DEB_PKGS='$(BENCH_DEB_PKGS)'

# Measures, then rewrites the table in docs/performance.md.
bench: all bench-deps $(BUILD)/tests/bench $(BUILD)/tests/bench-analyzer \
		$(BUILD)/tests/bench-html $(BUILD)/tests/bench-timed \
		$(BUILD)/tests/bench-floor
	tests/bench/run

# Boots Debian's kernels (KERNELS: the meta packages; default bookworm's
# stock linux-image-amd64; linux-image-arm64:arm64 after make ARCH=arm64)
# under qemu with TCG and an initramfs of this build, and runs lab check,
# a family, a traced command and the oracle tests inside
# (tests/kernels/run.sh). The kernel packages come with apt-get download
# into build/kernels/.
KERNEL_DEB_PKGS := qemu-system-x86 qemu-system-arm busybox-static cpio
KERNELS ?= linux-image-amd64

test-kernels-deps:
	$(Q)$(MAKE) --no-print-directory deps DEB_PKGS='$(KERNEL_DEB_PKGS)'

test-kernels: all test-kernels-deps
	tests/kernels/run.sh $(KERNELS)

# Checks the arm64 build's probes relocate against a kernel's BTF.
$(BUILD)/tests/core-check: tests/kernels/core_check.c $(OBJ)/probes/probe_compat.o \
		| $(BUILD)/tests
	$(call msg,LD,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ -lbpf

# The arm64 cross build, its probes relocated against Debian's arm64
# kernel and its tests that need no root run under qemu-aarch64.
test-arm64: all $(BUILD)/tests/core-check
	$(Q)$(MAKE) --no-print-directory ARCH=arm64
	tests/kernels/test-arm64.sh

demo: all
	$(BUILD)/lab run io

# Every test; those needing root skip with the reason when not root.
test: all
	$(BUILD)/tests/lab-tests

unit: $(BUILD)/lab $(BUILD)/tests/lab-tests $(TEST_PROGS)
	LAB_UNIT_ONLY=1 $(BUILD)/tests/lab-tests

# Every test, the real-probe ones included, with lab and the tests built
# with ASan and UBSan in their own build directory so the normal build
# stays as it is.
ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
test-asan: deps $(TEST_PROGS)
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/asan CFLAGS='$(ASAN_CFLAGS)' \
	  $(BUILD)/asan/lab $(BUILD)/asan/tests/lab-tests
	@# the coroutine tests check lab's own SIGSEGV handling, not ASan's;
	@# sanitized processes start slowly, so the "beat" speed tests skip
	ASAN_OPTIONS=handle_segv=0 LAB_SKIP=_beat_ LAB=$(BUILD)/asan/lab \
	  $(BUILD)/asan/tests/lab-tests

# Fuzzes a copy of the corpus (new inputs stay in build/fuzz/corpus);
# a crash leaves its input in build/fuzz/ and fails the target.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -std=gnu11 -D_GNU_SOURCE -I. -I$(BUILD) \
	-DLAB_VERSION='"$(VERSION)"'
FUZZ_SRCS := tests/fuzz/fuzz_trace.c $(wildcard analyzer/*.c)
$(BUILD)/fuzz/fuzz_trace: $(FUZZ_SRCS) $(wildcard analyzer/*.h probes/*.h tests/fuzz/*.h)
	@mkdir -p $(@D)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRCS) -ljson-c -lz -lelf -lm

# The options of lab run and lab workload, from no corpus at all.
FUZZ_ARGS_SECONDS ?= 20
$(BUILD)/fuzz/fuzz_args: tests/fuzz/fuzz_args.c cli/run_args.c cli/say.c \
		analyzer/safe_text.c $(wildcard cli/*.h)
	@mkdir -p $(@D)
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^)

fuzz: $(BUILD)/fuzz/fuzz_trace $(BUILD)/fuzz/fuzz_args
	rm -rf $(BUILD)/fuzz/corpus && mkdir -p $(BUILD)/fuzz/corpus
	cp tests/fuzz/corpus/* $(BUILD)/fuzz/corpus/
	$(BUILD)/fuzz/fuzz_trace -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	  -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/ $(BUILD)/fuzz/corpus
	$(BUILD)/fuzz/fuzz_args -max_total_time=$(FUZZ_ARGS_SECONDS) -timeout=10 \
	  -close_fd_mask=2 -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/args-

install: $(BUILD)/lab
	install -D -m 0755 $(BUILD)/lab $(DESTDIR)$(PREFIX)/bin/lab
	install -D -m 0644 docs/lab.1 $(DESTDIR)$(PREFIX)/share/man/man1/lab.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/lab $(DESTDIR)$(PREFIX)/share/man/man1/lab.1

FORMAT_SRCS = $(wildcard *.c */*.c */*/*.c */*.h */*/*.h)
format:
	clang-format -i $(FORMAT_SRCS)

lint: $(SKEL)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem -D__x86_64__ \
	  -I. -I$(BUILD) -itests/bench/floor.bpf.c \
	  lab.c cli workloads $(filter-out %.bpf.c,$(wildcard probes/*.c)) analyzer tests
	tests/layers.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)
