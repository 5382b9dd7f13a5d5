#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Data-driven checks of schemas/examples (TAP, one test per check):
#  - each example domain is valid for `ioaccelctl validate` and, as a whole
#    domain, for libvirt's own `virt-xml-validate FILE domain`;
#  - each invalid/NAME.xml fails `ioaccelctl validate` with exit status 1 and
#    exactly the message in invalid/NAME.err on stderr (@FILE@ there stands
#    for the file's path).
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-$srcdir}
ctl=$builddir/libvirt-driver/ioaccelctl/ioaccelctl
examples=$srcdir/schemas/examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

valid=$(ls "$examples"/*.xml)
invalid=$(ls "$examples"/invalid/*.xml)
n=0
for f in $valid; do n=$((n + 3)); done
for f in $invalid; do n=$((n + 1)); done
echo "1..$((n + 2))"

i=0
have_libvirt=$(command -v virt-xml-validate || true)
for f in $valid; do
	name=${f#"$srcdir"/}
	i=$((i + 1))
	if "$ctl" validate "$f" >"$tmp/out" 2>"$tmp/err"; then
		echo "ok $i - ioaccelctl validate $name"
	else
		echo "not ok $i - ioaccelctl validate $name"
		sed 's/^/# /' "$tmp/err"
	fi
	i=$((i + 1))
	if [ -z "$have_libvirt" ]; then
		echo "ok $i - virt-xml-validate $name # SKIP virt-xml-validate not found (install libvirt-clients)"
	elif virt-xml-validate "$f" domain >"$tmp/out" 2>&1; then
		echo "ok $i - virt-xml-validate $name domain"
	else
		echo "not ok $i - virt-xml-validate $name domain"
		sed 's/^/# /' "$tmp/out"
	fi
	# libvirt keeps the element: define it in libvirt's test driver (in
	# process, no daemon), read it back, and it asks for the same.
	i=$((i + 1))
	dom=$(sed -n 's/^ *<name>\(.*\)<\/name>.*/\1/p' "$f" | head -n 1)
	if ! command -v virsh >/dev/null; then
		echo "ok $i - libvirt round trip of $name # SKIP virsh not found (install libvirt-clients)"
	elif virsh -q -c test:///default "define $f; dumpxml $dom" >"$tmp/dump" 2>"$tmp/err" &&
		sed -n '/^<domain/,$p' "$tmp/dump" >"$tmp/dump.xml" &&
		"$ctl" validate "$f" | sed 's/ at line [0-9]* / /' >"$tmp/before" &&
		"$ctl" validate "$tmp/dump.xml" | sed 's/ at line [0-9]* / /' >"$tmp/after" &&
		cmp -s "$tmp/before" "$tmp/after"; then
		echo "ok $i - libvirt round trip of $name keeps the element"
	else
		echo "not ok $i - libvirt round trip of $name keeps the element"
		cat "$tmp/err" "$tmp/before" "$tmp/after" 2>/dev/null | sed 's/^/# /'
	fi
done

for f in $invalid; do
	name=${f#"$srcdir"/}
	i=$((i + 1))
	# @FILE@ in a message stands for the path the test passes.
	expected="ioaccelctl: $(sed "s|@FILE@|$f|g" "${f%.xml}.err")"
	"$ctl" validate "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	got=$(cat "$tmp/err")
	if [ $rc -eq 1 ] && [ "$got" = "$expected" ] && [ ! -s "$tmp/out" ]; then
		echo "ok $i - $name is rejected with its message"
	else
		echo "not ok $i - $name is rejected with its message"
		echo "# exit status: $rc (expected 1)"
		echo "# expected: $expected"
		echo "# got:      $got"
	fi
done

# Standard input, as the hook gets the XML, and a missing file.
i=$((i + 1))
if "$ctl" validate - <"$examples/minimal.xml" >"$tmp/out" 2>"$tmp/err" &&
	grep -q "^domain 'ioaccel-minimal': accel element at line 6 is valid: policy=preferred; vhost worker=shared polling=on numa=auto" "$tmp/out"; then
	echo "ok $i - ioaccelctl validate - reads standard input"
else
	echo "not ok $i - ioaccelctl validate - reads standard input"
	sed 's/^/# /' "$tmp/out" "$tmp/err"
fi
i=$((i + 1))
"$ctl" validate "$tmp/missing.xml" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && [ "$(cat "$tmp/err")" = "ioaccelctl: cannot open domain XML '$tmp/missing.xml': No such file or directory." ]; then
	echo "ok $i - ioaccelctl validate names a missing file"
else
	echo "not ok $i - ioaccelctl validate names a missing file (exit $rc)"
	sed 's/^/# /' "$tmp/err"
fi
