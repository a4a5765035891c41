#!/bin/bash
# initramfs.sh OUT - packs an initramfs of this tree's build: lab, the
# test runner and its helper programs, the libraries they link, busybox
# (static) as the shell, and guest-init as /init.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$1
root=$out.d
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lab/build/tests}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp tests/kernels/guest-init "$root/init"
cp build/lab "$root/lab/build/"
cp build/tests/lab-tests "$root/lab/build/tests/"
for p in tests/progs/*.c; do
	name=$(basename "$p" .c)
	cp "build/tests/$name" "$root/lab/build/tests/"
done
# the shared libraries and the loader, at the paths the binaries name
for bin in "$root"/lab/build/lab "$root"/lab/build/tests/*; do
	ldd "$bin" | grep -o '/[^ ]*' || true
done | sort -u | while read -r lib; do
	cp -L --parents "$lib" "$root/"
done
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out"
rm -rf "$root"
