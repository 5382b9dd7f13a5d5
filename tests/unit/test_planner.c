// SPDX-License-Identifier: LGPL-2.1-or-later
/* The planner on the fixture topologies: NUMA locality, packing, policy
 * required vs preferred, and what the kernel supports. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "planner.h"
#include "unit_helpers.h"

struct fx {
	struct ioaccel_config cfg;
	struct ioaccel_topology *topo;
	struct ioaccel_state st;
	struct ioaccel_kernel kernel;
	struct ioaccel_accel acc;
	struct ioaccel_domain dom;
	struct ioaccel_reservation plan;
};

static void set_cores(struct fx *f, const char *cores, unsigned int dpw)
{
	f->cfg.present = true;
	assert_int_equal(ioaccel_cpulist_parse(cores, f->cfg.io_cores), 0);
	f->cfg.devices_per_worker = dpw;
}

static struct fx *fx_new(const char *tree)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->cfg.path = (char *)"test.conf";
	f->cfg.io_cores = ioaccel_cpuset_new();
	f->cfg.numa_fallback = true;
	f->cfg.devices_per_worker = 4;
	assert_int_equal(ioaccel_topology_load(fixture(tree), &f->topo), 0);
	f->st.lock_fd = -1;
	f->kernel.fd = -1;
	snprintf(f->kernel.why, sizeof(f->kernel.why), "the ioaccel kernel modules are not loaded");
	f->acc.worker = IOACCEL_WORKER_SHARED;
	f->acc.polling = IOACCEL_POLLING_ON;
	f->acc.numa_node = IOACCEL_NUMA_AUTO;
	f->acc.line = 7;
	f->dom.name = (char *)"vm1";
	f->dom.uuid = (char *)"u1";
	f->dom.vcpus = 1;
	f->dom.accel = &f->acc;
	capture_reset();
	return f;
}

static void fx_free(struct fx *f)
{
	size_t i;

	for (i = 0; i < f->st.n; i++) {
		free(f->st.res[i].domain);
		free(f->st.res[i].uuid);
	}
	free(f->st.res);
	ioaccel_cpuset_free(f->cfg.io_cores);
	ioaccel_topology_free(f->topo);
	free(f);
}

static void kernel_with(struct fx *f, uint64_t features)
{
	f->kernel.present = true;
	f->kernel.version = IOACCEL_CONTROL_VERSION;
	f->kernel.features = features;
}

static int plan(struct fx *f)
{
	return ioaccel_plan_domain(&f->cfg, f->topo, &f->st, &f->kernel, &f->dom, &f->plan);
}

/* Plan and book the result as domain @name, as the hook does. */
static int plan_and_book(struct fx *f, const char *name)
{
	struct ioaccel_reservation *r;
	int e = plan(f);

	if (e < 0)
		return e;
	r = ioaccel_state_add(&f->st, name, name);
	r->core = f->plan.core;
	r->node = f->plan.node;
	r->slots = f->plan.slots;
	r->worker = f->plan.worker;
	return f->plan.core;
}

static const struct ioaccel_item *item(struct fx *f, const char *name)
{
	return ioaccel_reservation_item(&f->plan, name);
}

static void assert_item(struct fx *f, const char *name, enum ioaccel_item_state s,
			const char *detail_part)
{
	const struct ioaccel_item *it = item(f, name);

	assert_non_null(it);
	assert_string_equal(ioaccel_item_state_name(it->state), ioaccel_item_state_name(s));
	if (detail_part && !strstr(it->detail, detail_part))
		fail_msg("item %s: '%s' does not contain '%s'", name, it->detail, detail_part);
}

static void test_preferred_without_kernel_reserves_and_degrades(void **state)
{
	struct fx *f = fx_new("sysfs-2nodes");

	set_cores(f, "2,6", 4);
	f->dom.vcpu_cpuset = (char *)"4-5";
	assert_int_equal(plan(f), 0);
	assert_int_equal(f->plan.core, 6);
	assert_int_equal(f->plan.node, 1);
	assert_int_equal(f->plan.slots, 1);
	assert_item(f, "io-core", IOACCEL_ITEM_RESERVED, "I/O core 6 (node 1)");
	assert_item(f, "numa", IOACCEL_ITEM_APPLIED, "vCPU cpuset '4-5'");
	assert_item(f, "attach", IOACCEL_ITEM_NOT_APPLIED, "kernel modules are not loaded");
	assert_item(f, "polling", IOACCEL_ITEM_NOT_APPLIED, "unavailable");
	assert_int_equal(captured.count, 0);
	fx_free(f);
}

static void test_required_without_kernel_fails_with_one_message(void **state)
{
	struct fx *f = fx_new("sysfs-2nodes");

	set_cores(f, "2,6", 4);
	f->acc.policy = IOACCEL_POLICY_REQUIRED;
	assert_int_equal(plan(f), -ENODEV);
	assert_int_equal(f->plan.core, -1);
	assert_int_equal(captured.count, 1);
	assert_non_null(strstr(captured.msg, "domain 'vm1': <accel:vhost worker='shared'> "
					     "(accel element at line 7): attaching"));
	assert_non_null(strstr(captured.msg, "policy is required"));
	assert_non_null(strstr(captured.msg, "policy='preferred'"));
	fx_free(f);
}

static void test_kernel_features_are_reserved(void **state)
{
	struct fx *f = fx_new("sysfs-2nodes");

	set_cores(f, "2", 4);
	kernel_with(f, IOACCEL_FEAT_SHARED_WORKER | IOACCEL_FEAT_POLLING |
			       IOACCEL_FEAT_EXITLESS_EOI | IOACCEL_FEAT_POSTED_PV);
	f->acc.policy = IOACCEL_POLICY_REQUIRED;
	f->acc.exitless_eoi = true;
	f->acc.posted = IOACCEL_POSTED_AUTO;
	assert_int_equal(plan(f), 0);
	assert_item(f, "attach", IOACCEL_ITEM_RESERVED, "shared worker on I/O core 2");
	assert_item(f, "polling", IOACCEL_ITEM_RESERVED, NULL);
	assert_item(f, "exitless-eoi", IOACCEL_ITEM_RESERVED, NULL);
	assert_item(f, "posted", IOACCEL_ITEM_RESERVED, "para-virtual");
	/* A feature the loaded modules lack fails a required domain. */
	f->acc.exitless_delivery = true;
	assert_int_equal(plan(f), -ENODEV);
	assert_non_null(strstr(captured.msg, "do not support it"));
	fx_free(f);
}

/* A host whose CPU posts interrupts (APICv/AVIC) announces POSTED_HW
 * alone: the hardware does what the element asks, also for posted='pv'. */
static void test_interrupts_by_hardware(void **state)
{
	struct fx *f = fx_new("sysfs-2nodes");

	set_cores(f, "2", 4);
	kernel_with(f, IOACCEL_FEAT_SHARED_WORKER | IOACCEL_FEAT_POLLING |
			       IOACCEL_FEAT_POSTED_HW);
	f->acc.policy = IOACCEL_POLICY_REQUIRED;
	f->acc.exitless_delivery = true;
	f->acc.exitless_eoi = true;
	f->acc.posted = IOACCEL_POSTED_PV;
	assert_int_equal(plan(f), 0);
	assert_item(f, "exitless-delivery", IOACCEL_ITEM_APPLIED, "by the CPU");
	assert_item(f, "exitless-eoi", IOACCEL_ITEM_APPLIED, "virtualizes the EOI");
	assert_item(f, "posted", IOACCEL_ITEM_RESERVED, "hardware posted interrupts");
	assert_int_equal(captured.count, 0);
	f->acc.posted = IOACCEL_POSTED_AUTO;
	assert_int_equal(plan(f), 0);
	assert_item(f, "posted", IOACCEL_ITEM_RESERVED, "hardware posted interrupts");
	/* Without hardware posting, posted='hardware' is not available. */
	kernel_with(f, IOACCEL_FEAT_SHARED_WORKER | IOACCEL_FEAT_POLLING |
			       IOACCEL_FEAT_EXITLESS_DELIVERY | IOACCEL_FEAT_EXITLESS_EOI |
			       IOACCEL_FEAT_POSTED_PV);
	f->acc.posted = IOACCEL_POSTED_HARDWARE;
	assert_int_equal(plan(f), -ENODEV);
	assert_non_null(strstr(captured.msg, "hardware posted interrupts (APICv/AVIC) is unavailable"));
	fx_free(f);
}

/* A minimum per turn needs sched_min: without it the device-sched item
 * is not to be had (the modules refuse the longer request). */
static void test_device_sched_minimum_needs_sched_min(void **state)
{
	struct fx *f = fx_new("sysfs-2nodes");
	struct ioaccel_device_sched dev = { .alias = (char *)"ua-web", .weight = 100,
					    .line = 9 };

	set_cores(f, "2", 4);
	f->acc.devices = &dev;
	f->acc.n_devices = 1;
	f->acc.policy = IOACCEL_POLICY_REQUIRED;
	kernel_with(f, IOACCEL_FEAT_SHARED_WORKER | IOACCEL_FEAT_POLLING |
			       IOACCEL_FEAT_DEVICE_SCHED);
	assert_int_equal(plan(f), 0);
	assert_item(f, "device-sched", IOACCEL_ITEM_RESERVED, "scheduling parameters for 1 device");
	assert_null(strstr(item(f, "device-sched")->detail, "minimum"));
	assert_int_equal(captured.count, 0);

	dev.min_packets = 16;
	assert_int_equal(plan(f), -ENODEV);
	assert_int_equal(captured.count, 1);
	assert_string_equal(captured.msg,
			    "domain 'vm1': <accel:device> at line 9 (accel element at line 7): "
			    "scheduling parameters for 1 device, with a minimum per turn is "
			    "unavailable: the loaded ioaccel modules schedule devices but have no "
			    "minimum per turn (no sched_min in their features 0x15), and policy is "
			    "required; update the ioaccel kernel modules or remove min-bytes and "
			    "min-packets, or set policy='preferred'.");
	f->acc.policy = IOACCEL_POLICY_PREFERRED;
	assert_int_equal(plan(f), 0);
	assert_item(f, "device-sched", IOACCEL_ITEM_NOT_APPLIED, "no sched_min");
	assert_item(f, "attach", IOACCEL_ITEM_RESERVED, NULL);

	/* min-bytes alone asks for it as well; modules with it reserve. */
	dev.min_packets = 0;
	dev.min_bytes = 4096;
	kernel_with(f, IOACCEL_FEAT_SHARED_WORKER | IOACCEL_FEAT_POLLING |
			       IOACCEL_FEAT_DEVICE_SCHED | IOACCEL_FEAT_SCHED_MIN);
	f->acc.policy = IOACCEL_POLICY_REQUIRED;
	assert_int_equal(plan(f), 0);
	assert_item(f, "device-sched", IOACCEL_ITEM_RESERVED, "with a minimum per turn");

	/* Without any device scheduling the general reason stands. */
	kernel_with(f, IOACCEL_FEAT_SHARED_WORKER | IOACCEL_FEAT_POLLING);
	assert_int_equal(plan(f), -ENODEV);
	assert_non_null(strstr(captured.msg, "<accel:device> (accel element at line 7)"));
	assert_non_null(strstr(captured.msg, "do not support it (features 0x5)"));
	fx_free(f);
}

static void test_numatune_and_explicit_node(void **state)
{
	struct fx *f = fx_new("sysfs-2nodes");

	set_cores(f, "2,6", 4);
	f->dom.numatune_nodeset = (char *)"1";
	f->dom.vcpu_cpuset = (char *)"0-1"; /* memory placement wins */
	assert_int_equal(plan(f), 0);
	assert_int_equal(f->plan.node, 1);
	f->dom.numatune_nodeset = NULL;
	assert_int_equal(plan(f), 0);
	assert_int_equal(f->plan.node, 0);
	f->acc.numa_node = 1;
	assert_int_equal(plan(f), 0);
	assert_int_equal(f->plan.core, 6);
	assert_item(f, "numa", IOACCEL_ITEM_APPLIED, "numa='1'");
	/* A node this host does not have. */
	f->acc.numa_node = 3;
	f->acc.policy = IOACCEL_POLICY_REQUIRED;
	assert_int_equal(plan(f), -EINVAL);
	assert_non_null(strstr(captured.msg, "NUMA node 3 does not exist"));
	fx_free(f);
}

static void test_shared_workers_are_packed_then_full(void **state)
{
	struct fx *f = fx_new("sysfs-1node");
	char name[16];
	int i;

	set_cores(f, "1-2", 3);
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "vm%d", i);
		assert_int_equal(plan_and_book(f, name), i < 3 ? 1 : 2);
	}
	assert_int_equal(ioaccel_state_core_used(&f->st, 1, NULL), 3);
	assert_int_equal(ioaccel_state_core_used(&f->st, 2, NULL), 3);
	/* Full: preferred degrades, required fails. */
	assert_int_equal(plan(f), 0);
	assert_int_equal(f->plan.core, -1);
	assert_item(f, "io-core", IOACCEL_ITEM_NOT_APPLIED, "6 of 6 worker slots in use");
	assert_null(item(f, "attach"));
	f->acc.policy = IOACCEL_POLICY_REQUIRED;
	assert_int_equal(plan(f), -ENOSPC);
	assert_non_null(strstr(captured.msg, "no I/O core has 1 free worker slot"));
	fx_free(f);
}

static void test_interfaces_take_slots(void **state)
{
	struct fx *f = fx_new("sysfs-1node");

	set_cores(f, "1", 4);
	f->dom.n_interfaces = 3;
	assert_int_equal(plan_and_book(f, "a"), 1);
	assert_int_equal(f->plan.slots, 3);
	assert_int_equal(plan(f), 0);
	assert_int_equal(f->plan.core, -1); /* 3 + 3 > 4 */
	f->dom.n_interfaces = 5;	    /* more than a shared worker serves */
	f->acc.policy = IOACCEL_POLICY_REQUIRED;
	assert_int_equal(plan(f), -ENOSPC);
	assert_non_null(strstr(captured.msg, "has 5 vhost devices but a shared worker serves "
					     "at most 4"));
	fx_free(f);
}

static void test_dedicated_needs_an_empty_core(void **state)
{
	struct fx *f = fx_new("sysfs-1node");

	set_cores(f, "1-2", 4);
	assert_int_equal(plan_and_book(f, "shared"), 1);
	f->acc.worker = IOACCEL_WORKER_DEDICATED;
	assert_int_equal(plan_and_book(f, "dedicated"), 2);
	assert_int_equal(f->plan.slots, 4);
	assert_item(f, "io-core", IOACCEL_ITEM_RESERVED, "dedicated I/O core 2");
	/* Nothing else fits on core 2, and core 1 is not empty. */
	assert_int_equal(plan(f), 0);
	assert_int_equal(f->plan.core, -1);
	f->acc.worker = IOACCEL_WORKER_SHARED;
	assert_int_equal(plan_and_book(f, "shared2"), 1);
	fx_free(f);
}

static void test_numa_fallback(void **state)
{
	struct fx *f = fx_new("sysfs-2nodes");

	set_cores(f, "2,6", 1);
	f->dom.vcpu_cpuset = (char *)"0";
	assert_int_equal(plan_and_book(f, "a"), 2);
	assert_int_equal(plan_and_book(f, "b"), 6); /* preferred: remote node */
	assert_item(f, "numa", IOACCEL_ITEM_NOT_APPLIED, "no I/O core on node 0");
	assert_item(f, "numa", IOACCEL_ITEM_NOT_APPLIED, "using node 1");
	f->st.n--; /* un-book b */
	free(f->st.res[1].domain);
	free(f->st.res[1].uuid);
	f->cfg.numa_fallback = false;
	assert_int_equal(plan(f), 0);
	assert_int_equal(f->plan.core, -1);
	assert_item(f, "io-core", IOACCEL_ITEM_NOT_APPLIED, "I/O cores 2 have 1 of 1");
	fx_free(f);
}

static void test_no_io_cores(void **state)
{
	struct fx *f = fx_new("sysfs-1node");

	f->cfg.present = false;
	assert_int_equal(plan(f), 0);
	assert_item(f, "io-core", IOACCEL_ITEM_NOT_APPLIED, "this host has no I/O cores "
							    "(test.conf does not exist)");
	f->acc.policy = IOACCEL_POLICY_REQUIRED;
	assert_int_equal(plan(f), -ENOSPC);
	assert_non_null(strstr(captured.msg, "list I/O cores in io-cores="));
	fx_free(f);
}

static void test_offline_io_cores_and_node_holes(void **state)
{
	struct fx *f = fx_new("sysfs-4nodes-holes");

	/* 6 is offline; 12 is on node 5 (nodes 2 and 4 do not exist). */
	set_cores(f, "6,12", 4);
	f->dom.vcpu_cpuset = (char *)"13";
	assert_int_equal(plan(f), 0);
	assert_int_equal(f->plan.core, 12);
	assert_int_equal(f->plan.node, 5);
	f->dom.vcpu_cpuset = (char *)"4";
	f->acc.policy = IOACCEL_POLICY_REQUIRED;
	assert_int_equal(plan(f), -ENOSPC);
	assert_non_null(strstr(captured.msg, "there is no online I/O core there"));
	fx_free(f);
}

static void test_worker_off_and_irq_affinity(void **state)
{
	struct fx *f = fx_new("sysfs-2nodes");
	char *addr = (char *)"0000:01:00.0";

	set_cores(f, "2", 4);
	f->acc.worker = IOACCEL_WORKER_OFF;
	f->acc.polling = IOACCEL_POLLING_OFF;
	f->acc.pin_assigned_irqs = true;
	assert_int_equal(plan(f), 0);
	assert_int_equal(f->plan.core, -1);
	assert_item(f, "irq-affinity", IOACCEL_ITEM_APPLIED, "no assigned PCI devices");
	f->dom.n_hostdevs = 1;
	f->dom.hostdev_addr = &addr;
	assert_int_equal(plan(f), 0);
	assert_item(f, "irq-affinity", IOACCEL_ITEM_NOT_APPLIED, "vCPUs are not pinned");
	f->dom.vcpu_cpuset = (char *)"4-5";
	assert_int_equal(plan(f), 0);
	assert_item(f, "irq-affinity", IOACCEL_ITEM_RESERVED, "to CPUs 4-5");
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preferred_without_kernel_reserves_and_degrades),
		cmocka_unit_test(test_required_without_kernel_fails_with_one_message),
		cmocka_unit_test(test_kernel_features_are_reserved),
		cmocka_unit_test(test_interrupts_by_hardware),
		cmocka_unit_test(test_device_sched_minimum_needs_sched_min),
		cmocka_unit_test(test_numatune_and_explicit_node),
		cmocka_unit_test(test_shared_workers_are_packed_then_full),
		cmocka_unit_test(test_interfaces_take_slots),
		cmocka_unit_test(test_dedicated_needs_an_empty_core),
		cmocka_unit_test(test_numa_fallback),
		cmocka_unit_test(test_no_io_cores),
		cmocka_unit_test(test_offline_io_cores_and_node_holes),
		cmocka_unit_test(test_worker_off_and_irq_affinity),
	};

	return cmocka_run_group_tests_name("planner", tests, NULL, NULL);
}
