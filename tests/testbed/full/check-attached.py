#!/usr/bin/python3
# Run in the full L1: the domain named in argv[1] holds a started
# reservation on I/O core argv[2], applied through the kernel's control
# interface, and the shared worker on that core serves its vhost queues;
# the exitless delivery, EOI and PV posted interrupts its element asks for are
# granted to its KVM VM.
import glob, json, os, subprocess, sys

dom, core = sys.argv[1], int(sys.argv[2])
st = json.loads(subprocess.run(["ioaccelctl", "status", "--json"], check=True,
                               capture_output=True, text=True).stdout)
print(json.dumps(st, indent=1))
assert st["kernel"]["present"], "kernel control interface not present"
res = [r for r in st["reservations"] if r["domain"] == dom]
assert len(res) == 1, f"expected one reservation for {dom}, got {len(res)}"
r = res[0]
assert r["stage"] == "started" and r["core"] == core, r
assert not r["stale"], r
workers = "/sys/kernel/ioaccel/workers"
names = os.listdir(workers)
print("workers:", names)
assert f"cpu{core}" in names, f"no shared worker on cpu{core}"
queues = os.listdir("/sys/kernel/ioaccel/queues")
pid = str(r["qemu_pid"])
mine = [q for q in queues if q.split("-")[0] == pid]
print("queues of QEMU", pid, ":", mine)
assert mine, "no vhost queue of the domain's QEMU is attached"
items = {i["name"]: i["state"] for i in r.get("items", [])}
print("items:", items)
for name in ("exitless-delivery", "exitless-eoi", "posted", "device-sched"):
    assert items.get(name) == "applied", f"{name} not applied: {items}"
grants = [open(g).read().strip() for g in
          glob.glob(f"/sys/kernel/debug/kvm/{pid}-*/ioaccel_granted")]
print("KVM grants of QEMU", pid, ":", grants)
assert grants and all(int(g, 16) == 0x7 for g in grants), \
    f"the VM is not granted delivery, EOI and posted (0x7): {grants}"
# ioaccelctl status shows the same (the guest, without the agent, enables
# nothing; no hardware posts: L1 has no AVIC).
assert r.get("kvm", {}).get("present") and r["kvm"]["granted"] == 0x7 and \
    r["kvm"]["enabled"] == [0] and r["kvm"]["posting"] == 0, r.get("kvm")
# and KVM's exitless statistics of the VM: nothing enabled, nothing counted.
stats = r["kvm"].get("stats", {})
assert sorted(stats) == sorted(("eli_entries", "eli_delivered", "eli_bounced",
                                "eli_kicks", "eli_fallbacks",
                                "eoi_passthrough", "posted")) and \
    not any(stats.values()), f"KVM statistics: {stats}"
