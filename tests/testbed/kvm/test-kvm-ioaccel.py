#!/usr/bin/python3
"""TAP test of the ioaccel paravirtual interface of the patched KVM
(kernel/patches 0006 and 0007, docs/hypercall-abi.md), run by `make check`.

tests/testbed/kvm/ioaccel_test.c (guest code and host checks in one
program) is built statically against the KVM selftest library of the Debian
kernel source (build-selftest) and run inside one L1 boot of the fast
testbed against the patched modules:

  1. kvm.ioaccel=Y (default): discovery (CPUID bit, QUERY), deny (nothing
     granted: -KVM_EPERM and nothing changes), grant through /dev/ioaccel
     (IOACCEL_IOC_GRANT_VM with the program's own pid), enable and disable
     per vCPU, revoke, page registration (-KVM_EOPNOTSUPP for now), and a
     bounded fuzz loop of random hypercalls while the host changes the
     grants; then L1's kernel log has no WARN/BUG/Oops.
  2. exitless interrupt delivery (0008, `ioaccel_test eli`): shadow IDT
     registration, notifications delivered with no injection and no exit
     of their own, host timer interrupts and function-call IPIs (membarrier)
     reaching L1's CPU 1 while the guest runs exitless with IF=1 and with
     IF=0 (the NMI watchdog), disable and revoke falling back; PV posted
     interrupts (0009); exitless EOI (0012: no EOI exit for the
     notifications, the virtual APIC's EOIs still trapped); kvm-amd
     reloaded with ioaccel_eli_eoi=0 (exitless EOI not announced), then
     with ioaccel_eli=0: -KVM_EOPNOTSUPP.
  3. kvm reloaded with ioaccel=0: no CPUID bit, -KVM_ENOSYS, no grants.

In both, when `make qemu` has built the patched QEMU (qemu/build-qemu
--cached), L1 also starts it with -accel kvm -cpu host and reads the vCPU's
kvm-ioaccel property over QMP (on with kvm.ioaccel=Y, off with N), and
Debian's QEMU, which does not know the name (so drops the bit).

The program prints unnumbered TAP lines; they come back as "@@ kvmt" records
and are numbered here.  Logs: build/testbed/logs/kvm-ioaccel-*/.
Environment: IOACCEL_KVM_FUZZ (hypercalls in the fuzz loop, default 100000,
about 40 s: since 0008 each revocation of the grant flipper waits until the
vCPU has left guest mode).
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import testbed  # noqa: E402

FUZZ = testbed.env_int("IOACCEL_KVM_FUZZ", 100000)
# Results the program prints in each phase (ioaccel_test.c).
EXPECTED = {"on": 24, "eli": 36, "elioff": 1, "off": 3}
L1_TIMEOUT = 900
# Open defects, reported as TAP TODO (counted as skipped, never as passed):
# (phase, text of the program's result, why).  One notification of 20 of
# the debugfs test hook was lost in about one run of six, with thousands
# of exits in the window: a request made between an exit and the rewrite
# of 0008's pending flag was wiped.  0011 fixes that race (kernel/README.md);
# the point stays a TODO until CI runs have confirmed it.
KNOWN_DEFECTS = [
    ("eli", "notifications reach the guest's handler exitlessly",
     "known bug (issue 7), fixed by kernel patch 0011 and awaiting "
     "confirmation: one notification of 20 could be lost when the vCPU "
     "exited thousands of times in the window"),
]
# The exitless interrupt mechanisms /dev/ioaccel announces when kvm_amd
# runs them; kvm_amd.ioaccel_eli_eoi=N drops the last.
ALL_FEATURES = ("exitless_delivery", "posted_pv", "exitless_eoi")
BAD_LOG = "WARNING:|BUG:|Oops|general protection|Call Trace|RIP:|lockdep"

PLAN = r"""
# kvmt_qemu PHASE: the kvm-ioaccel property of a -cpu host vCPU, as the
# patched QEMU (if there) and Debian's QEMU see it, over QMP.
kvmt_qemu() {
	for q in /testbed/bin/qemu-ioaccel /usr/bin/qemu-system-x86_64; do
		[ -x "$q" ] || continue
		out=$(printf '%%s\n' '{"execute":"qmp_capabilities"}' \
			'{"execute":"qom-get","arguments":{"path":"/machine/unattached/device[0]","property":"kvm-ioaccel"}}' \
			'{"execute":"quit"}' |
			timeout 120 "$q" -L /usr/share/seabios -L /usr/share/qemu \
				-accel kvm -cpu host -machine pc -m 64 -nodefaults \
				-display none -S -qmp stdio 2>&1 | tr '\r\n' '  ')
		tb_emit "kvmqemu phase=$1 qemu=${q##*/} line=$out"
	done
}
# kvmt_features PHASE: what the control interface announces (0010).
kvmt_features() {
	tb_emit "kvmfeat phase=$1 list=$(tr ' ' , </sys/kernel/ioaccel/features)"
}
kvmt_run() {
	phase=$1
	shift
	dmesg -c >/dev/null
	timeout 300 "$@" >/tmp/kvmt.$phase 2>&1
	rc=$?
	while IFS= read -r l; do
		tb_emit "kvmt phase=$phase line=$l"
	done </tmp/kvmt.$phase
	tb_emit "kvmtrc phase=$phase rc=$rc"
	bad=$(dmesg | grep -cE '%(bad)s')
	tb_emit "kvmdmesg phase=$phase bad=$bad"
	dmesg | grep -E '%(bad)s' | head -n 20 | while IFS= read -r l; do
		tb_emit "kvmdmesgline phase=$phase line=$l"
	done
}
if tb_load_modules patched; then
	kvmt_qemu on
	kvmt_run on /testbed/bin/ioaccel_test on %(fuzz)d
	tb_emit "kvmeli param=$(cat /sys/module/kvm_amd/parameters/ioaccel_eli) kick_us=$(cat /sys/module/kvm/parameters/ioaccel_eli_kick_us) avic=$(cat /sys/module/kvm_amd/parameters/avic)"
	kvmt_features on
	kvmt_run eli /testbed/bin/ioaccel_test eli
	rmmod kvm_amd
	if insmod /testbed/modules/patched/kvm-amd.ko ioaccel_eli_eoi=0; then
		tb_emit "kvmeoioff ok=1 param=$(cat /sys/module/kvm_amd/parameters/ioaccel_eli_eoi)"
		kvmt_features eoioff
		rmmod kvm_amd
	else
		tb_emit "kvmeoioff ok=0"
	fi
	if insmod /testbed/modules/patched/kvm-amd.ko ioaccel_eli=0; then
		tb_emit "kvmelioff ok=1 param=$(cat /sys/module/kvm_amd/parameters/ioaccel_eli)"
		kvmt_features elioff
		kvmt_run elioff /testbed/bin/ioaccel_test elioff
	else
		tb_emit "kvmelioff ok=0"
	fi
	rmmod kvm_amd kvm
	if insmod /testbed/modules/patched/kvm.ko ioaccel=0 &&
		insmod /testbed/modules/patched/kvm-amd.ko; then
		tb_emit "kvmoff ok=1 param=$(cat /sys/module/kvm/parameters/ioaccel)"
		kvmt_qemu off
		kvmt_features off
		kvmt_run off /testbed/bin/ioaccel_test off
	else
		tb_emit "kvmoff ok=0"
	fi
	tb_unload_modules patched
fi
""" % {"bad": BAD_LOG, "fuzz": FUZZ}


def phase_results(tap, run, phase):
    """The program's own results of a phase, then its completion and the
    kernel log."""
    lines = [r.get("line", "") for r in run.find("kvmt", phase=phase)]
    results = [line for line in lines if line.startswith(("ok ", "not ok "))]
    known_why, unknown_failed = None, 0
    for line in results[:EXPECTED[phase]]:
        ok = line.startswith("ok ")
        desc = line.split(" - ", 1)[-1]
        todo = next((why for phase_, text, why in KNOWN_DEFECTS
                     if phase_ == phase and text in desc), None)
        if not ok:
            known_why = todo or known_why
            unknown_failed += not todo
        tap.result(ok, "%s: %s" % (phase, desc),
                   "\n".join(line for line in lines if line.startswith("#")),
                   todo=todo)
    for _ in range(len(results), EXPECTED[phase]):
        tap.result(False, "%s: a result of ioaccel_test (missing)" % phase,
                   "\n".join(lines[-20:]))
    for line in lines:
        if line.startswith("# "):
            print(line)
    rc = run.find("kvmtrc", phase=phase)
    done = [line for line in lines if line.startswith("# done")]
    tap.result(bool(rc) and rc[0]["rc"] == "0" and bool(done) and
               len(results) == EXPECTED[phase],
               "%s: ioaccel_test runs to completion (exit status %s)" %
               (phase, rc[0]["rc"] if rc else "-"),
               "\n".join(lines[-20:]),
               todo=known_why if known_why and not unknown_failed
               and rc and rc[0]["rc"] == "1" and bool(done) else None)
    d = run.find("kvmdmesg", phase=phase)
    bad = [r.get("line", "") for r in run.find("kvmdmesgline", phase=phase)]
    tap.result(bool(d) and d[0]["bad"] == "0",
               "%s: L1's kernel log has no WARN/BUG/Oops line" % phase,
               "\n".join(bad))


def features_result(tap, run, phase, announced, absent=()):
    """/sys/kernel/ioaccel/features in @phase: the exitless interrupt
    mechanisms @announced there, and those @absent not (0010, 0012)."""
    r = run.find("kvmfeat", phase=phase)
    got = set(r[0].get("list", "").split(",")) if r else set()
    tap.result(bool(r) and set(announced) <= got and not set(absent) & got,
               "%s: /dev/ioaccel announces %s%s" %
               (phase, ", ".join(announced) or "none of them",
                "; not " + ", ".join(absent) if absent else ""),
               "features: %s" % sorted(got))


def qemu_sees(run, phase, qemu):
    """The QMP answers of one QEMU in a phase, as one line ("" if absent)."""
    r = run.find("kvmqemu", phase=phase, qemu=qemu)
    return r[0].get("line", "") if r else ""


def qemu_results(tap, run, phase, have_qemu):
    want = "true" if phase == "on" else "false"
    line = qemu_sees(run, phase, "qemu-ioaccel")
    tap.result(not have_qemu or '"return": %s' % want in line,
               "%s: the patched QEMU (make qemu) gives a -accel kvm -cpu host "
               "guest kvm-ioaccel=%s" % (phase, want), line,
               skip=None if have_qemu else "make qemu has not built it")


def main():
    tap = testbed.Tap(2 + EXPECTED["on"] + 2 + 2 + 1 + EXPECTED["eli"] + 2 + 1 +
                      EXPECTED["elioff"] + 2 + 1 + EXPECTED["off"] + 2 + 1 + 1 + 3 +
                      2)  # ioaccel_eli_eoi=0: reload, features
    try:
        images = testbed.prepare()
        built = subprocess.run([os.path.join(HERE, "build-selftest"),
                                "ioaccel_test"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        if built.returncode:
            raise testbed.TestbedError(built.stderr.strip()[-2000:])
        binary = built.stdout.strip().split("=", 1)[1].strip("'")
        files = testbed.patched_qemu()
        have_qemu = bool(files)
        files["/testbed/bin/ioaccel_test"] = binary
        images = testbed.extend_l1(images, "kvm-ioaccel", files)
    except (testbed.TestbedError, IndexError) as e:
        tap.result(False, "the testbed images and ioaccel_test are built",
                   str(e))
        tap.skip_rest("skipped: no testbed images or ioaccel_test")
        return 1
    tap.result(True, "the testbed images and ioaccel_test are built "
               "(kernel %s)" % images.kernel.release)
    run = testbed.run_l1(images, "kvm-ioaccel", PLAN, L1_TIMEOUT)
    tap.logs = run.logs()
    load = run.find("load", set="patched")
    tap.result(bool(load) and load[0]["ok"] == "1",
               "the patched modules (kvm with 0006, vhost_net with 0007) load",
               "load record: %s" % load)
    phase_results(tap, run, "on")
    qemu_results(tap, run, "on", have_qemu)
    line = qemu_sees(run, "on", "qemu-system-x86_64")
    tap.result("kvm-ioaccel" in line and "not found" in line,
               "on: Debian's QEMU does not know kvm-ioaccel (so it drops the "
               "bit: why qemu/patches/0001 names it)", line)
    eli = run.find("kvmeli")
    # Exitless delivery is offered only where the CPU does not post
    # interrupts itself (0013): L1's TCG CPU has no AVIC.
    tap.result(bool(eli) and eli[0].get("param") == "Y" and
               eli[0].get("avic") == "N",
               "kvm_amd offers exitless delivery (ioaccel_eli=Y, kvm "
               "ioaccel_eli_kick_us=%s; avic=N)" %
               (eli[0].get("kick_us") if eli else "-"),
               "record: %s" % eli)
    features_result(tap, run, "on", ALL_FEATURES, ("posted_hw",))
    phase_results(tap, run, "eli")
    eoioff = run.find("kvmeoioff")
    tap.result(bool(eoioff) and eoioff[0]["ok"] == "1" and
               eoioff[0].get("param") == "N",
               "kvm-amd.ko reloads with ioaccel_eli_eoi=0", "record: %s" % eoioff)
    features_result(tap, run, "eoioff", ALL_FEATURES[:2], ALL_FEATURES[2:])
    elioff = run.find("kvmelioff")
    tap.result(bool(elioff) and elioff[0]["ok"] == "1" and
               elioff[0].get("param") == "N",
               "kvm-amd.ko reloads with ioaccel_eli=0", "record: %s" % elioff)
    features_result(tap, run, "elioff", (), ALL_FEATURES)
    phase_results(tap, run, "elioff")
    off = run.find("kvmoff")
    tap.result(bool(off) and off[0]["ok"] == "1" and off[0].get("param") == "N",
               "kvm.ko reloads with ioaccel=0", "record: %s" % off)
    features_result(tap, run, "off", (), ALL_FEATURES)
    phase_results(tap, run, "off")
    qemu_results(tap, run, "off", have_qemu)
    tap.plan_done(run, L1_TIMEOUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
