// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <stdio.h>

#include "commands.h"

static int run_version(int argc, char *argv[])
{
	printf("ioaccelctl %s\n", PACKAGE_VERSION);
	return 0;
}

const struct ioaccelctl_command ioaccelctl_cmd_version = {
	.name = "version",
	.help = "print the ioaccel version",
	.run = run_version,
};
