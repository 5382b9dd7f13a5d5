// SPDX-License-Identifier: LGPL-2.1-or-later
/* Kernel statistics as the control interface documents them, read from a
 * sysfs-shaped fixture (fixtures/sysfs-stats). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "stats.h"
#include "unit_helpers.h"

static void test_workers_and_queues(void **state)
{
	struct ioaccel_stats *s = NULL;

	assert_int_equal(ioaccel_stats_read(fixture("sysfs-stats"), &s), 0);
	assert_string_equal(s->version, "1");
	assert_int_equal(s->n_workers, 2);
	/* Natural order: cpu2 before cpu10. */
	assert_string_equal(s->workers[0].name, "cpu2");
	assert_int_equal(s->workers[0].cpu, 2);
	assert_int_equal(s->workers[0].v[IOACCEL_WSTAT_loops], 100);
	assert_int_equal(s->workers[0].v[IOACCEL_WSTAT_bytes], 150000);
	/* Not exported by this module: absent, not zero. */
	assert_true(s->workers[0].v[IOACCEL_WSTAT_cycles] == IOACCEL_STAT_ABSENT);
	assert_string_equal(s->workers[1].name, "cpu10");
	assert_int_equal(s->n_queues, 1);
	assert_string_equal(s->queues[0].name, "4242-0-0");
	assert_string_equal(s->queues[0].worker, "cpu2");
	assert_int_equal(s->queues[0].v[IOACCEL_QSTAT_work_items], 300);
	assert_true(s->queues[0].v[IOACCEL_QSTAT_stuck] == IOACCEL_STAT_ABSENT);
	assert_string_equal(ioaccel_worker_counter_name(IOACCEL_WSTAT_kicks_avoided),
			    "kicks_avoided");
	ioaccel_stats_free(s);
}

static void test_modules_not_loaded(void **state)
{
	struct ioaccel_stats *s = NULL;

	assert_int_equal(ioaccel_stats_read(fixture("sysfs-2nodes"), &s), -ENOENT);
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workers_and_queues),
		cmocka_unit_test(test_modules_not_loaded),
	};

	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
