#!/bin/sh
# A hook killed in the middle of prepare, right after its reservation hit
# the disk (fault point IOACCEL_FAULT=stop-after-reserve stops it there):
# nothing stays reserved, whether libvirt runs release afterwards or the
# process that ran the hook is gone too (the next operation reconciles).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
require_host
ioaccel_setup 1 4

# wait_stopped PIDFILE: until the hook wrote its pid and stopped itself.
wait_stopped() {
	i=0
	while [ $i -lt 600 ]; do
		if [ -s "$1" ] && [ "$(awk '{print $3}' "/proc/$(cat "$1")/stat" 2>/dev/null)" = T ]; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

dom=$PREFIX-killed
install_hook_wrapper "[ \"\$2\" = prepare ] && { echo \$\$ >'$T/hook.pid'; export IOACCEL_FAULT=stop-after-reserve; }"
define_domain "$dom" preferred
($VIRSH start "$dom" >"$T/start.out" 2>&1; echo $? >"$T/start.rc") &
check "the hook stopped inside prepare" wait_stopped "$T/hook.pid"
check "its reservation is on disk at that point" test "$(status_py "r['$dom']['stage']")" = prepared
kill -9 "$(cat "$T/hook.pid")"
wait
check "virsh start failed" test "$(cat "$T/start.rc")" != 0
diag "$(cat "$T/start.out")"
check "the domain does not run" sh -c "! $VIRSH domstate $dom | grep -q running"
check "nothing is left reserved (libvirt ran release)" test "$(status_py "len(r)")" = 0
install_hook_wrapper ""

# Killed together with the process that ran it: no release ever comes.
domain_xml $PREFIX-orphan preferred >"$T/orphan.xml"
rm -f "$T/hook.pid"
sh -c "echo \$\$ >'$T/owner.pid'; IOACCEL_FAULT=stop-after-reserve sh -c 'echo \$\$ >\"$T/hook.pid\"; exec \"$HOOK_BIN\" $PREFIX-orphan prepare begin - <\"$T/orphan.xml\"'; true" &
owner=$!
check "a directly run hook stopped inside prepare" wait_stopped "$T/hook.pid"
kill -9 "$(cat "$T/hook.pid")"
wait $owner
check "status flags the orphaned reservation as stale" \
	test "$(status_py "r['$PREFIX-orphan']['stale']")" = True
domain_xml $PREFIX-next preferred >"$T/next.xml"
check "the next prepare succeeds" "$HOOK_BIN" $PREFIX-next prepare begin - <"$T/next.xml"
check "and dropped the stale reservation" test "$(status_py "sorted(r)")" = "['$PREFIX-next']"
"$IOACCELCTL" release $PREFIX-next >/dev/null
check "ioaccelctl release leaves nothing" test "$(status_py "len(r)")" = 0
done_testing
