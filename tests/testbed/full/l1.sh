# Control the testbed's full L1 compute host (built by build-l1): boot it
# under TCG with 2 NUMA nodes, reach it over SSH, shut it down.  Sourced.
# shellcheck shell=sh
#
#   l1_boot        boot and wait for sshd (bounded); console log in $L1_LOG
#   l1_ssh CMD...  run a command in L1 as root
#   l1_scp SRC DST copy a file into L1 (DST is a path in L1)
#   l1_halt        power it off (bounded), then kill QEMU if it lingers
#
# One socket per NUMA node, as on real hosts (the kernel warns about an LLC
# shared across nodes otherwise).
# Environment: IOACCEL_TESTBED_DIR, IOACCEL_L1_CPUS (4, even), IOACCEL_L1_MEM_MB
# (4096), IOACCEL_L1_BOOT_TIMEOUT (seconds, 300).

L1_DIR=${IOACCEL_TESTBED_DIR:-$top_srcdir/build/testbed}/full
L1_LOGDIR=${IOACCEL_TESTBED_DIR:-$top_srcdir/build/testbed}/logs
L1_LOG=$L1_LOGDIR/full-l1-console.log
L1_PIDFILE=$L1_DIR/qemu.pid

l1_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

l1_boot() {
	# shellcheck disable=SC1091
	. "$L1_DIR/env"
	mkdir -p "$L1_LOGDIR"
	cpus=${IOACCEL_L1_CPUS:-4}
	mem=${IOACCEL_L1_MEM_MB:-4096}
	half=$((cpus / 2))
	L1_PORT=$(l1_free_port)
	cp --sparse=always "$IOACCEL_L1_IMAGE" "$L1_DIR/run.img"
	# q35 with an IOMMU that remaps interrupts: Linux runs x2APIC mode
	# only then, and exitless EOI needs the host in x2APIC mode.
	qemu-system-x86_64 -accel tcg,thread=multi -cpu max,+x2apic \
		-machine q35 -device intel-iommu,intremap=on,eim=on \
		-smp "$cpus",sockets=2,cores=$half,threads=1 -m "$mem" \
		-object memory-backend-ram,id=m0,size=$((mem / 2))M \
		-object memory-backend-ram,id=m1,size=$((mem - mem / 2))M \
		-numa node,nodeid=0,cpus=0-$((half - 1)),memdev=m0 \
		-numa node,nodeid=1,cpus=$half-$((cpus - 1)),memdev=m1 \
		-kernel "$IOACCEL_L1_KERNEL" -initrd "$IOACCEL_L1_INITRD" \
		-append "console=ttyS0 rw quiet systemd.show_status=0 net.ifnames=0" \
		-drive file="$L1_DIR/run.img",format=raw,if=virtio,cache=unsafe \
		-nic user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$L1_PORT-:22 \
		-display none -serial file:"$L1_LOG" -monitor none \
		-daemonize -pidfile "$L1_PIDFILE" || return 1
	deadline=$(($(date +%s) + ${IOACCEL_L1_BOOT_TIMEOUT:-300}))
	while ! l1_ssh true 2>/dev/null; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "full L1 did not answer on SSH in time; console log: $L1_LOG" >&2
			l1_kill
			return 1
		fi
		sleep 2
	done
}

l1_ssh() {
	ssh -q -i "$IOACCEL_L1_SSH_KEY" -p "$L1_PORT" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o ConnectTimeout=5 -o ServerAliveInterval=10 root@127.0.0.1 "$@"
}

l1_scp() {
	scp -q -i "$IOACCEL_L1_SSH_KEY" -P "$L1_PORT" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		"$1" "root@127.0.0.1:$2"
}

l1_kill() {
	[ -f "$L1_PIDFILE" ] || return 0
	pid=$(cat "$L1_PIDFILE")
	kill "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$L1_PIDFILE" "$L1_DIR/run.img"
}

l1_halt() {
	l1_ssh 'systemctl poweroff' >/dev/null 2>&1 || true
	pid=$(cat "$L1_PIDFILE" 2>/dev/null || echo 0)
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
	l1_kill
}
