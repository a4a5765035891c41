#!/bin/bash
# initramfs.sh OUT [ARCH] - packs an initramfs of this tree's build for
# ARCH (x86, the default, from build/; arm64 from build/arm64/): lab, the
# test runner and its helper programs, the shared libraries they need
# (followed through their NEEDED entries, from Debian's multiarch
# directories), busybox (static; another architecture's from its
# package) as the shell, and guest-init as /init.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$1 arch=${2:-x86}
case $arch in
x86) build=build multiarch=x86_64-linux-gnu deb=amd64 ;;
arm64) build=build/arm64 multiarch=aarch64-linux-gnu deb=arm64 ;;
*) echo "lab: initramfs: no such architecture $arch" >&2 && exit 1 ;;
esac
root=$out.d
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lab/build/tests}
if [ "$(dpkg --print-architecture)" = "$deb" ]; then
	cp /bin/busybox "$root/bin/busybox"
else
	bb=$(dirname "$out")/busybox-$deb
	if [ ! -x "$bb/bin/busybox" ]; then
		rm -rf "$bb" && mkdir -p "$bb"
		(cd "$bb" && apt-get download -q -o APT::Sandbox::User=root \
			"busybox-static:$deb" >/dev/null)
		dpkg-deb -x "$bb"/*.deb "$bb" && rm -f "$bb"/*.deb
	fi
	cp "$bb/bin/busybox" "$root/bin/busybox"
fi
ln -s busybox "$root/bin/sh"
cp tests/kernels/guest-init "$root/init"
cp "$build/lab" "$root/lab/build/"
cp "$build/tests/lab-tests" "$root/lab/build/tests/"
for p in tests/progs/*.c; do
	cp "$build/tests/$(basename "$p" .c)" "$root/lab/build/tests/"
done

# each binary's loader and libraries, and theirs, at their own paths
copy_needs() {
	local elf=$1 lib dir
	for lib in $(readelf -dW "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		for dir in /lib/$multiarch /usr/lib/$multiarch; do
			[ -e "$dir/$lib" ] || continue
			if [ ! -e "$root$dir/$lib" ]; then
				mkdir -p "$root$dir"
				cp -L "$dir/$lib" "$root$dir/$lib"
				copy_needs "$dir/$lib"
			fi
			break
		done
	done
}
for bin in "$root"/lab/build/lab "$root"/lab/build/tests/*; do
	loader=$(readelf -lW "$bin" | sed -n 's/.*interpreter: \(.*\)\]/\1/p')
	mkdir -p "$root$(dirname "$loader")"
	cp -L "$loader" "$root$loader"
	copy_needs "$bin"
done
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
rm -rf "$root"
