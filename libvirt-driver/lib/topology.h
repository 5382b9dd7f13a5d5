/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CPU sets and the host's NUMA topology, read from a sysfs root (the real
 * /sys, or a fixture tree shaped like it in the tests).
 */
#ifndef IOACCEL_TOPOLOGY_H
#define IOACCEL_TOPOLOGY_H

#include <stdbool.h>
#include <numa.h>

/* Largest CPU (and node) number ioaccel handles: the kernel's NR_CPUS on
 * Debian's x86_64 kernels. */
#define IOACCEL_MAX_CPUS 8192

#define IOACCEL_SYSFS_ROOT_DEFAULT "/sys"

/* A CPU or node set: a libnuma bitmask IOACCEL_MAX_CPUS bits wide. */
struct bitmask *ioaccel_cpuset_new(void);
void ioaccel_cpuset_free(struct bitmask *set);
/* Parse a kernel cpu list ("2,3,8-9", "0-7:2" is not accepted; "" is the
 * empty set) into @set (cleared first).  -EINVAL on a malformed list,
 * -ERANGE on a number at or above IOACCEL_MAX_CPUS; nothing is logged: the
 * caller knows the context. */
int ioaccel_cpulist_parse(const char *s, struct bitmask *set);
/* The canonical list form ("2-3,8"), "" for the empty set; malloc'd. */
char *ioaccel_cpulist_format(const struct bitmask *set);
/* Lowest set bit at or above @from, or -1. */
int ioaccel_cpuset_next(const struct bitmask *set, int from);
#define ioaccel_cpuset_foreach(i, set) \
	for ((i) = ioaccel_cpuset_next((set), 0); (i) >= 0; (i) = ioaccel_cpuset_next((set), (i) + 1))

struct ioaccel_numa_node {
	int id;
	struct bitmask *cpus;
};

struct ioaccel_topology {
	char *sysfs_root;
	struct bitmask *online;	    /* online CPUs */
	struct ioaccel_numa_node *nodes; /* sorted by id; holes allowed */
	int n_nodes;
	bool numa;			    /* false: no node directories, one node 0 */
};

/* The sysfs root from $IOACCEL_SYSFS_ROOT, or /sys. */
const char *ioaccel_sysfs_root(void);
/* Read online CPUs and NUMA nodes below @sysfs_root (NULL: the default). */
int ioaccel_topology_load(const char *sysfs_root, struct ioaccel_topology **out);
void ioaccel_topology_free(struct ioaccel_topology *topo);
/* Node of an online CPU, or -1 if the CPU is not online or in no node. */
int ioaccel_topology_node_of_cpu(const struct ioaccel_topology *topo, int cpu);
const struct ioaccel_numa_node *ioaccel_topology_node(const struct ioaccel_topology *topo,
						      int id);

#endif /* IOACCEL_TOPOLOGY_H */
