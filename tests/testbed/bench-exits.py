#!/usr/bin/python3
"""Exits-per-packet benchmark of vhost-net in the fast L1 testbed.

Runs by `make bench` (target bench-exits).  For N = 1, 2, 4 L2 guests at
once (one L1 boot per N), and for each mode:
  stock           unpatched vhost-net (the stock modules of kernel/build-modules)
  stock-busypoll  the same with upstream's bounded busy polling (tap poll-us=50)
it measures, repeated several times (interleaved):
  tx  64 and 1500 B: every guest floods L1 (UDP, blocking sendto)
  rx  64 and 1500 B: L1 floods every guest (delivered packets are counted)
  rr  64 B: UDP request/response transactions from every guest to L1
and counts the VM exits in L1 during the window by reason (kvm_exit hist
trigger) and from KVM's debugfs.  Exits are divided by the packets received
(for rr: completed transactions).  Kicks are the exits of the virtio-pci
queue-notify writes (16-bit MMIO writes counted by KVM's kvm_mmio event,
testbed.py), one kind of NPF exit (0x400); interrupt exits are external
interrupt (0x60) and interrupt window (0x64) exits.

Prints a table and writes build/bench/exits.json: a list of records with
mode, workload, size, guests, exits_per_packet (median), its spread
(exits_per_packet_min/max), kick_exits_per_packet, irq_exits_per_packet,
packets_sent, packets_received (medians), exits_by_reason (median exits per
packet by reason name), msr_exits_by_msr (MSR exits per packet by MSR and
direction), seconds_median (length of the window), repeats and the
per-repeat values.

Environment: IOACCEL_BENCH_GUESTS (default "1 2 4"), IOACCEL_BENCH_REPEATS
(default 3), IOACCEL_BENCH_PACKETS (per repeat, all guests together: each
of N guests sends or receives PACKETS/N; default 10000),
IOACCEL_BENCH_TRANSACTIONS (likewise, default 1000), IOACCEL_BENCH_OUT
(JSON path).
"""

import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testbed  # noqa: E402

MODES = ["stock", "stock-busypoll"]


def plan_for(n, repeats, packets, transactions):
    """One L1 boot for N guests: the guests boot once; every mode uses its
    own NIC of each guest (l1/lib.sh: tb_start_guests), and repeats are
    interleaved across modes and workloads."""
    lines = ["if tb_load_modules stock && tb_start_guests %d bench; then" % n]
    for mode in MODES:
        # A short warm-up per mode, not counted.
        lines.append("\ttb_measure warmup-%s-n%d tx 64 1000 %s" % (mode, n, mode))
    for r in range(repeats):
        for mode in MODES:
            # The total is the same for every N: L1 is the bottleneck.
            for wl, size, count in testbed.bench_cases(max(1, packets // n),
                                         max(1, transactions // n)):
                lines.append("\ttb_measure %s-%s%d-n%d-r%d %s %d %d %s" % (
                    mode, wl, size, n, r, wl, size, count, mode))
    lines.append("fi")
    lines.append("tb_stop_guests")
    return "\n".join(lines) + "\n"


def summarize(results, modes=MODES):
    """Group per (mode, workload, size, guests), @modes in that order;
    medians with spread."""
    groups = {}
    for r in results:
        if r["case"].startswith("warmup"):
            continue
        key = (r["mode"], r["workload"], r["size"], r["guests"])
        groups.setdefault(key, []).append(r)
    records = []
    for key in sorted(groups, key=lambda k: (k[3], modes.index(k[0]) if k[0]
                                             in modes else 9, k[1], k[2])):
        runs = [r for r in groups[key] if r["packets_received"] > 0]
        if not runs:
            continue
        per = [r["exits"] / r["packets_received"] for r in runs]
        kicks = [r["kick_exits"] / r["packets_received"] for r in runs]
        irqs = [r["irq_exits"] / r["packets_received"] for r in runs]
        reasons = set()
        for r in runs:
            reasons.update(r["exits_by_reason"])
        by_reason = {}
        for code in sorted(reasons):
            v = statistics.median(r["exits_by_reason"].get(code, 0) /
                                  r["packets_received"] for r in runs)
            if round(v, 4) > 0:
                by_reason[testbed.reason_name(code)] = round(v, 4)
        msr_keys = set()
        for r in runs:
            msr_keys.update(r["msr_exits"])
        by_msr = {}
        for k in sorted(msr_keys):
            v = statistics.median(r["msr_exits"].get(k, 0) /
                                  r["packets_received"] for r in runs)
            if round(v, 4) > 0:
                by_msr[testbed.msr_name(k)] = round(v, 4)
        mode, wl, size, guests = key
        records.append({
            "mode": mode, "workload": wl, "size": size, "guests": guests,
            "exits_per_packet": round(statistics.median(per), 4),
            "exits_per_packet_min": round(min(per), 4),
            "exits_per_packet_max": round(max(per), 4),
            "kick_exits_per_packet": round(statistics.median(kicks), 4),
            "irq_exits_per_packet": round(statistics.median(irqs), 4),
            "packets_sent": int(statistics.median(r["packets_sent"]
                                                  for r in runs)),
            "packets_received": int(statistics.median(r["packets_received"]
                                                      for r in runs)),
            "exits_by_reason": dict(sorted(by_reason.items(),
                                           key=lambda x: -x[1])),
            "msr_exits_by_msr": dict(sorted(by_msr.items(),
                                            key=lambda x: -x[1])),
            "seconds_median": round(statistics.median(
                r["seconds"] or 0 for r in runs), 1),
            "repeats": len(runs),
            "per_repeat": [{"exits_per_packet": round(p, 4),
                            "packets_sent": r["packets_sent"],
                            "packets_received": r["packets_received"],
                            "exits": r["exits"]}
                           for p, r in zip(per, runs)],
            "unit": "exits per transaction" if wl == "rr" else
                    "exits per received packet",
        })
    return records


def write_json(records, out):
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out + ".tmp", "w") as f:
        json.dump(records, f, indent=1)
        f.write("\n")
    os.replace(out + ".tmp", out)


def print_table(records):
    cols = ["npf", "intr", "vintr", "hlt", "msr"]
    head = ("%-15s %-3s %5s %2s %20s %6s %6s %6s %6s %6s %6s %6s %8s %8s" %
            ("mode", "wl", "size", "N", "exits/pkt [min-max]", "kick", "npf",
             "intr", "vintr", "hlt", "msr", "other", "sent", "received"))
    print(head)
    print("-" * len(head))
    for r in records:
        br = r["exits_by_reason"]
        other = sum(v for k, v in br.items() if k not in cols)
        print("%-15s %-3s %5d %2d %6.3f [%.3f-%.3f] %6.3f %6.3f %6.3f %6.3f "
              "%6.3f %6.3f %6.3f %8d %8d" % (
                  r["mode"], r["workload"], r["size"], r["guests"],
                  r["exits_per_packet"], r["exits_per_packet_min"],
                  r["exits_per_packet_max"], r["kick_exits_per_packet"],
                  br.get("npf", 0),
                  br.get("intr", 0), br.get("vintr", 0), br.get("hlt", 0),
                  br.get("msr", 0), other, r["packets_sent"],
                  r["packets_received"]))
    print("exits/pkt: median over repeats of exits in L1 divided by packets "
          "received (rr: by completed transactions); per-reason columns are "
          "medians too; kick = virtio-pci notify writes (part of npf, "
          "nested page faults), intr/vintr = interrupt exits; "
          "sent/received: medians, all guests together.")


def main():
    guests = [int(g) for g in os.environ.get("IOACCEL_BENCH_GUESTS",
                                             "1 2 4").split()]
    repeats = testbed.env_int("IOACCEL_BENCH_REPEATS", 3)
    packets = testbed.env_int("IOACCEL_BENCH_PACKETS", 10000)
    transactions = testbed.env_int("IOACCEL_BENCH_TRANSACTIONS", 1000)
    out = os.environ.get("IOACCEL_BENCH_OUT",
                         os.path.join(testbed.TOP, "build", "bench",
                                      "exits.json"))
    start = time.time()
    try:
        images = testbed.prepare()
    except testbed.TestbedError as e:
        print("bench-exits: " + str(e), file=sys.stderr)
        return 1
    testbed.svm_exit_names(images.kernel)
    results, failed = [], []
    for n in guests:
        plan = plan_for(n, repeats, packets, transactions)
        # Bounded: generous for 2 busy cores (4 guests boot in about 3
        # minutes, a repeat of the five workloads in both modes takes about
        # 2); a run past it is killed and what it measured is kept.
        timeout = 600 + 150 * repeats
        run = testbed.run_l1_bench(images, "bench-n%d" % n, plan, timeout)
        got = 0
        for c in run.find("case"):
            r = testbed.case_result(run, c["case"])
            if r and r["complete"] and "after" in {
                    x["when"] for x in run.find("reason", case=c["case"])}:
                results.append(r)
                got += 1
            else:
                failed.append(c["case"])
        if not run.completed():
            print("bench-exits: the L1 run for N=%d did not finish (%d cases "
                  "measured); logs: %s" % (n, got, run.logs()),
                  file=sys.stderr)
    records = summarize(results)
    write_json(records, out)
    print("Exits per packet in L1, vhost-net, 1-vCPU L2 guests, kernel %s "
          "(%d repeats; per repeat %d packets, %d transactions, split over "
          "the N guests)" % (
              images.kernel.release, repeats, packets, transactions))
    print_table(records)
    print("written: %s (%.0f s)" % (out, time.time() - start))
    if failed:
        print("bench-exits: cases without a complete result: %s" %
              " ".join(failed), file=sys.stderr)
    return 0 if records and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
