#!/bin/bash
# layers.sh - the includes that would cross the layers the wrong way.
# Each quoted #include is resolved to the folder its header lives in;
# a folder may include only the folders its row names (system headers
# and build/ are not checked). Prints each crossing; exits 1 if any.
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

# where each header lives; the first folder wins, as -I's order does
declare -A home
for h in workloads/*.h workloads/coro/*.h probes/*.h analyzer/*.h cli/*.h tests/*.h; do
	[ -e "$h" ] && [ -z "${home[${h##*/}]}" ] && home[${h##*/}]=$h
done

bad=0
while IFS=: read -r src line; do
	h=${line#*\"}
	h=${h%%\"*}
	found=${home[$h]}
	[ -n "$found" ] || continue # build/, or a system header
	dir=${src%/*}
	if ! allowed "$dir" "$found"; then
		echo "$src includes $found: $dir may not depend on ${found%/*}/"
		bad=1
	fi
done < <(grep -H '^#include "' workloads/*.[ch] workloads/coro/*.[chS] \
	probes/*.[ch] analyzer/*.[ch] 2>/dev/null)
exit $bad
