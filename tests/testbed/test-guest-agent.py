#!/usr/bin/python3
"""TAP test of the guest side of exitless delivery (guest-agent/), run by
`make check`: a real Linux L2 guest with the ioaccel_guest module and
ioaccel-guest-agent, on the patched KVM in one L1 boot of the fast testbed.

The L2 guest (2 vCPUs, on L1's CPUs 1-2, away from the watchdog's CPU 0) runs
under the patched QEMU (`make qemu`: without it the guest never sees the
CPUID bit and the test skips).  Its init loads the module and starts the
agent; L1 looks at the guest through the udpbench agent's `sh` and at the
host through KVM's debugfs, and checks, in order:

  discovery with nothing granted; the module refusing an enable that is not
  granted; the grant of exitless delivery, exitless EOI and PV posted
  interrupts (ioaccel-ctl grant, the real IOACCEL_IOC_GRANT_VM) followed by the agent
  on both vCPUs, with the shadow IDT registered; notifications (debugfs
  vcpuN/ioaccel_eli_notify) reaching the guest's handler; vhost-net TX and
  RX with nothing lost while the vCPUs run exitless, virtio-net's
  interrupts posted and handled from the guest's pages; CPU hotplug (offline disables, online enables again); revoke
  and grant again; the agent's SIGTERM turning everything off; rmmod with
  the feature on; no WARN/BUG/Oops in L1's or the guest's kernel log.

Logs: build/testbed/logs/guest-agent-*/.
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import testbed  # noqa: E402

L1_TIMEOUT = 1500
PACKETS = 2000
NOTIFY = 10     # per vCPU
# Exitless delivery, exitless EOI and PV posted interrupts
# (docs/hypercall-abi.md).
GRANT = 0x7
BAD_LOG = "WARNING:|BUG:|Oops|general protection|Call Trace|RIP:|lockdep"
SYSFS = "/sys/kernel/ioaccel_guest"

PLAN = r"""
TB_SINK_IDLE_MS=15000
TB_RR_TIMEOUT_MS=10000
TB_RX_GAP_US=5000
TB_TX_GAP_US=2000
# ga_guest LABEL COMMAND LINE: run it in the guest; its output as records.
ga_guest() {
	label=$1
	shift
	timeout 90 udpbench ctl 10.0.0.2 $TB_CTL_PORT 30000 "sh $*" >/tmp/ga.out 2>&1
	while IFS= read -r l; do
		case $l in
		"result out "*) tb_emit "gaout label=$label line=${l#result out }" ;;
		"result rc="*) tb_emit "garc label=$label rc=${l#result rc=}" ;;
		esac
	done </tmp/ga.out
}
# ga_host LABEL: KVM's view of the VM: per vCPU what is enabled and the
# registered shadow IDT, and the VM's exitless-delivery statistics.
ga_host() {
	d=$(ls -d /sys/kernel/debug/kvm/"$GA_PID"-* 2>/dev/null | head -n 1)
	for v in 0 1; do
		tb_emit "gahost label=$1 vcpu=$v enabled=$(cat "$d/vcpu$v/ioaccel_enabled" 2>/dev/null) idt=$(cat "$d/vcpu$v/ioaccel_shadow_idt" 2>/dev/null)"
	done
	for s in ioaccel_eli_entries ioaccel_eli_delivered ioaccel_eli_bounced \
		ioaccel_eli_fallbacks ioaccel_eli_swallowed ioaccel_eli_kicks \
		ioaccel_posted ioaccel_posted_renotified ioaccel_eoi_passthrough; do
		tb_emit "gastat label=$1 name=$s value=$(cat "$d/$s" 2>/dev/null)"
	done
}
# ga_wait LABEL LINE: until the agent's status file has LINE (30 s), then
# the status and the module's per-vCPU state.
ga_wait() {
	i=0
	while [ $i -lt 30 ]; do
		timeout 60 udpbench ctl 10.0.0.2 $TB_CTL_PORT 20000 "sh grep -qx $2 /tmp/agent.status" 2>/dev/null |
			grep -q '^result rc=0' && break
		sleep 1
		i=$((i + 1))
	done
	ga_guest "$1" cat /tmp/agent.status %(sysfs)s/cpus
}
ga_notify() {
	d=$(ls -d /sys/kernel/debug/kvm/"$GA_PID"-* 2>/dev/null | head -n 1)
	for v in 0 1; do
		n=0
		while [ $n -lt %(notify)d ]; do
			echo 1 >"$d/vcpu$v/ioaccel_eli_notify"
			n=$((n + 1))
			sleep 0.2
		done
	done
	sleep 2
}
dmesg -c >/dev/null
if tb_load_modules patched; then
	TB_L2_QEMU="taskset -c 1,2 /testbed/bin/qemu-ioaccel -L /usr/share/seabios -L /usr/share/qemu"
	TB_L2_SMP=2
	TB_L2_APPEND=ioaccel.guest=1
	if tb_start_guests 1 guest-agent; then
		GA_PID=$(echo $TB_GUEST_PIDS)
		ga_wait nogrant state=running
		ga_guest discovery "cd %(sysfs)s && echo version=\$(cat version) granted=\$(cat granted) supported=\$(cat supported) vector=\$(cat eli_vector)"
		ga_guest deny "echo 1 >%(sysfs)s/enable"
		ga_host deny
		/testbed/bin/ioaccel-ctl grant "$GA_PID" %(grant)d | sed 's/^/L1: ioaccel-ctl: /'
		ga_wait granted enabled=%(grant)#x
		ga_host granted
		ga_guest notify-before cat %(sysfs)s/notifications
		ga_notify
		ga_guest notify-after cat %(sysfs)s/notifications
		ga_host notify
		tb_measure ga-tx tx 1500 %(packets)d ioaccel-eli
		tb_measure ga-rx rx 1500 %(packets)d ioaccel-eli
		ga_host traffic
		ga_guest posted cat %(sysfs)s/cpus
		ga_guest offline "echo 0 >/sys/devices/system/cpu/cpu1/online"
		ga_host offline
		ga_guest online "echo 1 >/sys/devices/system/cpu/cpu1/online; sleep 1; cat %(sysfs)s/cpus"
		ga_host online
		/testbed/bin/ioaccel-ctl grant "$GA_PID" 0 | sed 's/^/L1: ioaccel-ctl: /'
		# wanted, not enabled: a pass that read the grant just before the
		# revoke shows enabled=0x0 (the host masks it) with the old grant.
		ga_wait revoked wanted=0x0
		ga_host revoked
		/testbed/bin/ioaccel-ctl grant "$GA_PID" %(grant)d | sed 's/^/L1: ioaccel-ctl: /'
		ga_wait regranted enabled=%(grant)#x
		ga_host regranted
		ga_guest stop "kill -TERM \$(pidof ioaccel-guest-agent); sleep 2; cat /tmp/agent.status"
		ga_host stopped
		ga_guest reenable "echo %(grant)d >%(sysfs)s/enable; cat %(sysfs)s/enabled"
		ga_host reenabled
		ga_guest rmmod "rmmod ioaccel_guest"
		ga_host rmmod
		ga_guest l2log "dmesg | grep -E '%(bad)s|ioaccel_guest' | head -n 20"
		tb_stop_guests
	fi
	tb_unload_modules patched
	bad=$(dmesg | grep -cE '%(bad)s')
	tb_emit "gadmesg bad=$bad"
	dmesg | grep -E '%(bad)s' | head -n 20 | while IFS= read -r l; do
		tb_emit "gadmesgline line=$l"
	done
fi
""" % {"sysfs": SYSFS, "notify": NOTIFY, "packets": PACKETS, "bad": BAD_LOG,
       "grant": GRANT}


def guest_out(run, label):
    """The guest's output lines of a step and its exit status (None: absent)."""
    lines = [r.get("line", "") for r in run.find("gaout", label=label)]
    rc = run.find("garc", label=label)
    return lines, int(rc[0]["rc"]) if rc else None


def status(run, label):
    """The agent's status file of a ga_wait step (the module's per-vCPU
    lines, cpuN ..., left out)."""
    lines, _ = guest_out(run, label)
    return dict(line.split("=", 1) for line in lines if "=" in line
                and not re.match(r"cpu\d", line))


def host(run, label):
    """{vcpu: (enabled, idt)} and {stat: value} of a ga_host step."""
    vcpus = {r["vcpu"]: (r.get("enabled", ""), r.get("idt", ""))
             for r in run.find("gahost", label=label)}
    stats = {r["name"]: int(r["value"]) if r.get("value", "").isdigit() else -1
             for r in run.find("gastat", label=label)}
    return vcpus, stats


def mask(text):
    """A hexadecimal value of KVM's debugfs (0x0000000000000001), or None."""
    try:
        return int(text, 16)
    except (TypeError, ValueError):
        return None


def enabled_on(vcpus, want):
    """Every vCPU has the mask @want enabled at KVM, and a shadow IDT
    registered exactly when delivery is on."""
    return len(vcpus) == 2 and all(
        mask(e) == want and mask(idt) is not None and
        bool(mask(idt)) == bool(want & 1)
        for e, idt in vcpus.values())


def main():
    tap = testbed.Tap(22)
    qemu = testbed.patched_qemu()
    if not qemu:
        for _ in range(22):
            tap.result(True, "guest agent", skip="make qemu has not built the "
                       "patched QEMU: the guest would not see KVM_FEATURE_IOACCEL")
        return 0
    try:
        images = testbed.prepare()
        ctl = testbed.build_ioaccel_ctl()
        files = dict(qemu)
        files["/testbed/bin/ioaccel-ctl"] = ctl
        img = testbed.extend_l1(images, "guest-agent", files)
    except testbed.TestbedError as e:
        tap.skip_rest("testbed not prepared: %s" % e)
        return 1
    run = testbed.run_l1(img, "guest-agent", PLAN, L1_TIMEOUT)
    tap.logs = run.logs()

    g = run.find("guests", label="guest-agent")
    tap.result(bool(g) and g[0]["ok"] == "1",
               "an L2 guest (2 vCPUs, patched QEMU) boots with ioaccel_guest and the agent",
               "\n".join(r.get("line", "") for r in run.find("l2log"))[-3000:])

    st = status(run, "nogrant")
    tap.result(st.get("state") == "running" and st.get("granted") == "0x0" and
               st.get("enabled") == "0x0" and st.get("posting") == "none",
               "nothing granted: the agent runs and enables nothing (and "
               "reports that no hardware posts: no AVIC in L1)", repr(st))
    lines, _ = guest_out(run, "discovery")
    want = "version=1 granted=0x0 supported=%#x vector=0xf1" % GRANT
    tap.result(lines == [want], "discovery: " + want, repr(lines))
    lines, rc = guest_out(run, "deny")
    vcpus, _ = host(run, "deny")
    tap.result(rc not in (None, 0) and enabled_on(vcpus, 0),
               "enabling what is not granted fails (EPERM) and changes "
               "nothing at KVM", "rc=%s %r %r" % (rc, lines, vcpus))

    st = status(run, "granted")
    vcpus, _ = host(run, "granted")
    tap.result(st.get("enabled") == "%#x" % GRANT and st.get("cpus_enabled") == "2",
               "after the grant the agent enables exitless delivery, exitless "
               "EOI and PV posted interrupts on both vCPUs", repr(st))
    tap.result(enabled_on(vcpus, GRANT),
               "KVM has delivery enabled and a shadow IDT registered on both vCPUs",
               repr(vcpus))

    before, _ = guest_out(run, "notify-before")
    after, _ = guest_out(run, "notify-after")
    _, s0 = host(run, "granted")
    _, s1 = host(run, "notify")
    try:
        got = int(after[0]) - int(before[0])
    except (IndexError, ValueError):
        got = -1
    delivered = s1.get("ioaccel_eli_delivered", -1) - s0.get("ioaccel_eli_delivered", 0)
    fallbacks = s1.get("ioaccel_eli_fallbacks", -1) - s0.get("ioaccel_eli_fallbacks", 0)
    eoi = s1.get("ioaccel_eoi_passthrough", -1) - s0.get("ioaccel_eoi_passthrough", 0)
    print("# notifications: %d sent, %d counted by the guest's handler; KVM: "
          "%d runs with the EOI passed through, %d still in service at an "
          "exit, %d injected (fallback)" %
          (2 * NOTIFY, got, eoi, delivered, fallbacks))
    tap.result(2 * NOTIFY <= got <= 4 * NOTIFY,
               "all %d notifications reach the guest module's handler" % (2 * NOTIFY),
               "got %d" % got)
    # With exitless EOI the guest ends most deliveries itself: KVM sees
    # only those still in service at an exit (ioaccel_eli_delivered).
    tap.result(eoi > 0,
               "KVM delivered notifications exitless with exitless EOI "
               "(ioaccel_eoi_passthrough %d runs, ioaccel_eli_delivered %d, "
               "fallbacks %d)" % (eoi, delivered, fallbacks), repr(s1))

    _, s2 = host(run, "traffic")
    for case, what in (("ga-tx", "TX"), ("ga-rx", "RX")):
        r = testbed.case_result(run, case)
        ok = bool(r) and r.get("complete") and r.get("packets_sent") == PACKETS and \
            r.get("packets_received") == PACKETS
        if ok:
            print("# %s: sent %d, received %d; exits by reason %s" %
                  (what, r["packets_sent"], r["packets_received"],
                   {testbed.reason_name(k): v
                    for k, v in r["exits_by_reason"].items()}))
        tap.result(ok, "vhost-net %s of %d datagrams while exitless: nothing lost"
                   % (what, PACKETS), repr(r))
    entries = s2.get("ioaccel_eli_entries", -1) - s1.get("ioaccel_eli_entries", 0)
    bounced = s2.get("ioaccel_eli_bounced", -1) - s1.get("ioaccel_eli_bounced", 0)
    print("# during traffic: %d exitless entries, %d host interrupts bounced, "
          "%d swallowed" % (entries, bounced, s2.get("ioaccel_eli_swallowed", -1)))
    tap.result(entries > 0 and s2.get("ioaccel_eli_swallowed") == 0,
               "the vCPUs ran exitless under traffic and no host interrupt "
               "was swallowed", repr(s2))
    lines, _ = guest_out(run, "posted")
    handled = sum(int(m) for line in lines for m in re.findall(r" posted=(\d+)", line))
    resent = sum(int(m) for line in lines for m in re.findall(r" resent=(\d+)", line))
    posted = s2.get("ioaccel_posted", -1) - s1.get("ioaccel_posted", 0)
    print("# PV posted during traffic: KVM posted %d interrupts; the guest "
          "handled %d from its pages, sent %d back through its APIC" %
          (posted, handled, resent))
    tap.result(posted > 0 and handled > 0,
               "virtio-net's interrupts were posted to the running vCPUs and "
               "handled from the guest's pages (%d posted, %d handled)" %
               (posted, handled), "\n".join(lines))

    vcpus, _ = host(run, "offline")
    tap.result(mask(vcpus.get("1", ("", ""))[0]) == 0 and
               mask(vcpus.get("0", ("", ""))[0]) == GRANT,
               "CPU offline in the guest turns delivery off on that vCPU only",
               repr(vcpus))
    vcpus, _ = host(run, "online")
    lines, _ = guest_out(run, "online")
    tap.result(enabled_on(vcpus, GRANT),
               "CPU online enables it again (hotplug callback)",
               repr(vcpus) + "\n" + "\n".join(lines))

    st = status(run, "revoked")
    vcpus, _ = host(run, "revoked")
    tap.result(st.get("granted") == "0x0" and st.get("enabled") == "0x0" and
               enabled_on(vcpus, 0),
               "revoke: the agent follows, nothing enabled, shadow IDT unregistered",
               repr(st) + " " + repr(vcpus))
    st = status(run, "regranted")
    vcpus, _ = host(run, "regranted")
    tap.result(st.get("enabled") == "%#x" % GRANT and enabled_on(vcpus, GRANT),
               "grant again: the agent enables it again on both vCPUs",
               repr(st) + " " + repr(vcpus))

    st = status(run, "stop")
    vcpus, _ = host(run, "stopped")
    tap.result(st.get("state") == "stopped" and st.get("enabled") == "0x0" and
               enabled_on(vcpus, 0),
               "SIGTERM: the agent turns everything off and says so",
               repr(st) + " " + repr(vcpus))
    lines, _ = guest_out(run, "reenable")
    vcpus, _ = host(run, "reenabled")
    tap.result(lines == ["%#x" % GRANT] and enabled_on(vcpus, GRANT),
               "the module's enable file, written by hand, enables it on both vCPUs",
               repr(lines) + " " + repr(vcpus))
    _, rc = guest_out(run, "rmmod")
    vcpus, _ = host(run, "rmmod")
    tap.result(rc == 0 and enabled_on(vcpus, 0),
               "rmmod with delivery on turns it off and unregisters the shadow IDT",
               "rc=%s %r" % (rc, vcpus))

    lines, _ = guest_out(run, "l2log")
    bad = [line for line in lines if any(b in line for b in BAD_LOG.split("|"))]
    tap.result(bool(lines) and not bad,
               "the guest's kernel log has no WARN/BUG/Oops line",
               "\n".join(lines))
    d = run.find("gadmesg")
    tap.result(bool(d) and d[0]["bad"] == "0",
               "L1's kernel log has no WARN/BUG/Oops line (modules unloaded)",
               "\n".join(r.get("line", "") for r in run.find("gadmesgline")))
    tap.plan_done(run, L1_TIMEOUT)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
