// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One logging function with priorities, as in libkmod: the library never
 * prints on its own, it hands whole messages to a sink the program chose.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>

#include "ioaccel.h"

#define IOACCEL_LOG_MAX 1024

static int log_priority = IOACCEL_LOG_NOTICE;
static ioaccel_log_fn log_fn;
static void *log_data;
static const char *log_program = PACKAGE;

void ioaccel_log_set_priority(int priority)
{
	log_priority = priority;
}

int ioaccel_log_get_priority(void)
{
	return log_priority;
}

void ioaccel_log_set_fn(ioaccel_log_fn fn, void *data)
{
	log_fn = fn;
	log_data = data;
}

void ioaccel_log_set_program(const char *name)
{
	log_program = name ? name : PACKAGE;
}

static const struct {
	const char *name;
	int priority;
} priority_names[] = {
	{ "err", IOACCEL_LOG_ERR },	  { "error", IOACCEL_LOG_ERR },
	{ "warning", IOACCEL_LOG_WARNING }, { "notice", IOACCEL_LOG_NOTICE },
	{ "info", IOACCEL_LOG_INFO },	  { "debug", IOACCEL_LOG_DEBUG },
};

/* Accepts a name ("debug") or a syslog number ("7"); -EINVAL otherwise. */
int ioaccel_log_priority_from_string(const char *s)
{
	char *end;
	long v;
	size_t i;

	if (!s || !*s)
		return -EINVAL;
	for (i = 0; i < sizeof(priority_names) / sizeof(priority_names[0]); i++)
		if (strcasecmp(s, priority_names[i].name) == 0)
			return priority_names[i].priority;
	v = strtol(s, &end, 10);
	if (*end || v < IOACCEL_LOG_ERR || v > IOACCEL_LOG_DEBUG)
		return -EINVAL;
	return (int)v;
}

void ioaccel_vlog(int priority, const char *fmt, va_list ap)
{
	char msg[IOACCEL_LOG_MAX];

	if (priority > log_priority)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_fn) {
		log_fn(log_data, priority, msg);
		return;
	}
	/* One write per message so concurrent hooks never interleave lines. */
	fprintf(stderr, "%s: %s\n", log_program, msg);
}

void ioaccel_log(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ioaccel_vlog(priority, fmt, ap);
	va_end(ap);
}
