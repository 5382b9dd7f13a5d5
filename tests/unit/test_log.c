// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ioaccel.h"

struct captured {
	int count;
	int priority;
	char msg[256];
};

static void capture(void *data, int priority, const char *msg)
{
	struct captured *c = data;

	c->count++;
	c->priority = priority;
	snprintf(c->msg, sizeof(c->msg), "%s", msg);
}

static int setup(void **state)
{
	static struct captured c;

	memset(&c, 0, sizeof(c));
	ioaccel_log_set_fn(capture, &c);
	ioaccel_log_set_priority(IOACCEL_LOG_NOTICE);
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	ioaccel_log_set_fn(NULL, NULL);
	return 0;
}

static void test_message_reaches_sink_formatted(void **state)
{
	struct captured *c = *state;

	ioaccel_err("domain '%s': %d cores", "vm1", 2);
	assert_int_equal(c->count, 1);
	assert_int_equal(c->priority, IOACCEL_LOG_ERR);
	assert_string_equal(c->msg, "domain 'vm1': 2 cores");
}

static void test_lower_priorities_are_dropped(void **state)
{
	struct captured *c = *state;

	ioaccel_dbg("not shown");
	ioaccel_info("not shown");
	assert_int_equal(c->count, 0);
	ioaccel_log_set_priority(IOACCEL_LOG_DEBUG);
	ioaccel_dbg("shown");
	assert_int_equal(c->count, 1);
}

static void test_priority_names_and_numbers(void **state)
{
	assert_int_equal(ioaccel_log_priority_from_string("debug"), IOACCEL_LOG_DEBUG);
	assert_int_equal(ioaccel_log_priority_from_string("ERR"), IOACCEL_LOG_ERR);
	assert_int_equal(ioaccel_log_priority_from_string("6"), IOACCEL_LOG_INFO);
	assert_int_equal(ioaccel_log_priority_from_string("8"), -EINVAL);
	assert_int_equal(ioaccel_log_priority_from_string("loud"), -EINVAL);
	assert_int_equal(ioaccel_log_priority_from_string(""), -EINVAL);
	assert_int_equal(ioaccel_log_priority_from_string(NULL), -EINVAL);
}

static void test_long_messages_are_truncated_not_overflowed(void **state)
{
	struct captured *c = *state;
	char big[4096];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ioaccel_err("%s", big);
	assert_int_equal(c->count, 1);
	assert_int_equal(strlen(c->msg), sizeof(c->msg) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_message_reaches_sink_formatted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lower_priorities_are_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_priority_names_and_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_messages_are_truncated_not_overflowed, setup, teardown),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
