// SPDX-License-Identifier: LGPL-2.1-or-later
/* ioaccelctl release [--force] DOMAIN: drop a domain's reservation (and
 * undo what was applied), e.g. after a host problem left it behind. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "apply.h"
#include "commands.h"
#include "hook_ops.h"
#include "ioaccel.h"

static int run_release(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *domain;
	bool force = false;
	pid_t pid;
	int opt, e;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "f", options, NULL)) != -1) {
		if (opt != 'f') {
			fprintf(stderr, "usage: ioaccelctl release [--force] DOMAIN\n");
			return 2;
		}
		force = true;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: ioaccelctl release [--force] DOMAIN\n");
		return 2;
	}
	domain = argv[optind];
	pid = ioaccel_qemu_pid(domain);
	if (pid > 0 && !force) {
		ioaccel_err("domain '%s' is running (QEMU pid %ld); its reservation is released "
			    "when it stops. Use --force to release it now.",
			    domain, (long)pid);
		return 1;
	}
	e = ioaccel_release_domain(domain);
	if (e < 0)
		return 1;
	if (e == 0)
		printf("Domain '%s' has no reservation; nothing to release.\n", domain);
	else
		printf("Released the reservation of domain '%s'.\n", domain);
	return 0;
}

const struct ioaccelctl_command ioaccelctl_cmd_release = {
	.name = "release",
	.help = "drop a domain's reservation and undo what was applied",
	.run = run_release,
};
