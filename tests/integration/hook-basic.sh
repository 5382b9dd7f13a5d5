#!/bin/sh
# The hook under a real libvirtd and QEMU: the minimal element starts and
# stops cleanly, a bad element and an unsatisfiable required policy fail
# `virsh start` with the hook's one-line message, a domain without an accel
# element passes through, and the hook contract for reconnect and migrate.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/lib.sh"
require_host
ioaccel_setup 1 4

dom=$PREFIX-minimal
define_domain "$dom" preferred
check "virsh start with the minimal accel element" $VIRSH start "$dom"
check "the domain runs" running "$dom"
check "status: reserved a shared-worker slot on I/O core 1, stage started" \
	test "$(status_py "r['$dom']['core'], r['$dom']['stage'], r['$dom']['slots']")" = "1 started 1"
check "status: the QEMU pid from /run/libvirt/qemu/$dom.pid" \
	test "$(status_py "r['$dom']['qemu_pid']")" = "$(cat /run/libvirt/qemu/$dom.pid)"
check "status: attach not applied because the kernel modules are not loaded" \
	test "$(status_py "[i['state'] for i in r['$dom']['items'] if i['name'] == 'attach' and 'modules are not loaded' in i['detail']]")" = "['not-applied']"
"$IOACCELCTL" status | sed -n "/domain '$dom'/,\$p" | sed 's/^/# /'
check "virsh destroy" $VIRSH destroy "$dom"
check "destroy released the reservation" test "$(status_py "len(r)")" = 0
check "the hook ran prepare, start, started, stopped, release" \
	test "$(grep "^$dom " "$T/calls.log" | cut -d' ' -f2 | tr '\n' ' ')" = "prepare start started stopped release "
$VIRSH undefine "$dom" >/dev/null

dom=$PREFIX-bogus
domain_xml "$dom" preferred | sed 's/worker="shared"/worker="bogus"/' >"$T/$dom.xml"
$VIRSH define "$T/$dom.xml" >/dev/null
out=$($VIRSH start "$dom" 2>&1)
check "virsh start fails on worker='bogus'" test $? -ne 0
diag "$out"
check "virsh shows the hook's message: element, attribute, value, allowed, line" \
	sh -c "echo \"\$1\" | grep -q \"Hook script execution failed.*ioaccel: domain '$dom': .*<accel:vhost> at line 6: worker='bogus' is not valid; allowed: shared, dedicated, off.\"" - "$out"
check "the failed domain does not run" sh -c "! $VIRSH domstate $dom | grep -q running"
check "nothing reserved after the failed start" test "$(status_py "len(r)")" = 0
$VIRSH undefine "$dom" >/dev/null

dom=$PREFIX-required
define_domain "$dom" required
out=$($VIRSH start "$dom" 2>&1)
check "policy required fails the start when the kernel side is missing" test $? -ne 0
diag "$out"
check "the message says what, which domain and element, and what to do" \
	sh -c "echo \"\$1\" | grep -q \"ioaccel: domain '$dom': <accel:vhost worker='shared'> (accel element at line 5): .*kernel modules are not loaded.*policy is required; load the patched ioaccel modules.*or set policy='preferred'.\"" - "$out"
check "nothing reserved after the failed required start" test "$(status_py "len(r)")" = 0
$VIRSH undefine "$dom" >/dev/null

dom=$PREFIX-plain
domain_xml "$dom" preferred | sed '/accel:/d; /metadata>/d' >"$T/$dom.xml"
$VIRSH define "$T/$dom.xml" >/dev/null
check "a domain without an accel element starts" $VIRSH start "$dom"
check "and reserves nothing" test "$(status_py "len(r)")" = 0
$VIRSH destroy "$dom" >/dev/null
$VIRSH undefine "$dom" >/dev/null

# The contract, run directly as libvirt would.
domain_xml $PREFIX-direct preferred >"$T/direct.xml"
check "migrate prints the domain XML back unchanged" \
	sh -c "'$HOOK_BIN' $PREFIX-direct migrate begin - <'$T/direct.xml' | cmp -s - '$T/direct.xml'"
check "restore prints the domain XML back unchanged" \
	sh -c "'$HOOK_BIN' $PREFIX-direct restore begin - <'$T/direct.xml' | cmp -s - '$T/direct.xml'"
check "migrate reserved on the destination" test "$(status_py "r['$PREFIX-direct']['stage']")" = prepared
check "release undoes it" "$HOOK_BIN" $PREFIX-direct release end - <"$T/direct.xml"
check "release twice is fine (idempotent)" "$HOOK_BIN" $PREFIX-direct release end - <"$T/direct.xml"
check "nothing left" test "$(status_py "len(r)")" = 0
check "reconnect never fails, even on garbage" sh -c "echo '<domain' | '$HOOK_BIN' x reconnect begin -"
check "reconnect of a bad element exits 0" \
	sh -c "sed 's/shared/bogus/' '$T/direct.xml' | '$HOOK_BIN' $PREFIX-direct reconnect begin - 2>/dev/null"

done_testing
