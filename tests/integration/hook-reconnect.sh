#!/bin/sh
# libvirtd restarted while domains run: the reconnect hook keeps what runs,
# re-reserves a running domain whose reservation was lost, and drops the
# reservation of a domain that died while libvirtd was down.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
require_host
ioaccel_setup 1 4

a=$PREFIX-a-keep b=$PREFIX-b-lost c=$PREFIX-c-dies
for d in $a $b $c; do
	define_domain "$d" preferred
	$VIRSH start "$d" >/dev/null
done
check "three domains run with reservations" test "$(status_py "sorted(r)")" = "['$a', '$b', '$c']"
core_a=$(status_py "r['$a']['core']")

: >"$T/calls.log"
restart_libvirtd 9>&-
reconnects_are() { test "$(grep -c ' reconnect ' "$T/calls.log")" = "$1"; }
check "a plain libvirtd restart runs reconnect for each" eventually reconnects_are 3
kept() {
	test "$(status_py "sorted((d, x['stage'], x['core']) for d, x in r.items())")" = \
		"[('$a', 'started', $core_a), ('$b', 'started', $core_a), ('$c', 'started', $core_a)]"
}
check "and keeps every reservation, same core, stage started" eventually kept

libvirtd_stop
"$IOACCELCTL" release --force "$b" >/dev/null # the state of $b is lost
kill -9 "$(cat /run/libvirt/qemu/$c.pid)"     # $c dies behind libvirt's back
libvirtd_start 9>&-
i=0
while running "$c" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "libvirt noticed $c is gone" sh -c "! $VIRSH domstate $c | grep -q running"
check "$a and $b still run" sh -c "$VIRSH domstate $a | grep -q running && $VIRSH domstate $b | grep -q running"
rereserved() { test "$(status_py "r.get('$b', {}).get('stage'), r.get('$b', {}).get('qemu_pid', 0) > 0")" = "started True"; }
check "reconnect re-reserved $b, whose state was lost" eventually rereserved
released() { test "$(status_py "'$c' in r")" = False; }
check "the reservation of $c is gone" eventually released
check "the core's slot count matches the running domains" \
	test "$(status_py "[c['used'] for c in s['io_cores']]")" = "[2]"
"$IOACCELCTL" status | sed 's/^/# /'

$VIRSH destroy "$a" >/dev/null
$VIRSH destroy "$b" >/dev/null
check "all released" test "$(status_py "len(r)")" = 0
done_testing
