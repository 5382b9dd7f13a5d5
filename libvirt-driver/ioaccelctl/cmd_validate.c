// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ioaccelctl validate FILE|-: check a domain's accel element the way the
 * hook will, and say in one line what it asks for.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ioaccel.h"
#include "accel.h"
#include "commands.h"

static void print_summary(const struct ioaccel_domain *dom)
{
	const struct ioaccel_accel *a = dom->accel;
	char numa[32];

	if (!a) {
		printf("domain '%s': no accel element; the hook leaves it untouched.\n", dom->name);
		return;
	}
	if (a->numa_node == IOACCEL_NUMA_AUTO)
		snprintf(numa, sizeof(numa), "auto");
	else
		snprintf(numa, sizeof(numa), "%d", a->numa_node);
	printf("domain '%s': accel element at line %d is valid: policy=%s; vhost worker=%s "
	       "polling=%s",
	       dom->name, a->line, ioaccel_policy_name(a->policy),
	       ioaccel_worker_mode_name(a->worker), ioaccel_polling_name(a->polling));
	if (a->polling == IOACCEL_POLLING_ADAPTIVE) {
		if (a->poll_start_rate)
			printf(" start-rate=%u/s", a->poll_start_rate);
		if (a->poll_stop_idle_us)
			printf(" stop-idle=%uus", a->poll_stop_idle_us);
	}
	printf(" numa=%s, %zu scheduled of %zu virtio interfaces; interrupts delivery=%s "
	       "eoi=%s posted=%s; irq-affinity=%s (%zu assigned PCI devices).\n",
	       numa, a->n_devices, dom->n_interfaces,
	       a->exitless_delivery ? "exitless" : "standard",
	       a->exitless_eoi ? "exitless" : "standard", ioaccel_posted_mode_name(a->posted),
	       a->pin_assigned_irqs ? "vcpu" : "off", dom->n_hostdevs);
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: ioaccelctl validate [--quiet] FILE|-...\n"
		     "Check each domain XML's accel element (\"-\" reads standard input);\n"
		     "print what it asks for, or the reason it is not valid.\n");
}

static int run_validate(int argc, char *argv[])
{
	static const struct option options[] = {
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct ioaccel_domain *dom;
	int opt, i, status = 0;
	bool quiet = false;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
		switch (opt) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		ioaccel_err("validate needs a domain XML file, or '-' for standard input.");
		usage(stderr);
		return 2;
	}
	for (i = optind; i < argc; i++) {
		if (ioaccel_domain_parse_file(argv[i], &dom) < 0) {
			status = 1;
			continue;
		}
		if (!quiet)
			print_summary(dom);
		ioaccel_domain_free(dom);
	}
	return status;
}

const struct ioaccelctl_command ioaccelctl_cmd_validate = {
    .name = "validate",
    .help = "check a domain XML's accel element (FILE or -)",
    .run = run_validate,
};
