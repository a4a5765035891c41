#!/bin/bash
# layers.sh - the includes that would cross the layers the wrong way.
# Includes name their folder from the repository's root
# ("probes/events.h"); a folder may include only the folders its row
# names (system headers and build/'s are not checked). Prints each
# crossing; exits 1 if any.
#
#   workloads/       workloads/, workloads/coro/, and probes/marks.h (the
#                    markers' ids, the contract with the probes)
#   workloads/coro/  itself: the runtime knows no scenario
#   probes/          itself
#   analyzer/        itself, and the trace's contract: probes/
#                    trace_format.h, events.h, marks.h
#   cli/, tests/, lab.c   anything (cli/ never includes lab.c: it has no
#                    header)
cd "$(dirname "$0")/.." || exit 2

allowed() { # folder-of-source header-folder/header
	case "$1:$2" in
	workloads/coro:workloads/coro/*) return 0 ;;
	workloads/coro:*) return 1 ;;
	workloads:workloads/* | workloads:probes/marks.h) return 0 ;;
	probes:probes/*) return 0 ;;
	analyzer:analyzer/* | analyzer:probes/trace_format.h) return 0 ;;
	analyzer:probes/events.h | analyzer:probes/marks.h) return 0 ;;
	workloads:* | probes:* | analyzer:*) return 1 ;;
	esac
	return 0
}

bad=0
while IFS=: read -r src line; do
	h=${line#*\"}
	h=${h%%\"*}
	found=$h
	[ -e "$found" ] || continue # build/'s generated headers
	dir=${src%/*}
	if ! allowed "$dir" "$found"; then
		echo "$src includes $found: $dir may not depend on ${found%/*}/"
		bad=1
	fi
done < <(grep -H '^#include "' workloads/*.[ch] workloads/coro/*.[chS] \
	probes/*.[ch] analyzer/*.[ch] 2>/dev/null)
exit $bad
