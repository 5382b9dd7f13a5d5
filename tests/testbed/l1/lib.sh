# Functions for the plans that run inside the fast L1 (busybox sh).
#
# Output protocol (parsed by tests/testbed/testbed.py): every fact goes to
# /dev/ttyS1 as one line "@@ WORD KEY=VALUE ...".  Lines:
#   @@ boot kernel=R cpus=N nodes=N
#   @@ load set=S ok=0|1 modules=a,b,.. detail=...
#   @@ unload set=S ok=0|1
#   @@ guests n=N label=L ok=0|1 uptime=SECONDS
#   @@ stat case=C when=before|after name=NAME value=V     (KVM debugfs)
#   @@ reason case=C when=before|after code=N count=V     (kvm_exit hist)
#   @@ msr case=C when=before|after ecx=N write=0|1 count=V (kvm_msr hist)
#   @@ mmio case=C when=before|after gpa=N len=N count=V  (kvm_mmio writes)
#   @@ window case=C start=SECONDS end=SECONDS            (L1 uptime)
#   @@ res case=C guest=I role=guest|peer KEY=VALUE ...   (udpbench result)
#   @@ case case=C workload=W size=S guests=N mode=M count=N net=0|1
#   @@ l2log guest=I line=...                             (L2 console)
#   @@ plan-done
# All waits are bounded.

TB_OUT=/dev/ttyS1
TB_CTL_PORT=7000
TB_GUESTS=0
TB_GUEST_PIDS=
# tb_measure's patience: a sink stops after TB_SINK_IDLE_MS without a
# datagram, a request unanswered for TB_RR_TIMEOUT_MS counts as lost, L1
# sends to the guests every TB_RX_GAP_US and the guests to L1 every
# TB_TX_GAP_US (0: flood).  Correctness tests raise the first two, so that
# a late packet on a loaded host is not taken for a lost one, and pace the
# traffic below what a TCG guest, or a loaded L1's backlog, can take.
TB_SINK_IDLE_MS=${TB_SINK_IDLE_MS:-2000}
TB_RR_TIMEOUT_MS=${TB_RR_TIMEOUT_MS:-1000}
TB_RX_GAP_US=${TB_RX_GAP_US:-0}
TB_TX_GAP_US=${TB_TX_GAP_US:-0}

tb_emit() {
	echo "@@ $*" >"$TB_OUT"
	echo "L1: @@ $*"
}

# tb_load_modules SET: insmod the modules of /testbed/modules/SET in the
# order of its load-order file (Debian dependencies first, then the built
# modules), then check that /dev/kvm and /dev/vhost-net are there.
tb_load_modules() {
	set_=$1
	dir=/testbed/modules/$set_
	ok=1
	loaded=
	detail=
	for m in $(cat "$dir/load-order"); do
		name=$(basename "$m" .ko)
		if grep -q "^$(echo "$name" | tr - _) " /proc/modules; then
			continue
		fi
		if out=$(insmod "$dir/$m" 2>&1); then
			loaded="$loaded${loaded:+,}$name"
		else
			ok=0
			detail="insmod $m: $(echo "$out" | tr ' \n' '_ ')"
			break
		fi
	done
	for dev in /dev/kvm /dev/vhost-net; do
		i=0
		while [ ! -e "$dev" ] && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if [ ! -e "$dev" ] && [ $ok = 1 ]; then
			ok=0
			detail="no_$dev"
		fi
	done
	taint=$(cat /sys/module/kvm/taint 2>/dev/null)
	tb_emit "load set=$set_ ok=$ok modules=$loaded kvm_taint=${taint:-none} detail=${detail:-none}"
	[ $ok = 1 ] && tb_trace_setup
	[ $ok = 1 ]
}

# tb_unload_modules SET: rmmod the built modules of SET (reverse order).
tb_unload_modules() {
	set_=$1
	ok=1
	tb_trace_teardown
	for m in $(cat "/testbed/modules/$set_/unload-order"); do
		if grep -q "^$m " /proc/modules; then
			rmmod "$m" || ok=0
		fi
	done
	tb_emit "unload set=$set_ ok=$ok"
	[ $ok = 1 ]
}

# Exits per reason: a histogram trigger on kvm:kvm_exit (set again after
# each kvm load, since the event goes away with the module).
TB_EXIT_HIST='hist:keys=exit_reason:sort=hitcount:size=256'
# MSR exits by MSR index (TSC deadline, x2APIC EOI/ICR, ...).
TB_MSR_HIST='hist:keys=ecx,write:sort=hitcount:size=256'
# MMIO writes by address and width (type 2 is KVM_TRACE_MMIO_WRITE): a
# virtio-pci queue notify is a 16-bit write to the notify region, so the
# kicks are told apart from the other nested page faults (see testbed.py).
TB_MMIO_HIST='hist:keys=gpa,len:sort=hitcount:size=512 if type == 2'
# Shutdown exits (SVM_EXIT_SHUTDOWN, 0x7f: an L2 guest triple-faulted) by
# vCPU thread and guest RIP, so that a guest that ends silently says where.
# (At most three keys; >> adds a trigger, > would remove the others.)
TB_SHUTDOWN_HIST='hist:keys=common_pid,guest_rip.hex,info1.hex:size=128 if exit_reason == 127'
tb_trace_setup() {
	trig=/sys/kernel/tracing/events/kvm/kvm_exit/trigger
	if [ -e "$trig" ]; then
		echo "$TB_EXIT_HIST" >"$trig"
		echo "$TB_SHUTDOWN_HIST" >>"$trig"
		echo "$TB_MSR_HIST" >/sys/kernel/tracing/events/kvm/kvm_msr/trigger
		echo "$TB_MMIO_HIST" >/sys/kernel/tracing/events/kvm/kvm_mmio/trigger
	else
		echo "L1: no kvm_exit tracepoint"
	fi
}

# The triggers go before kvm does: a module unloaded with a probe still on
# one of its tracepoints WARNs (tp_module_going_check_quiescent).
tb_trace_teardown() {
	d=/sys/kernel/tracing/events/kvm
	if [ -n "${TB_FLIGHT:-}" ] && [ -e $d/kvm_exit/trigger ]; then
		echo "!$TB_FLIGHT_STOP" >>$d/kvm_exit/trigger 2>/dev/null || true
		for e in $TB_FLIGHT_EVENTS; do
			echo 0 >$d/$e/enable
		done
		TB_FLIGHT=
	fi
	if [ -e $d/kvm_exit/trigger ]; then
		echo "!$TB_EXIT_HIST" >$d/kvm_exit/trigger 2>/dev/null || true
		echo "!$TB_SHUTDOWN_HIST" >>$d/kvm_exit/trigger 2>/dev/null || true
		echo "!$TB_MSR_HIST" >$d/kvm_msr/trigger 2>/dev/null || true
		echo "!$TB_MMIO_HIST" >$d/kvm_mmio/trigger 2>/dev/null || true
	fi
}

# tb_trace_flight: keep L1's latest KVM events ($TB_FLIGHT_EVENTS) in the
# trace buffer, which stops at the first shutdown exit (an L2 triple
# fault), so that tb_shutdown_exits shows what led to it.  For tests: the
# events cost time in every exit.
TB_FLIGHT_EVENTS="kvm_exit kvm_msr kvm_inj_virq kvm_entry"
TB_FLIGHT_STOP='traceoff if exit_reason == 127'
tb_trace_flight() {
	t=/sys/kernel/tracing
	[ -e $t/events/kvm/kvm_exit/trigger ] || return 0
	echo 4096 >$t/buffer_size_kb
	echo >$t/trace
	for e in $TB_FLIGHT_EVENTS; do
		echo 1 >$t/events/kvm/$e/enable
	done
	echo "$TB_FLIGHT_STOP" >>$t/events/kvm/kvm_exit/trigger
	echo 1 >$t/tracing_on
	TB_FLIGHT=1
}

# tb_snapshot CASE WHEN: the exit histogram and the KVM debugfs counters,
# each read by a single process so that the two stay close in time.
TB_STATS="exits halt_exits halt_wakeup irq_exits irq_injections irq_window_exits
nmi_window_exits io_exits mmio_exits request_irq_exits signal_exits
host_state_reload fpu_reload insn_emulation nmi_injections"
tb_snapshot_exits() {
	sed -n 's/^{ *exit_reason: *\([0-9]*\) *} *hitcount: *\([0-9]*\).*/@@ reason case='"$1"' when='"$2"' code=\1 count=\2/p' \
		/sys/kernel/tracing/events/kvm/kvm_exit/hist >"$TB_OUT" 2>/dev/null
}

tb_snapshot_mmio() {
	sed -n 's/^{ *gpa: *\([0-9a-fx]*\), *len: *\([0-9]*\) *} *hitcount: *\([0-9]*\).*/@@ mmio case='"$1"' when='"$2"' gpa=\1 len=\2 count=\3/p' \
		/sys/kernel/tracing/events/kvm/kvm_mmio/hist >"$TB_OUT" 2>/dev/null
}

tb_snapshot() {
	# A kick counts as an NPF exit and as an MMIO write: exits are read
	# first before the window and last after it, so that no kick in the
	# window is counted without its exit.
	[ "$2" = after ] || tb_snapshot_exits "$1" "$2"
	sed -n 's/^{ *ecx: *\([0-9]*\), *write: *\([0-9]*\) *} *hitcount: *\([0-9]*\).*/@@ msr case='"$1"' when='"$2"' ecx=\1 write=\2 count=\3/p' \
		/sys/kernel/tracing/events/kvm/kvm_msr/hist >"$TB_OUT" 2>/dev/null
	tb_snapshot_mmio "$1" "$2"
	[ "$2" != after ] || tb_snapshot_exits "$1" "$2"
	# shellcheck disable=SC2086
	(cd /sys/kernel/debug/kvm && grep -H '' $TB_STATS 2>/dev/null) |
		sed -n 's/^\([a-z_]*\):\([0-9]*\)$/@@ stat case='"$1"' when='"$2"' name=\1 value=\2/p' >"$TB_OUT"
}

# tb_start_guests N [LABEL]: boot N L2 guests (1 vCPU each) and wait until
# each agent answers.  TB_L2_QEMU (default qemu-system-x86_64), TB_L2_SMP
# (1) and TB_L2_APPEND (kernel arguments added) change how.  Every guest has two virtio-net-pci NICs with vhost=on,
# each over its own tap that QEMU creates:
#   net 0: tapI.0, plain vhost-net        guest 10.0.I.2, L1 10.0.I.1
#   net 1: tapI.1, tap poll-us=50         guest 10.1.I.2, L1 10.1.I.1
# (upstream's bounded busy polling), so that modes can be measured on the
# same guests without booting them again; the idle NIC costs nothing.
tb_start_guests() {
	n=$1
	TB_GUESTS=$n
	TB_GUEST_PIDS=
	i=0
	while [ $i -lt "$n" ]; do
		${TB_L2_QEMU:-qemu-system-x86_64} -enable-kvm -cpu host -smp "${TB_L2_SMP:-1}" -m 256 \
			-nodefaults -no-user-config -display none -no-reboot \
			-kernel /l2/vmlinuz -initrd /l2/initrd.cpio \
			-append "console=ttyS0 panic=-1 quiet loglevel=4 nokaslr ioaccel.ip=10.0.$i.2/24,10.1.$i.2/24 ${TB_L2_APPEND:-}" \
			-serial "file:/tmp/l2-$i.log" \
			-netdev "tap,id=n0,ifname=tap$i.0,script=no,downscript=no,vhost=on" \
			-device "virtio-net-pci,netdev=n0,mac=52:54:00:00:0$i:10,addr=0x4,romfile=" \
			-netdev "tap,id=n1,ifname=tap$i.1,script=no,downscript=no,vhost=on,poll-us=50" \
			-device "virtio-net-pci,netdev=n1,mac=52:54:00:01:0$i:10,addr=0x5,romfile=" \
			</dev/null >"/tmp/l2-$i.qemu" 2>&1 &
		TB_GUEST_PIDS="$TB_GUEST_PIDS $!"
		echo "L1: guest $i started (pid $!)"
		i=$((i + 1))
	done
	ok=1
	i=0
	while [ $i -lt "$n" ]; do
		for net in 0 1; do
			t=0
			while [ ! -e "/sys/class/net/tap$i.$net" ] && [ $t -lt 300 ]; do
				sleep 0.1
				t=$((t + 1))
			done
			ip addr add "10.$net.$i.1/24" dev "tap$i.$net" 2>/dev/null
			ip link set "tap$i.$net" up 2>/dev/null || ok=0
		done
		i=$((i + 1))
	done
	# One deadline for all guests: a guest that does not boot costs the
	# plan 400 s, not 400 s per guest and NIC.
	deadline=$(($(cut -d. -f1 /proc/uptime) + 400))
	i=0
	while [ $i -lt "$n" ]; do
		# The agent is up once a trivial command returns on both NICs.
		for net in 0 1; do
			left=$((deadline - $(cut -d. -f1 /proc/uptime)))
			[ $left -gt 5 ] || left=5
			if ! timeout $((left + 10)) udpbench ctl "10.$net.$i.2" $TB_CTL_PORT $((left * 1000)) "sink 9 1 1 1" >/dev/null; then
				[ $ok = 0 ] || tb_stall_sample "boot-n$n"
				ok=0
				echo "L1: guest $i does not answer on net $net"
				tb_boot_stall $i $net "$(echo $TB_GUEST_PIDS | cut -d' ' -f$((i + 1)))"
			fi
		done
		i=$((i + 1))
	done
	# The QEMUs' thread ids name the guest of a vCPU in L1's traces.
	i=0
	for p in $TB_GUEST_PIDS; do
		tb_emit "l2threads guest=$i pid=$p tids=$(ls /proc/$p/task 2>/dev/null | tr '\n' , | sed 's/,$//')"
		i=$((i + 1))
	done
	tb_emit "guests n=$n label=${2:-none} ok=$ok uptime=$(cut -d' ' -f1 /proc/uptime)"
	[ $ok = 1 ]
}

# tb_boot_stall I NET PID: what a guest that does not answer at boot is
# doing: its tap's packet counts (did it send anything?) and the state and
# wait channel of each of its QEMU's threads.
tb_boot_stall() {
	s=/sys/class/net/tap$1.$2/statistics
	th=
	for t in /proc/$3/task/*; do
		[ -r "$t/stat" ] || continue
		th="$th$(tr ' ' _ <"$t/comm"):$(sed 's/.*) //' "$t/stat" | cut -d' ' -f1):$(cat "$t/wchan" 2>/dev/null),"
	done
	# A QEMU that is gone: its exit status and the end of its stderr.
	gone=
	if [ "$2" = 0 ] && ! kill -0 "$3" 2>/dev/null; then
		wait "$3" 2>/dev/null
		gone=" exited=$? stderr=$(tail -c 300 /tmp/l2-$1.qemu 2>/dev/null | tr -s ' \t\n' '___')"
	fi
	tb_emit "bootstall n=$TB_GUESTS guest=$1 net=$2 tap_rx=$(cat $s/rx_packets 2>/dev/null) tap_tx=$(cat $s/tx_packets 2>/dev/null) console_bytes=$(wc -c </tmp/l2-$1.log 2>/dev/null) threads=${th%,}$gone"
}

# tb_net MODE: the guest NIC a mode measures (1 for *-busypoll, else 0).
tb_net() {
	case $1 in
	*-busypoll) echo 1 ;;
	*) echo 0 ;;
	esac
}

# tb_stop_guests: ask the agents to quit, then end the QEMUs; ship the L2
# console logs to the host.
tb_stop_guests() {
	i=0
	while [ $i -lt "$TB_GUESTS" ]; do
		timeout 10 udpbench ctl 10.0.$i.2 $TB_CTL_PORT 2000 quit >/dev/null 2>&1
		i=$((i + 1))
	done
	t=0
	for p in $TB_GUEST_PIDS; do
		while kill -0 "$p" 2>/dev/null && [ $t -lt 50 ]; do
			sleep 0.1
			t=$((t + 1))
		done
		kill "$p" 2>/dev/null
	done
	sleep 0.2
	i=0
	for p in $TB_GUEST_PIDS; do
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
		# 0: the guest powered off or reset (-no-reboot); 128+N: signal N.
		tb_emit "l2exit guest=$i pid=$p rc=$?"
		i=$((i + 1))
	done
	tb_shutdown_exits
	tb_ship_l2_logs
	TB_GUESTS=0
	TB_GUEST_PIDS=
}

# tb_shutdown_exits: every L2 triple fault since kvm was loaded (the
# histogram is cumulative), by vCPU thread id and guest RIP, with the
# kernel function: L1 and L2 run the same kernel with nokaslr, so L1's
# /proc/kallsyms names L2's kernel addresses too.
tb_shutdown_exits() {
	sed -n 's/^{ *common_pid: *\([0-9]*\), *guest_rip: *\([0-9a-f]*\), *info1: *\([0-9a-f]*\) *} *hitcount: *\([0-9]*\).*/\1 \2 \3 \4/p' \
		/sys/kernel/tracing/events/kvm/kvm_exit/hist 2>/dev/null |
	while read -r tid rip info1 count; do
		# Fixed-width hex: the nearest text symbol at or below rip.
		sym=$(awk -v r="$rip" '($2 == "t" || $2 == "T") && $1 <= r && $1 > a { a = $1; s = $3 } END { if (s != "") print a, s }' /proc/kallsyms)
		if [ -n "$sym" ]; then
			sym=$(printf '%s+0x%x' "${sym#* }" $((0x$rip - 0x${sym%% *})))
		fi
		tb_emit "shutdown tid=$tid rip=0x$rip sym=${sym:--} info1=0x$info1 count=$count"
		# The flight recorder stopped at the first one: its last events.
		if [ "${TB_FLIGHT:-}" = 1 ] && [ "$(cat /sys/kernel/tracing/tracing_on)" = 0 ]; then
			grep -- "-$tid " /sys/kernel/tracing/trace | tail -n 30 |
				tr -s ' ' | sed "s/^/@@ flight tid=$tid line=/" >"$TB_OUT"
		fi
	done
	# Shipped once: the histogram is cumulative, the stopped buffer too.
	if [ "${TB_FLIGHT:-}" = 1 ] && [ "$(cat /sys/kernel/tracing/tracing_on 2>/dev/null)" = 0 ]; then
		TB_FLIGHT=shipped
	fi
}

tb_ship_l2_logs() {
	i=0
	while [ $i -lt "$TB_GUESTS" ]; do
		# A console cut mid-line must not swallow the next record.
		{ cat "/tmp/l2-$i.log" "/tmp/l2-$i.qemu" 2>/dev/null; echo; } |
			tr -d '\r' | sed -n "/./s/^/@@ l2log guest=$i line=/p" >"$TB_OUT"
		i=$((i + 1))
	done
}

# tb_emit_results CASE ROLE GUEST FILE: the result line of a udpbench run.
tb_emit_results() {
	line=$(grep '^result ' "$4" 2>/dev/null | tail -n 1)
	if [ -n "$line" ]; then
		tb_emit "res case=$1 guest=$3 role=$2 status=ok ${line#result }"
	else
		tb_emit "res case=$1 guest=$3 role=$2 status=missing"
	fi
}

# tb_wait_udp_bound PORT: wait (up to 60 s) until a UDP socket of L1 is
# bound to PORT.
tb_wait_udp_bound() {
	hex=$(printf ':%04X' "$1")
	t=0
	while [ $t -lt 600 ]; do
		awk -v p="$hex" '$2 ~ p "$" { found = 1 } END { exit !found }' /proc/net/udp && return 0
		sleep 0.1
		t=$((t + 1))
	done
	echo "L1: nothing bound UDP port $1 within 60 s"
	return 1
}

# tb_measure CASE WORKLOAD SIZE COUNT MODE: one measurement over all
# running guests at once.  WORKLOAD is tx (guests flood L1), rx (L1 floods
# the guests) or rr (guests run request/response against L1).  Only the
# window between the two snapshots is counted.
tb_measure() {
	case_=$1
	wl=$2
	size=$3
	count=$4
	mode=$5
	n=$TB_GUESTS
	net=$(tb_net "$mode")
	t0=$(cut -d' ' -f1 /proc/uptime)
	tb_emit "case case=$case_ workload=$wl size=$size guests=$n mode=$mode count=$count net=$net"
	peers=
	i=0
	while [ $i -lt "$n" ]; do
		case $wl in
		tx)
			timeout 300 udpbench sink $((5000 + i)) "$count" "$TB_SINK_IDLE_MS" 240000 >"/tmp/peer-$i" 2>&1 &
			peers="$peers $!"
			;;
		rr)
			timeout 300 udpbench echo $((5000 + i)) 30000 >"/tmp/peer-$i" 2>&1 &
			peers="$peers $!"
			;;
		esac
		i=$((i + 1))
	done
	# The L1 side's sockets are bound before the window opens: on a loaded
	# host a sink can take seconds to start, and datagrams that come
	# before it are refused, not counted.
	i=0
	while [ -n "$peers" ] && [ $i -lt "$n" ]; do
		tb_wait_udp_bound $((5000 + i))
		i=$((i + 1))
	done
	tb_snapshot "$case_" before
	ctls=
	i=0
	while [ $i -lt "$n" ]; do
		case $wl in
		tx) cmd="send 10.$net.$i.1 $((5000 + i)) $size $count $TB_TX_GAP_US" ;;
		rx) cmd="sink 6000 $count $TB_SINK_IDLE_MS 240000" ;;
		rr) cmd="rr 10.$net.$i.1 $((5000 + i)) $size $count $TB_RR_TIMEOUT_MS" ;;
		esac
		if [ "$wl" = rx ]; then
			timeout 300 udpbench ctl 10.$net.$i.2 $TB_CTL_PORT 10000 "$cmd" \
				udpbench send 10.$net.$i.2 6000 "$size" "$count" "$TB_RX_GAP_US" >"/tmp/ctl-$i" 2>&1 &
		else
			timeout 300 udpbench ctl 10.$net.$i.2 $TB_CTL_PORT 10000 "$cmd" >"/tmp/ctl-$i" 2>&1 &
		fi
		ctls="$ctls $!"
		i=$((i + 1))
	done
	for p in $ctls; do
		wait "$p"
	done
	tb_snapshot "$case_" after
	tb_emit "window case=$case_ start=$t0 end=$(cut -d' ' -f1 /proc/uptime)"
	if [ "$wl" = rr ]; then
		for p in $peers; do
			kill "$p" 2>/dev/null
		done
	fi
	for p in $peers; do
		wait "$p"
	done
	i=0
	while [ $i -lt "$n" ]; do
		# The guest's line: tx "sent=", rx "received=", rr both.  The
		# peer's: tx "received=" (L1 sink), rx "sent=" (L1 flood, whose
		# line ctl's output holds too: a guest that never answered must
		# not be credited with it).
		gfile=/tmp/ctl-$i
		if [ "$wl" = rx ]; then
			grep '^result sent=' "/tmp/ctl-$i" >"/tmp/peer-$i"
			gfile=/tmp/guest-$i
			grep -v '^result sent=' "/tmp/ctl-$i" >"$gfile"
		fi
		tb_emit_results "$case_" guest $i "$gfile"
		[ "$wl" = rr ] || tb_emit_results "$case_" peer $i "/tmp/peer-$i"
		grep -v '^result ' "/tmp/ctl-$i" "/tmp/peer-$i" 2>/dev/null | sed 's/^/L1: udpbench: /'
		grep -q '^result ' "$gfile" || stalled=$i
		i=$((i + 1))
	done
	[ -z "${stalled:-}" ] || tb_stall_sample "$case_"
	stalled=
}

# tb_stall_sample CASE: a guest gave no result; what its vCPU does now, as
# half a second of L1's kvm_exit and kvm_page_fault events (the last 40).
tb_stall_sample() {
	t=/sys/kernel/tracing
	[ -e $t/events/kvm/kvm_exit/enable ] || return 0
	# Where the flight recorder runs, its latest events are the sample.
	if [ -z "${TB_FLIGHT:-}" ]; then
		echo >$t/trace
		echo 1 >$t/events/kvm/kvm_exit/enable
		echo 1 >$t/events/kvm/kvm_page_fault/enable
		sleep 0.5
		echo 0 >$t/events/kvm/kvm_exit/enable
		echo 0 >$t/events/kvm/kvm_page_fault/enable
	fi
	grep -v '^#' $t/trace | tail -n 40 | tr -s ' ' |
		sed "s/^/@@ stall case=$1 line=/" >"$TB_OUT"
	[ -n "${TB_FLIGHT:-}" ] || echo >$t/trace
}
