/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel statistics of the shared workers and their queues, read from
 * SYSFS/kernel/ioaccel/ (docs/control-interface.md, "Statistics").
 */
#ifndef IOACCEL_STATS_H
#define IOACCEL_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Counter names, in display order; every worker and queue directory has a
 * file per counter it supports (a missing file reads as "not counted"). */
#define IOACCEL_WORKER_COUNTERS                                                          \
	X(loops) X(polls) X(empty_polls) X(work_items) X(packets) X(bytes) X(cycles)    \
	X(kicks_avoided) X(notify_reenabled) X(stuck) X(idle_sleeps) X(irqs_exitless)
#define IOACCEL_QUEUE_COUNTERS                                                           \
	X(kicks) X(polls) X(empty_polls) X(work_items) X(packets) X(bytes) X(kicks_avoided) \
	X(notify_reenabled) X(stuck) X(signals_deferred) X(deferred_irqs)                  \
	X(irqs_exitless)

enum ioaccel_worker_counter {
#define X(n) IOACCEL_WSTAT_##n,
	IOACCEL_WORKER_COUNTERS
#undef X
	IOACCEL_WSTAT_MAX
};

enum ioaccel_queue_counter {
#define X(n) IOACCEL_QSTAT_##n,
	IOACCEL_QUEUE_COUNTERS
#undef X
	IOACCEL_QSTAT_MAX
};

#define IOACCEL_STAT_ABSENT UINT64_MAX

struct ioaccel_worker_stats {
	char name[64];	/* directory name: "cpu2" */
	int cpu;	/* from the "cpu" file, -1 if absent */
	uint64_t v[IOACCEL_WSTAT_MAX];
};

struct ioaccel_queue_stats {
	char name[64];	 /* directory name: "PID-DEVICE-VQ" */
	char worker[64]; /* the worker serving it (the "worker" file) */
	uint64_t v[IOACCEL_QSTAT_MAX];
};

struct ioaccel_stats {
	char version[32];
	struct ioaccel_worker_stats *workers;
	size_t n_workers;
	struct ioaccel_queue_stats *queues;
	size_t n_queues;
};

const char *ioaccel_worker_counter_name(enum ioaccel_worker_counter c);
const char *ioaccel_queue_counter_name(enum ioaccel_queue_counter c);
/* -ENOENT (nothing logged) when SYSFS/kernel/ioaccel does not exist: the
 * modules are not loaded. */
int ioaccel_stats_read(const char *sysfs_root, struct ioaccel_stats **out);
void ioaccel_stats_free(struct ioaccel_stats *s);

#endif /* IOACCEL_STATS_H */
