# Shared by the integration tests: TAP output, a private ioaccel setup
# (config, state directory) and the hook installed for libvirt.
# shellcheck shell=sh
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib/libvirtd.sh"

HOOK_BIN="$top_builddir/libvirt-driver/hook/ioaccel-hook"
IOACCELCTL="$top_builddir/libvirt-driver/ioaccelctl/ioaccelctl"
HOOK_DIR=/etc/libvirt/hooks/qemu.d
HOOK="$HOOK_DIR/ioaccel"
HOOK_MARK="# Installed by ioaccel's integration tests; removed when they end."
PREFIX=ioaccel-it

tap_n=0
tap_failed=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
# check DESCRIPTION COMMAND...: one test case from a command's exit status.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
done_testing() { echo "1..$tap_n"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
diag() { echo "$*" | sed 's/^/# /'; }

require_host() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (runs libvirtd and QEMU)"
	command -v libvirtd >/dev/null || skip_all "libvirtd is not installed"
	[ -x /usr/bin/qemu-system-x86_64 ] || skip_all "qemu-system-x86_64 is not installed"
	[ -x "$HOOK_BIN" ] || skip_all "$HOOK_BIN is not built"
	# One integration test at a time on this host (they share libvirtd and
	# the hook path), even across concurrent `make check` runs.
	exec 9>/run/ioaccel-integration.lock
	flock 9
}

# ioaccel_setup IO_CORES DEVICES_PER_WORKER: private config and state, and
# the hook installed as $HOOK: a wrapper that points the built hook at
# them (libvirt clears the environment of hooks).
ioaccel_setup() {
	T=$(mktemp -d /tmp/ioaccel-it.XXXXXX)
	export IOACCEL_CONF="$T/ioaccel.conf" IOACCEL_RUNDIR="$T/run"
	printf 'io-cores = %s\ndevices-per-worker = %s\n' "$1" "$2" >"$IOACCEL_CONF"
	created_hook_dir=
	[ -d "$HOOK_DIR" ] || created_hook_dir=yes
	# We hold the integration lock, so a wrapper of ours is a leftover of
	# a run that was killed before its teardown: replace it.  Anything
	# else is the operator's and stays.
	if [ -e "$HOOK" ] && ! grep -qxF "$HOOK_MARK" "$HOOK" 2>/dev/null; then
		echo "Bail out! $HOOK exists already and is not ioaccel's test hook; not overwriting it"
		exit 1
	fi
	mkdir -p "$HOOK_DIR"
	# Private copies: a rebuild of the tree during the run must not swap
	# the binaries under libvirt.
	cp "$HOOK_BIN" "$T/ioaccel-hook"
	cp "$IOACCELCTL" "$T/ioaccelctl"
	HOOK_BIN="$T/ioaccel-hook"
	IOACCELCTL="$T/ioaccelctl"
	install_hook_wrapper ""
	trap ioaccel_teardown EXIT
	trap 'exit 1' INT TERM
	# libvirtd notices new hook scripts only when it starts.  The daemons
	# must not inherit the test lock (fd 9).
	restart_libvirtd 9>&-
	remove_test_domains
}

# Domains of ours, including those a killed run left defined.
remove_test_domains() {
	for d in $($VIRSH list --all --name 2>/dev/null | grep "^$PREFIX-"); do
		$VIRSH destroy "$d" >/dev/null 2>&1
		$VIRSH undefine "$d" >/dev/null 2>&1
	done
}

# install_hook_wrapper EXTRA_SHELL_LINE
install_hook_wrapper() {
	{
		echo '#!/bin/sh'
		echo "$HOOK_MARK"
		echo "export IOACCEL_CONF='$IOACCEL_CONF' IOACCEL_RUNDIR='$IOACCEL_RUNDIR'"
		echo "echo \"\$1 \$2 \$3\" >>'$T/calls.log'"
		echo "$1"
		echo "exec '$HOOK_BIN' \"\$@\""
	} >"$HOOK.tmp"
	chmod 755 "$HOOK.tmp"
	mv "$HOOK.tmp" "$HOOK"
}

ioaccel_teardown() {
	remove_test_domains
	rm -f "$HOOK" "$HOOK.tmp"
	[ -n "$created_hook_dir" ] && rmdir "$HOOK_DIR" 2>/dev/null
	restart_libvirtd >/dev/null 2>&1 9>&-
	rm -rf "$T"
}

# Stop libvirtd, leaving its domains running; a loaded host can take
# longer than tests/lib/libvirtd.sh waits, so this waits up to 2 minutes.
libvirtd_stop() {
	pkill -x libvirtd || true
	i=0
	while pgrep -x libvirtd >/dev/null; do
		i=$((i + 1))
		[ $i -gt 1200 ] && { echo "libvirtd did not stop within 2 minutes" >&2; return 1; }
		sleep 0.1
	done
}

restart_libvirtd() {
	libvirtd_stop && libvirtd_start
}

# domain_xml NAME POLICY: the minimal accel element on a 64 MiB TCG domain.
domain_xml() {
	printf '%s\n' "<domain type='qemu'>" "  <name>$1</name>" \
		"  <memory unit='MiB'>64</memory>" "  <vcpu>1</vcpu>" "  <metadata>" \
		"    <accel:accel xmlns:accel=\"urn:ioaccel:domain:1\" policy=\"$2\">" \
		"      <accel:vhost worker=\"shared\" polling=\"on\"/>" \
		"    </accel:accel>" "  </metadata>" \
		"  <os><type arch='x86_64' machine='q35'>hvm</type></os>" \
		"  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>" \
		"</domain>"
}

# define_domain NAME POLICY
define_domain() {
	domain_xml "$1" "$2" >"$T/$1.xml"
	$VIRSH define "$T/$1.xml" >/dev/null
}

# status_py EXPR: evaluate a Python expression over `ioaccelctl status
# --json` (bound to s; r = reservations by domain) and print it.
status_py() {
	"$IOACCELCTL" status --json | python3 -c "
import json, sys
s = json.load(sys.stdin)
r = {x['domain']: x for x in s['reservations']}
print($1)"
}

running() { [ "$($VIRSH domstate "$1" 2>/dev/null)" = running ]; }

# eventually CMD...: CMD succeeds within 30 s.  libvirtd answers before its
# reconnect threads have run the hook for every domain.
eventually() {
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -gt 300 ] && return 1
		sleep 0.1
	done
}
