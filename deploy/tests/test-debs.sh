#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# make debs builds ioaccel and ioaccel-dkms (and the guests' packages,
# ioaccel-guest-agent and ioaccel-guest-dkms) with Debian's tools; lintian
# finds no error in them; they install, upgrade and purge cleanly in a Debian
# 12 chroot (dependencies from Debian's archive, package scripts run, no
# daemon started).  The upgrade goes to a copy of the same packages with a
# higher version, so every maintainer script runs its upgrade path.  TAP.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
debs=$top_builddir/build/debs
base=${IOACCEL_TESTBED_DIR:-$top_srcdir/build/testbed}
logdir=$base/logs
debcache=${IOACCEL_DEBOOTSTRAP_CACHE:-/var/cache/ioaccel/debootstrap}
mirror=http://deb.debian.org/debian
mkdir -p "$logdir" "$debcache"

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
bail() { echo "Bail out! $1"; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (debootstrap, chroot)"
	exit 0
fi
echo "1..8"
# make debs rebuilds build/debs: one user at a time (see test-deploy-l1.sh).
mkdir -p "$top_builddir/build"
exec 8>"$top_builddir/build/debs.lock"
flock 8
log=$logdir/debs-build.log
if ${MAKE:-make} -C "$top_builddir" -s debs >"$log" 2>&1 &&
	tools=$(ls "$debs"/ioaccel_*_amd64.deb) && dkms=$(ls "$debs"/ioaccel-dkms_*_all.deb); then
	ok "make debs builds ioaccel and ioaccel-dkms"
else
	not_ok "make debs builds ioaccel and ioaccel-dkms"
	tail -n 30 "$log" | sed 's/^/# /'
	bail "no packages; see $log"
fi

# Errors fail; warnings and notes are shown.
if out=$(lintian --fail-on error --tag-display-limit 0 "$debs"/ioaccel_*_amd64.changes 2>&1); then
	ok "lintian finds no error"
else
	not_ok "lintian finds no error"
fi
printf '%s\n' "$out" | grep -v '^$' | sed 's/^/# /'

# holds WHAT DEB... -- FILE...: one TAP point, the packages have every file.
holds() {
	what=$1
	shift
	contents=
	while [ "$1" != -- ]; do
		contents="$contents$(dpkg-deb -c "$1")
"
		shift
	done
	shift
	missing=
	for f in "$@"; do
		printf '%s\n' "$contents" | grep -qF " $f" || missing="$missing $f"
	done
	if [ -z "$missing" ]; then
		ok "$what"
	else
		not_ok "$what"
		echo "# missing:$missing"
	fi
}

holds "the packages hold the hook, ioaccelctl, schema, man page, example and the module sources" \
	"$tools" "$dkms" -- \
	./usr/sbin/ioaccelctl ./usr/libexec/ioaccel/ioaccel-hook \
	'./etc/libvirt/hooks/qemu.d/ioaccel -> /usr/libexec/ioaccel/ioaccel-hook' \
	./usr/share/ioaccel/schemas/accel.rng ./usr/share/man/man5/ioaccel-accel.5.gz \
	./usr/share/doc/ioaccel/examples/ioaccel.conf.example \
	./usr/src/ioaccel-0.1.0/dkms.conf ./usr/src/ioaccel-0.1.0/drivers/vhost/net.c \
	./usr/src/ioaccel-0.1.0/arch/x86/kvm/svm/svm.c ./usr/src/ioaccel-0.1.0/virt/kvm/kvm_main.c
# The guests' packages: the agent with its unit, the module for DKMS.
holds "the guests' packages hold the agent, its systemd unit and the guest module's DKMS source" \
	"$debs"/ioaccel-guest-agent_*_amd64.deb "$debs"/ioaccel-guest-dkms_*_all.deb -- \
	./usr/sbin/ioaccel-guest-agent ./lib/systemd/system/ioaccel-guest-agent.service \
	./usr/src/ioaccel-guest-0.1.0/dkms.conf ./usr/src/ioaccel-guest-0.1.0/ioaccel_guest.c \
	./usr/src/ioaccel-guest-0.1.0/Kbuild

# A Debian 12 chroot (minbase), cached as a tarball.
chroot_tar=$base/debs-chroot/base.tar
if [ ! -f "$chroot_tar" ]; then
	mkdir -p "$base/debs-chroot"
	tmp=$base/debs-chroot/base.tmp
	rm -rf "$tmp"
	debootstrap --variant=minbase --cache-dir="$debcache" bookworm "$tmp" "$mirror" \
		>"$logdir/debs-debootstrap.log" 2>&1 || bail "debootstrap failed; see $logdir/debs-debootstrap.log"
	printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' \
		"$mirror" "$mirror" >"$tmp/etc/apt/sources.list"
	tar -C "$tmp" -cf "$chroot_tar.part" . && mv "$chroot_tar.part" "$chroot_tar"
	rm -rf "$tmp"
fi
root=$(mktemp -d "${TMPDIR:-/tmp}/ioaccel-debs-chroot.XXXXXX")
cleanup() {
	umount "$root/var/cache/apt/archives" 2>/dev/null
	umount "$root/proc" 2>/dev/null
	rm -rf "$root"
}
trap cleanup EXIT INT TERM
tar -C "$root" -xf "$chroot_tar"
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
mount --bind "$debcache" "$root/var/cache/apt/archives"
mkdir -p "$root/debs/1" "$root/debs/2"
cp "$tools" "$dkms" "$root/debs/1/"
in_root() { chroot "$root" sh -ec "$1" >>"$logdir/debs-chroot.log" 2>&1; }
: >"$logdir/debs-chroot.log"
apt_install='DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends'

# The upgrade: the same packages, version +upgrade1.
for deb in "$tools" "$dkms"; do
	x=$root/debs/x
	rm -rf "$x"
	dpkg-deb -R "$deb" "$x"
	sed -i 's/^Version: \(.*\)$/Version: \1+upgrade1/' "$x/DEBIAN/control"
	dpkg-deb -b "$x" "$root/debs/2/" >/dev/null
	rm -rf "$x"
done
# dkms status of the module, as a line (empty when DKMS does not know it).
dkms_state='dkms status -m ioaccel 2>/dev/null'
if in_root "apt-get update -q && $apt_install /debs/1/*.deb &&
	ioaccelctl version && test -x /etc/libvirt/hooks/qemu.d/ioaccel &&
	$dkms_state | grep -q '^ioaccel/0.1.0: added' && test -f /usr/src/ioaccel-0.1.0/dkms.conf"; then
	ok "both packages install with their dependencies; DKMS has the module added"
else
	not_ok "both packages install with their dependencies; DKMS has the module added"
	tail -n 20 "$logdir/debs-chroot.log" | sed 's/^/# /'
fi
if in_root "$apt_install /debs/2/*.deb &&
	dpkg-query -W -f '\${Version}\n' ioaccel ioaccel-dkms | grep -c '+upgrade1\$' | grep -qx 2 &&
	$dkms_state | grep -q '^ioaccel/0.1.0: added' && ioaccelctl version"; then
	ok "both packages upgrade; DKMS still has the module"
else
	not_ok "both packages upgrade; DKMS still has the module"
	tail -n 20 "$logdir/debs-chroot.log" | sed 's/^/# /'
fi
if in_root "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q ioaccel ioaccel-dkms &&
	test -z \"\$($dkms_state)\" && ! test -e /usr/src/ioaccel-0.1.0 && ! test -e /var/lib/dkms/ioaccel &&
	! test -L /etc/libvirt/hooks/qemu.d/ioaccel && ! test -e /usr/sbin/ioaccelctl &&
	test -z \"\$(dpkg -l | awk '\$2 ~ /^ioaccel/')\""; then
	ok "both packages purge and leave nothing behind"
else
	not_ok "both packages purge and leave nothing behind"
	tail -n 20 "$logdir/debs-chroot.log" | sed 's/^/# /'
fi
if in_root "$apt_install /debs/1/*.deb && DEBIAN_FRONTEND=noninteractive apt-get purge -y -q ioaccel ioaccel-dkms"; then
	ok "they install again after a purge and purge again"
else
	not_ok "they install again after a purge and purge again"
	tail -n 20 "$logdir/debs-chroot.log" | sed 's/^/# /'
fi
exit 0
