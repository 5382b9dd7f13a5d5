#!/bin/sh
# 20 domains started at once against 6 worker slots (2 I/O cores x 3):
# exactly 6 get a slot, no core is over-booked, the other 14 start degraded
# (policy preferred) with the reason recorded; then required domains fail
# cleanly while the slots are full; destroying all frees everything.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
require_host
ioaccel_setup 0-1 3
N=20

i=1
while [ $i -le $N ]; do
	define_domain "$PREFIX-c$i" preferred
	i=$((i + 1))
done
i=1
while [ $i -le $N ]; do
	($VIRSH start "$PREFIX-c$i" >"$T/start-$i.out" 2>&1; echo $? >"$T/start-$i.rc") &
	i=$((i + 1))
done
wait
fails=0
i=1
while [ $i -le $N ]; do
	[ "$(cat "$T/start-$i.rc")" = 0 ] || { fails=$((fails + 1)); diag "$(cat "$T/start-$i.out")"; }
	i=$((i + 1))
done
check "all $N concurrent starts succeed (policy preferred)" test $fails = 0
check "$N reservations recorded" test "$(status_py "len(r)")" = $N
check "exactly 6 domains hold a worker slot" \
	test "$(status_py "sum(1 for x in r.values() if x['core'] >= 0)")" = 6
check "no I/O core is double-booked (3 slots each)" \
	test "$(status_py "sorted((c['cpu'], c['used'], len(c['domains'])) for c in s['io_cores'])")" = "[(0, 3, 3), (1, 3, 3)]"
check "the 14 others say why: no free worker slot" \
	test "$(status_py "sum(1 for x in r.values() if x['core'] < 0 and any(i['name'] == 'io-core' and i['state'] == 'not-applied' and 'no I/O core has 1 free worker slot' in i['detail'] for i in x['items']))")" = 14
"$IOACCELCTL" status | sed -n '1,6p' | sed 's/^/# /'

for j in 1 2 3 4; do
	define_domain "$PREFIX-r$j" required
	($VIRSH start "$PREFIX-r$j" >"$T/req-$j.out" 2>&1; echo $? >"$T/req-$j.rc") &
done
wait
rfails=0
for j in 1 2 3 4; do
	[ "$(cat "$T/req-$j.rc")" != 0 ] && grep -q "policy is required" "$T/req-$j.out" &&
		! running "$PREFIX-r$j" && rfails=$((rfails + 1))
done
diag "$(head -c 600 "$T/req-1.out")"
check "4 concurrent required starts all fail with the hook's message" test $rfails = 4
check "and leave no reservation behind" test "$(status_py "len([d for d in r if '-r' in d])")" = 0
check "the 6 slots are still held" \
	test "$(status_py "sum(1 for x in r.values() if x['core'] >= 0)")" = 6

i=1
while [ $i -le $N ]; do
	$VIRSH destroy "$PREFIX-c$i" >/dev/null 2>&1 &
	i=$((i + 1))
done
wait
check "destroying all $N frees every reservation" test "$(status_py "len(r)")" = 0
check "and every slot" test "$(status_py "sum(c['used'] for c in s['io_cores'])")" = 0

done_testing
