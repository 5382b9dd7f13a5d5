#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The playbook parses (ansible-playbook --syntax-check, with the example
# inventory) and ansible-lint (production profile) finds nothing.  TAP.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top_srcdir/deploy" || exit 1

echo "1..2"
if ! command -v ansible-playbook >/dev/null || ! command -v ansible-lint >/dev/null; then
	echo "ok 1 # SKIP ansible or ansible-lint is not installed (scripts/install-deps installs them)"
	echo "ok 2 # SKIP ansible or ansible-lint is not installed (scripts/install-deps installs them)"
	exit 0
fi
# Let ansible and ansible-lint write their caches outside the source tree
# (read-only under distcheck).
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ioaccel-lint.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" ANSIBLE_LOCAL_TEMP="$tmp/ansible" ANSIBLE_CONFIG="$top_srcdir/deploy/ansible.cfg"

if out=$(ansible-playbook -i inventory.example --syntax-check site.yml 2>&1); then
	echo "ok 1 - ansible-playbook --syntax-check deploy/site.yml"
else
	echo "not ok 1 - ansible-playbook --syntax-check deploy/site.yml"
	printf '%s\n' "$out" | sed 's/^/# /'
fi
if out=$(ansible-lint --nocolor -p --profile production site.yml roles/ioaccel inventory.example/hosts.yml inventory.example/group_vars/ioaccel_compute.yml 2>&1); then
	echo "ok 2 - ansible-lint (production profile) is clean"
else
	echo "not ok 2 - ansible-lint (production profile) is clean"
	printf '%s\n' "$out" | sed 's/^/# /'
fi
exit 0
