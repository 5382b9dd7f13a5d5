// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Names of the accel element's enumerations, exactly as schemas/accel.rng
 * spells them (a unit test checks every name against the schema).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "accel_internal.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const policy_names[] = {
    [IOACCEL_POLICY_PREFERRED] = "preferred",
    [IOACCEL_POLICY_REQUIRED] = "required",
};

static const char *const worker_names[] = {
    [IOACCEL_WORKER_OFF] = "off",
    [IOACCEL_WORKER_SHARED] = "shared",
    [IOACCEL_WORKER_DEDICATED] = "dedicated",
};

static const char *const polling_names[] = {
    [IOACCEL_POLLING_OFF] = "off",
    [IOACCEL_POLLING_ON] = "on",
    [IOACCEL_POLLING_ADAPTIVE] = "adaptive",
};

static const char *const class_names[] = {
    [IOACCEL_CLASS_THROUGHPUT] = "throughput",
    [IOACCEL_CLASS_LATENCY] = "latency",
};

static const char *const posted_names[] = {
    [IOACCEL_POSTED_OFF] = "off",
    [IOACCEL_POSTED_AUTO] = "auto",
    [IOACCEL_POSTED_PV] = "pv",
    [IOACCEL_POSTED_HARDWARE] = "hardware",
};

static const char *name_of(const char *const *names, size_t n, unsigned int v)
{
	return v < n ? names[v] : "unknown";
}

static int from_name(const char *const *names, size_t n, const char *name)
{
	size_t i;

	if (!name)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -EINVAL;
}

const char *ioaccel_policy_name(enum ioaccel_policy p)
{
	return name_of(policy_names, N_ELEMS(policy_names), p);
}

const char *ioaccel_worker_mode_name(enum ioaccel_worker_mode m)
{
	return name_of(worker_names, N_ELEMS(worker_names), m);
}

const char *ioaccel_polling_name(enum ioaccel_polling p)
{
	return name_of(polling_names, N_ELEMS(polling_names), p);
}

const char *ioaccel_sched_class_name(enum ioaccel_sched_class c)
{
	return name_of(class_names, N_ELEMS(class_names), c);
}

const char *ioaccel_posted_mode_name(enum ioaccel_posted_mode m)
{
	return name_of(posted_names, N_ELEMS(posted_names), m);
}

int ioaccel_policy_from_name(const char *name)
{
	return from_name(policy_names, N_ELEMS(policy_names), name);
}

int ioaccel_worker_mode_from_name(const char *name)
{
	return from_name(worker_names, N_ELEMS(worker_names), name);
}

int ioaccel_polling_from_name(const char *name)
{
	return from_name(polling_names, N_ELEMS(polling_names), name);
}

int ioaccel_sched_class_from_name(const char *name)
{
	return from_name(class_names, N_ELEMS(class_names), name);
}

int ioaccel_posted_mode_from_name(const char *name)
{
	return from_name(posted_names, N_ELEMS(posted_names), name);
}
