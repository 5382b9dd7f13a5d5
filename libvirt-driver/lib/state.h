/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reservation state: one file, $IOACCEL_RUNDIR/reservations (default
 * /run/ioaccel), rewritten atomically (temp file, fsync, rename) while
 * holding an exclusive flock on $IOACCEL_RUNDIR/lock.  Readers that only
 * look (ioaccelctl status) read the file without the lock: rename makes
 * every snapshot whole.
 */
#ifndef IOACCEL_STATE_H
#define IOACCEL_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "accel.h"

#define IOACCEL_RUNDIR_DEFAULT "/run/ioaccel"
#define IOACCEL_STATE_FORMAT 1
#define IOACCEL_MAX_ITEMS 16

/* What became of one thing the element asked for. */
enum ioaccel_item_state {
	IOACCEL_ITEM_RESERVED,	  /* set aside in prepare, applied in started */
	IOACCEL_ITEM_APPLIED,	  /* in effect */
	IOACCEL_ITEM_NOT_APPLIED, /* degraded under policy preferred; detail says why */
};

struct ioaccel_item {
	char name[32];	   /* "io-core", "attach", "polling", "exitless-eoi", ... */
	enum ioaccel_item_state state;
	char detail[400];  /* one sentence fragment: what, or why not */
};

enum ioaccel_stage {
	IOACCEL_STAGE_PREPARED, /* reserved by the prepare (or migrate/restore) hook */
	IOACCEL_STAGE_STARTED,	/* QEMU runs; applied by the started hook */
};

struct ioaccel_reservation {
	char *domain;
	char *uuid;
	enum ioaccel_stage stage;
	enum ioaccel_policy policy;
	enum ioaccel_worker_mode worker;
	int core;	     /* I/O core, -1 if none */
	int node;	     /* its NUMA node, -1 if none */
	unsigned int slots;  /* worker slots taken on the core */
	pid_t owner_pid;     /* libvirtd that ran prepare */
	unsigned long long owner_start;
	pid_t qemu_pid;	     /* 0 until started */
	long long created;   /* Unix time of the reservation */
	char *irq_restore;   /* "IRQ=cpulist;..." affinities to put back, or NULL */
	struct ioaccel_item items[IOACCEL_MAX_ITEMS];
	size_t n_items;
};

struct ioaccel_state {
	char *dir;
	int lock_fd; /* -1 for a read-only snapshot */
	struct ioaccel_reservation *res;
	size_t n;
};

/* The state directory from $IOACCEL_RUNDIR, or /run/ioaccel. */
const char *ioaccel_rundir(void);
/* Create @dir if needed, take the lock (blocking) and load the state. */
int ioaccel_state_lock(const char *dir, struct ioaccel_state **out);
/* Load a snapshot without locking; a missing directory is an empty state. */
int ioaccel_state_read(const char *dir, struct ioaccel_state **out);
/* Write the state atomically; only for a locked state. */
int ioaccel_state_save(struct ioaccel_state *st);
/* Free, releasing the lock if held. */
void ioaccel_state_free(struct ioaccel_state *st);

struct ioaccel_reservation *ioaccel_state_find(struct ioaccel_state *st, const char *domain);
/* Append a zeroed reservation for @domain (core and node -1). */
struct ioaccel_reservation *ioaccel_state_add(struct ioaccel_state *st, const char *domain,
					       const char *uuid);
void ioaccel_state_remove(struct ioaccel_state *st, struct ioaccel_reservation *r);
/* Worker slots in use on @core; *dedicated set if a dedicated worker owns it. */
unsigned int ioaccel_state_core_used(const struct ioaccel_state *st, int core, bool *dedicated);

void ioaccel_reservation_add_item(struct ioaccel_reservation *r, const char *name,
				  enum ioaccel_item_state state, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct ioaccel_item *ioaccel_reservation_item(struct ioaccel_reservation *r, const char *name);
void ioaccel_item_set(struct ioaccel_item *it, enum ioaccel_item_state state, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

const char *ioaccel_item_state_name(enum ioaccel_item_state s);
const char *ioaccel_stage_name(enum ioaccel_stage s);

#endif /* IOACCEL_STATE_H */
