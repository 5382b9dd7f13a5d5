#!/usr/bin/python3
"""TAP test of the shared I/O-core vhost workers (kernel/patches, issue 6).

One L1 boot of the fast testbed (tests/testbed/testbed.py) with the
patched modules (a second if the first crashed: a known bug, see L1_CRASH):

  1. /dev/ioaccel answers IOACCEL_IOC_GET_VERSION (version 1, features).
  2. For N in 1, 2, 4: N L2 guests boot, the vhost devices of all of them
     are attached to the shared worker on I/O core 3 (polling on when the
     modules have it), and each guest sends (TX), receives (RX) and runs
     request/response (RR) at the same time; all packets arrive.  RX losses
     are compared with a stock-path run of the same L1 boot (the guests
     detached again), since UDP floods towards a guest may lose packets.
  3. Lifecycle with two attached guests: IOACCEL_IOC_SET_DEVICE_SCHED on a
     guest NIC, detach and re-attach while a
     flood runs, rmmod vhost_net and vhost while devices are attached
     (both must fail), QEMU killed with SIGKILL while attached (and while
     detach and attach of its devices run in a loop), the other
     guest shut down from inside while polled, detach of processes that
     are gone, no vhost-io thread left, modules unload, and no
     WARN/BUG/Oops/lockdep line in L1's kernel log.

The L1 gets the static ioaccel-ctl (shared-worker/ioaccel-ctl.c, linked
with the real libvirt-driver/lib/control.c) and shared-worker/lib.sh in an
extra cpio appended to the testbed's initramfs.  Logs of every run stay in
build/testbed/logs/shared-worker-*/.
Environment: IOACCEL_SW_GUESTS (default "1 2 4").
"""

import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import testbed  # noqa: E402

SW = os.path.join(HERE, "shared-worker")
TOP = testbed.TOP
PACKETS = 2000
TRANSACTIONS = 200
IO_CORE = 3
# Under TCG a request/response round trip takes tens of milliseconds; keep
# the queues polled across it (the module default, 50 ms, is for real hosts).
POLL_STOP_IDLE_US = 500000
GUEST_COUNTS = [int(n) for n in
                os.environ.get("IOACCEL_SW_GUESTS", "1 2 4").split()]
L1_TIMEOUT = 600 + 300 * sum(GUEST_COUNTS)


def tools():
    """virtio_test, built static (cached by content)."""
    srcs = [os.path.join(SW, "build-virtio-test"),
            os.path.join(SW, "compat.h")]
    h = hashlib.sha256(b"shared-worker tools 2")
    testbed._hash_files(h, srcs)
    d = os.path.join(testbed.testbed_dir(), "shared-worker",
                     "tools-" + h.hexdigest()[:16])
    if not os.path.exists(os.path.join(d, ".done")):
        os.makedirs(d, exist_ok=True)
        testbed._run([os.path.join(SW, "build-virtio-test"),
                      os.path.join(d, "virtio_test")],
                     "building tools/virtio/virtio_test")
        open(os.path.join(d, ".done"), "w").close()
    return d


def l1_images(images):
    """images with the shared-worker tools, lib.sh and vhost_test.ko in L1."""
    d = tools()
    return testbed.extend_l1(images, "shared-worker", {
        "/testbed/bin/ioaccel-ctl": testbed.build_ioaccel_ctl(),
        "/testbed/bin/virtio_test": os.path.join(d, "virtio_test"),
        "/testbed/shared-worker.sh": os.path.join(SW, "lib.sh"),
        "/testbed/vhost_test.ko": os.path.join(images.kernel.sets["patched"],
                                               "vhost_test.ko"),
    })


# The first N runs a TX flood with signal coalescing off as well, and
# request/response with the worker sleeping between polling rounds.
NODELAY = """		d=$(cat /sys/module/vhost/parameters/poll_signal_delay_us)
		echo 0 >/sys/module/vhost/parameters/poll_signal_delay_us
		tb_measure n{n}-txnow tx 64 {packets} $MODE
		echo "$d" >/sys/module/vhost/parameters/poll_signal_delay_us
		sw_kstats n{n}-txnow
		d=$(cat /sys/module/vhost/parameters/poll_idle_sleep_us)
		echo 50 >/sys/module/vhost/parameters/poll_idle_sleep_us
		tb_measure n{n}-rrsleep rr 64 {transactions} $MODE
		echo "$d" >/sys/module/vhost/parameters/poll_idle_sleep_us
		sw_kstats n{n}-rrsleep
"""


def tx_signals(run, tag):
    """(signals_deferred, deferred_irqs) summed over the TX queues (vhost-net
    queue 1) in the kstat records of tag."""
    out = [0, 0]
    for r in run.find("kstat", tag=tag):
        q, _, name = r["path"].rpartition("/")
        if q.startswith("queues/") and q.endswith("-1") and \
                name in ("signals_deferred", "deferred_irqs") and \
                r["value"].isdigit():
            out[name == "deferred_irqs"] += int(r["value"])
    return tuple(out)


def plan():
    lines = ["""
. /testbed/shared-worker.sh
# Correctness, not speed: on a loaded TCG host a packet can be seconds
# late without being lost, and L1 paces RX to what a TCG guest can take.
TB_SINK_IDLE_MS=15000
TB_RR_TIMEOUT_MS=10000
TB_RX_GAP_US=5000
sw_dmesg_mark
if tb_load_modules patched; then
	tb_trace_flight
	sw_emit_ctl - version
	POLL=off
	MODE=ioaccel-shared
	feat=$($SW_CTL version | sed -n 's/.*features=\\(0x[0-9a-f]*\\).*/\\1/p')
	if [ -n "$feat" ] && [ $((feat & 4)) != 0 ]; then
		POLL=on
		MODE=ioaccel-shared-poll
	fi
	tb_emit "swmode mode=$MODE poll=$POLL"
	if insmod /testbed/vhost_test.ko; then
		sw_virtio_test own -
		sw_virtio_test shared {core}
		sw_virtio_test shared-reset {core} --reset
		sw_rmmod vtest vhost_test
	fi
""".format(core=IO_CORE)]
    for n in GUEST_COUNTS:
        lines.append("""
	if tb_start_guests {n} $MODE; then
		sw_attach_all {core} shared $POLL 0 {idle}
		sw_threads n{n}-attached
		sw_drops_start
		tb_measure n{n}-tx tx 64 {packets} $MODE
		sw_ifstat n{n}-tx
		sw_drops n{n}-tx
		tb_measure n{n}-rx rx 64 {packets} $MODE
		tb_measure n{n}-rr rr 64 {transactions} $MODE
		sw_kstats n{n}
{nodelay}		sw_detach_all
		sw_threads n{n}-detached
		tb_measure n{n}-stockrx rx 64 {packets} stock
	fi
	tb_stop_guests
""".format(n=n, core=IO_CORE, packets=PACKETS, transactions=TRANSACTIONS,
                   idle=POLL_STOP_IDLE_US, nodelay="" if n != GUEST_COUNTS[0]
                   else NODELAY.format(n=n, packets=PACKETS // 4,
                                       transactions=TRANSACTIONS)))
    lines.append("""
	if tb_start_guests 2 $MODE; then
		sw_attach_all {core} shared $POLL 0 {idle}
		sw_emit_ctl 1 sched $(sw_pid 1) 52:54:00:00:01:10 200 latency
		sw_emit_ctl 1 sched $(sw_pid 1) 52:54:00:00:01:10 0 latency
		sw_emit_ctl 0 sched $(sw_pid 0) 52:54:00:00:00:10 100 throughput 0 0 1
		sw_drops_start
		tb_measure life-tx tx 64 {big} $MODE >/tmp/life-tx.log 2>&1 &
		bg=$!
		sleep 3
		sw_yields life 0
		sw_emit_ctl 0 detach $(sw_pid 0)
		sleep 1
		sw_emit_ctl 0 attach $(sw_pid 0) {core} shared $POLL 0 {idle}
		wait $bg
		cat /tmp/life-tx.log
		sw_ifstat life-tx
		sw_drops life-tx
		sw_rmmod attached vhost_net
		sw_rmmod attached vhost
		sw_kill_racing 1 {core} shared $POLL 0 {idle}
		timeout 10 udpbench ctl 10.0.0.2 $TB_CTL_PORT 2000 quit >/dev/null 2>&1
		sw_wait_gone shutdown 0
		sw_detach_all
		sw_threads after-lifecycle
	fi
	tb_stop_guests
	sw_rmmod unload vhost_net
	sw_rmmod unload vhost
	sw_dmesg_check vhost
	tb_unload_modules patched
fi
""".format(core=IO_CORE, big=PACKETS * 10,
                           idle=POLL_STOP_IDLE_US))
    return "".join(lines)


# Open defect (issue 6): with 4 guests on two shared worker threads of one
# CPU, 1-3 of a guest's 2000 TX datagrams are completed by vhost-net (the
# guest's TX queue drains, nothing in flight) but never reach L1's socket.
# N = 1 and 2, RX, RR and the 20,000-packet lifecycle flood lose nothing.
# Possibly the guests' fq_codel dropping datagrams queued too long, which
# the lifecycle flood showed (LIFE_TX_STALL): kept as a TODO until runs
# with pfifo_fast (2026-12-06 on) show it gone.
TX_LOSS_N4 = ("known bug (issue 6): at N=4 vhost-net completes a few TX "
              "datagrams that L1 never receives")


# Open defect (issue 6), in 3 of 6 runs here on 2026-12-02 (a 4th was
# stopped by hand in that phase): at N=4 an L2 guest stops, under traffic
# (its RX queue at 792 of 2000 datagrams while L1's KVM took 763,000 nested
# page faults in 300 s, no MMIO exits; it stayed stopped after detach, so
# its request/response failed too) or at boot (no console output at all).
# kernel/README.md has the runs.  Seen at N=2 too: in a CI-style run on
# 2026-12-04 guest 1 sent its 2000 TX datagrams, then answered nothing; in
# the CI run of 2026-12-05 a guest never answered at boot, while L1 logged
# soft lockups of a QEMU process for the 360 s it was waited for (see
# stopped_guest_lockups()).  On 2026-12-07 a stopped N=4 guest had
# triple-faulted (an SVM shutdown exit in L1, its QEMU gone): the
# diagnostics now name each such fault's guest and RIP
# (testbed.l2_triple_faults()).  At N=2 a guest that does not boot, or
# answers nothing in a case (stopped), is the TODO; any other shortfall
# fails.
GUEST_STOP_N4 = ("known bug (issue 6): at N=4 (once at N=2) an L2 guest can "
                 "stop, its vCPU in endless nested page faults, or "
                 "triple-fault")


def stopped_guest_lockups(run, bad):
    """Whether every line of @bad (L1's kernel log lines the test calls
    bad) is a soft lockup of an L2 guest's QEMU, or the "Call Trace:" line
    under one, in a run where a guest stopped (did not boot): the known
    guest stop seen from L1.  Any other line fails as it should."""
    stopped = any(r["ok"] != "1" for r in run.find("guests"))
    lockups = [ln for ln in bad if "soft lockup" in ln]
    return stopped and bool(lockups) and all(
        "[qemu-system-x86:" in ln for ln in lockups) and all(
        "soft lockup" in ln or ln.rstrip().endswith("Call Trace:")
        for ln in bad)


def guest_stopped(res):
    """A guest with no result at all in a case: the known guest stop."""
    return any(st == "missing" for s, r, st in res.values())


# Open defect (issue 6), seen once in five runs: guest 1 (latency class,
# weight 200) stopped sending after 6,334 of 20,000 datagrams while guest 0
# was detached and attached again; its sender never finished.  (Guest 0,
# which ends its turns after every packet for guest 1 here, used to lose
# 1 of its 20,000 datagrams in 5 of 7 runs: dropped by the guest's own
# fq_codel queue, silently; the guests now run pfifo_fast, l2/init.)
LIFE_TX_STALL = ("known bug (issue 6): a guest's TX can stall while another "
                 "guest is detached and attached under the flood")


# Open defect (issue 6): L1 itself can crash in this test (four runs here
# since 2026-12-02, and one CI run): a triple fault, or a panic "corrupted
# stack end detected inside scheduler" in a thread of an L2 guest's QEMU,
# in the N=2 round or the lifecycle phase; on 2026-12-07 one began with
# "TASK stack guard page was hit" in error_entry (nested exceptions in a
# QEMU thread), so the corrupted stack is an overflow, and the same
# overflow (exc_page_fault faulting on a %gs read with a zero GS base)
# killed an L1 running Debian's stock modules under the same load: a
# defect of the TCG testbed, not of the series (kernel/README.md).  A boot
# that crashed is reported on its own point and the plan runs once more;
# every other result is of the second boot.
L1_CRASH = ("known testbed defect: L1 can crash under load (a triple "
            "fault, or a kernel stack overflow on a zero GS base in a QEMU "
            "thread, seen with the stock modules too); the plan ran again")


def ctl(run, op, guest=None, **kw):
    recs = [r for r in run.find("ctl", op=op)
            if guest is None or r.get("guest") == str(guest)]
    return recs


def per_guest(run, case):
    """{guest: (sent, received, status)} of one measured case."""
    out = {}
    for r in run.find("res", case=case):
        g = r.get("guest")
        s, rcv, st = out.get(g, (0, 0, "ok"))
        if r.get("status") != "ok":
            st = "missing"
        if "sent" in r:
            s = max(s, int(r["sent"]))
        if "received" in r:
            rcv = max(rcv, int(r["received"]))
        out[g] = (s, rcv, st)
    return out


def worker_stat(run, tag, name):
    """A statistic of the shared workers, summed, in the kstats of tag."""
    return sum(int(r["value"]) for r in run.find("kstat", tag=tag)
               if r["path"].startswith("workers/") and
               r["path"].rpartition("/")[2] == name and r["value"].isdigit())


def idle_sleep_results(tap, run, n, mode):
    """poll_idle_sleep_us=50 (patch 0019): the worker sleeps between polling
    rounds, its queues stay polled, every transaction completes."""
    before, after = "n%d-txnow" % n, "n%d-rrsleep" % n
    sleeps = worker_stat(run, after, "idle_sleeps") - \
        worker_stat(run, before, "idle_sleeps")
    avoided = worker_stat(run, after, "kicks_avoided") - \
        worker_stat(run, before, "kicks_avoided")
    res = per_guest(run, after)
    ok = len(res) == n and all(st == "ok" and s == r == TRANSACTIONS
                               for s, r, st in res.values())
    tap.result(mode == "ioaccel-shared-poll" and ok and sleeps > 0 and
               avoided > 0,
               "N=%d RR with poll_idle_sleep_us=50: the worker slept %d times "
               "between polling rounds, its polls found buffers %d times "
               "without a kick, every guest's %d transactions complete" %
               (n, sleeps, avoided, TRANSACTIONS),
               "per guest: %s; kstat: %s" % (res, run.find("kstat", tag=after)))


def signals_results(tap, run, n, mode):
    """The polled TX queues held back their used signals (patch 0018), and
    poll_signal_delay_us=0 turns that off."""
    deferred, irqs = tx_signals(run, "n%d" % n)
    tap.result(mode == "ioaccel-shared-poll" and irqs < deferred,
               "N=%d: the polled TX queues held back %d used signals and "
               "sent %d interrupts for them (poll_signal_delay_us=200)" %
               (n, deferred, irqs),
               "kstat records: %s" % run.find("kstat", tag="n%d" % n))
    now = tx_signals(run, "n%d-txnow" % n)
    res = per_guest(run, "n%d-txnow" % n)
    ok = len(res) == n and all(st == "ok" and s == r == PACKETS // 4
                               for s, r, st in res.values())
    tap.result(ok and now[0] == deferred,
               "N=%d: with poll_signal_delay_us=0 the TX queues hold back "
               "nothing (%d more) and the guests' %d packets arrive" %
               (n, now[0] - deferred, PACKETS // 4),
               "per guest: %s; kstat after: %s" % (res, now))


def main():
    tap = testbed.Tap(7 + 7 * len(GUEST_COUNTS) + 3 + 12)
    try:
        img = l1_images(testbed.prepare())
    except testbed.TestbedError as e:
        tap.result(False, "the testbed images are built", str(e))
        tap.skip_rest("skipped: no testbed images")
        return 1
    tap.result(True, "the testbed images are built (kernel %s)" %
               img.kernel.release)
    run = first = testbed.run_l1(img, "shared-worker", plan(), L1_TIMEOUT)
    if first.crashed():
        run = testbed.run_l1(img, "shared-worker", plan(), L1_TIMEOUT)
    tap.logs = run.logs()
    tap.result(not first.crashed(),
               "L1 runs the plan without crashing (first boot: %s, %.0f s)" %
               (first.ending(), first.seconds),
               "\n".join(first.panic_lines()[:20] + ["logs: " + first.logs()]),
               todo=L1_CRASH if first.crashed() else None)

    load = run.find("load", set="patched")
    tap.result(bool(load) and load[0]["ok"] == "1",
               "the patched modules load into the Debian kernel",
               "load record: %s" % load)
    v = ctl(run, "version")
    tap.result(bool(v) and v[0]["rc"] == "0" and "version=1" in v[0]["out"],
               "/dev/ioaccel answers IOACCEL_IOC_GET_VERSION: %s" %
               (v[0]["out"] if v else "-"), "records: %s" % v)
    mode = run.find("swmode")
    mode = mode[0]["mode"] if mode else "?"
    # What became of a guest that stopped (diagnostics of the TODOs; a
    # case's own stall sample goes with that case).
    triple = testbed.l2_triple_faults(run)
    faults = triple + [
        "before the triple fault of thread %s: %s" % (r["tid"], r["line"])
        for r in run.find("flight")]

    def stalled(case):
        return ["%s: a guest gave no result; L1 traced: %s" %
                (case, r["line"]) for r in run.find("stall", case=case)]
    for tag, what in (("own", "on its own vhost worker"),
                      ("shared", "with its device polled by the shared "
                       "worker on CPU %d" % IO_CORE),
                      ("shared-reset", "--reset (backend reset while polled "
                       "by the shared worker)")):
        r = run.find("vtest", tag=tag)
        ok = bool(r) and r[0]["rc"] == "0" and (
            tag == "own" or r[0]["attach"] == "0")
        tap.result(ok, "upstream tools/virtio virtio_test against the patched "
                   "vhost and vhost_test.ko, %s%s" %
                   (what, " (%s ms)" % r[0]["ms"] if r else ""),
                   "record: %s" % r)

    for n in GUEST_COUNTS:
        # The first guests record of this N (the lifecycle phase has its own).
        g = run.find("guests", n=str(n))
        booted = bool(g) and g[0]["ok"] == "1"
        tap.result(booted, "%d L2 guest(s) boot with vhost-net" % n,
                   "\n".join(["record: %s" % g] +
                             ["%s" % r for r in run.find("bootstall",
                                                         n=str(n))] +
                             faults + stalled("boot-n%d" % n)),
                   todo=GUEST_STOP_N4 if n >= 2 else None)
        if not booted and n >= 2:
            for what in ("attach", "worker threads", "TX", "RR", "RX",
                         "detach") + (("TX signals held back",
                                       "poll_signal_delay_us=0",
                                       "poll_idle_sleep_us=50")
                                      if n == GUEST_COUNTS[0] else ()):
                tap.result(True, "N=%d %s" % (n, what),
                           skip="not all %d guests booted (the known bug "
                           "above)" % n)
            continue
        at = [r for r in run.find("ctl", op="attach")]
        # The attach records of this phase follow its guests record.
        idx = run.records.index(g[0]) if g else -1
        phase = []
        for r in run.records[idx + 1:] if idx >= 0 else []:
            if r["@"] == "ctl" and r.get("op") == "attach":
                phase.append(r)
            if r["@"] == "case":
                break
        del at
        tap.result(len(phase) == n and all(r["rc"] == "0" for r in phase),
                   "N=%d: the vhost devices of every guest attach to the "
                   "shared worker on CPU %d (%s)" % (n, IO_CORE, mode),
                   "attach records: %s" % phase)
        th = run.find("threads", tag="n%d-attached" % n)
        devs = int(th[0].get("devices", 0)) if th else 0
        want = (devs + 3) // 4
        tap.result(bool(th) and devs >= n and int(th[0]["workers"]) == want,
                   "N=%d: %d vhost-io worker thread(s) serve the %d vhost-net "
                   "devices of the guests (devices_per_worker=4)" %
                   (n, want, devs), "threads record: %s" % th)
        for wl, count in (("tx", PACKETS), ("rr", TRANSACTIONS)):
            res = per_guest(run, "n%d-%s" % (n, wl))
            ok = len(res) == n and all(
                st == "ok" and s == count and r == count
                for s, r, st in res.values())
            tap.result(ok, "N=%d %s: every guest's %d %s arrive%s" % (
                n, wl.upper(), count,
                "packets" if wl == "tx" else "transactions",
                "" if wl == "tx" else " (complete)"),
                "per guest (sent, received, status): %s\n%s" % (
                    res, "\n".join(
                        "%s" % r for r in run.find("res", case="n%d-%s" % (n, wl)) +
                        run.find("ifstat", tag="n%d-%s" % (n, wl)) +
                        run.find("l1stat", tag="n%d-%s" % (n, wl)) +
                        run.find("l1drop", tag="n%d-%s" % (n, wl)) +
                        faults + stalled("n%d-%s" % (n, wl)))),
                todo=(TX_LOSS_N4 if n >= 4 and wl == "tx" else
                      GUEST_STOP_N4 if n >= 4 or guest_stopped(res) else None))
        res = per_guest(run, "n%d-rx" % n)
        ref = per_guest(run, "n%d-stockrx" % n)
        got = sum(r for s, r, st in res.values())
        sent = sum(s for s, r, st in res.values())
        ref_got = sum(r for s, r, st in ref.values())
        ref_sent = sum(s for s, r, st in ref.values())
        ok = (len(res) == n and sent == n * PACKETS and
              all(st == "ok" for s, r, st in res.values()) and
              (got == sent or (ref_sent and got * ref_sent >= ref_got * sent)))
        tap.result(ok, "N=%d RX: %d of %d packets arrive in the guests "
                   "(stock path, same boot: %d of %d)" %
                   (n, got, sent, ref_got, ref_sent),
                   "\n".join(["shared %s; stock %s" % (res, ref)] + faults +
                             stalled("n%d-rx" % n) +
                             stalled("n%d-stockrx" % n)),
                   todo=GUEST_STOP_N4 if n >= 4 or guest_stopped(res) else None)
        if n == GUEST_COUNTS[0]:
            signals_results(tap, run, n, mode)
            idle_sleep_results(tap, run, n, mode)
        det = []
        for r in run.records[idx + 1:] if idx >= 0 else []:
            if r["@"] == "ctl" and r.get("op") == "detach":
                det.append(r)
            if r["@"] == "threads" and r.get("tag") == "n%d-detached" % n:
                break
        th = run.find("threads", tag="n%d-detached" % n)
        tap.result(len(det) == n and all(r["rc"] == "0" for r in det) and
                   bool(th) and th[0]["workers"] == "0",
                   "N=%d: every guest detaches and the idle worker stops" % n,
                   "detach records: %s; threads: %s" % (det, th))

    sc = run.find("ctl", op="sched")
    tap.result(len(sc) == 3 and sc[0]["rc"] == "0" and
               "error=EINVAL" in sc[1]["out"] and sc[2]["rc"] == "0",
               "IOACCEL_IOC_SET_DEVICE_SCHED sets weight 200 and the latency "
               "class for a guest NIC (by MAC), refuses weight 0 and takes "
               "a least work per turn (48-byte request)",
               "records: %s" % sc)
    y = run.find("yields", tag="life", guest="0")
    tap.result(bool(y) and y[0]["value"].isdigit() and int(y[0]["value"]) > 0,
               "lifecycle: guest 0 (throughput class, least work 1 packet) "
               "ends turns early for guest 1 (latency class, polled) while "
               "both flood", "record: %s" % y)
    res = per_guest(run, "life-tx")
    ok = len(res) == 2 and all(st == "ok" and s == PACKETS * 10 and
                               r == s for s, r, st in res.values())
    tap.result(ok, "lifecycle: %d packets per guest all arrive while guest 0 "
               "is detached and attached again under the flood" %
               (PACKETS * 10), "per guest: %s" % res, todo=LIFE_TX_STALL)
    life_ctl = [r for r in run.find("ctl", guest="0")
                if r.get("op") in ("detach", "attach")]
    tap.result(len(life_ctl) >= 2 and all(r["rc"] == "0" for r in life_ctl),
               "lifecycle: detach and attach under traffic succeed",
               "records: %s" % life_ctl)
    for mod in ("vhost_net", "vhost"):
        r = run.find("rmmod", tag="attached", module=mod)
        tap.result(bool(r) and r[0]["rc"] != "0",
                   "lifecycle: rmmod %s with attached devices is refused" %
                   mod, "record: %s" % r)
    race = run.find("race")
    for tag, what, ok in (
            ("sigkill", "QEMU killed with SIGKILL while attached, detach "
             "and attach racing the release of its devices (%s rounds)," %
             (race[0]["rounds"] if race else "no"),
             bool(race) and int(race[0]["rounds"]) > 0),
            ("shutdown", "the guest shut down from inside while polled",
             True)):
        r = run.find("gone", tag=tag)
        tap.result(ok and bool(r) and r[0]["exited"] == "1",
                   "lifecycle: %s exits" % what, "record: %s %s" % (r, race))
    th = run.find("threads", tag="after-lifecycle")
    tap.result(bool(th) and th[0]["workers"] == "0",
               "lifecycle: no vhost-io thread is left after the VMs are gone",
               "record: %s" % th)
    unload = run.find("rmmod", tag="unload")
    tap.result(len(unload) == 2 and all(r["rc"] == "0" for r in unload),
               "vhost_net and vhost unload afterwards", "records: %s" % unload)
    d = run.find("dmesg", tag="vhost")
    bad = [r.get("line", "") for r in run.find("dmesgline", tag="vhost")]
    tap.result(bool(d) and d[0]["bad"] == "0",
               "L1's kernel log has no WARN/BUG/Oops/lockdep/hung-task line "
               "from loading the modules to unloading vhost_net and vhost",
               "\n".join(bad[:30]),
               todo=GUEST_STOP_N4 if stopped_guest_lockups(run, bad) else None)
    tap.plan_done(run, L1_TIMEOUT)
    # Exits per packet of each case, for the log (make bench has the table).
    for n in GUEST_COUNTS:
        for wl in ("tx", "rx", "rr"):
            r = testbed.case_result(run, "n%d-%s" % (n, wl))
            if r and r["packets_received"]:
                print("# N=%d %s %s: %.3f exits, %.3f kick exits (%.3f NPF) "
                      "per %s" % (
                          n, mode, wl, r["exits"] / r["packets_received"],
                          r["kick_exits"] / r["packets_received"],
                          r["npf_exits"] / r["packets_received"],
                          "transaction" if wl == "rr" else "packet"))
    for line in triple:
        print("# " + line)
    print("# %d passed, %d failed" % (tap.n - tap.failed, tap.failed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
