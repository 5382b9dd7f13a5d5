#!/usr/bin/python3
"""Exits per packet with exitless delivery, PV posted interrupts and
exitless EOI.

Runs by `make bench` (target bench-eli).  One L1 boot with the patched
modules and one 1-vCPU L2 guest under the patched QEMU (`make qemu`) with
the ioaccel_guest module and ioaccel-guest-agent (guest-agent/), HLT exits
disabled (`-overcommit cpu-pm=on`, the dedicated-vCPU setting the original
ELI work recommends; IOACCEL_BENCH_CPU_PM=off keeps them), its vCPU thread
alone on L1's CPU 1 and the device's vhost worker on CPUs 2-3.  Four
modes, interleaved on the same guest and NIC:

  no-grant         nothing granted: the guest runs the normal interrupt path
                   (plain vhost-net, kicks as stock)
  ioaccel-eli      exitless delivery and PV posted interrupts granted
                   (IOACCEL_IOC_GRANT_VM 0x5), enabled by the guest's agent
  ioaccel-eli-eoi  the same and exitless EOI (0x7)
  ioaccel-full     0x7, and the NIC's queues polled by a shared worker on
                   CPU 3 (IOACCEL_IOC_ATTACH, polling on): the full
                   acceleration of issue 7's benchmark

Workloads, counting and the table are bench-exits.py's (tx/rx 64 and 1500
B, rr 64 B; exits in L1 by reason over the window, medians of repeats).
Kicks stay except in ioaccel-full, whose shared worker polls.
Writes build/bench/eli.json.  Environment: IOACCEL_BENCH_REPEATS (3),
IOACCEL_BENCH_PACKETS (4000), IOACCEL_BENCH_TRANSACTIONS (500),
IOACCEL_BENCH_CPU_PM (on), IOACCEL_BENCH_OUT, IOACCEL_BENCH_VHOST (vhost.ko
parameters for the run, "name=value ...").
"""

import importlib.util
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import testbed  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    "bench_exits", os.path.join(HERE, "bench-exits.py"))
bench_exits = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_exits)

# (mode, grant, queues polled by the shared worker on CPU 3)
MODES = [("no-grant", 0x0, False), ("ioaccel-eli", 0x5, False),
         ("ioaccel-eli-eoi", 0x7, False), ("ioaccel-full", 0x7, True)]
# As test-shared-worker.py: queues stay polled across a TCG round trip.
POLL_STOP_IDLE_US = 500000

PLAN_HEAD = r"""
TB_L2_QEMU="/testbed/bin/qemu-ioaccel -L /usr/share/seabios -L /usr/share/qemu -name bench,debug-threads=on %(cpu_pm)s"
TB_L2_APPEND=ioaccel.guest=1
# be_grant MASK: grant it to the guest's VM, then wait (60 s) until the
# guest's agent has enabled exactly that.
be_grant() {
	/testbed/bin/ioaccel-ctl grant "$BE_PID" "$1" >/dev/null
	want=$(printf '0x%%x' "$1")
	i=0
	while [ $i -lt 60 ]; do
		if timeout 30 udpbench ctl 10.0.0.2 $TB_CTL_PORT 20000 \
			"sh grep -qx enabled=$want /tmp/agent.status" 2>/dev/null |
			grep -q '^result rc=0'; then
			tb_emit "begrant want=$want ok=1"
			return 0
		fi
		sleep 1
		i=$((i + 1))
	done
	tb_emit "begrant want=$want ok=0"
	return 1
}
# be_mode MASK POLLED: the queues on the shared worker of CPU 3 (polling)
# or back on their own worker, then be_grant MASK.
be_mode() {
	if [ "$2" = 1 ]; then
		/testbed/bin/ioaccel-ctl attach "$BE_PID" 3 shared on 0 %(idle)d >/dev/null
	else
		/testbed/bin/ioaccel-ctl detach "$BE_PID" >/dev/null 2>&1
	fi
	be_grant "$1"
}
# L1's own work (this shell and what it starts: QEMU, udpbench) off CPU 1,
# which the vCPU gets to itself.
taskset -p -c 0,2,3 $$ >/dev/null
if tb_load_modules patched && tb_start_guests 1 bench; then
	BE_PID=$(echo $TB_GUEST_PIDS)
	# The vCPU on its own CPU (1), QEMU's other threads and the device's
	# vhost worker on CPUs 2-3; the watchdog has CPU 0.
	for t in /proc/$BE_PID/task/*; do
		if [ "$(cat $t/comm)" = "CPU 0/KVM" ]; then
			taskset -p -c 1 ${t##*/}
		else
			taskset -p -c 2,3 ${t##*/}
		fi
	done >/dev/null
	tb_emit "bepin list=$(for t in /proc/$BE_PID/task/*; do printf '%%s:%%s,' "$(tr ' ' _ <$t/comm)" "$(taskset -p ${t##*/} | sed 's/.*: //')"; done)"
"""


def plan_for(repeats, packets, transactions, cpu_pm):
    lines = [PLAN_HEAD % {"cpu_pm": "-overcommit cpu-pm=on" if cpu_pm else "",
                          "idle": POLL_STOP_IDLE_US}]
    lines += testbed.vhost_param_lines()
    for mode, grant, polled in MODES:
        lines.append("\tbe_mode %d %d && tb_measure warmup-%s tx 64 1000 %s" %
                     (grant, polled, mode, mode))
    for r in range(repeats):
        for mode, grant, polled in MODES:
            lines.append("\tbe_mode %d %d" % (grant, polled))
            for wl, size, count in testbed.bench_cases(packets, transactions):
                lines.append("\ttb_measure %s-%s%d-n1-r%d %s %d %d %s" % (
                    mode, wl, size, r, wl, size, count, mode))
    lines.append("\ttb_stop_guests")
    lines.append("fi")
    return "\n".join(lines) + "\n"


def main():
    repeats = testbed.env_int("IOACCEL_BENCH_REPEATS", 3)
    packets = testbed.env_int("IOACCEL_BENCH_PACKETS", 4000)
    transactions = testbed.env_int("IOACCEL_BENCH_TRANSACTIONS", 500)
    cpu_pm = os.environ.get("IOACCEL_BENCH_CPU_PM", "on") != "off"
    out = os.environ.get("IOACCEL_BENCH_OUT",
                         os.path.join(testbed.TOP, "build", "bench", "eli.json"))
    start = time.time()
    qemu = testbed.patched_qemu()
    if not qemu:
        print("bench-eli: make qemu has not built the patched QEMU (the guest "
              "would not see KVM_FEATURE_IOACCEL)", file=sys.stderr)
        return 1
    try:
        images = testbed.prepare()
        files = dict(qemu)
        files["/testbed/bin/ioaccel-ctl"] = testbed.build_ioaccel_ctl()
        img = testbed.extend_l1(images, "bench-eli", files)
    except testbed.TestbedError as e:
        print("bench-eli: " + str(e), file=sys.stderr)
        return 1
    testbed.svm_exit_names(images.kernel)
    run = testbed.run_l1_bench(img, "bench-eli",
                               plan_for(repeats, packets, transactions,
                                        cpu_pm), 900 + 300 * repeats)
    grants = run.find("begrant")
    results, failed = [], []
    for c in run.find("case"):
        r = testbed.case_result(run, c["case"])
        if r and r["complete"]:
            results.append(r)
        else:
            failed.append(c["case"])
    records = bench_exits.summarize(results, [m[0] for m in MODES])
    bench_exits.write_json(records, out)
    print("Exits per packet in L1, vhost-net, one 1-vCPU L2 guest with "
          "ioaccel_guest, HLT exits %s, kernel %s (%d repeats; %d packets, "
          "%d transactions per repeat)" % (
              "disabled" if cpu_pm else "on", images.kernel.release, repeats,
              packets, transactions))
    bench_exits.print_table(records)
    for r in run.find("vhostparam"):
        print("vhost parameter for this run: %s=%s" % (r["name"], r["value"]))
    base = {(r["workload"], r["size"]): r["exits_per_packet"]
            for r in records if r["mode"] == "no-grant"}
    for r in records:
        b = base.get((r["workload"], r["size"]))
        if r["mode"] != "no-grant" and b:
            print("ratio %s / no-grant, %s %d: %.2f" % (
                r["mode"], r["workload"], r["size"], r["exits_per_packet"] / b))
    print("written: %s (%.0f s)" % (out, time.time() - start))
    bad = [g for g in grants if g.get("ok") != "1"]
    if failed or bad or not run.completed():
        print("bench-eli: incomplete cases %s, grants not followed %s; logs: "
              "%s" % (" ".join(failed) or "none", bad or "none", run.logs()),
              file=sys.stderr)
    return 0 if records and not failed and not bad else 1


if __name__ == "__main__":
    sys.exit(main())
