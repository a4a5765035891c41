#!/bin/bash
# run.sh [META...] - boots each kernel of Debian's packages (default: the
# release's stock linux-image-amd64) under qemu-system-x86_64 with TCG
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
tests/kernels/initramfs.sh "$work/initramfs.cpio.gz"

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
	pkg=$(apt-cache depends "$meta" 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	if [ -z "$pkg" ]; then
		echo "lab: test-kernels: no package $meta (run: apt-get update)"
		exit 1
	fi
	dir=$work/$pkg
	if ! ls "$dir"/root/boot/vmlinuz-* >/dev/null 2>&1; then
		rm -rf "$dir" && mkdir -p "$dir"
		(cd "$dir" && apt-get download -q -o APT::Sandbox::User=root \
			"$pkg" >/dev/null)
		dpkg-deb -x "$dir"/*.deb "$dir/root"
		rm -f "$dir"/*.deb
	fi
	vmlinuz=$(ls "$dir"/root/boot/vmlinuz-*)
	log=$dir/console.log
	echo "== $pkg under qemu (TCG): console in $log"
	start=$(date +%s)
	timeout 900 qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 2048 \
		-nographic -nic none -no-reboot -kernel "$vmlinuz" \
		-initrd "$work/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 quiet tsc=reliable" </dev/null |
		tr -d '\r' >"$log" || true
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
