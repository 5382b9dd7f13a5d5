"""Host side of the fast L1 testbed: images, L1 runs, result parsing.

Used by check-testbed.py (make check) and bench-exits.py (make bench).

prepare() fetches the Debian kernel (fetch-kernel), builds the stock and
patched modules (kernel/build-modules), builds udpbench statically and makes
two initramfs images (cached under build/testbed/images/KEY/):

  L2: busybox, udpbench, l2/init, virtio_net and its dependencies, the
      guest module and ioaccel-guest-agent (guest-agent/);
  L1: busybox, udpbench, l1/init, l1/lib.sh, QEMU from bookworm-backports
      with its libraries and firmware, the L2 kernel and initramfs, and the
      module sets /testbed/modules/{stock,patched}/ (each with its Debian
      dependencies and a load-order file).

run_l1() boots L1 under TCG (-cpu max,+x2apic, 4 vCPUs, 2 NUMA nodes) with a
plan (a shell fragment using l1/lib.sh) passed through fw_cfg, kills it after
a timeout, and returns the parsed "@@" result lines.  Logs of every run go to
build/testbed/logs/NAME-TIME/ (l1-console.log, results.log, l2-guestI.log).
"""

import hashlib
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
QEMU = "/usr/bin/qemu-system-x86_64"
BUSYBOX = "/bin/busybox"

# The modules L1 loads from each set, in load order after their Debian
# dependencies; unloaded in reverse.
BUILT_MODULES = ["vhost_iotlb", "vhost", "vhost_net", "kvm", "kvm-amd"]
# Debian modules L1 needs besides those: the tap device and fw_cfg (plans).
L1_DEBIAN_MODULES = ["tun", "tap", "qemu_fw_cfg"]
L2_DEBIAN_MODULES = ["virtio_net"]
# Firmware QEMU needs for an L2 guest (-nodefaults, romfile= on the NIC).
QEMU_DATA = [
    "/usr/share/seabios/bios-256k.bin",
    "/usr/share/qemu/kvmvapic.bin",
    "/usr/share/qemu/linuxboot_dma.bin",
    "/usr/share/qemu/linuxboot.bin",
]

# Names of the SVM exit codes, read from the kernel's uapi svm.h (see
# svm_exit_names()); these few are used when the header is not at hand.
SVM_EXIT_NAMES = {
    0x60: "intr", 0x64: "vintr", 0x72: "cpuid", 0x78: "hlt", 0x7b: "ioio",
    0x7c: "msr", 0x400: "npf",
}
NPF_REASON = 0x400      # NPF: MMIO (kicks among them) and guest memory
# A kick is the virtio-pci queue notify, a 16-bit MMIO write (vp_notify's
# iowrite16 of the queue index); the other MMIO writes of a running guest
# (MSI-X table, IOAPIC, HPET) are 32 or 64 bits wide.  Counted from the
# kvm_mmio histogram (lib.sh), not from NPF exits, which include the
# faults that map guest memory.
KICK_MMIO_LEN = 2
IRQ_REASONS = (0x60, 0x64)  # external interrupt, interrupt window


class TestbedError(Exception):
    """A step of the testbed failed; the message says which and where."""


class Tap:
    """TAP output of a testbed test; a failure prints where the logs are."""

    def __init__(self, plan):
        self.plan = plan
        self.n = 0
        self.failed = 0
        self.logs = ""
        print("1..%d" % plan, flush=True)

    def result(self, ok, desc, diag="", skip=None, todo=None):
        """@skip: why the point could not be checked (TAP SKIP).  @todo: the
        open defect a failure is (TAP TODO, counted as skipped, never as
        passed); a pass is a plain pass."""
        self.n += 1
        mark = " # SKIP " + skip if skip else ""
        if todo and not ok:
            mark = " # TODO " + todo
        print("%s %d - %s%s" % ("ok" if ok else "not ok", self.n, desc, mark))
        if not ok:
            if not todo:
                self.failed += 1
            for line in diag.splitlines():
                print("# " + line)
            if self.logs:
                print("# logs: " + self.logs)
        sys.stdout.flush()

    def plan_done(self, run, timeout):
        """The point every testbed test ends with: L1 ran its whole plan."""
        self.result(run.completed(),
                    "L1 finishes its plan within %d s (took %.0f s)" %
                    (timeout, run.seconds), "L1 " + run.ending())

    def skip_rest(self, why):
        while self.n < self.plan:
            self.n += 1
            print("not ok %d - %s" % (self.n, why))
            self.failed += 1


def log(msg):
    print("testbed: " + msg, file=sys.stderr, flush=True)


def testbed_dir():
    return os.environ.get("IOACCEL_TESTBED_DIR",
                          os.path.join(TOP, "build", "testbed"))


def _run(cmd, what, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, **kw)
    if p.returncode != 0:
        raise TestbedError("%s failed (exit %d): %s" %
                           (what, p.returncode, p.stderr.strip()[-2000:]))
    return p.stdout


def _shell_env(text):
    env = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("export"):
            k, v = line.split("=", 1)
            env[k] = shlex.split(v)[0] if v else ""
    return env


def _hash_files(h, paths):
    for p in paths:
        h.update(p.encode())
        if os.path.isdir(p):
            for root, dirs, files in sorted(os.walk(p)):
                dirs.sort()
                for f in sorted(files):
                    _hash_files(h, [os.path.join(root, f)])
        elif os.path.exists(p):
            with open(p, "rb") as f:
                h.update(hashlib.sha256(f.read()).digest())


class Kernel:
    """The fetched kernel and the built module sets."""

    def __init__(self):
        self.env = _shell_env(_run([os.path.join(HERE, "fetch-kernel")],
                                   "tests/testbed/fetch-kernel"))
        self.release = self.env["IOACCEL_KERNEL_RELEASE"]
        self.vmlinuz = self.env["IOACCEL_VMLINUZ"]
        self.modules_dir = self.env["IOACCEL_MODULES_DIR"]
        self.sets = {}
        for name, args in (("stock", ["--stock"]), ("patched", [])):
            out = _run([os.path.join(TOP, "kernel", "build-modules")] + args,
                       "kernel/build-modules " + " ".join(args))
            self.sets[name] = _shell_env(out)["IOACCEL_MODULES_BUILT"]
        self._deps = None

    def _debian_deps(self):
        """modules.dep of the Debian tree: name -> (path, [dep names])."""
        if self._deps is None:
            self._deps = {}
            with open(os.path.join(self.modules_dir, "modules.dep")) as f:
                for line in f:
                    path, deps = line.split(":", 1)
                    self._deps[_modname(path)] = (
                        path, [_modname(d) for d in deps.split()])
        return self._deps

    def debian_closure(self, names, exclude=()):
        """Debian module paths for names and their dependencies, deps first,
        leaving out the modules in exclude (provided by a built set)."""
        deps = self._debian_deps()
        order, seen = [], set()

        def visit(n):
            n = n.replace("-", "_")
            if n in seen or n in exclude:
                return
            seen.add(n)
            if n not in deps:
                raise TestbedError("module %s is not in %s" %
                                   (n, self.modules_dir))
            # modules.dep lists all dependencies, deepest last.
            for d in reversed(deps[n][1]):
                visit(d)
            order.append((n, deps[n][0]))

        for n in names:
            visit(n)
        return order

    def built_depends(self, set_name, mod):
        out = _run(["modinfo", "-F", "depends",
                    os.path.join(self.sets[set_name], mod + ".ko")],
                   "modinfo " + mod)
        return [d for d in out.strip().split(",") if d]


def _modname(path):
    base = os.path.basename(path)
    for ext in (".ko.xz", ".ko.zst", ".ko.gz", ".ko"):
        if base.endswith(ext):
            base = base[: -len(ext)]
    return base.replace("-", "_")


def _copy_module(src, dst_dir):
    """Copy a module into dst_dir uncompressed (busybox insmod wants .ko)."""
    name = os.path.basename(src)
    if name.endswith(".ko.xz"):
        dst = os.path.join(dst_dir, name[:-3])
        with open(dst, "wb") as out:
            subprocess.run(["xz", "-dc", src], stdout=out, check=True)
    else:
        dst = os.path.join(dst_dir, name)
        shutil.copyfile(src, dst)
    return os.path.basename(dst)


def _write_cpio(src_dir, dst):
    tmp = dst + ".tmp"
    with open(tmp, "wb") as out:
        files = subprocess.run(["find", ".", "-mindepth", "1"], cwd=src_dir,
                               stdout=subprocess.PIPE, check=True).stdout
        subprocess.run(["cpio", "--quiet", "-o", "-H", "newc", "-R", "0:0"],
                       cwd=src_dir, input=files, stdout=out, check=True)
    os.replace(tmp, dst)


def _install_busybox(root):
    os.makedirs(os.path.join(root, "bin"), exist_ok=True)
    shutil.copy(BUSYBOX, os.path.join(root, "bin", "busybox"))
    os.symlink("busybox", os.path.join(root, "bin", "sh"))


def _copy_file(src, root):
    dst = os.path.join(root, src.lstrip("/"))
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copy2(src, dst)


def _install_files(root, files):
    """Copy files ({path under root: host path}) into the tree at root."""
    for dst, src in files.items():
        path = os.path.join(root, dst.lstrip("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        shutil.copy2(src, path)


def _qemu_files():
    """QEMU and every shared library it loads (ldd), with the loader."""
    files = [QEMU]
    out = _run(["ldd", QEMU], "ldd " + QEMU)
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts:
            p = parts[parts.index("=>") + 1]
            if p.startswith("/"):
                files.append(p)
        elif parts and parts[0].startswith("/"):
            files.append(parts[0])
    return files


class Images:
    """The L1 and L2 initramfs images, rebuilt when an input changes."""

    def __init__(self, kernel):
        self.kernel = kernel
        h = hashlib.sha256(b"images format 1")
        h.update(kernel.release.encode())
        _hash_files(h, [os.path.join(HERE, "guest"), os.path.join(HERE, "l1"),
                        os.path.join(HERE, "l2"), os.path.abspath(__file__),
                        os.path.join(TOP, "guest-agent"),
                        kernel.sets["stock"], kernel.sets["patched"]])
        st = os.stat(QEMU)
        h.update(("%s %d %d" % (QEMU, st.st_size, int(st.st_mtime))).encode())
        self.dir = os.path.join(testbed_dir(), "images", h.hexdigest()[:16])
        self.l1 = os.path.join(self.dir, "l1.cpio")
        if not os.path.exists(self.l1):
            self._build()

    def _build(self):
        log("building the L1 and L2 images in " + self.dir)
        os.makedirs(self.dir, exist_ok=True)
        work = tempfile.mkdtemp(prefix="images.", dir=self.dir)
        try:
            udpbench = os.path.join(work, "udpbench")
            _run(["gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror",
                  "-static", "-o", udpbench,
                  os.path.join(HERE, "guest", "udpbench.c")],
                 "building udpbench (gcc -static)")
            guest = self._build_guest_agent(work)
            l2 = os.path.join(work, "l2")
            self._build_l2(l2, udpbench, guest)
            _write_cpio(l2, os.path.join(work, "l2.cpio"))
            l1 = os.path.join(work, "l1")
            self._build_l1(l1, udpbench, os.path.join(work, "l2.cpio"))
            _write_cpio(l1, os.path.join(work, "l1.cpio"))
            os.replace(os.path.join(work, "l1.cpio"), self.l1)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _build_guest_agent(self, work):
        """guest-agent/: the module against the kernel's headers (Kbuild, in
        a copy: the source tree stays clean) and the agent, static."""
        mod = os.path.join(work, "guest-module")
        shutil.copytree(os.path.join(TOP, "guest-agent", "module"), mod)
        _run(["make", "-C", self.kernel.env["IOACCEL_HEADERS_DIR"], "M=" + mod,
              "modules"], "building guest-agent/module (Kbuild)")
        agent = os.path.join(work, "ioaccel-guest-agent")
        _run(["gcc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-Wall", "-Wextra",
              "-Werror", "-static", "-o", agent,
              os.path.join(TOP, "guest-agent", "agent", "ioaccel-guest-agent.c")],
             "building ioaccel-guest-agent (gcc -static)")
        return {"/guest/ioaccel_guest.ko": os.path.join(mod, "ioaccel_guest.ko"),
                "/bin/ioaccel-guest-agent": agent}

    def _build_l2(self, root, udpbench, guest):
        _install_busybox(root)
        shutil.copy(udpbench, os.path.join(root, "bin", "udpbench"))
        _install_files(root, guest)
        shutil.copy(os.path.join(HERE, "l2", "init"), os.path.join(root, "init"))
        os.chmod(os.path.join(root, "init"), 0o755)
        mdir = os.path.join(root, "modules")
        os.makedirs(mdir)
        order = [_copy_module(os.path.join(self.kernel.modules_dir, p), mdir)
                 for _, p in self.kernel.debian_closure(L2_DEBIAN_MODULES)]
        with open(os.path.join(mdir, "load-order"), "w") as f:
            f.write("\n".join(order) + "\n")

    def _build_l1(self, root, udpbench, l2_cpio):
        _install_busybox(root)
        shutil.copy(udpbench, os.path.join(root, "bin", "udpbench"))
        shutil.copy(os.path.join(HERE, "l1", "init"), os.path.join(root, "init"))
        os.chmod(os.path.join(root, "init"), 0o755)
        tdir = os.path.join(root, "testbed")
        os.makedirs(tdir)
        shutil.copy(os.path.join(HERE, "l1", "lib.sh"), tdir)
        for f in _qemu_files() + QEMU_DATA:
            _copy_file(f, root)
        os.makedirs(os.path.join(root, "l2"))
        shutil.copy(self.kernel.vmlinuz, os.path.join(root, "l2", "vmlinuz"))
        shutil.copy(l2_cpio, os.path.join(root, "l2", "initrd.cpio"))
        built = [m.replace("-", "_") for m in BUILT_MODULES]
        for name, src in self.kernel.sets.items():
            mdir = os.path.join(tdir, "modules", name)
            os.makedirs(mdir)
            # Debian dependencies of the built modules, and L1's own needs.
            need = list(L1_DEBIAN_MODULES)
            for m in BUILT_MODULES:
                need += self.kernel.built_depends(name, m)
            order = [_copy_module(os.path.join(self.kernel.modules_dir, p),
                                  mdir)
                     for _, p in self.kernel.debian_closure(need, built)]
            for m in BUILT_MODULES:
                shutil.copy(os.path.join(src, m + ".ko"), mdir)
                order.append(m + ".ko")
            with open(os.path.join(mdir, "load-order"), "w") as f:
                f.write("\n".join(order) + "\n")
            with open(os.path.join(mdir, "unload-order"), "w") as f:
                f.write("\n".join(reversed(built)) + "\n")


def prepare():
    """Fetch and build everything; return the Images."""
    return Images(Kernel())


class ExtendedImages:
    """Images whose L1 initramfs has a test's own files appended."""

    def __init__(self, kernel, l1):
        self.kernel = kernel
        self.l1 = l1


def extend_l1(images, name, files):
    """images with L1's initramfs extended by files ({path in L1: host
    path}, in a second cpio appended to it; the kernel unpacks both),
    cached by content under build/testbed/NAME/HASH/l1.cpio."""
    h = hashlib.sha256(b"extend_l1 1")
    for dst in sorted(files):
        h.update(dst.encode())
        _hash_files(h, [files[dst]])
    _hash_files(h, [images.l1])
    d = os.path.join(testbed_dir(), name, h.hexdigest()[:16])
    out = os.path.join(d, "l1.cpio")
    if not os.path.exists(out):
        os.makedirs(d, exist_ok=True)
        work = tempfile.mkdtemp(prefix="extra.", dir=d)
        try:
            root = os.path.join(work, "root")
            _install_files(root, files)
            _write_cpio(root, os.path.join(work, "extra.cpio"))
            with open(os.path.join(work, "l1.cpio"), "wb") as f:
                for part in (images.l1, os.path.join(work, "extra.cpio")):
                    with open(part, "rb") as p:
                        shutil.copyfileobj(p, f)
            os.replace(os.path.join(work, "l1.cpio"), out)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return ExtendedImages(images.kernel, out)


def patched_qemu():
    """{path in L1: host path} of the QEMU `make qemu` built (stripped) and
    the libraries it needs beyond Debian's QEMU; {} when it is not built."""
    p = subprocess.run([os.path.join(TOP, "qemu", "build-qemu"),
                        "--cached"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    if p.returncode:
        return {}
    qemu = p.stdout.strip().split("=", 1)[1].strip("'")
    stripped = os.path.join(os.path.dirname(qemu), "qemu-system-x86_64.stripped")
    if (not os.path.exists(stripped) or
            os.path.getmtime(stripped) < os.path.getmtime(qemu)):
        _run(["strip", "-o", stripped, qemu], "strip " + qemu)
    files = {"/testbed/bin/qemu-ioaccel": stripped}
    for line in _run(["ldd", qemu], "ldd " + qemu).splitlines():
        parts = line.split()
        if "=>" in parts and parts[parts.index("=>") + 1].startswith("/"):
            lib = parts[parts.index("=>") + 1]
            files[lib] = lib
    return files


def build_ioaccel_ctl():
    """shared-worker/ioaccel-ctl.c with libvirt-driver/lib/control.c, static
    (cached by content): /dev/ioaccel from L1's plans.  Returns its path."""
    srcs = [os.path.join(HERE, "shared-worker", "ioaccel-ctl.c"),
            os.path.join(TOP, "libvirt-driver", "lib", "control.c"),
            os.path.join(TOP, "libvirt-driver", "lib", "control.h")]
    h = hashlib.sha256(b"ioaccel-ctl 1")
    _hash_files(h, srcs)
    d = os.path.join(testbed_dir(), "ioaccel-ctl", h.hexdigest()[:16])
    out = os.path.join(d, "ioaccel-ctl")
    if not os.path.exists(out):
        os.makedirs(d, exist_ok=True)
        _run(["gcc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-Wall", "-Wextra",
              "-Werror", "-static", "-I" + TOP,
              "-I" + os.path.join(TOP, "libvirt-driver", "lib"),
              "-o", out + ".tmp", srcs[0], srcs[1]],
             "building ioaccel-ctl (gcc -static)")
        os.replace(out + ".tmp", out)
    return out


# ---------------------------------------------------------------- L1 runs

L1_CPUS = 4
L1_MEM_MB = 3072
# An L1 that writes nothing (console, results) for this long is wedged:
# the longest quiet step of a plan is a guest boot (400 s at most).
L1_SILENT_S = int(os.environ.get("IOACCEL_L1_SILENT_S", "600"))


def l1_command(images, plan_file, console, results):
    half = L1_MEM_MB // 2
    logdir = os.path.dirname(console)
    # A triple fault ends L1 silently under -no-reboot; QEMU's reset log
    # says so next to the console log (its CPU dumps are of the resets at
    # boot: under -no-reboot the fault itself is not followed by one).
    debug = reset_log_path(logdir)
    monitor = []
    # A Unix socket's path has at most 107 bytes (sun_path).
    sock = monitor_path(logdir)
    if len(sock.encode()) < 108:
        monitor = ["-monitor", "unix:%s,server=on,wait=off" % sock]
    return [
        QEMU, "-accel", "tcg,thread=multi", "-cpu", "max,+x2apic",
        # Linux runs the local APIC in x2APIC mode only with interrupt
        # remapping (or a hypervisor it knows): exitless EOI (0012) passes
        # the guest's x2APIC EOI write to L1's APIC, so L1 needs one.
        "-machine", "q35", "-device", "intel-iommu,intremap=on,eim=on",
        "-smp", str(L1_CPUS), "-m", str(L1_MEM_MB),
        "-object", "memory-backend-ram,id=mem0,size=%dM" % half,
        "-object", "memory-backend-ram,id=mem1,size=%dM" % half,
        "-numa", "node,nodeid=0,cpus=0-%d,memdev=mem0" % (L1_CPUS // 2 - 1),
        "-numa", "node,nodeid=1,cpus=%d-%d,memdev=mem1" % (L1_CPUS // 2,
                                                         L1_CPUS - 1),
        "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
        "-kernel", images.kernel.vmlinuz, "-initrd", images.l1,
        # loglevel=5: a WARN (KERN_WARNING) reaches the console log too,
        # also when L1 dies before its dmesg can be read.
        "-append", " ".join(["console=ttyS0 panic=-1 loglevel=5 nokaslr"] +
                            os.environ.get("IOACCEL_L1_APPEND", "").split()),
        "-serial", "file:" + console, "-serial", "file:" + results,
        "-fw_cfg", "name=opt/ioaccel/plan,file=" + plan_file,
        "-d", "cpu_reset", "-D", debug,
    ] + monitor


def monitor_path(logdir):
    return os.path.join(logdir, "monitor.sock")


def reset_log_path(logdir):
    return os.path.join(logdir, "l1-qemu-reset.log")


def monitor(logdir, commands, pause, what):
    """Send @commands to L1's QEMU monitor, each followed by up to @pause s
    of its answer; returns the answers (escape sequences, CRs and prompt
    lines removed), or None (logged, as @what) where it is unreachable."""
    out = []
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(pause)
            s.connect(monitor_path(logdir))
            for cmd in commands:
                s.sendall(cmd.encode() + b"\n")
                try:
                    while True:
                        data = s.recv(65536)
                        if not data:
                            break
                        out.append(data.decode(errors="replace"))
                except socket.timeout:
                    pass
    except OSError as e:
        log("no %s of the hung L1: %s" % (what, e))
        return None
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]|\r", "", "".join(out))
    return "\n".join(line for line in text.split("\n")
                     if not line.startswith("(qemu)"))


def cpu_snapshot(logdir):
    """Every L1 vCPU's registers and local APIC as QEMU sees them (halted?
    interrupts pending in the IRR?), into l1-cpus.txt: what a wedged L1,
    which answers neither interrupts nor NMIs, still shows."""
    text = monitor(logdir, ["cpu %d\ninfo registers\ninfo lapic" % c
                            for c in range(L1_CPUS)], 2, "CPU snapshot")
    if text is None:
        return None
    # One line per CPU first: halted?  interrupts enabled?  what waits?
    summary = ["CPU %d: HLT=%s RFL=%s IRR %s ISR %s" % (c, h, f, irr, isr)
               for c, (f, h, irr, isr) in enumerate(zip(
                   re.findall(r"RFL=(\w+)", text),
                   re.findall(r"HLT=(\d)", text),
                   re.findall(r"IRR\t *(.*)", text),
                   re.findall(r"ISR\t *(.*)", text)))]
    for line in summary:
        log("wedged L1: " + line)
    path = os.path.join(logdir, "l1-cpus.txt")
    with open(path, "w") as f:
        f.write("\n".join(summary + ["", text]))
    return path


def sysrq_dump(logdir):
    """Ask a hung L1 for its blocked tasks and every CPU's backtrace (magic
    SysRq keys through QEMU's monitor; L1's init enables them), so that the
    console log shows where it hangs before it is killed."""
    monitor(logdir, ["sendkey alt-sysrq-%s" % key for key in ("w", "l")], 5,
            "SysRq dump")


class Run:
    """The outcome of one L1 boot: parsed "@@" records and log paths."""

    def __init__(self, logdir, records, rc, timed_out, seconds, wedged=0):
        self.logdir = logdir
        self.records = records
        self.rc = rc
        self.timed_out = timed_out
        self.seconds = seconds
        self.wedged = wedged    # s without output when it was killed, or 0

    def find(self, word, **match):
        return [r for r in self.records if r["@"] == word and
                all(r.get(k) == v for k, v in match.items())]

    def completed(self):
        """L1 ran its whole plan within its timeout."""
        return bool(self.find("plan-done")) and not self.timed_out

    def crashed(self):
        """L1 stopped on its own before the end of its plan: a panic
        (panic=-1 ends it) or a triple fault."""
        return not self.find("plan-done") and not self.timed_out

    def panic_lines(self):
        """The console lines of L1's last words (panic, BUG, RIP), if any."""
        try:
            with open(os.path.join(self.logdir, "l1-console.log"),
                      errors="replace") as f:
                return [line.rstrip() for line in f if re.search(
                    r"Kernel panic|BUG:|RIP:|corrupted stack|Oops", line)]
        except OSError:
            return []

    def ending(self):
        """How L1 ended, for the diagnostics of a failed run."""
        if self.wedged:
            return ("killed after %d s without output (wedged; QEMU's view "
                    "of its CPUs: %s)" % (self.wedged, os.path.join(
                        self.logdir, "l1-cpus.txt")))
        if self.timed_out:
            return "killed after its timeout"
        if self.find("plan-done"):
            return "plan done, exit status %s" % self.rc
        why = "exit status %s" % self.rc
        reset = reset_log_path(self.logdir)
        try:
            with open(reset, errors="replace") as f:
                if "Triple fault" in f.read():
                    why = "a triple fault (QEMU's log: %s)" % reset
        except OSError:
            pass
        return "stopped before the end of its plan: " + why

    def logs(self):
        return " ".join(sorted(os.path.join(self.logdir, f)
                               for f in os.listdir(self.logdir)
                               if f.endswith(".log")))


def parse_record(line):
    words = line[3:].split(" ")
    rec = {"@": words[0]}
    for i, w in enumerate(words[1:], 1):
        if "=" not in w:
            continue
        k, v = w.split("=", 1)
        if k == "line":   # l2log: the rest of the line is the text
            rec[k] = " ".join([v] + words[i + 1:])
            break
        rec[k] = v
    return rec


def run_l1(images, name, plan, timeout):
    """Boot L1 with plan; kill it after timeout seconds.  Returns a Run.

    An L1 that dies before its init starts the plan (no "boot" record)
    has run none of the project's code: TCG's L1 sometimes fails its own
    boot (e.g. "Oops: int3" in a jump-label text_poke, an MTTCG defect).
    That boot is repeated once, and said on stdout."""
    run = boot_l1(images, name, plan, timeout)
    if run.crashed() and not run.find("boot"):
        print("# %s: L1 died during its own boot, before the plan (%s; %s),"
              " booting it again" % (name, "; ".join(run.panic_lines()[:2]) or
                                     run.ending(), run.logdir), flush=True)
        time.sleep(1)   # a new log directory: its name has the second
        run = boot_l1(images, name, plan, timeout)
    return run


def boot_l1(images, name, plan, timeout):
    """One boot of L1 with plan (run_l1 without its retry)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    logdir = os.path.join(testbed_dir(), "logs", "%s-%s" % (name, stamp))
    os.makedirs(logdir, exist_ok=True)
    plan_file = os.path.join(logdir, "plan.sh")
    with open(plan_file, "w") as f:
        f.write(plan)
    console = os.path.join(logdir, "l1-console.log")
    results = os.path.join(logdir, "results.log")
    cmd = l1_command(images, plan_file, console, results)
    with open(os.path.join(logdir, "qemu-cmdline.txt"), "w") as f:
        f.write(" ".join(shlex.quote(c) for c in cmd) + "\n")
    log("booting L1 '%s' (timeout %d s); logs in %s" % (name, timeout, logdir))
    start = time.time()
    with open(os.path.join(logdir, "l1-qemu.log"), "w") as qlog:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qlog,
                             stderr=subprocess.STDOUT)
        timed_out, wedged = False, 0
        size, since = -1, start
        while p.poll() is None:
            now = time.time()
            grown = sum(os.path.getsize(f) for f in (console, results)
                        if os.path.exists(f))
            if grown != size:
                size, since = grown, now
            if now - since > L1_SILENT_S:
                wedged = int(now - since)
                log("L1 '%s' wrote nothing for %d s: wedged" % (name, wedged))
                cpu_snapshot(logdir)
            if wedged or now - start > timeout:
                timed_out = True
                sysrq_dump(logdir)
                p.kill()
                break
            time.sleep(2)
        rc = p.wait()
    seconds = time.time() - start
    records, l2logs = [], {}
    with open(results, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line.startswith("@@ "):
                continue
            rec = parse_record(line)
            if rec["@"] == "l2log":
                l2logs.setdefault(rec.get("guest", "x"), []).append(
                    rec.get("line", ""))
            else:
                records.append(rec)
    for g, lines in l2logs.items():
        with open(os.path.join(logdir, "l2-guest%s.log" % g), "a") as f:
            f.write("\n".join(lines) + "\n")
    if timed_out and not wedged:
        log("L1 '%s' ran past %d s and was killed" % (name, timeout))
    log("L1 '%s' finished in %.0f s" % (name, seconds))
    return Run(logdir, records, rc, timed_out, seconds, wedged)


# ------------------------------------------------------------ measurements

def run_l1_bench(images, name, plan, timeout):
    """run_l1() for a benchmark: where L1 crashed (the known crash of
    test-shared-worker.py's L1_CRASH), its cases would be missing from the
    medians, so it boots once more, and says so on stdout."""
    run = run_l1(images, name, plan, timeout)
    if run.crashed() or run.wedged:
        print("# %s: L1 crashed (%s; %s), booting it again" %
              (name, run.ending(), run.logdir), flush=True)
        run = run_l1(images, name, plan, timeout)
        if run.crashed() or run.wedged:
            print("# %s: L1 crashed again (%s): its rows are incomplete" %
                  (name, run.ending()), flush=True)
    return run


def counters(run, case):
    """Exit counts of one case: (debugfs stats delta, per-reason delta)."""
    def delta(word, key, val):
        before, after = {}, {}
        for r in run.find(word, case=case):
            (before if r["when"] == "before" else after)[int(r[key])
                if key == "code" else r[key]] = int(r[val])
        return {k: after[k] - before.get(k, 0) for k in after
                if after[k] - before.get(k, 0)}
    return delta("stat", "name", "value"), delta("reason", "code", "count")


def hist_delta(run, case, word, fields):
    """What a two-key histogram (@word records: msr, mmio) counted in one
    case: {(int(field), ...): after - before}, the keys that grew."""
    out = {}
    for r in run.find(word, case=case):
        key = tuple(int(r[f], 0) for f in fields)
        sign = 1 if r["when"] == "after" else -1
        out[key] = out.get(key, 0) + sign * int(r["count"])
    return {k: v for k, v in out.items() if v > 0}


def case_result(run, case):
    """Packets and exits of one measured case, as a dict (None if absent)."""
    info = run.find("case", case=case)
    if not info:
        return None
    info = info[0]
    wl = info["workload"]
    sent = received = 0
    complete = True
    for r in run.find("res", case=case):
        if r.get("status") != "ok":
            complete = False
            continue
        if wl == "rr":
            sent += int(r.get("sent", 0))
            received += int(r.get("received", 0))
        elif "sent" in r:
            sent += int(r["sent"])
        elif "received" in r:
            received += int(r["received"])
    stats, reasons = counters(run, case)
    window = run.find("window", case=case)
    seconds = (float(window[0]["end"]) - float(window[0]["start"])
               if window else None)
    total = sum(reasons.values())
    mmio = hist_delta(run, case, "mmio", ("gpa", "len"))
    return {
        "case": case, "mode": info["mode"], "workload": wl,
        "size": int(info["size"]), "guests": int(info["guests"]),
        "packets_sent": sent, "packets_received": received,
        "complete": complete, "exits": total, "exits_by_reason": reasons,
        "kick_exits": sum(v for (gpa, ln), v in mmio.items()
                          if ln == KICK_MMIO_LEN),
        "npf_exits": reasons.get(NPF_REASON, 0),
        "mmio_writes": mmio,
        "irq_exits": sum(reasons.get(r, 0) for r in IRQ_REASONS),
        "debugfs": stats, "seconds": seconds,
        "msr_exits": hist_delta(run, case, "msr", ("ecx", "write")),
    }


MSR_NAMES = {0x6e0: "tsc_deadline", 0x80b: "x2apic_eoi", 0x830: "x2apic_icr",
             0x838: "x2apic_tmict", 0x3b: "tsc_adjust", 0x10: "tsc",
             0x4b564d00: "kvm_wall_clock", 0x4b564d01: "kvm_system_time",
             0x4b564d04: "kvm_pv_eoi"}


def msr_name(key):
    ecx, write = key
    return "%s_%s" % (MSR_NAMES.get(ecx, "0x%x" % ecx),
                      "write" if write else "read")


def svm_exit_names(kernel):
    """Exit code -> name (lower case, as in SVM_EXIT_HLT -> hlt) from the
    uapi asm/svm.h of the fetched headers."""
    import glob
    import re
    hdrs = glob.glob(os.path.join(os.path.dirname(kernel.env[
        "IOACCEL_HEADERS_DIR"]), "linux-headers-*-common", "arch", "x86",
        "include", "uapi", "asm", "svm.h"))
    if hdrs:
        with open(hdrs[0]) as f:
            for m in re.finditer(r"#define SVM_EXIT_(\w+)\s+(0x[0-9a-fA-F]+)\b",
                                 f.read()):
                SVM_EXIT_NAMES.setdefault(int(m.group(2), 16),
                                          m.group(1).lower())
    return SVM_EXIT_NAMES


def reason_name(code):
    return SVM_EXIT_NAMES.get(code, "0x%x" % code)


def l2_triple_faults(run):
    """One line per L2 triple fault of the run (L1's shutdown exits and
    the kernel function at the guest's RIP, l1/lib.sh), naming the guest
    whose QEMU had the vCPU thread and how that QEMU ended."""
    exits = {e["pid"]: e for e in run.find("l2exit")}
    threads = {t: r for r in run.find("l2threads")
               for t in r.get("tids", "").split(",") if t}
    # tb_stop_guests reads the cumulative histogram each time: the last
    # record of a fault has its count.
    faults = {(r["tid"], r["rip"], r["info1"]): r
              for r in run.find("shutdown")}
    out = []
    for r in faults.values():
        qemu = threads.get(r["tid"])
        owner = exits.get(qemu["pid"]) if qemu else None
        out.append("L2 triple fault (SVM shutdown exit) x%s: vCPU thread %s"
                   "%s, RIP %s (%s), info1 %s" % (
                       r["count"], r["tid"], " of guest %s (QEMU %s, exit "
                       "status %s)" % (owner["guest"], owner["pid"],
                                       owner["rc"]) if owner else "",
                       r["rip"], r.get("sym", "-"), r["info1"]))
    return out


def env_int(name, default):
    """An integer setting from the environment; empty or unset: @default."""
    v = os.environ.get(name, "")
    return int(v) if v.strip() else default


def vhost_param_lines():
    """Plan lines that set the vhost.ko parameters IOACCEL_BENCH_VHOST names
    ("poll_signal_delay_us=0 ..."), for a benchmark that measures a
    mechanism against its own absence, and record them."""
    lines = []
    for kv in os.environ.get("IOACCEL_BENCH_VHOST", "").split():
        name, _, value = kv.partition("=")
        lines.append("\techo %s >/sys/module/vhost/parameters/%s" %
                     (shlex.quote(value), shlex.quote(name)))
        lines.append("\ttb_emit \"vhostparam name=%s value=$(cat "
                     "/sys/module/vhost/parameters/%s)\"" %
                     (shlex.quote(name), shlex.quote(name)))
    return lines


def bench_cases(packets, transactions):
    """The workloads every exits benchmark measures: (workload, size, count)."""
    return [("tx", 64, packets), ("tx", 1500, packets), ("rx", 64, packets),
            ("rx", 1500, packets), ("rr", 64, transactions)]

