#!/bin/sh
# regen.sh - rewrites tests/golden/<scenario>.txt, what `lab report`
# prints for the family traces kept in tests/traces/families/<scenario>/
# (tests/test_golden.c compares them byte for byte). Run it after
# `make`, from anywhere, when a change to the comparison or its
# explanation is meant; then read `git diff tests/golden` sentence by
# sentence against the figures before committing it.
#   LAB=path/to/lab  another build of lab (default: build/lab)
set -eu
cd "$(dirname "$0")/../.."
lab=${LAB:-build/lab}
# the traces in the order the test's glob gives them
export LC_ALL=C
for dir in tests/traces/families/*/; do
	scenario=$(basename "$dir")
	"$lab" report "$dir"*.lab >"tests/golden/$scenario.txt"
	echo "tests/golden/$scenario.txt"
done
