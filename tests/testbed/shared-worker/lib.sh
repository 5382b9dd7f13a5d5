# Functions of the shared-worker tests inside the fast L1 (busybox sh), on
# top of /testbed/lib.sh.  Extra "@@" records:
#   @@ ctl guest=I op=OP rc=N out=...            ioaccel-ctl result
#   @@ threads tag=T workers=N devices=D         vhost-io kthreads, devices
#                                                attached (sysfs)
#   @@ kstat tag=T path=P value=V                /sys/kernel/ioaccel file
#   @@ rmmod tag=T module=M rc=N
#   @@ gone tag=T guest=I pid=P exited=0|1
#   @@ dmesg bad=N                               WARN/BUG/Oops/lockdep lines
#   @@ dmesgline line=...
#   @@ vtest tag=T rc=N attach=N|- ms=N out=...  upstream's virtio_test
#   @@ ifstat tag=T guest=I tx_packets=N ...     the guest's eth0 counters
#   @@ l1stat tag=T name=value ...               L1's tap and IP/UDP drops
#   @@ l1drop tag=T reason=N count=N where=SYM   L1's freed skbs by drop reason

SW_CTL=/testbed/bin/ioaccel-ctl

sw_emit_ctl() {
	guest_=$1
	shift
	out=$("$SW_CTL" "$@" 2>&1)
	rc=$?
	tb_emit "ctl guest=$guest_ op=$1 rc=$rc out=$(echo "$out" | head -n 1 | tr ' ' ',')"
	return $rc
}

# sw_pid I: the QEMU pid of guest I.
sw_pid() {
	j=0
	for p in $TB_GUEST_PIDS; do
		if [ $j = "$1" ]; then
			echo "$p"
			return
		fi
		j=$((j + 1))
	done
}

# sw_attach_all CPU WORKER POLLING [RATE [IDLE_US]]
sw_attach_all() {
	i=0
	for p in $TB_GUEST_PIDS; do
		sw_emit_ctl $i attach "$p" "$@"
		i=$((i + 1))
	done
}

sw_detach_all() {
	i=0
	for p in $TB_GUEST_PIDS; do
		sw_emit_ctl $i detach "$p"
		i=$((i + 1))
	done
}

sw_threads() {
	n=$(grep -l '^vhost-io/' /proc/[0-9]*/comm 2>/dev/null | wc -l)
	d=$(ls /sys/kernel/ioaccel/devices 2>/dev/null | wc -l)
	tb_emit "threads tag=$1 workers=$n devices=$d"
}

sw_kstats() {
	[ -d /sys/kernel/ioaccel ] || return 0
	find /sys/kernel/ioaccel -type f | sort | while read -r f; do
		v=$(head -c 200 "$f" 2>/dev/null | head -n 1 | tr ' \t' ',,')
		tb_emit "kstat tag=$1 path=${f#/sys/kernel/ioaccel/} value=$v"
	done
}

# sw_yields TAG I: the turns guest I's devices ended for a latency device.
sw_yields() {
	n=0
	for f in /sys/kernel/ioaccel/devices/"$(sw_pid "$2")"-*/yields; do
		[ -r "$f" ] && n=$((n + $(cat "$f")))
	done
	tb_emit "yields tag=$1 guest=$2 value=$n"
}

sw_rmmod() {
	rmmod "$2" 2>/dev/null
	tb_emit "rmmod tag=$1 module=$2 rc=$?"
}

# sw_wait_gone TAG I: wait (bounded) for guest I's QEMU to exit.
sw_wait_gone() {
	p=$(sw_pid "$2")
	t=0
	while kill -0 "$p" 2>/dev/null && [ $t -lt 600 ]; do
		sleep 0.1
		t=$((t + 1))
	done
	if kill -0 "$p" 2>/dev/null; then
		tb_emit "gone tag=$1 guest=$2 pid=$p exited=0"
	else
		tb_emit "gone tag=$1 guest=$2 pid=$p exited=1"
	fi
}

# sw_kill_racing GUEST ATTACH-ARGS...: SIGKILL the guest's QEMU while a
# loop detaches and attaches (ioaccel-ctl attach PID ATTACH-ARGS) its
# devices, so that they race the release of its vhost devices; then
# sw_wait_gone sigkill GUEST, and how many rounds the loop did.
sw_kill_racing() {
	g=$1
	shift
	p=$(sw_pid "$g")
	(
		n=0
		while kill -0 "$p" 2>/dev/null; do
			$SW_CTL detach "$p"
			$SW_CTL attach "$p" "$@"
			n=$((n + 1))
		done
		echo $n >/tmp/race.rounds
	) >/dev/null 2>&1 &
	race=$!
	sleep 1
	kill -9 "$p"
	sw_wait_gone sigkill "$g"
	wait $race
	tb_emit "race guest=$g rounds=$(cat /tmp/race.rounds)"
}

# sw_dmesg_mark: remember where the kernel log is now; sw_dmesg_check
# looks only at what came after it (L1's boot under TCG logs a topology
# warning of its own).
sw_dmesg_mark() {
	SW_DMESG_FROM=$(dmesg | wc -l)
}

sw_dmesg_check() {
	dmesg | tail -n +$((${SW_DMESG_FROM:-0} + 1)) >/tmp/dmesg.txt
	grep -E 'WARNING:|BUG:|Oops|lockdep|possible circular|INFO: task .* blocked|general protection|refcount_t|list_(add|del) corruption|Call Trace' /tmp/dmesg.txt >/tmp/dmesg.bad
	tb_emit "dmesg tag=$1 bad=$(wc -l </tmp/dmesg.bad)"
	head -n 60 /tmp/dmesg.bad | tr -d '\r' | sed "s/^/@@ dmesgline tag=$1 line=/" >"$TB_OUT"
	grep -iE 'vhost|ioaccel' /tmp/dmesg.txt | tail -n 20 | sed 's/^/L1: dmesg: /'
}

# sw_measure CASE WORKLOAD SIZE COUNT MODE: tb_measure with L1's context
# switches (/proc/stat ctxt) around it: "@@ ctxt case=C when=W value=V".
sw_measure() {
	tb_emit "ctxt case=$1 when=before value=$(sed -n 's/^ctxt //p' /proc/stat)"
	tb_measure "$@"
	tb_emit "ctxt case=$1 when=after value=$(sed -n 's/^ctxt //p' /proc/stat)"
}

# sw_fairness TAG COUNT FLOOD: COUNT round trips of guest 1 (net 0) alone,
# then while guest 0 sends FLOOD 64 B datagrams to L1 (same shared worker).
#   @@ fair tag=T phase=idle|busy sent=N received=N lost=N ms=M (rr totals)
#   @@ fairflood tag=T received=N ms=M   guest 0's flood: datagrams L1 got,
#                                        and how long the flood took
sw_fairness() {
	timeout 300 udpbench echo 5101 30000 >/dev/null 2>&1 &
	echo_=$!
	tb_wait_udp_bound 5101
	timeout 120 udpbench ctl 10.0.1.2 $TB_CTL_PORT 10000 "rr 10.0.1.1 5101 64 $2 1000" >/tmp/fair-idle 2>&1
	timeout 300 udpbench sink 5100 "$3" 3000 240000 >/tmp/fair-sink 2>&1 &
	sink_=$!
	tb_wait_udp_bound 5100
	t0_=$(cut -d' ' -f1 /proc/uptime)
	timeout 300 udpbench ctl 10.0.0.2 $TB_CTL_PORT 10000 "send 10.0.0.1 5100 64 $3" >/tmp/fair-flood 2>&1 &
	flood_=$!
	sleep 2
	timeout 120 udpbench ctl 10.0.1.2 $TB_CTL_PORT 10000 "rr 10.0.1.1 5101 64 $2 1000" >/tmp/fair-busy 2>&1
	wait "$flood_"
	t1_=$(cut -d' ' -f1 /proc/uptime)
	# The sink ends once the flood has all arrived or 3 s after the last.
	wait "$sink_"
	kill "$echo_" 2>/dev/null
	wait "$echo_" 2>/dev/null
	for ph in idle busy; do
		line=$(grep '^result ' "/tmp/fair-$ph" | tail -n 1)
		tb_emit "fair tag=$1 phase=$ph ${line#result }"
	done
	rcv_=$(sed -n 's/^result received=\([0-9]*\).*/\1/p' /tmp/fair-sink)
	tb_emit "fairflood tag=$1 received=${rcv_:-0} ms=$(awk -v a="$t0_" -v b="$t1_" 'BEGIN { printf "%d", (b - a) * 1000 }')"
}

# sw_virtio_test TAG CPU [ARGS...]: run upstream's virtio_test (a million
# buffers through /dev/vhost-test) with ARGS.  Once it owns its device, the
# device moves to the shared worker on CPU with polling on; CPU "-" leaves
# it on its own worker (the stock path of the patched modules).
sw_virtio_test() {
	tag_=$1
	attach_=$2
	shift 2
	t0_=$(cut -d' ' -f1 /proc/uptime)
	timeout 900 /testbed/bin/virtio_test "$@" >/tmp/vtest.out 2>&1 &
	vt_=$!
	arc_=-
	if [ "$attach_" != - ]; then
		# The device exists from VHOST_SET_OWNER on: retry until then.
		t=0
		while [ $t -lt 100 ] && kill -0 $vt_ 2>/dev/null; do
			if "$SW_CTL" attach $vt_ "$attach_" shared on >/tmp/vtest.ctl 2>&1; then
				arc_=0
				break
			fi
			arc_=$(sed -n 's/.*error=\([A-Z]*\).*/\1/p' /tmp/vtest.ctl)
			sleep 0.1
			t=$((t + 1))
		done
		sw_threads "vtest-$tag_"
	fi
	wait $vt_
	rc_=$?
	ms_=$(awk -v a="$t0_" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%d", (b - a) * 1000 }')
	tb_emit "vtest tag=$tag_ rc=$rc_ attach=$arc_ ms=$ms_ out=$(tail -n 2 /tmp/vtest.out | tr ' \n' ',;')"
}

# sw_drops_start / sw_drops TAG: every skb L1 frees as dropped
# (skb:kfree_skb), counted by drop reason (enum skb_drop_reason) and
# place, between the two calls: tells where a packet that vhost-net
# completed but no socket received went.
SW_DROP_EV=/sys/kernel/tracing/events/skb/kfree_skb
SW_DROP_HIST='hist:keys=reason,location.sym-offset:sort=hitcount:size=256'
sw_drops_start() {
	[ -e $SW_DROP_EV/trigger ] && echo "$SW_DROP_HIST" >$SW_DROP_EV/trigger
}
sw_drops() {
	[ -e $SW_DROP_EV/hist ] || return 0
	sed -n 's/^{ *reason: *\([0-9]*\), *location: *\[[0-9a-f]*\] *\([^ }]*\) *} *hitcount: *\([0-9]*\).*/\1 \2 \3/p' \
		$SW_DROP_EV/hist | while read -r r w c; do
		tb_emit "l1drop tag=$1 reason=$r count=$c where=$w"
	done
	echo "!$SW_DROP_HIST" >$SW_DROP_EV/trigger
}

# sw_ifstat TAG: every guest's eth0 counters (udpbench ifstat), so that a
# packet missing in L1 can be told apart: still in the guest's TX queue,
# dropped by it, or lost on the way.
sw_ifstat() {
	i=0
	while [ $i -lt "$TB_GUESTS" ]; do
		line=$(timeout 30 udpbench ctl 10.0.$i.2 $TB_CTL_PORT 5000 "ifstat eth0" 2>/dev/null | grep '^result ')
		tb_emit "ifstat tag=$1 guest=$i ${line#result }"
		t=/sys/class/net/tap$i.0/statistics
		tb_emit "l1stat tag=$1 guest=$i tap_rx_packets=$(cat $t/rx_packets) tap_rx_dropped=$(cat $t/rx_dropped) tap_rx_errors=$(cat $t/rx_errors) tap_rx_frame_errors=$(cat $t/rx_frame_errors)"
		i=$((i + 1))
	done
	# The named counters of /proc/net/snmp's Ip: and Udp: lines.
	awk '$1 == "Ip:" || $1 == "Udp:" {
		if (!(($1) in hdr)) { for (i = 2; i <= NF; i++) h[$1, i] = $i; hdr[$1] = 1; next }
		for (i = 2; i <= NF; i++) if (h[$1, i] ~ /Discards|Errors|NoPorts|InDatagrams|InReceives/) out = out " " tolower(substr($1, 1, length($1) - 1)) "_" h[$1, i] "=" $i
	} END { print out }' /proc/net/snmp | { read -r l; tb_emit "l1stat tag=$1 guest=- $l"; }
}
