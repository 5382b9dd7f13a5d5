#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The kernel patch series (kernel/patches/series) against the Debian
# linux-source-6.12 that the testbed uses (tests/testbed/fetch-kernel):
# every patch applies, in order, to the files it touches, and
# scripts/checkpatch.pl --strict of that same source finds nothing in it;
# nor in the guest module's sources (guest-agent/module).
# TAP, two points per patch and one for the guest module.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
patches=${IOACCEL_PATCHES_DIR:-$top_srcdir/kernel/patches}

list=$(sed -e 's/#.*//' "$patches/series" | awk 'NF { print $1 }')
count=$(printf '%s\n' "$list" | grep -c .)
echo "1..$((2 * count + 2))"

if ! env=$("$top_srcdir/tests/testbed/fetch-kernel" --quiet); then
	echo "not ok 1 - the Debian kernel source is fetched (tests/testbed/fetch-kernel)"
	echo "Bail out! no kernel source"
	exit 1
fi
eval "$env"
work=$(mktemp -d "${TMPDIR:-/tmp}/ioaccel-series.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# The files the series touches (new ones are not in the tarball) and
# checkpatch with the data files it reads.
files=$(cd "$patches" && sed -n 's|^--- a/\([^	 ]*\).*|\1|p; s|^+++ b/\([^	 ]*\).*|\1|p' $list | sort -u)
top=$(tar -tJf "$IOACCEL_KERNEL_SOURCE" | head -n 1 | cut -d/ -f1)
for f in $files scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch; do
	echo "$top/$f"
done >"$work/members"
mkdir "$work/src"
tar -xJf "$IOACCEL_KERNEL_SOURCE" -C "$work/src" --strip-components=1 \
	-T "$work/members" 2>/dev/null
if [ -f "$work/src/scripts/checkpatch.pl" ]; then
	echo "ok 1 - linux-source-6.12 $IOACCEL_KERNEL_DEBVER has checkpatch.pl and the files of the series"
else
	echo "not ok 1 - linux-source-6.12 $IOACCEL_KERNEL_DEBVER has checkpatch.pl and the files of the series"
	echo "Bail out! no scripts/checkpatch.pl in $IOACCEL_KERNEL_SOURCE"
	exit 1
fi

n=1
failed=0
for p in $list; do
	n=$((n + 1))
	if out=$(patch -p1 -N -d "$work/src" <"$patches/$p" 2>&1); then
		echo "ok $n - $p applies"
	else
		echo "not ok $n - $p applies"
		printf '%s\n' "$out" | sed 's/^/# /'
		failed=1
	fi
	n=$((n + 1))
	# Outside any git tree: checkpatch would consult the enclosing one.
	if out=$(cd "$work" && perl src/scripts/checkpatch.pl --strict --no-tree \
		--no-summary --quiet "$patches/$p" 2>&1) && [ -z "$out" ]; then
		echo "ok $n - checkpatch.pl --strict is clean on $p"
	else
		echo "not ok $n - checkpatch.pl --strict is clean on $p"
		printf '%s\n' "$out" | head -n 40 | sed 's/^/# /'
		failed=1
	fi
done
n=$((n + 1))
if out=$(cd "$work" && perl src/scripts/checkpatch.pl --strict --no-tree \
	--no-summary --quiet -f "$top_srcdir"/guest-agent/module/*.[ch] 2>&1) && [ -z "$out" ]; then
	echo "ok $n - checkpatch.pl --strict is clean on guest-agent/module"
else
	echo "not ok $n - checkpatch.pl --strict is clean on guest-agent/module"
	printf '%s\n' "$out" | head -n 40 | sed 's/^/# /'
	failed=1
fi
exit $failed
