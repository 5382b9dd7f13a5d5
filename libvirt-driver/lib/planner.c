// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Placement of a domain's I/O on an I/O core, NUMA-locally, and the list of
 * features it gets.  Shared workers are packed (the fullest core that still
 * has room is chosen) so whole cores stay free for dedicated workers.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ioaccel.h"
#include "planner.h"

struct planning {
	const struct ioaccel_config *cfg;
	const struct ioaccel_topology *topo;
	const struct ioaccel_state *st;
	const struct ioaccel_kernel *kernel;
	const struct ioaccel_domain *dom;
	struct ioaccel_reservation *plan;
};

/*
 * Something the element asks for cannot be had.  Under policy required
 * this fails the plan with one message; under preferred it is recorded.
 */
static int not_available(struct planning *p, int err, const char *item, const char *element,
			 const char *what_to_do, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static int not_available(struct planning *p, int err, const char *item, const char *element,
			 const char *what_to_do, const char *fmt, ...)
{
	char reason[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (p->dom->accel->policy == IOACCEL_POLICY_REQUIRED) {
		ioaccel_err("domain '%s': %s (accel element at line %d): %s, and policy is "
			    "required; %s, or set policy='preferred'.",
			    p->dom->name, element, p->dom->accel->line, reason, what_to_do);
		return err;
	}
	ioaccel_reservation_add_item(p->plan, item, IOACCEL_ITEM_NOT_APPLIED, "%s", reason);
	return 0;
}

unsigned int ioaccel_plan_slots_wanted(const struct ioaccel_config *cfg,
				       const struct ioaccel_domain *dom)
{
	if (!dom->accel)
		return 0;
	switch (dom->accel->worker) {
	case IOACCEL_WORKER_SHARED:
		return dom->n_interfaces > 0 ? (unsigned int)dom->n_interfaces : 1;
	case IOACCEL_WORKER_DEDICATED:
		return cfg->devices_per_worker;
	case IOACCEL_WORKER_OFF:
		break;
	}
	return 0;
}

/* The nodes the domain's vCPUs or memory live on; empty: not pinned. */
static int local_nodes(struct planning *p, struct bitmask *nodes, char *why, size_t whysize)
{
	const struct ioaccel_domain *dom = p->dom;
	const struct ioaccel_accel *acc = dom->accel;
	struct bitmask *set;
	int c, r = 0;

	numa_bitmask_clearall(nodes);
	if (acc->numa_node != IOACCEL_NUMA_AUTO) {
		if (!ioaccel_topology_node(p->topo, acc->numa_node))
			return -ENOENT;
		numa_bitmask_setbit(nodes, (unsigned int)acc->numa_node);
		snprintf(why, whysize, "numa='%d'", acc->numa_node);
		return 0;
	}
	set = ioaccel_cpuset_new();
	if (dom->numatune_nodeset && ioaccel_cpulist_parse(dom->numatune_nodeset, set) == 0 &&
	    numa_bitmask_weight(set) > 0) {
		ioaccel_cpuset_foreach(c, set)
			if (ioaccel_topology_node(p->topo, c))
				numa_bitmask_setbit(nodes, (unsigned int)c);
		snprintf(why, whysize, "<numatune> memory nodeset '%s'", dom->numatune_nodeset);
	} else if (dom->vcpu_cpuset && ioaccel_cpulist_parse(dom->vcpu_cpuset, set) == 0) {
		ioaccel_cpuset_foreach(c, set) {
			int n = ioaccel_topology_node_of_cpu(p->topo, c);

			if (n >= 0)
				numa_bitmask_setbit(nodes, (unsigned int)n);
		}
		snprintf(why, whysize, "vCPU cpuset '%s'", dom->vcpu_cpuset);
	} else {
		snprintf(why, whysize, "no vCPU or memory pinning");
	}
	ioaccel_cpuset_free(set);
	return r;
}

/*
 * Best core among the I/O cores on @nodes (all nodes if NULL) with
 * @slots free: the fullest that fits.  -1 if none.
 */
static int pick_core(struct planning *p, const struct bitmask *nodes, unsigned int slots)
{
	const struct ioaccel_config *cfg = p->cfg;
	int c, best = -1;
	unsigned int best_used = 0;

	ioaccel_cpuset_foreach(c, cfg->io_cores) {
		int node = ioaccel_topology_node_of_cpu(p->topo, c);
		bool dedicated;
		unsigned int used;

		if (node < 0)
			continue; /* offline or unknown CPU */
		if (nodes && !numa_bitmask_isbitset(nodes, (unsigned int)node))
			continue;
		used = ioaccel_state_core_used(p->st, c, &dedicated);
		if (dedicated || used + slots > cfg->devices_per_worker)
			continue;
		if (p->dom->accel->worker == IOACCEL_WORKER_DEDICATED && used > 0)
			continue;
		if (best < 0 || used > best_used) {
			best = c;
			best_used = used;
		}
	}
	return best;
}

/* "cores 2,3: 7 of 8 slots in use" for messages. */
static void describe_cores(struct planning *p, const struct bitmask *nodes, char *buf,
			   size_t size)
{
	struct bitmask *cores = ioaccel_cpuset_new();
	unsigned int used = 0, total = 0;
	char *list;
	int c;

	ioaccel_cpuset_foreach(c, p->cfg->io_cores) {
		int node = ioaccel_topology_node_of_cpu(p->topo, c);

		if (node < 0 || (nodes && !numa_bitmask_isbitset(nodes, (unsigned int)node)))
			continue;
		numa_bitmask_setbit(cores, (unsigned int)c);
		used += ioaccel_state_core_used(p->st, c, NULL);
		total += p->cfg->devices_per_worker;
	}
	list = ioaccel_cpulist_format(cores);
	if (total == 0)
		snprintf(buf, size, "there is no online I/O core there");
	else
		snprintf(buf, size, "I/O cores %s have %u of %u worker slots in use",
			 list ? list : "?", used, total);
	free(list);
	ioaccel_cpuset_free(cores);
}

static int plan_io_core(struct planning *p)
{
	const struct ioaccel_accel *acc = p->dom->accel;
	struct ioaccel_reservation *plan = p->plan;
	unsigned int slots = ioaccel_plan_slots_wanted(p->cfg, p->dom);
	struct bitmask *nodes = ioaccel_cpuset_new();
	char element[96], where[160], busy[200], *nodelist = NULL;
	int core = -1, r = 0;

	snprintf(element, sizeof(element), "<accel:vhost worker='%s'>", ioaccel_worker_mode_name(acc->worker));
	if (!p->cfg->present || numa_bitmask_weight(p->cfg->io_cores) == 0) {
		r = not_available(p, -ENOSPC, "io-core", element,
				  "list I/O cores in io-cores= of the host configuration",
				  "this host has no I/O cores (%s %s)", p->cfg->path,
				  p->cfg->present ? "sets no io-cores" : "does not exist");
		goto out;
	}
	if (slots > p->cfg->devices_per_worker) {
		r = not_available(p, -ENOSPC, "io-core", element,
				  "raise devices-per-worker or use worker='dedicated'",
				  "the domain has %u vhost devices but a shared worker serves at most "
				  "%u (devices-per-worker in %s)",
				  slots, p->cfg->devices_per_worker, p->cfg->path);
		goto out;
	}
	if (local_nodes(p, nodes, where, sizeof(where)) == -ENOENT) {
		r = not_available(p, -EINVAL, "numa", element, "use numa='auto' or an existing node",
				  "NUMA node %d does not exist on this host", acc->numa_node);
		if (r < 0)
			goto out;
		numa_bitmask_clearall(nodes);
		snprintf(where, sizeof(where), "numa='%d' (no such node)", acc->numa_node);
	}
	nodelist = ioaccel_cpulist_format(nodes);
	if (numa_bitmask_weight(nodes) == 0) {
		core = pick_core(p, NULL, slots);
		if (core >= 0)
			ioaccel_reservation_add_item(plan, "numa", IOACCEL_ITEM_APPLIED,
						     "node %d (%s: any node is local)",
						     ioaccel_topology_node_of_cpu(p->topo, core),
						     where);
	} else {
		core = pick_core(p, nodes, slots);
		if (core >= 0) {
			ioaccel_reservation_add_item(plan, "numa", IOACCEL_ITEM_APPLIED,
						     "node %d, local to the domain (%s)",
						     ioaccel_topology_node_of_cpu(p->topo, core),
						     where);
		} else {
			describe_cores(p, nodes, busy, sizeof(busy));
			if (acc->policy == IOACCEL_POLICY_REQUIRED || !p->cfg->numa_fallback) {
				r = not_available(p, -ENOSPC, "io-core", element,
						  "stop a domain that uses them or add I/O cores "
						  "on that node",
						  "no I/O core on NUMA node %s (%s) has %u free worker "
						  "slot%s: %s",
						  nodelist ? nodelist : "?", where, slots,
						  slots == 1 ? "" : "s", busy);
				goto out;
			}
			core = pick_core(p, NULL, slots);
			if (core >= 0)
				ioaccel_reservation_add_item(
					plan, "numa", IOACCEL_ITEM_NOT_APPLIED,
					"no I/O core on node %s (%s) has room (%s); using node %d",
					nodelist ? nodelist : "?", where, busy,
					ioaccel_topology_node_of_cpu(p->topo, core));
		}
	}
	if (core < 0) {
		describe_cores(p, NULL, busy, sizeof(busy));
		r = not_available(p, -ENOSPC, "io-core", element,
				  "stop a domain that uses them or add I/O cores",
				  "no I/O core has %u free worker slot%s: %s", slots,
				  slots == 1 ? "" : "s", busy);
		goto out;
	}
	plan->core = core;
	plan->node = ioaccel_topology_node_of_cpu(p->topo, core);
	plan->slots = slots;
	if (acc->worker == IOACCEL_WORKER_DEDICATED)
		ioaccel_reservation_add_item(plan, "io-core", IOACCEL_ITEM_RESERVED,
					     "dedicated I/O core %d (node %d)", core, plan->node);
	else
		ioaccel_reservation_add_item(
			plan, "io-core", IOACCEL_ITEM_RESERVED,
			"shared worker on I/O core %d (node %d): %u of %u slots, %u in use before",
			core, plan->node, slots, p->cfg->devices_per_worker,
			ioaccel_state_core_used(p->st, core, NULL));
out:
	free(nodelist);
	ioaccel_cpuset_free(nodes);
	return r;
}

/* A feature the kernel control interface must provide. */
static int plan_kernel_feature(struct planning *p, const char *item, const char *element,
			       uint64_t feature, const char *what)
{
	if (ioaccel_kernel_has(p->kernel, feature)) {
		ioaccel_reservation_add_item(p->plan, item, IOACCEL_ITEM_RESERVED, "%s", what);
		return 0;
	}
	if (!p->kernel->present)
		return not_available(p, -ENODEV, item, element,
				     "load the patched ioaccel modules (see ioaccelctl stats)",
				     "%s is unavailable: %s", what, p->kernel->why);
	return not_available(p, -ENODEV, item, element,
			     "update the ioaccel kernel modules",
			     "%s is unavailable: the loaded ioaccel modules do not support it "
			     "(features 0x%llx)",
			     what, (unsigned long long)p->kernel->features);
}

/*
 * One item for all devices: the parameters go in one request per device,
 * so a minimum per turn the modules cannot take (no IOACCEL_FEAT_SCHED_MIN:
 * they refuse the longer request) holds back that device's weight and
 * class too.  Said at planning, where policy decides, not at the start.
 */
static int plan_device_sched(struct planning *p)
{
	const struct ioaccel_accel *acc = p->dom->accel;
	const struct ioaccel_device_sched *with_min = NULL;
	char element[96], what[160];
	size_t i;

	for (i = 0; i < acc->n_devices && !with_min; i++)
		if (acc->devices[i].min_bytes || acc->devices[i].min_packets)
			with_min = &acc->devices[i];
	snprintf(what, sizeof(what), "scheduling parameters for %zu device%s%s", acc->n_devices,
		 acc->n_devices == 1 ? "" : "s", with_min ? ", with a minimum per turn" : "");
	if (with_min && ioaccel_kernel_has(p->kernel, IOACCEL_FEAT_DEVICE_SCHED) &&
	    !ioaccel_kernel_has(p->kernel, IOACCEL_FEAT_SCHED_MIN)) {
		snprintf(element, sizeof(element), "<accel:device> at line %d", with_min->line);
		return not_available(p, -ENODEV, "device-sched", element,
				     "update the ioaccel kernel modules or remove min-bytes and "
				     "min-packets",
				     "%s is unavailable: the loaded ioaccel modules schedule devices "
				     "but have no minimum per turn (no sched_min in their features "
				     "0x%llx)",
				     what, (unsigned long long)p->kernel->features);
	}
	return plan_kernel_feature(p, "device-sched", "<accel:device>",
				   IOACCEL_FEAT_DEVICE_SCHED |
					   (with_min ? IOACCEL_FEAT_SCHED_MIN : 0),
				   what);
}

static int plan_vhost(struct planning *p)
{
	const struct ioaccel_accel *acc = p->dom->accel;
	char element[96], what[160];
	int r;

	if (acc->worker == IOACCEL_WORKER_OFF) {
		if (acc->polling != IOACCEL_POLLING_OFF)
			return not_available(p, -EINVAL, "polling", "<accel:vhost worker='off'>",
					     "use worker='shared' or 'dedicated'",
					     "polling needs an I/O core worker");
		return 0;
	}
	snprintf(element, sizeof(element), "<accel:vhost worker='%s'>", ioaccel_worker_mode_name(acc->worker));
	r = plan_io_core(p);
	if (r < 0)
		return r;
	if (p->plan->core >= 0) {
		snprintf(what, sizeof(what),
			 "attaching the domain's vhost queues to the %s worker on I/O core %d",
			 ioaccel_worker_mode_name(acc->worker), p->plan->core);
		r = plan_kernel_feature(p, "attach", element,
					acc->worker == IOACCEL_WORKER_DEDICATED ?
						IOACCEL_FEAT_DEDICATED_WORKER :
						IOACCEL_FEAT_SHARED_WORKER,
					what);
		if (r < 0)
			return r;
	}
	if (acc->polling != IOACCEL_POLLING_OFF) {
		bool adaptive = acc->polling == IOACCEL_POLLING_ADAPTIVE;

		snprintf(element, sizeof(element), "<accel:vhost polling='%s'>",
			 adaptive ? "adaptive" : "on");
		if (p->plan->core < 0)
			return not_available(p, -ENOSPC, "polling", element,
					     "free an I/O core slot",
					     "polling needs an I/O core and none was reserved");
		if (adaptive)
			snprintf(what, sizeof(what),
				 "adaptive polling (start at %u kicks/s, stop after %u us idle)",
				 acc->poll_start_rate ? acc->poll_start_rate : p->cfg->poll_start_rate,
				 acc->poll_stop_idle_us ? acc->poll_stop_idle_us :
							  p->cfg->poll_stop_idle_us);
		else
			snprintf(what, sizeof(what), "exitless notifications (the I/O core polls)");
		r = plan_kernel_feature(p, "polling", element,
					adaptive ? IOACCEL_FEAT_ADAPTIVE_POLLING : IOACCEL_FEAT_POLLING,
					what);
		if (r < 0)
			return r;
	}
	if (acc->n_devices > 0)
		return plan_device_sched(p);
	return 0;
}

/*
 * Where the CPU posts interrupts (APICv/AVIC: the kernel announces
 * IOACCEL_FEAT_POSTED_HW, and then none of the PV mechanisms) it delivers
 * them without an exit and virtualizes the EOI itself: what the element
 * asks for is done by the hardware, and the VM is granted that path, also
 * where posted='pv' was asked for.
 */
static int plan_interrupts_by_hardware(struct planning *p)
{
	const struct ioaccel_accel *acc = p->dom->accel;

	if (acc->exitless_delivery)
		ioaccel_reservation_add_item(p->plan, "exitless-delivery", IOACCEL_ITEM_APPLIED,
					     "by the CPU: it posts interrupts (APICv/AVIC)");
	if (acc->exitless_eoi)
		ioaccel_reservation_add_item(p->plan, "exitless-eoi", IOACCEL_ITEM_APPLIED,
					     "by the CPU: it virtualizes the EOI (APICv/AVIC)");
	if (acc->posted != IOACCEL_POSTED_OFF)
		ioaccel_reservation_add_item(p->plan, "posted", IOACCEL_ITEM_RESERVED,
					     "hardware posted interrupts (APICv/AVIC)%s",
					     acc->posted == IOACCEL_POSTED_PV ?
						     ", which this host has: no para-virtual ones" :
						     "");
	return 0;
}

static int plan_interrupts(struct planning *p)
{
	const struct ioaccel_accel *acc = p->dom->accel;
	int r;

	if (ioaccel_kernel_has(p->kernel, IOACCEL_FEAT_POSTED_HW))
		return plan_interrupts_by_hardware(p);
	if (acc->exitless_delivery) {
		r = plan_kernel_feature(p, "exitless-delivery", "<accel:interrupts>",
					IOACCEL_FEAT_EXITLESS_DELIVERY,
					"exitless interrupt delivery");
		if (r < 0)
			return r;
	}
	if (acc->exitless_eoi) {
		r = plan_kernel_feature(p, "exitless-eoi", "<accel:interrupts>",
					IOACCEL_FEAT_EXITLESS_EOI, "exitless EOI");
		if (r < 0)
			return r;
	}
	switch (acc->posted) {
	case IOACCEL_POSTED_OFF:
		return 0;
	case IOACCEL_POSTED_PV:
		return plan_kernel_feature(p, "posted", "<accel:interrupts posted='pv'>",
					   IOACCEL_FEAT_POSTED_PV, "para-virtual posted interrupts");
	case IOACCEL_POSTED_HARDWARE:
		return plan_kernel_feature(p, "posted", "<accel:interrupts posted='hardware'>",
					   IOACCEL_FEAT_POSTED_HW,
					   "hardware posted interrupts (APICv/AVIC)");
	case IOACCEL_POSTED_AUTO:
		return plan_kernel_feature(p, "posted", "<accel:interrupts posted='auto'>",
					   IOACCEL_FEAT_POSTED_PV, "para-virtual posted interrupts");
	}
	return 0;
}

static int plan_irq_affinity(struct planning *p)
{
	const struct ioaccel_domain *dom = p->dom;
	struct bitmask *set;
	int r = 0;

	if (!dom->accel->pin_assigned_irqs)
		return 0;
	if (dom->n_hostdevs == 0) {
		ioaccel_reservation_add_item(p->plan, "irq-affinity", IOACCEL_ITEM_APPLIED,
					     "the domain has no assigned PCI devices: nothing to pin");
		return 0;
	}
	set = ioaccel_cpuset_new();
	if (!dom->vcpu_cpuset || ioaccel_cpulist_parse(dom->vcpu_cpuset, set) < 0 ||
	    numa_bitmask_weight(set) == 0)
		r = not_available(p, -EINVAL, "irq-affinity", "<accel:irq-affinity>",
				  "pin the vCPUs with <vcpu cpuset=> or <cputune><vcpupin>",
				  "the domain's vCPUs are not pinned, so there are no vCPU cores "
				  "to pin the IRQs of its %zu assigned device%s to",
				  dom->n_hostdevs, dom->n_hostdevs == 1 ? "" : "s");
	else
		ioaccel_reservation_add_item(p->plan, "irq-affinity", IOACCEL_ITEM_RESERVED,
					     "pin the IRQs of %zu assigned device%s to CPUs %s",
					     dom->n_hostdevs, dom->n_hostdevs == 1 ? "" : "s",
					     dom->vcpu_cpuset);
	ioaccel_cpuset_free(set);
	return r;
}

int ioaccel_plan_domain(const struct ioaccel_config *cfg, const struct ioaccel_topology *topo,
			const struct ioaccel_state *st, const struct ioaccel_kernel *kernel,
			const struct ioaccel_domain *dom, struct ioaccel_reservation *plan)
{
	struct planning p = { cfg, topo, st, kernel, dom, plan };
	int r;

	memset(plan, 0, sizeof(*plan));
	plan->core = -1;
	plan->node = -1;
	if (!dom->accel)
		return 0;
	plan->policy = dom->accel->policy;
	plan->worker = dom->accel->worker;
	r = plan_vhost(&p);
	if (r == 0)
		r = plan_interrupts(&p);
	if (r == 0)
		r = plan_irq_affinity(&p);
	if (r < 0) {
		plan->core = -1;
		plan->node = -1;
		plan->slots = 0;
	}
	return r;
}
