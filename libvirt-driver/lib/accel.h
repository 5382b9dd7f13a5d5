/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The data model of the accel element (namespace urn:ioaccel:domain:1),
 * shared by the hook, ioaccelctl and the planner.  schemas/accel.rng is the
 * single source of truth for what is valid; this is what a valid element
 * parses into.
 */
#ifndef IOACCEL_ACCEL_H
#define IOACCEL_ACCEL_H

#include <stdbool.h>
#include <stddef.h>

#define IOACCEL_NS "urn:ioaccel:domain:1"

enum ioaccel_policy {
	IOACCEL_POLICY_PREFERRED, /* default: start goes on, status says what was not applied */
	IOACCEL_POLICY_REQUIRED,  /* start fails if anything cannot be applied */
};

enum ioaccel_worker_mode {
	IOACCEL_WORKER_OFF,	  /* stock per-device vhost threads */
	IOACCEL_WORKER_SHARED,	  /* a shared worker on an I/O core */
	IOACCEL_WORKER_DEDICATED, /* an I/O core of its own */
};

enum ioaccel_polling {
	IOACCEL_POLLING_OFF,
	IOACCEL_POLLING_ON,
	IOACCEL_POLLING_ADAPTIVE,
};

enum ioaccel_sched_class {
	IOACCEL_CLASS_THROUGHPUT,
	IOACCEL_CLASS_LATENCY,
};

enum ioaccel_posted_mode {
	IOACCEL_POSTED_OFF,
	IOACCEL_POSTED_AUTO,
	IOACCEL_POSTED_PV,
	IOACCEL_POSTED_HARDWARE,
};

#define IOACCEL_NUMA_AUTO (-1)

/* Per-device scheduling; the device is named by libvirt alias or MAC. */
struct ioaccel_device_sched {
	char *alias;		  /* NULL if named by MAC */
	char *mac;		  /* NULL if named by alias; lower case */
	unsigned int weight;	  /* 1..1000, default 100 */
	enum ioaccel_sched_class sched_class; /* default throughput */
	unsigned long max_bytes;  /* most bytes per turn (1..1 GiB), 0 = module default */
	unsigned int max_packets; /* most packets per turn (1..10^6), 0 = module default */
	/* least per turn (scaled by weight/100) before a waiting latency-class
	 * device may end a throughput device's turn; 0 = module default */
	unsigned long min_bytes;  /* 1..1 GiB, at most max_bytes where both are set */
	unsigned int min_packets; /* 1..10^6, at most max_packets where both are set */
	int line;		  /* source line, for messages */
};

struct ioaccel_accel {
	enum ioaccel_policy policy;

	/* <accel:vhost>; without the element: worker off, polling off, numa auto */
	enum ioaccel_worker_mode worker; /* default shared */
	enum ioaccel_polling polling;	 /* default on, off with worker off */
	unsigned int poll_start_rate; /* adaptive: kicks/s that start polling, 0 = default */
	unsigned int poll_stop_idle_us; /* adaptive: idle time that stops it, 0 = default */
	int numa_node;			/* IOACCEL_NUMA_AUTO or a node number */
	struct ioaccel_device_sched *devices;
	size_t n_devices;

	/* <accel:interrupts>; without the element: all false/off */
	bool exitless_delivery;		/* default true */
	bool exitless_eoi;		/* default: exitless_delivery; needs it */
	enum ioaccel_posted_mode posted; /* default auto; pv needs exitless_delivery */

	/* <accel:irq-affinity assigned="vcpu|off">; false without the element */
	bool pin_assigned_irqs; /* default true */

	int line; /* line of the accel element */
};

/* What the hook needs to know about the domain around the element. */
struct ioaccel_domain {
	char *name;
	char *uuid;
	unsigned int vcpus;
	char *vcpu_cpuset;	/* <vcpu cpuset=> or union of <cputune><vcpupin>, NULL if none */
	char *numatune_nodeset; /* <numatune><memory nodeset=>, NULL if none */
	size_t n_interfaces;	/* virtio interfaces with the vhost backend */
	char **interface_alias; /* n_interfaces entries (may be NULL before start) */
	char **interface_mac;	/* n_interfaces entries */
	size_t n_hostdevs;	/* assigned PCI devices */
	char **hostdev_addr;	/* "0000:01:00.0" */
	struct ioaccel_accel *accel; /* NULL: no accel element, pass through */
};

/*
 * Parse a whole libvirt domain XML document (as the hook reads it on stdin,
 * or a file), hardened against hostile input, and validate its accel
 * element against the schema.  @source names the input in messages ("-" or
 * a path).  Returns 0 with *out set (out->accel is NULL when the domain has
 * no accel element), or a negative errno after logging one message that
 * names the source, line, element, attribute, value and what is allowed.
 */
int ioaccel_domain_parse(const char *buf, size_t len, const char *source,
			 struct ioaccel_domain **out);
int ioaccel_domain_parse_file(const char *path, struct ioaccel_domain **out);
void ioaccel_domain_free(struct ioaccel_domain *dom);

const char *ioaccel_policy_name(enum ioaccel_policy p);
const char *ioaccel_worker_mode_name(enum ioaccel_worker_mode m);
const char *ioaccel_polling_name(enum ioaccel_polling p);
const char *ioaccel_sched_class_name(enum ioaccel_sched_class c);
const char *ioaccel_posted_mode_name(enum ioaccel_posted_mode m);

#endif /* IOACCEL_ACCEL_H */
