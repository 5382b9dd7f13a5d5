# Start the system libvirtd and virtlogd if they are not running (no systemd
# on the build machines) and wait until virsh answers.  Sourced by the demo
# and the integration tests.
# shellcheck shell=sh

VIRSH="virsh -q -c qemu:///system"

libvirtd_running() {
	$VIRSH version >/dev/null 2>&1
}

# libvirtd_start: idempotent; returns non-zero with a message on failure.
libvirtd_start() {
	if libvirtd_running; then
		return 0
	fi
	pgrep -x virtlogd >/dev/null || virtlogd -d
	pgrep -x libvirtd >/dev/null || libvirtd -d
	i=0
	while ! libvirtd_running; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "libvirtd did not answer within 10 s; see /var/log/libvirt/" >&2
			return 1
		fi
		sleep 0.1
	done
}

# libvirtd_restart: stop and start libvirtd, leaving running domains alone
# (libvirt reconnects to them, which runs the hook's reconnect operation).
libvirtd_restart() {
	pkill -x libvirtd || true
	i=0
	while pgrep -x libvirtd >/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "libvirtd did not stop" >&2; return 1; }
		sleep 0.1
	done
	libvirtd_start
}
