// SPDX-License-Identifier: LGPL-2.1-or-later
/* ioaccelctl status [--json]: the I/O cores, the kernel interface, and per
 * domain what is reserved, what is applied and why not, and what KVM
 * granted its VM and its guest enabled. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "commands.h"
#include "control.h"
#include "ioaccel.h"
#include "ioaccel_config.h"
#include "kvm_vm.h"
#include "report.h"
#include "state.h"
#include "topology.h"

struct status {
	struct ioaccel_config *cfg;
	struct ioaccel_topology *topo;
	struct ioaccel_state *st;
	struct ioaccel_kernel kernel;
};

static void domains_on_core(FILE *out, const struct ioaccel_state *st, int core, bool json)
{
	bool first = true;
	size_t i;

	for (i = 0; i < st->n; i++) {
		if (st->res[i].core != core)
			continue;
		if (json) {
			fputs(first ? "" : ",", out);
			report_json_string(out, st->res[i].domain);
		} else {
			fprintf(out, "%s%s", first ? ": " : ", ", st->res[i].domain);
		}
		first = false;
	}
}

/* KVM's view of the domain's VM: granted, enabled per vCPU, what the
 * exitless paths did. */
static void print_kvm_text(pid_t pid)
{
	struct ioaccel_kvm_vm vm;
	unsigned int i, all = 0;

	if (pid <= 0 || ioaccel_kvm_vm_read(NULL, pid, &vm) < 0)
		return;
	for (i = 0; i < vm.n_vcpus; i++)
		all += (vm.enabled[i] & vm.granted) == vm.granted;
	printf("    KVM: granted 0x%x; the guest enabled all of it on %u of %u vCPUs (",
	       vm.granted, all, vm.n_vcpus);
	for (i = 0; i < vm.n_vcpus; i++)
		printf("%s0x%x", i ? " " : "", vm.enabled[i] & vm.granted);
	printf(")\n    KVM: hardware posting: %s\n",
	       !(vm.posting & IOACCEL_KVM_POSTING_CPU) ? "none (the para-virtual path is used)" :
	       vm.posting & IOACCEL_KVM_POSTING_IOMMU ? "by the CPU and the IOMMU" :
							 "by the CPU");
	printf("    KVM statistics:");
	for (i = 0; i < IOACCEL_KVM_N_STATS; i++)
		printf(" %s %llu", ioaccel_kvm_stat_names[i], (unsigned long long)vm.stats[i]);
	printf("\n");
}

static void print_kvm_json(pid_t pid)
{
	struct ioaccel_kvm_vm vm;
	unsigned int i;

	if (pid <= 0 || ioaccel_kvm_vm_read(NULL, pid, &vm) < 0) {
		printf(",\"kvm\":{\"present\":false}");
		return;
	}
	printf(",\"kvm\":{\"present\":true,\"granted\":%u,\"posting\":%u,\"enabled\":[",
	       vm.granted, vm.posting);
	for (i = 0; i < vm.n_vcpus; i++)
		printf("%s%u", i ? "," : "", vm.enabled[i] & vm.granted);
	printf("],\"stats\":{");
	for (i = 0; i < IOACCEL_KVM_N_STATS; i++)
		printf("%s\"%s\":%llu", i ? "," : "", ioaccel_kvm_stat_names[i],
		       (unsigned long long)vm.stats[i]);
	printf("}}");
}

static void print_text(struct status *s)
{
	const struct ioaccel_config *cfg = s->cfg;
	size_t i;
	int c;

	printf("Host configuration: %s%s\n", cfg->path,
	       cfg->present ? "" : " (missing: this host has no I/O cores)");
	if (s->kernel.present)
		printf("Kernel control interface: version %u, features 0x%llx\n", s->kernel.version,
		       (unsigned long long)s->kernel.features);
	else
		printf("Kernel control interface: unavailable: %s\n", s->kernel.why);
	printf("I/O cores: %d, %u worker slots each\n", numa_bitmask_weight(cfg->io_cores),
	       cfg->devices_per_worker);
	ioaccel_cpuset_foreach(c, cfg->io_cores) {
		int node = ioaccel_topology_node_of_cpu(s->topo, c);
		bool dedicated;
		unsigned int used = ioaccel_state_core_used(s->st, c, &dedicated);

		if (node < 0)
			printf("  core %d: not online on this host, unused\n", c);
		else if (dedicated)
			printf("  core %d (node %d): dedicated", c, node);
		else
			printf("  core %d (node %d): %u of %u slots in use", c, node, used,
			       cfg->devices_per_worker);
		if (node >= 0) {
			domains_on_core(stdout, s->st, c, false);
			putchar('\n');
		}
	}
	printf("Reservations: %zu (state in %s)\n", s->st->n, s->st->dir);
	for (i = 0; i < s->st->n; i++) {
		const struct ioaccel_reservation *r = &s->st->res[i];
		char why[200];
		bool stale = ioaccel_reservation_stale(r, why, sizeof(why));

		printf("  domain '%s': %s", r->domain, ioaccel_stage_name(r->stage));
		if (r->qemu_pid > 0)
			printf(", QEMU pid %ld", (long)r->qemu_pid);
		printf(", policy %s, worker %s", ioaccel_policy_name(r->policy),
		       ioaccel_worker_mode_name(r->worker));
		if (r->core >= 0)
			printf(" on I/O core %d (node %d), %u slot%s", r->core, r->node, r->slots,
			       r->slots == 1 ? "" : "s");
		else
			printf(", no I/O core");
		putchar('\n');
		if (stale)
			printf("    STALE: %s; the next hook run or 'ioaccelctl release %s' drops "
			       "it\n",
			       why, r->domain);
		report_items(stdout, r, 4);
		print_kvm_text(r->qemu_pid);
	}
}

static void print_json(struct status *s)
{
	const struct ioaccel_config *cfg = s->cfg;
	bool first = true;
	size_t i;
	int c;

	printf("{\"config\":{\"path\":");
	report_json_string(stdout, cfg->path);
	printf(",\"present\":%s,\"devices_per_worker\":%u},", cfg->present ? "true" : "false",
	       cfg->devices_per_worker);
	printf("\"kernel\":{\"present\":%s,\"version\":%u,\"features\":%llu,\"why\":",
	       s->kernel.present ? "true" : "false", s->kernel.version,
	       (unsigned long long)s->kernel.features);
	report_json_string(stdout, s->kernel.why);
	printf("},\"io_cores\":[");
	ioaccel_cpuset_foreach(c, cfg->io_cores) {
		bool dedicated;
		unsigned int used = ioaccel_state_core_used(s->st, c, &dedicated);

		printf("%s{\"cpu\":%d,\"node\":%d,\"online\":%s,\"slots\":%u,\"used\":%u,"
		       "\"dedicated\":%s,\"domains\":[",
		       first ? "" : ",", c, ioaccel_topology_node_of_cpu(s->topo, c),
		       ioaccel_topology_node_of_cpu(s->topo, c) >= 0 ? "true" : "false",
		       cfg->devices_per_worker, used, dedicated ? "true" : "false");
		domains_on_core(stdout, s->st, c, true);
		printf("]}");
		first = false;
	}
	printf("],\"reservations\":[");
	for (i = 0; i < s->st->n; i++) {
		const struct ioaccel_reservation *r = &s->st->res[i];
		char why[200];
		bool stale = ioaccel_reservation_stale(r, why, sizeof(why));

		printf("%s{\"domain\":", i ? "," : "");
		report_json_string(stdout, r->domain);
		printf(",\"uuid\":");
		report_json_string(stdout, r->uuid);
		printf(",\"stage\":\"%s\",\"policy\":\"%s\",\"worker\":\"%s\",\"core\":%d,"
		       "\"node\":%d,\"slots\":%u,\"qemu_pid\":%ld,\"created\":%lld,\"stale\":%s,"
		       "\"stale_reason\":",
		       ioaccel_stage_name(r->stage), ioaccel_policy_name(r->policy),
		       ioaccel_worker_mode_name(r->worker), r->core, r->node, r->slots,
		       (long)r->qemu_pid, r->created, stale ? "true" : "false");
		report_json_string(stdout, stale ? why : "");
		printf(",\"items\":");
		report_json_items(stdout, r);
		print_kvm_json(r->qemu_pid);
		putchar('}');
	}
	printf("]}\n");
}

static int run_status(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct status s = { 0 };
	bool json = false;
	int opt, status = 1;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "j", options, NULL)) != -1) {
		if (opt != 'j') {
			fprintf(stderr, "usage: ioaccelctl status [--json]\n");
			return 2;
		}
		json = true;
	}
	if (optind != argc) {
		fprintf(stderr, "usage: ioaccelctl status [--json]\n");
		return 2;
	}
	s.kernel.fd = -1;
	if (ioaccel_config_load(NULL, &s.cfg) < 0 || ioaccel_topology_load(NULL, &s.topo) < 0 ||
	    ioaccel_state_read(NULL, &s.st) < 0)
		goto out;
	ioaccel_kernel_probe(&s.kernel);
	if (json)
		print_json(&s);
	else
		print_text(&s);
	status = 0;
out:
	ioaccel_kernel_close(&s.kernel);
	ioaccel_state_free(s.st);
	ioaccel_topology_free(s.topo);
	ioaccel_config_free(s.cfg);
	return status;
}

const struct ioaccelctl_command ioaccelctl_cmd_status = {
	.name = "status",
	.help = "show I/O cores and per domain what is reserved, applied, and why not",
	.run = run_status,
};
