#!/bin/bash
# run.sh [META...] - boots each kernel of Debian's packages (default: the
# release's stock linux-image-amd64; linux-image-arm64:arm64 boots the
# arm64 one with the arm64 build, make ARCH=arm64) under qemu with TCG
# (no /dev/kvm needed) and an initramfs of this tree's build, runs
# guest-init there and checks what it printed: lab check passing, each
# step exiting 0, the oracle tests passing. A console log per kernel
# stays in build/kernels/PACKAGE/console.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
metas=("$@")
[ ${#metas[@]} -gt 0 ] || metas=(linux-image-amd64)
work=build/kernels
mkdir -p "$work"

fail=0
check() { # what, command...
	local what=$1
	shift
	if "$@"; then
		echo "ok   $what"
	else
		echo "FAIL $what"
		fail=1
	fi
}

for meta in "${metas[@]}"; do
	dir=$(tests/kernels/fetch.sh "$meta" "$work")
	pkg=${dir##*/}
	vmlinuz=$(ls "$dir"/root/boot/vmlinuz-*)
	log=$dir/console.log
	case $meta in
	*:arm64)
		arch=arm64
		# the virt board's PL011 UART is the console
		qemu=(qemu-system-aarch64 -M virt -cpu max)
		append="console=ttyAMA0 panic=-1 quiet"
		;;
	*)
		arch=x86
		qemu=(qemu-system-x86_64 -cpu max)
		# TCG's vCPUs read one clock; without this the kernel finds
		# their TSCs unsynchronized and keeps time with the HPET
		append="console=ttyS0 panic=-1 quiet tsc=reliable"
		;;
	esac
	initrd=$work/initramfs-$arch.cpio.gz
	tests/kernels/initramfs.sh "$initrd" "$arch"
	echo "== $pkg under qemu (TCG): console in $log"
	start=$(date +%s)
	timeout 900 "${qemu[@]}" -accel tcg -smp 2 -m 2048 -nographic \
		-nic none -no-reboot -kernel "$vmlinuz" -initrd "$initrd" \
		-append "$append" </dev/null | tr -d '\r' >"$log" || true
	echo "   $(($(date +%s) - start)) s"
	grep '^== \|^[0-9]* passed\|MISSING\|^lab: ' "$log" | sed 's/^/   /'
	check "$pkg: the guest ran to the end" grep -q '^== end' "$log"
	check "$pkg: lab check" grep -q '^== rc=0 for: build/lab check' "$log"
	check "$pkg: lab run io (a family)" \
		grep -q '^== rc=0 for: build/lab run -o /tmp/out/io io' "$log"
	check "$pkg: lab run -- sleep" \
		grep -q '^== rc=0 for: build/lab run -o /tmp/out/sleep' "$log"
	check "$pkg: the oracle tests" \
		grep -q '^[1-9][0-9]* passed, 0 failed, 0 skipped' "$log"
done
[ $fail = 0 ] && echo "test-kernels: every kernel passed" || exit 1
