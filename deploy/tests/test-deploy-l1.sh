#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Ansible rollout, for real: the testbed's bare full L1 (a Debian 12 host
# with only systemd, sshd and python3; IOACCEL_L1_VARIANT=bare) is booted
# under TCG with 2 NUMA nodes and deploy/site.yml runs against it over SSH.
# Bad inventories fail before any change; the first run converges, the
# second and a --check --diff run report changed=0; then a domain with the
# accel element starts with `virsh start` and `ioaccelctl status` shows its
# reservation.  TAP.
#
# The modules of ioaccel-dkms are compiled once on this machine
# (deploy/build-dkms-binaries) and handed to DKMS in L1 as a binaries-only
# tarball: compiling kvm under TCG takes far longer than the whole test.
# The Debian packages the role installs are resolved and downloaded here
# when the image is built (IOACCEL_L1_APT_PRESEED of build-l1) and left in
# L1's apt cache: apt in L1 reads the archive's package lists and installs
# them as on any host, without fetching them through QEMU's user network.
# Logs: $IOACCEL_TESTBED_DIR/logs/deploy-*.log; the console log of L1 is
# deploy-l1-console.log there, its /var/log/dpkg.log deploy-l1-dpkg.log.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/testbed/full/l1.sh"
# The bare variant lives beside the full L1, with its own QEMU.
L1_DIR=${IOACCEL_TESTBED_DIR:-$top_srcdir/build/testbed}/full-bare
L1_LOG=$L1_LOGDIR/deploy-l1-console.log
L1_PIDFILE=$L1_DIR/qemu.pid
debs=$top_builddir/build/debs

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	echo "# logs: $L1_LOGDIR/deploy-*.log; L1's console: $L1_LOG"
}
bail() { echo "Bail out! $1"; exit 1; }
check() { # check DESCRIPTION CMD...: a TAP point from a command in L1
	d=$1
	shift
	if out=$(l1_ssh "$@" 2>&1); then ok "$d"; else not_ok "$d"; printf '%s\n' "$out" | sed 's/^/# /'; fi
}
now() { date +%s; }
# recap LOG FIELD: the value of FIELD (ok, changed, failed...) in the PLAY RECAP.
recap() {
	awk -v f="$2" '/^PLAY RECAP/ { r = 1; next }
		r && NF { for (i = 1; i <= NF; i++) if (index($i, f "=") == 1) { print substr($i, length(f) + 2); exit } }' "$1"
}
print_recap() { sed -n '/^PLAY RECAP/,$p' "$1" | sed 's/^/# /'; }

echo "1..16"
t_start=$(now)
mkdir -p "$L1_LOGDIR"
work=$(mktemp -d "${TMPDIR:-/tmp}/ioaccel-deploy.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# One run at a time per L1: a second `make check` waits for the first.
mkdir -p "$L1_DIR"
exec 9>"$L1_DIR.lock"
flock 9
trap 'l1_kill; rm -rf "$work"' EXIT INT TERM

# 1: the packages (make debs; the debs test builds them first), copied while
# no other test rebuilds them.
exec 8>"$top_builddir/build/debs.lock"
flock 8
if ${MAKE:-make} -C "$top_builddir" -s debs >"$L1_LOGDIR/deploy-debs.log" 2>&1 &&
	mkdir "$work/debs" && cp "$debs"/ioaccel_*.deb "$debs"/ioaccel-dkms_*.deb "$work/debs/"; then
	ok "ioaccel's packages are built (make debs)"
else
	not_ok "ioaccel's packages are built (make debs)"
	bail "make debs failed; see $L1_LOGDIR/deploy-debs.log"
fi
flock -u 8
exec 8>&-
debs=$work/debs

# 2: the bare L1 image, with the packages the role installs in its apt
# cache (the role's virtualization packages from backports, then DKMS, the
# kernel headers and irqbalance).
eval "$("$top_srcdir/tests/testbed/fetch-kernel" --quiet)"
virt=$(python3 -c 'import sys, yaml; print(" ".join(yaml.safe_load(open(sys.argv[1]))["ioaccel_virt_packages"]))' \
	"$top_srcdir/deploy/roles/ioaccel/defaults/main.yml")
t0=$(now)
if ! IOACCEL_L1_VARIANT=bare \
	IOACCEL_L1_APT_PRESEED="-t bookworm-backports $virt; dkms linux-headers-$IOACCEL_KERNEL_RELEASE irqbalance" \
	"$top_srcdir/tests/testbed/full/build-l1" >"$L1_LOGDIR/deploy-build-l1.log" 2>&1; then
	not_ok "build the bare L1 image"
	bail "build-l1 failed; see $L1_LOGDIR/deploy-build-l1.log"
fi
ok "build the bare L1 image ($(($(now) - t0)) s)"

# 3: L1 boots while the DKMS binaries for its kernel are compiled here
# (test 7 waits for them).
dkmsdeb=$(ls "$debs"/ioaccel-dkms_*.deb)
key=$(dpkg-deb --fsys-tarfile "$dkmsdeb" | tar -xOf - | md5sum | cut -c1-12)
prebuilt=$L1_DIR/ioaccel-dkms-$key-$IOACCEL_KERNEL_RELEASE.tar.gz
t0=$(now)
if [ ! -f "$prebuilt" ]; then
	"$top_srcdir/deploy/build-dkms-binaries" "$dkmsdeb" "$IOACCEL_KERNEL_RELEASE" \
		"$IOACCEL_HEADERS_DIR" "$prebuilt.part" >"$L1_LOGDIR/deploy-dkms-binaries.log" 2>&1 &
	dkms_pid=$!
else
	dkms_pid=
fi
if ! l1_boot; then
	not_ok "the bare L1 boots and answers on SSH"
	sed 's/^/# /' "$L1_LOG" | tail -40
	bail "L1 did not boot (console log: $L1_LOG)"
fi
ok "the bare L1 boots and answers on SSH ($(($(now) - t0)) s)"

# The inventory: L1 as the one compute host, one I/O core per NUMA node.
mkdir -p "$work/inventory/group_vars"
cat >"$work/inventory/hosts.yml" <<INV
all:
  children:
    ioaccel_compute:
      hosts:
        l1:
          ansible_host: 127.0.0.1
          ansible_port: $L1_PORT
          ansible_user: root
          ansible_ssh_private_key_file: $IOACCEL_L1_SSH_KEY
          ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
INV
cat >"$work/inventory/group_vars/ioaccel_compute.yml" <<VARS
ioaccel_debs_dir: $debs
ioaccel_dkms_prebuilt_tarball: $prebuilt
ioaccel_io_cores_per_numa_node: 1
ioaccel_hugepages: 16
ioaccel_module_options:
  kvm_amd:
    nested: 1
VARS
export ANSIBLE_CONFIG="$top_srcdir/deploy/ansible.cfg" ANSIBLE_NOCOLOR=1
export ANSIBLE_LOCAL_TEMP="$work/ansible-tmp" ANSIBLE_PIPELINING=1
# Each task's time in the logs.
export ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks
play() { # play LOG ARGS...: run the playbook against L1
	log=$1
	shift
	ansible-playbook -i "$work/inventory" "$top_srcdir/deploy/site.yml" "$@" >"$log" 2>&1
}

# 4-6: bad inventories fail before any change (while the modules build).
l1_ssh 'touch /run/ioaccel-deploy-mark; dpkg-query -W >/run/ioaccel-deploy-pkgs'
unchanged='test -z "$(find /etc /usr /var/lib/dpkg /var/lib/apt /lib/modules -newer /run/ioaccel-deploy-mark 2>/dev/null | head -5)" && dpkg-query -W | cmp -s - /run/ioaccel-deploy-pkgs'
bad() { # bad DESCRIPTION EXPECTED-MESSAGE EXTRA-VARS
	log=$L1_LOGDIR/deploy-bad-$((n + 1)).log
	rc=0
	play "$log" -e "$3" || rc=$?
	if [ $rc -ne 0 ] && grep -q "$2" "$log" && [ "$(recap "$log" changed)" = 0 ] && l1_ssh "$unchanged"; then
		ok "$1 fails early and changes nothing"
	else
		not_ok "$1 fails early and changes nothing (exit $rc)"
		grep -E 'FAILED|msg' "$log" | head -5 | sed 's/^/# /'
		print_recap "$log"
	fi
}
bad "an I/O core that does not exist (7)" "CPU(s) 7 do not exist" \
	'{"ioaccel_io_cores": "1,7", "ioaccel_io_cores_per_numa_node": 0}'
bad "every CPU as an I/O core (0-3)" "that is every CPU of the host" \
	'{"ioaccel_io_cores": "0-3", "ioaccel_io_cores_per_numa_node": 0}'
bad "an unknown NUMA node (5)" "names NUMA node(s) 5" \
	'{"ioaccel_numa_nodes": [0, 5]}'

# 7: the modules for L1's kernel.
if [ -n "$dkms_pid" ]; then
	if wait "$dkms_pid"; then mv "$prebuilt.part" "$prebuilt"; fi
fi
if [ -f "$prebuilt" ]; then
	ok "the modules of ioaccel-dkms are built for $IOACCEL_KERNEL_RELEASE ($(($(now) - t0)) s)"
else
	not_ok "the modules of ioaccel-dkms are built for $IOACCEL_KERNEL_RELEASE"
	sed 's/^/# /' "$L1_LOGDIR/deploy-dkms-binaries.log" | tail -30
	bail "deploy/build-dkms-binaries failed"
fi

# 8: the first run converges.
t0=$(now)
log1=$L1_LOGDIR/deploy-run1.log
rc=0
play "$log1" || rc=$?
t_run1=$(($(now) - t0))
if [ $rc -eq 0 ] && [ "$(recap "$log1" failed)" = 0 ] && [ "$(recap "$log1" unreachable)" = 0 ]; then
	ok "first run converges ($t_run1 s, changed=$(recap "$log1" changed))"
else
	not_ok "first run converges (exit $rc, $t_run1 s)"
	grep -B2 -A8 'FAILED!\|fatal:' "$log1" | head -40 | sed 's/^/# /'
fi
print_recap "$log1"

# 9: the second run changes nothing.
t0=$(now)
log2=$L1_LOGDIR/deploy-run2.log
rc=0
play "$log2" || rc=$?
t_run2=$(($(now) - t0))
if [ $rc -eq 0 ] && [ "$(recap "$log2" changed)" = 0 ] && [ "$(recap "$log2" failed)" = 0 ]; then
	ok "second run reports changed=0 ($t_run2 s)"
else
	not_ok "second run reports changed=0 (exit $rc, changed=$(recap "$log2" changed))"
	grep -A3 '^changed:' "$log2" | head -30 | sed 's/^/# /'
fi
print_recap "$log2"

# 10: check mode agrees.
log3=$L1_LOGDIR/deploy-check.log
rc=0
play "$log3" --check --diff || rc=$?
if [ $rc -eq 0 ] && [ "$(recap "$log3" changed)" = 0 ] && [ "$(recap "$log3" failed)" = 0 ]; then
	ok "--check --diff on the converged host reports changed=0"
else
	not_ok "--check --diff on the converged host reports changed=0 (exit $rc)"
	grep -A3 '^changed:\|fatal:' "$log3" | head -30 | sed 's/^/# /'
	print_recap "$log3"
fi

# 11-16: the host it made.
# libvirtd leaves after 120 s idle; its socket starts it again.
check "libvirtd's socket listens; libvirtd runs QEMU 10.0 from bookworm-backports" \
	'systemctl is-active -q libvirtd.socket && virsh -c qemu:///system version | grep -q "hypervisor: QEMU 10\.0"'
check "DKMS installed the ioaccel modules; kvm, kvm_amd, vhost_net are those" \
	'dkms status -m ioaccel | grep -q ": installed" && for m in kvm kvm_amd vhost vhost_net; do modinfo -F ioaccel $m | grep -q . && grep -q O /sys/module/$m/taint || { echo "$m: $(modinfo -n $m)"; exit 1; }; done && grep -qx vhost_net /etc/modules-load.d/ioaccel.conf && grep -qx "options kvm_amd nested=1" /etc/modprobe.d/ioaccel.conf'
check "ioaccel.conf has one I/O core per NUMA node (1,3); irqbalance bans them" \
	'grep -qx "io-cores = 1,3" /etc/ioaccel/ioaccel.conf && grep -qx "IRQBALANCE_BANNED_CPULIST=1,3" /etc/default/irqbalance && test "$(cat /proc/sys/vm/nr_hugepages)" = 16'
l1_scp "$top_srcdir/tests/testbed/full/l2-minimal.xml" /root/l2-minimal.xml
check "virsh start of a domain with the minimal accel element" \
	'virsh -q define /root/l2-minimal.xml && virsh -q start l2-minimal && virsh -q domstate l2-minimal | grep -qx running'
check "ioaccelctl status shows the domain's reservation" \
	'ioaccelctl status | tee /dev/stderr | grep -q "l2-minimal"'
check "virsh destroy releases it" \
	'virsh -q destroy l2-minimal && virsh -q undefine l2-minimal && ! ioaccelctl status | grep -q l2-minimal'
l1_ssh 'ioaccelctl status; dkms status; uname -r' 2>&1 | sed 's/^/# /'
# dpkg's own timestamps: where the first run's package installs spent it.
l1_ssh 'cat /var/log/dpkg.log' >"$L1_LOGDIR/deploy-l1-dpkg.log" 2>&1 || true
echo "# times: first run $t_run1 s, second run $t_run2 s, whole test $(($(now) - t_start)) s"
l1_halt
trap 'rm -rf "$work"' EXIT INT TERM
exit 0
