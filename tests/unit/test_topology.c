// SPDX-License-Identifier: LGPL-2.1-or-later
/* CPU lists and NUMA topology read from the sysfs-shaped fixture trees. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "topology.h"
#include "unit_helpers.h"

static void roundtrip(const char *in, const char *canonical)
{
	struct bitmask *set = ioaccel_cpuset_new();
	char *out;

	assert_int_equal(ioaccel_cpulist_parse(in, set), 0);
	out = ioaccel_cpulist_format(set);
	assert_string_equal(out, canonical);
	free(out);
	ioaccel_cpuset_free(set);
}

static void test_cpulist_parse_and_format(void **state)
{
	struct bitmask *set = ioaccel_cpuset_new();

	roundtrip("2,3,8-9", "2-3,8-9");
	roundtrip("0", "0");
	roundtrip("", "");
	roundtrip(" 5 , 1-2\n", "1-2,5");
	roundtrip("8191", "8191");
	assert_int_equal(ioaccel_cpulist_parse("3-1", set), -EINVAL);
	assert_int_equal(ioaccel_cpulist_parse("1,,2", set), -EINVAL);
	assert_int_equal(ioaccel_cpulist_parse("a", set), -EINVAL);
	assert_int_equal(ioaccel_cpulist_parse("-1", set), -EINVAL);
	assert_int_equal(ioaccel_cpulist_parse("1-", set), -EINVAL);
	assert_int_equal(ioaccel_cpulist_parse("8192", set), -ERANGE);
	assert_int_equal(ioaccel_cpulist_parse("99999999999999999999", set), -ERANGE);
	ioaccel_cpuset_free(set);
}

static struct ioaccel_topology *load(const char *name)
{
	struct ioaccel_topology *t = NULL;

	capture_reset();
	assert_int_equal(ioaccel_topology_load(fixture(name), &t), 0);
	assert_int_equal(captured.count, 0);
	return t;
}

static void assert_node(const struct ioaccel_topology *t, int id, const char *cpus)
{
	const struct ioaccel_numa_node *n = ioaccel_topology_node(t, id);
	char *list;

	assert_non_null(n);
	list = ioaccel_cpulist_format(n->cpus);
	assert_string_equal(list, cpus);
	free(list);
}

static void test_one_node(void **state)
{
	struct ioaccel_topology *t = load("sysfs-1node");

	assert_true(t->numa);
	assert_int_equal(t->n_nodes, 1);
	assert_node(t, 0, "0-3");
	assert_int_equal(ioaccel_topology_node_of_cpu(t, 3), 0);
	assert_int_equal(ioaccel_topology_node_of_cpu(t, 4), -1);
	ioaccel_topology_free(t);
}

static void test_two_nodes(void **state)
{
	struct ioaccel_topology *t = load("sysfs-2nodes");

	assert_int_equal(t->n_nodes, 2);
	assert_node(t, 0, "0-3");
	assert_node(t, 1, "4-7");
	assert_int_equal(ioaccel_topology_node_of_cpu(t, 5), 1);
	ioaccel_topology_free(t);
}

static void test_four_nodes_with_holes(void **state)
{
	struct ioaccel_topology *t = load("sysfs-4nodes-holes");

	/* Nodes 0, 1, 3, 5 (2 and 4 missing), sorted; offline CPUs dropped. */
	assert_int_equal(t->n_nodes, 4);
	assert_int_equal(t->nodes[0].id, 0);
	assert_int_equal(t->nodes[1].id, 1);
	assert_int_equal(t->nodes[2].id, 3);
	assert_int_equal(t->nodes[3].id, 5);
	assert_null(ioaccel_topology_node(t, 2));
	assert_node(t, 1, "4-5");
	assert_node(t, 3, "8-11");
	assert_node(t, 5, "12-13");
	assert_int_equal(ioaccel_topology_node_of_cpu(t, 6), -1);
	assert_int_equal(ioaccel_topology_node_of_cpu(t, 12), 5);
	ioaccel_topology_free(t);
}

static void test_no_numa_means_one_node(void **state)
{
	struct ioaccel_topology *t = load("sysfs-nonuma");

	assert_false(t->numa);
	assert_int_equal(t->n_nodes, 1);
	assert_node(t, 0, "0-1");
	ioaccel_topology_free(t);
}

static void test_bad_trees_fail_with_a_message(void **state)
{
	struct ioaccel_topology *t = NULL;

	capture_reset();
	assert_int_equal(ioaccel_topology_load(fixture("sysfs-bad"), &t), -EINVAL);
	assert_null(t);
	assert_int_equal(captured.count, 1);
	assert_non_null(strstr(captured.msg, "node0/cpulist: '0-3,x' is not a cpu list"));
	capture_reset();
	assert_int_equal(ioaccel_topology_load(fixture("no-such-tree"), &t), -ENOENT);
	assert_non_null(strstr(captured.msg, "devices/system/cpu/online"));
}

static void test_env_root(void **state)
{
	setenv("IOACCEL_SYSFS_ROOT", "/x", 1);
	assert_string_equal(ioaccel_sysfs_root(), "/x");
	unsetenv("IOACCEL_SYSFS_ROOT");
	assert_string_equal(ioaccel_sysfs_root(), "/sys");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpulist_parse_and_format),
		cmocka_unit_test(test_one_node),
		cmocka_unit_test(test_two_nodes),
		cmocka_unit_test(test_four_nodes_with_holes),
		cmocka_unit_test(test_no_numa_means_one_node),
		cmocka_unit_test(test_bad_trees_fail_with_a_message),
		cmocka_unit_test(test_env_root),
	};

	return cmocka_run_group_tests_name("topology", tests, NULL, NULL);
}
