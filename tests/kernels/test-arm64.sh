#!/bin/bash
# test-arm64.sh - the arm64 build (make ARCH=arm64, in build/arm64/) tested
# on this x86-64 machine: its probes' CO-RE relocations against Debian's
# arm64 kernel (core-check), then the tests that need no root (coroutine
# runtime, workloads, analyzer, traces, reports) under qemu-aarch64 user
# emulation. No binfmt handler runs arm64 programs here, so the tests
# start lab through a wrapper that calls qemu-aarch64.
#
# Left out, as emulation artefacts: qemu-user keeps a thread of its own
# in every process (unpinned, so --cpu 0 shows 0-1; counted against
# RLIMIT_NPROC, so "one task more" is none), maps its guest's memory in
# its own (RLIMIT_AS headroom means another thing), runs code at another
# speed, the slower the busier the host (duration-to-work, CPU-share,
# time-limit and speed-comparison checks), and cannot
# re-execute the test runner (runner_: no binfmt handler).
set -euo pipefail
cd "$(dirname "$0")/../.."
b=build/arm64
printf '#!/bin/sh\nexec qemu-aarch64 %s/%s/lab "$@"\n' "$PWD" "$b" >"$b/lab-qemu"
chmod +x "$b/lab-qemu"
echo "== the probes for arm64 against Debian's arm64 kernel's BTF"
build/tests/core-check "$b/lab.bpf.o" "$b/vmlinux.btf"
echo "== the tests that need no root, under qemu-aarch64"
skip=cpu_list,duration_sets_the_work,never_uses_more_than_one_cpu,_beat_
skip=$skip,beat_serial,_fast,killed_manager,counts_exactly_both_ways
skip=$skip,runner_,called_off,could_not_create
LAB_UNIT_ONLY=1 LAB="$b/lab-qemu" LAB_SKIP=$skip qemu-aarch64 \
	"$b/tests/lab-tests" "$@"
