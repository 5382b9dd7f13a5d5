#!/bin/sh
# The testbed's full L1 compute host: built from Debian packages, booted
# under TCG with 2 NUMA nodes; checks the host that later end-to-end tests
# (and the Ansible playbook) rely on, and starts a nested KVM domain in it
# through libvirt.  TAP.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$top_srcdir/tests/testbed/full/l1.sh"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # check DESCRIPTION CMD...: a TAP point from a command in L1
	d=$1
	shift
	if out=$(l1_ssh "$@" 2>&1); then ok "$d"; else not_ok "$d"; printf '%s\n' "$out" | sed 's/^/# /'; fi
}

echo "1..14"
if ! "$top_srcdir/tests/testbed/full/build-l1" >/dev/null; then
	not_ok "build the full L1 image"
	echo "Bail out! no L1 image"
	exit 1
fi
ok "build the full L1 image"
trap l1_kill EXIT INT TERM
t0=$(date +%s)
if ! l1_boot; then
	not_ok "L1 boots and answers on SSH"
	sed 's/^/# /' "$L1_LOG" | tail -40
	echo "Bail out! L1 did not boot (console log: $L1_LOG)"
	exit 1
fi
ok "L1 boots and answers on SSH ($(($(date +%s) - t0)) s)"

check "systemd reached a running state" 'systemctl is-system-running --wait | grep -qx running'
check "two NUMA nodes with two CPUs each" \
	'test "$(cat /sys/devices/system/node/node0/cpulist)/$(cat /sys/devices/system/node/node1/cpulist)" = 0-1/2-3'
check "kvm_amd loaded with nested virtualization" 'test "$(cat /sys/module/kvm_amd/parameters/nested)" = 1'
check "kvm, kvm_amd and vhost_net are the modules built from kernel/patches" \
	'modprobe vhost_net && for m in kvm kvm_amd vhost vhost_net; do modinfo -n $m | grep -q /updates/ioaccel/ || { echo "$m: $(modinfo -n $m)"; exit 1; }; grep -qx "$m" /proc/modules 2>/dev/null || grep -q "^$m " /proc/modules || exit 1; done'
check "libvirtd active, QEMU 10.0 from backports" \
	'systemctl is-active -q libvirtd && virsh -c qemu:///system version | grep -q "hypervisor: QEMU 10\.0"'
check "ioaccel tools installed from this tree" 'ioaccelctl version'

# A nested KVM domain (no disk: SeaBIOS runs) with the minimal accel element.
l1_scp "$top_srcdir/tests/testbed/full/l2-minimal.xml" /root/l2-minimal.xml
check "virsh start of a nested KVM domain with the accel element" \
	'virsh -q define /root/l2-minimal.xml && virsh -q start l2-minimal && virsh -q domstate l2-minimal | grep -qx running'
check "virsh destroy leaves no domain running" \
	'virsh -q destroy l2-minimal && virsh -q undefine l2-minimal && test -z "$(virsh -q list)"'

# The hook with a real I/O core: the patched modules' control interface
# attaches the domain's vhost-net queues to the shared worker on core 3.
l1_scp "$top_srcdir/tests/testbed/full/l2-vhost.xml" /root/l2-vhost.xml
l1_scp "$top_srcdir/tests/testbed/full/check-attached.py" /root/check-attached.py
check "virsh start of a vhost-net domain with an I/O core configured" \
	'mkdir -p /etc/ioaccel && echo "io-cores = 3" >/etc/ioaccel/ioaccel.conf &&
	 modprobe vhost_net && test -c /dev/ioaccel &&
	 virsh -q define /root/l2-vhost.xml && virsh -q start l2-vhost'
check "its vhost queues are attached to the shared worker on I/O core 3; exitless delivery, exitless EOI and PV posted interrupts are granted to its VM" \
	'python3 /root/check-attached.py l2-vhost 3 && ioaccelctl stats'
check "virsh destroy detaches and frees the core" \
	'virsh -q destroy l2-vhost && virsh -q undefine l2-vhost &&
	 test "$(ioaccelctl status --json | python3 -c "import json,sys; print(len(json.load(sys.stdin)[\"reservations\"]))")" = 0 &&
	 test -z "$(ls /sys/kernel/ioaccel/queues)"'

l1_ssh 'dmesg' >"$L1_LOGDIR/full-l1-dmesg.log" 2>&1 || true
if grep -qE 'WARNING:|BUG:|Oops|lockdep|INFO: task .* blocked' "$L1_LOGDIR/full-l1-dmesg.log"; then
	not_ok "no WARN/BUG/Oops/lockdep splat in L1's kernel log"
	echo "# see $L1_LOGDIR/full-l1-dmesg.log"
else
	ok "no WARN/BUG/Oops/lockdep splat in L1's kernel log"
fi
l1_halt
trap - EXIT INT TERM
[ $failed -eq 0 ] || echo "# console log: $L1_LOG"
exit 0
