/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef IOACCELCTL_COMMANDS_H
#define IOACCELCTL_COMMANDS_H

/* One subcommand: run() gets argv starting at the command's own name and
 * returns the process exit status (0 ok, 1 failed, 2 usage error). */
struct ioaccelctl_command {
	const char *name;
	const char *help;
	int (*run)(int argc, char *argv[]);
};

extern const struct ioaccelctl_command ioaccelctl_cmd_version;
extern const struct ioaccelctl_command ioaccelctl_cmd_validate;
extern const struct ioaccelctl_command ioaccelctl_cmd_plan;
extern const struct ioaccelctl_command ioaccelctl_cmd_status;
extern const struct ioaccelctl_command ioaccelctl_cmd_stats;
extern const struct ioaccelctl_command ioaccelctl_cmd_release;

#endif
