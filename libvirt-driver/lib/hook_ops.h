/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libvirt qemu hook's operations (https://libvirt.org/hooks.html):
 * argv is DOMAIN OP SUBOP EXTRA, the domain XML comes on stdin, and for
 * migrate and restore the (unchanged) XML goes back on stdout.
 */
#ifndef IOACCEL_HOOK_OPS_H
#define IOACCEL_HOOK_OPS_H

#include <stddef.h>
#include <stdio.h>

/* Run operation @op for @domain with the domain XML in @xml.  Returns the
 * exit status: 0, or 1 after exactly one error message. */
int ioaccel_hook_run(const char *domain, const char *op, const char *subop, const char *xml,
		     size_t len, FILE *out);

/* Undo and drop @domain's reservation (stopped, release, ioaccelctl
 * release).  Returns 1 if one was dropped, 0 if there was none, -errno. */
int ioaccel_release_domain(const char *domain);

#endif /* IOACCEL_HOOK_OPS_H */
