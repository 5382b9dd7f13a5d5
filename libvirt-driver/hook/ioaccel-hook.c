// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ioaccel-hook: libvirt's qemu hook, installed as
 * /etc/libvirt/hooks/qemu.d/ioaccel.  libvirt runs it as
 *
 *     ioaccel DOMAIN OPERATION SUB-OPERATION EXTRA  < domain XML
 *
 * and shows its stderr to the user when it exits non-zero, so every
 * failure is one line naming the domain.  It never calls back into libvirt.
 * Environment (for tests and unusual hosts; libvirt itself clears it):
 * IOACCEL_CONF, IOACCEL_RUNDIR, IOACCEL_SYSFS_ROOT, IOACCEL_PROC_ROOT,
 * IOACCEL_CONTROL_DEV, IOACCEL_LIBVIRT_QEMU_RUNDIR, IOACCEL_LOG_PRIORITY.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hook_ops.h"
#include "ioaccel.h"
#include "util.h"

/* Largest domain XML accepted on stdin; the parser has its own limits. */
#define HOOK_MAX_XML (16u << 20)

static const char *hook_domain = "?";

/* "ioaccel: domain 'NAME': message" unless the message names it already. */
static void hook_log(void *data, int priority, const char *msg)
{
	if (strncmp(msg, "domain '", 8) == 0)
		fprintf(stderr, "ioaccel: %s\n", msg);
	else
		fprintf(stderr, "ioaccel: domain '%s': %s\n", hook_domain, msg);
}

int main(int argc, char *argv[])
{
	const char *prio = getenv("IOACCEL_LOG_PRIORITY");
	char *xml = NULL;
	size_t len = 0;
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: %s DOMAIN OPERATION [SUB-OPERATION [EXTRA]] < domain.xml\n"
				"(run by libvirt as /etc/libvirt/hooks/qemu.d/ioaccel)\n",
			argv[0]);
		return 2;
	}
	hook_domain = argv[1];
	ioaccel_log_set_fn(hook_log, NULL);
	ioaccel_log_set_priority(IOACCEL_LOG_WARNING);
	if (prio && ioaccel_log_priority_from_string(prio) > 0)
		ioaccel_log_set_priority(ioaccel_log_priority_from_string(prio));
	r = ioaccel_read_fd_all(STDIN_FILENO, HOOK_MAX_XML, &xml, &len);
	if (r < 0) {
		ioaccel_err("cannot read the domain XML on stdin for operation %s: %s.", argv[2],
			    strerror(-r));
		return 1;
	}
	r = ioaccel_hook_run(argv[1], argv[2], argc > 3 ? argv[3] : "-", xml, len, stdout);
	free(xml);
	if (fflush(stdout) != 0)
		r = 1;
	return r;
}
