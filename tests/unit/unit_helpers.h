/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the cmocka tests of host configuration, topology, planner and
 * state: fixture paths and a log sink that keeps the last message. */
#ifndef IOACCEL_UNIT_HELPERS_H
#define IOACCEL_UNIT_HELPERS_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ioaccel.h"

struct captured_log {
	int count;
	int priority;
	char msg[1024];
};

static struct captured_log captured;

static inline void capture_log(void *data, int priority, const char *msg)
{
	(void)data;
	if (priority > IOACCEL_LOG_WARNING)
		return;
	captured.count++;
	captured.priority = priority;
	snprintf(captured.msg, sizeof(captured.msg), "%s", msg);
}

static inline void capture_reset(void)
{
	memset(&captured, 0, sizeof(captured));
	ioaccel_log_set_fn(capture_log, NULL);
}

/* $top_srcdir/tests/unit/fixtures/NAME (top_srcdir is set by make check). */
static inline const char *fixture(const char *name)
{
	static char path[4][PATH_MAX];
	static int next;
	const char *top = getenv("top_srcdir");
	char *p = path[next++ % 4];

	snprintf(p, PATH_MAX, "%s/tests/unit/fixtures/%s", top ? top : ".", name);
	return p;
}

#endif /* IOACCEL_UNIT_HELPERS_H */
