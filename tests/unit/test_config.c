// SPDX-License-Identifier: LGPL-2.1-or-later
/* Host configuration: the fixture files in fixtures/conf/. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ioaccel_config.h"
#include "topology.h"
#include "unit_helpers.h"

static struct ioaccel_config *load_ok(const char *name)
{
	struct ioaccel_config *cfg = NULL;

	capture_reset();
	assert_int_equal(ioaccel_config_load(fixture(name), &cfg), 0);
	assert_non_null(cfg);
	assert_int_equal(captured.count, 0);
	return cfg;
}

static void load_fails(const char *name, const char *expect1, const char *expect2)
{
	struct ioaccel_config *cfg = NULL;

	capture_reset();
	assert_int_equal(ioaccel_config_load(fixture(name), &cfg), -EINVAL);
	assert_null(cfg);
	assert_int_equal(captured.count, 1);
	assert_int_equal(captured.priority, IOACCEL_LOG_ERR);
	assert_non_null(strstr(captured.msg, name));
	assert_non_null(strstr(captured.msg, expect1));
	assert_non_null(strstr(captured.msg, expect2));
}

static void test_missing_file_means_no_io_cores(void **state)
{
	struct ioaccel_config *cfg = load_ok("conf/does-not-exist.conf");

	assert_false(cfg->present);
	assert_int_equal(numa_bitmask_weight(cfg->io_cores), 0);
	assert_int_equal(cfg->devices_per_worker, IOACCEL_DEVICES_PER_WORKER_DEFAULT);
	assert_true(cfg->numa_fallback);
	ioaccel_config_free(cfg);
}

static void test_good_file(void **state)
{
	struct ioaccel_config *cfg = load_ok("conf/good.conf");
	char *list = ioaccel_cpulist_format(cfg->io_cores);

	assert_true(cfg->present);
	assert_string_equal(list, "2-3,6-7");
	assert_int_equal(cfg->devices_per_worker, 3);
	assert_false(cfg->numa_fallback);
	assert_int_equal(cfg->poll_start_rate, 5000);
	assert_int_equal(cfg->poll_stop_idle_us, 200);
	free(list);
	ioaccel_config_free(cfg);
}

static void test_empty_io_cores(void **state)
{
	struct ioaccel_config *cfg = load_ok("conf/empty-cores.conf");

	assert_true(cfg->present);
	assert_int_equal(numa_bitmask_weight(cfg->io_cores), 0);
	ioaccel_config_free(cfg);
}

static void test_errors_name_line_key_value_allowed(void **state)
{
	load_fails("conf/bad-cpulist.conf", ":3: io-cores = '2,x' is not valid", "cpu list");
	load_fails("conf/bad-devices.conf", ":2: devices-per-worker = '0'", "from 1 to 256");
	load_fails("conf/bad-bool.conf", ":1: numa-fallback = 'maybe'", "yes or no");
	load_fails("conf/unknown-key.conf", ":2: unknown key 'io-core'", "known keys are io-cores");
	load_fails("conf/duplicate.conf", ":2: key 'io-cores' is given a second time", "keep one");
	load_fails("conf/no-equals.conf", ":1: 'io-cores 2' is not a 'key = value' line", "");
}

static void test_env_overrides_path(void **state)
{
	struct ioaccel_config *cfg = NULL;

	setenv("IOACCEL_CONF", fixture("conf/good.conf"), 1);
	assert_string_equal(ioaccel_config_path(), fixture("conf/good.conf"));
	assert_int_equal(ioaccel_config_load(NULL, &cfg), 0);
	assert_int_equal(cfg->devices_per_worker, 3);
	ioaccel_config_free(cfg);
	unsetenv("IOACCEL_CONF");
	assert_string_equal(ioaccel_config_path(), IOACCEL_CONF_DEFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_file_means_no_io_cores),
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_empty_io_cores),
		cmocka_unit_test(test_errors_name_line_key_value_allowed),
		cmocka_unit_test(test_env_overrides_path),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
