// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ioaccelctl: the operator's front end to libioaccel.  Thin by design: each
 * command parses its arguments and calls the library, as kmod's tools do.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ioaccel.h"
#include "commands.h"

static const struct ioaccelctl_command *const commands[] = {
	&ioaccelctl_cmd_version,
	&ioaccelctl_cmd_validate,
	&ioaccelctl_cmd_plan,
	&ioaccelctl_cmd_status,
	&ioaccelctl_cmd_stats,
	&ioaccelctl_cmd_release,
	NULL,
};

static void usage(FILE *out)
{
	const struct ioaccelctl_command *const *c;

	fprintf(out, "Usage: ioaccelctl [--verbose|--quiet] COMMAND [ARGS]\n\n"
		     "Commands:\n");
	for (c = commands; *c; c++)
		fprintf(out, "  %-10s %s\n", (*c)->name, (*c)->help);
	fprintf(out, "  %-10s %s\n", "help", "show this help");
	fprintf(out, "\nSee ioaccelctl(8).\n");
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ioaccelctl_command *const *c;
	int opt;

	ioaccel_log_set_program("ioaccelctl");
	while ((opt = getopt_long(argc, argv, "+vqVh", options, NULL)) != -1) {
		switch (opt) {
		case 'v':
			ioaccel_log_set_priority(ioaccel_log_get_priority() + 1);
			break;
		case 'q':
			ioaccel_log_set_priority(IOACCEL_LOG_ERR);
			break;
		case 'V':
			return ioaccelctl_cmd_version.run(0, NULL);
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[optind], "help") == 0) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	for (c = commands; *c; c++)
		if (strcmp(argv[optind], (*c)->name) == 0)
			return (*c)->run(argc - optind, argv + optind);
	ioaccel_err("unknown command '%s'; run 'ioaccelctl help' for the list.",
		    argv[optind]);
	return 2;
}
