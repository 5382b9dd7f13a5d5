// SPDX-License-Identifier: LGPL-2.1-or-later
/* ioaccelctl plan FILE: what the hook would reserve and apply, reserving
 * nothing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accel.h"
#include "commands.h"
#include "control.h"
#include "ioaccel.h"
#include "ioaccel_config.h"
#include "planner.h"
#include "report.h"
#include "state.h"
#include "topology.h"
#include "util.h"

static int run_plan(int argc, char *argv[])
{
	struct ioaccel_reservation plan, *mine;
	struct ioaccel_topology *topo = NULL;
	struct ioaccel_config *cfg = NULL;
	struct ioaccel_domain *dom = NULL;
	struct ioaccel_state *st = NULL;
	struct ioaccel_kernel kernel;
	int e, status = 1;

	kernel.fd = -1;
	if (argc != 2) {
		fprintf(stderr, "usage: ioaccelctl plan FILE|-\n");
		return 2;
	}
	if (strcmp(argv[1], "-") == 0) {
		char *xml;
		size_t len;

		e = ioaccel_read_fd_all(STDIN_FILENO, 16u << 20, &xml, &len);
		if (e < 0) {
			ioaccel_err("cannot read standard input: %s.", strerror(-e));
			return 1;
		}
		e = ioaccel_domain_parse(xml, len, "-", &dom);
		free(xml);
	} else {
		e = ioaccel_domain_parse_file(argv[1], &dom);
	}
	if (e < 0)
		return 1;
	if (!dom->accel) {
		printf("Domain '%s' has no accel element (namespace %s): the hook passes it "
		       "through untouched.\n",
		       dom->name, IOACCEL_NS);
		ioaccel_domain_free(dom);
		return 0;
	}
	if (ioaccel_config_load(NULL, &cfg) < 0 || ioaccel_topology_load(NULL, &topo) < 0 ||
	    ioaccel_state_read(NULL, &st) < 0)
		goto out;
	ioaccel_kernel_probe(&kernel);
	/* Plan as if the domain were not running yet. */
	mine = ioaccel_state_find(st, dom->name);
	if (mine)
		ioaccel_state_remove(st, mine);
	e = ioaccel_plan_domain(cfg, topo, st, &kernel, dom, &plan);
	if (e < 0) {
		printf("Domain '%s' would not start: see the message above (policy required).\n",
		       dom->name);
		goto out;
	}
	printf("Plan for domain '%s' (dry run: nothing reserved), policy %s:\n", dom->name,
	       ioaccel_policy_name(dom->accel->policy));
	if (plan.core >= 0)
		printf("  I/O core %d on NUMA node %d, %u worker slot%s (%s worker)\n", plan.core,
		       plan.node, plan.slots, plan.slots == 1 ? "" : "s",
		       ioaccel_worker_mode_name(plan.worker));
	else
		printf("  no I/O core\n");
	report_items(stdout, &plan, 2);
	status = 0;
out:
	ioaccel_kernel_close(&kernel);
	ioaccel_state_free(st);
	ioaccel_topology_free(topo);
	ioaccel_config_free(cfg);
	ioaccel_domain_free(dom);
	return status;
}

const struct ioaccelctl_command ioaccelctl_cmd_plan = {
	.name = "plan",
	.help = "show what starting the domain in FILE would reserve and apply (dry run)",
	.run = run_plan,
};
