#!/usr/bin/python3
"""Shared I/O-core worker benchmark (issue 6), run by `make bench`.

For N = 1, 2, 4 L2 guests (one L1 boot per N, the patched modules loaded),
three modes are measured on the same guests, repeats interleaved:
  stock                net 0 of each guest, its own vhost worker (the
                       patched modules with nothing attached run the stock
                       code paths)
  stock-busypoll       net 1 (tap poll-us=50: upstream's bounded busy polling)
  ioaccel-shared-poll  net 0 after IOACCEL_IOC_ATTACH_VM of every guest to the
                       shared worker on L1's CPU 3 with polling on; one
                       worker for all of them (devices_per_worker=0: with
                       two NICs per guest the default, 4, would start a
                       second worker on the same CPU at N = 4); it sleeps
                       50 us between polling rounds after 50 us without
                       work (poll_idle_sleep_us, patch 0019): spinning
                       took a host core from the guests' vCPUs (N = 2,
                       4000 transactions: RR 0.66 of stock's rate spinning,
                       0.82 sleeping)
Threads are not pinned: with vCPUs on CPUs 0-2 and stock's vhost threads
on CPU 3 (2026-12-07), N = 4 put two vCPUs on one L1 CPU and every mode
fell to ~700 pkt/s, RR to 2-72 transactions/s.
Workloads (tests/testbed/l1/lib.sh tb_measure): tx and rx 64 B and 1500 B
floods, rr 64 B request/response.  Per case: exits per packet (median of
the repeats, with min-max), kick (NPF) and interrupt exits per packet,
context switches in L1 per 1000 packets (/proc/stat ctxt over the window)
and packets per second (packets over the window, TCG: compare within a
row only), both also as a ratio to stock's per-device threads.  Prints a table and writes build/bench/shared-worker.json.
At N = 2, fairness: guest 1's round trips alone and under guest 0's flood,
in the throughput class, in the latency class, and in the latency class
with guest 0's turns never ended early for it (sched_yield_to_latency=N).

Environment: IOACCEL_BENCH_GUESTS (default "1 2 4"), IOACCEL_BENCH_REPEATS
(default 3), IOACCEL_BENCH_PACKETS (all guests together, default 10000),
IOACCEL_BENCH_TRANSACTIONS (default 4000), IOACCEL_BENCH_OUT,
IOACCEL_BENCH_WORKLOADS (default "tx rx rr"), IOACCEL_BENCH_VHOST
(vhost.ko parameters for the run, "name=value ...").
"""

import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import testbed  # noqa: E402

SW = os.path.join(HERE, "shared-worker")
sys.path.insert(0, HERE)
MODES = ["stock", "stock-busypoll", "ioaccel-shared-poll"]
IO_CORE = 3
POLL_STOP_IDLE_US = 500000
POLL_IDLE_SLEEP_US = 50    # why: ioaccel-shared-poll above
# Guest 1's net 0 (tests/testbed/l1/lib.sh tb_start_guests).
GUEST1_MAC = "52:54:00:00:01:10"
FAIR_RR = 100
FAIR_FLOOD = 5000


def plan_for(n, repeats, packets, transactions, workloads):
    lines = [". /testbed/shared-worker.sh",
             "if tb_load_modules patched && tb_start_guests %d bench; then" % n]
    lines.append("\techo 0 >/sys/module/vhost/parameters/devices_per_worker")
    lines.append("\techo %d >/sys/module/vhost/parameters/poll_idle_sleep_us"
                 % POLL_IDLE_SLEEP_US)
    lines += testbed.vhost_param_lines()
    for mode in MODES:
        if mode == "ioaccel-shared-poll":
            lines.append("\tsw_attach_all %d shared on 0 %d" %
                         (IO_CORE, POLL_STOP_IDLE_US))
        lines.append("\tsw_measure warmup-%s-n%d tx 64 1000 %s" %
                     (mode, n, mode))
        if mode == "ioaccel-shared-poll":
            lines.append("\tsw_detach_all")
    for r in range(repeats):
        for mode in MODES:
            if mode == "ioaccel-shared-poll":
                lines.append("\tsw_attach_all %d shared on 0 %d" %
                             (IO_CORE, POLL_STOP_IDLE_US))
            for wl, size, count in testbed.bench_cases(max(1, packets // n),
                                         max(1, transactions // n)):
                if wl not in workloads:
                    continue
                lines.append("\tsw_measure %s-%s%d-n%d-r%d %s %d %d %s" % (
                    mode, wl, size, n, r, wl, size, count, mode))
            if mode == "ioaccel-shared-poll":
                lines.append("\tsw_kstats %s-n%d-r%d" % (mode, n, r))
                lines.append("\tsw_detach_all")
    if n == 2 and "rr" in workloads:
        # Fairness: guest 1's round trips alone and under guest 0's flood,
        # in the throughput class, then in the latency class, with and
        # without the early end of guest 0's turns (patch 0017).
        lines.append("\tsw_attach_all %d shared on 0 %d" %
                     (IO_CORE, POLL_STOP_IDLE_US))
        lines.append("\tsw_fairness throughput %d %d" % (FAIR_RR, FAIR_FLOOD))
        lines.append("\tsw_emit_ctl 1 sched $(sw_pid 1) %s 100 latency" %
                     GUEST1_MAC)
        lines.append("\tsw_fairness latency %d %d" % (FAIR_RR, FAIR_FLOOD))
        lines.append("\tsw_yields fair-latency 0")
        # The same with guest 0's turns never ended early (patch 0017 off).
        lines.append("\techo N >/sys/module/vhost/parameters/"
                     "sched_yield_to_latency")
        lines.append("\tsw_fairness latency-noyield %d %d" %
                     (FAIR_RR, FAIR_FLOOD))
        lines.append("\techo Y >/sys/module/vhost/parameters/"
                     "sched_yield_to_latency")
        lines.append("\tsw_detach_all")
    lines.append("fi")
    lines.append("tb_stop_guests")
    return "\n".join(lines) + "\n"


def ctxt(run, case):
    v = {r["when"]: int(r["value"]) for r in run.find("ctxt", case=case)}
    return v["after"] - v["before"] if len(v) == 2 else None


def window(run, case):
    w = run.find("window", case=case)
    if not w:
        return None
    return float(w[0]["end"]) - float(w[0]["start"])


def summarize(results):
    groups = {}
    for r in results:
        if r["case"].startswith("warmup"):
            continue
        key = (r["mode"], r["workload"], r["size"], r["guests"])
        groups.setdefault(key, []).append(r)
    out = []
    for key in sorted(groups, key=lambda k: (k[3], k[1], k[2],
                                             MODES.index(k[0]))):
        rs = [r for r in groups[key] if r["packets_received"]]
        if not rs:
            continue
        per = [r["exits"] / r["packets_received"] for r in rs]
        kick = [r["kick_exits"] / r["packets_received"] for r in rs]
        npf = [r["npf_exits"] / r["packets_received"] for r in rs]
        irq = [r["irq_exits"] / r["packets_received"] for r in rs]
        cs = [1000.0 * r["ctxt"] / r["packets_received"] for r in rs
              if r["ctxt"] is not None]
        pps = [r["packets_received"] / r["seconds"] for r in rs
               if r["seconds"]]
        eps = [r["exits"] / r["seconds"] for r in rs if r["seconds"]]
        reasons = {}
        for r in rs:
            for c, v in r["exits_by_reason"].items():
                reasons.setdefault(testbed.reason_name(c), []).append(
                    v / r["packets_received"])
        mode, wl, size, guests = key
        out.append({
            "mode": mode, "workload": wl, "size": size, "guests": guests,
            "exits_per_packet": statistics.median(per),
            "exits_per_packet_min": min(per), "exits_per_packet_max": max(per),
            "kick_exits_per_packet": statistics.median(kick),
            "npf_exits_per_packet": statistics.median(npf),
            "irq_exits_per_packet": statistics.median(irq),
            "ctxt_per_1000_packets": statistics.median(cs) if cs else None,
            "packets_per_second": statistics.median(pps) if pps else None,
            "exits_per_second": statistics.median(eps) if eps else None,
            "packets_sent": statistics.median(r["packets_sent"] for r in rs),
            "packets_received": statistics.median(
                r["packets_received"] for r in rs),
            "exits_by_reason": {k: statistics.median(v + [0] * (len(rs) - len(v)))
                                for k, v in reasons.items()},
            "repeats": len(rs),
        })
    return out


def ratio(a, b):
    return "%.2f" % (a / b) if a is not None and b else "-"


def print_table(records):
    """One row per case; pps and ctxt also as a ratio to the "stock" row
    of the same workload and N (the same cores, per-device threads).
    hlt and msr per packet, and all exits per second, because the guest's
    idle and timer exits scale with time, not with packets."""
    stock = {(r["workload"], r["size"], r["guests"]): r for r in records
             if r["mode"] == "stock"}
    print("%-20s %-3s %5s %2s %-22s %7s %7s %7s %7s %7s %8s %9s %9s %6s %6s" % (
        "mode", "wl", "size", "N", "exits/pkt [min-max]", "kicks", "npf",
        "irq", "hlt", "msr", "exits/s", "ctxt/1k", "pkt/s", "pps/st", "cs/st"))
    for r in records:
        st = stock.get((r["workload"], r["size"], r["guests"]), {})
        eps = r.get("exits_per_second")
        print("%-20s %-3s %5d %2d %6.3f [%.3f-%.3f]    %7.3f %7.3f %7.3f "
              "%7.3f %7.3f %8s %9s %9s %6s %6s" % (
                  r["mode"], r["workload"], r["size"], r["guests"],
                  r["exits_per_packet"], r["exits_per_packet_min"],
                  r["exits_per_packet_max"], r["kick_exits_per_packet"],
                  r["npf_exits_per_packet"], r["irq_exits_per_packet"],
                  r["exits_by_reason"].get("hlt", 0),
                  r["exits_by_reason"].get("msr", 0),
                  "%.0f" % eps if eps else "-",
                  "%.1f" % r["ctxt_per_1000_packets"]
                  if r["ctxt_per_1000_packets"] is not None else "-",
                  "%.0f" % r["packets_per_second"]
                  if r["packets_per_second"] else "-",
                  ratio(r["packets_per_second"],
                        st.get("packets_per_second")),
                  ratio(r["ctxt_per_1000_packets"],
                        st.get("ctxt_per_1000_packets"))))
    sys.stdout.flush()


def main():
    sys.path.insert(0, HERE)
    if len(sys.argv) == 3 and sys.argv[1] == "--table":
        # Print the table of an earlier run's JSON again.
        with open(sys.argv[2]) as f:
            print_table(json.load(f)["cases"])
        return 0
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "test_shared_worker", os.path.join(HERE, "test-shared-worker.py"))
    tsw = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tsw)

    guests = [int(x) for x in
              os.environ.get("IOACCEL_BENCH_GUESTS", "1 2 4").split()]
    repeats = testbed.env_int("IOACCEL_BENCH_REPEATS", 3)
    packets = testbed.env_int("IOACCEL_BENCH_PACKETS", 10000)
    transactions = testbed.env_int("IOACCEL_BENCH_TRANSACTIONS", 4000)
    workloads = os.environ.get("IOACCEL_BENCH_WORKLOADS", "tx rx rr").split()
    out = os.environ.get("IOACCEL_BENCH_OUT",
                         os.path.join(testbed.TOP, "build", "bench",
                                      "shared-worker.json"))
    img = tsw.l1_images(testbed.prepare())
    testbed.svm_exit_names(img.kernel)
    results = []
    fair = []
    flood = []
    yields = None
    signals = []
    for n in guests:
        plan = plan_for(n, repeats, packets, transactions, workloads)
        run = testbed.run_l1_bench(img, "bench-shared-worker-n%d" % n,
                                   plan, 900 + 400 * n * repeats)
        for c in sorted({r["case"] for r in run.find("case")}):
            r = testbed.case_result(run, c)
            if r is None:
                continue
            r["ctxt"] = ctxt(run, c)
            r["seconds"] = window(run, c)
            results.append(r)
        for f in run.find("fair"):
            rcv = int(f.get("received", 0))
            fair.append({"class": f["tag"], "phase": f["phase"],
                         "transactions": rcv,
                         "rtt_ms": float(f["ms"]) / rcv if rcv else None})
        for y in run.find("yields", tag="fair-latency"):
            yields = int(y["value"])
        for f in run.find("fairflood"):
            rcv, ms = int(f["received"]), int(f["ms"])
            flood.append({"class": f["tag"], "received": rcv,
                          "pps": rcv * 1000.0 / ms if ms else None})
        held = [tsw.tx_signals(run, "ioaccel-shared-poll-n%d-r%d" % (n, r))
                for r in range(repeats)]
        signals.append((n, sum(h[0] for h in held), sum(h[1] for h in held)))
        print("# N=%d: logs in %s" % (n, run.logdir), flush=True)
    records = summarize(results)
    print_table(records)
    idle = {f["class"]: f["rtt_ms"] for f in fair if f["phase"] == "idle"}
    for f in fair:
        print("# fairness (N=2, shared worker, polling): guest 1 %s class, "
              "%s: %s transactions, %s ms per round trip%s" % (
                  f["class"], "alone" if f["phase"] == "idle" else
                  "guest 0 flooding", f["transactions"],
                  "%.1f" % f["rtt_ms"] if f["rtt_ms"] else "-",
                  "" if f["phase"] == "idle" else
                  " (%s x alone)" % ratio(f["rtt_ms"], idle.get(f["class"]))))
    for f in flood:
        print("# fairness (N=2, shared worker, polling): guest 1 %s class, "
              "guest 0's flood meanwhile: %d of %d datagrams, %s pkt/s" % (
                  f["class"], f["received"], FAIR_FLOOD,
                  "%.0f" % f["pps"] if f["pps"] else "-"))
    for n, held, irqs in signals:
        print("# TX signal coalescing (0018), N=%d, ioaccel-shared-poll, all "
              "cases: %d used signals held back, %d interrupts sent for them "
              "(%s)" % (n, held, irqs, ratio(irqs, held)))
    if yields is not None:
        print("# fairness: guest 0 ended %d turns early for guest 1 (least "
              "work per turn, patch 0017)" % yields)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"cases": records, "fairness": fair, "flood": flood,
                   "yields": yields, "tx_signals": signals}, f, indent=1,
                  sort_keys=True)
    print("# wrote " + out)
    return 0 if records else 1


if __name__ == "__main__":
    sys.exit(main())
