#!/usr/bin/python3
"""vmlinux_btf.py IMAGE OUT - the kernel's own BTF (what it serves as
/sys/kernel/btf/vmlinux), cut out of a kernel image as Debian packages
it (/boot/vmlinuz-*: a raw arm64 Image, or gzip-compressed). The .BTF
section is copied into the image as is: a header with the BTF magic,
then the types and the strings; the largest well-formed one is the
kernel's (modules' BTF is not in the image)."""
import gzip
import struct
import sys

data = open(sys.argv[1], "rb").read()
if data[:2] == b"\x1f\x8b":
    data = gzip.decompress(data)
best = b""
at = data.find(b"\x9f\xeb\x01\x00")
while at >= 0:
    hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from(
        "<5I", data, at + 4)
    end = at + hdr_len + max(type_off + type_len, str_off + str_len)
    if (hdr_len == 24 and type_off == 0 and str_off == type_len
            and end <= len(data) and data[end - 1] == 0
            and end - at > len(best)):
        best = data[at:end]
    at = data.find(b"\x9f\xeb\x01\x00", at + 1)
if not best:
    sys.exit(f"lab: {sys.argv[1]}: no BTF in this kernel image "
             "(a kernel built with CONFIG_DEBUG_INFO_BTF=y has it)")
open(sys.argv[2], "wb").write(best)
