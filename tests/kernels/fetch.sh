#!/bin/bash
# fetch.sh META DIR - the kernel that Debian's meta package META (e.g.
# linux-image-amd64, linux-image-arm64:arm64) stands for, downloaded with
# apt-get download and unpacked with dpkg-deb into DIR/PACKAGE/root once;
# prints DIR/PACKAGE.
set -euo pipefail
meta=$1 dir=$2
pkg=$(apt-cache depends "$meta" 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$pkg" ]; then
	echo "lab: fetching $meta: no such package here (run: apt-get update)" >&2
	exit 1
fi
out=$dir/${pkg%%:*}
if ! ls "$out"/root/boot/vmlinuz-* >/dev/null 2>&1; then
	rm -rf "$out" && mkdir -p "$out"
	(cd "$out" && apt-get download -q -o APT::Sandbox::User=root \
		"$pkg" >/dev/null)
	dpkg-deb -x "$out"/*.deb "$out/root"
	rm -f "$out"/*.deb
fi
echo "$out"
