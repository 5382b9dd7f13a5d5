// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * CPU sets and NUMA topology.  Everything is read from a sysfs root so the
 * tests run this very code on fixture trees (tests/unit/fixtures/sysfs-*),
 * the way kmod's testsuite runs its tools on a fake rootfs.  The sets are
 * libnuma bitmasks; the sysfs files are read directly because libnuma's own
 * parsers only know the running host.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ioaccel.h"
#include "topology.h"
#include "util.h"

struct bitmask *ioaccel_cpuset_new(void)
{
	return numa_bitmask_alloc(IOACCEL_MAX_CPUS);
}

void ioaccel_cpuset_free(struct bitmask *set)
{
	if (set)
		numa_bitmask_free(set);
}

static int parse_cpu_number(const char **p, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	errno = 0;
	*out = strtoul(*p, &end, 10);
	if (errno)
		return -ERANGE;
	*p = end;
	return *out >= IOACCEL_MAX_CPUS ? -ERANGE : 0;
}

int ioaccel_cpulist_parse(const char *s, struct bitmask *set)
{
	const char *p = s;
	unsigned long a, b, i;
	int r;

	numa_bitmask_clearall(set);
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return 0;
	for (;;) {
		r = parse_cpu_number(&p, &a);
		if (r < 0)
			return r;
		b = a;
		if (*p == '-') {
			p++;
			r = parse_cpu_number(&p, &b);
			if (r < 0)
				return r;
			if (b < a)
				return -EINVAL;
		}
		for (i = a; i <= b; i++)
			numa_bitmask_setbit(set, (unsigned int)i);
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			return 0;
		if (*p != ',')
			return -EINVAL;
		p++;
		while (isspace((unsigned char)*p))
			p++;
	}
}

int ioaccel_cpuset_next(const struct bitmask *set, int from)
{
	unsigned int i;

	if (from < 0)
		from = 0;
	for (i = (unsigned int)from; i < set->size; i++)
		if (numa_bitmask_isbitset(set, i))
			return (int)i;
	return -1;
}

char *ioaccel_cpulist_format(const struct bitmask *set)
{
	size_t cap = 64, len = 0;
	char *out = malloc(cap);
	int a, b;

	if (!out)
		return NULL;
	out[0] = '\0';
	for (a = ioaccel_cpuset_next(set, 0); a >= 0; a = ioaccel_cpuset_next(set, b + 1)) {
		char piece[32];
		int n;

		b = a;
		while (b + 1 < (int)set->size && numa_bitmask_isbitset(set, (unsigned int)b + 1))
			b++;
		if (b == a)
			n = snprintf(piece, sizeof(piece), "%s%d", len ? "," : "", a);
		else
			n = snprintf(piece, sizeof(piece), "%s%d-%d", len ? "," : "", a, b);
		if (len + (size_t)n + 1 > cap) {
			char *bigger;

			cap = (len + (size_t)n + 1) * 2;
			bigger = realloc(out, cap);
			if (!bigger) {
				free(out);
				return NULL;
			}
			out = bigger;
		}
		memcpy(out + len, piece, (size_t)n + 1);
		len += (size_t)n;
	}
	return out;
}

const char *ioaccel_sysfs_root(void)
{
	const char *r = getenv("IOACCEL_SYSFS_ROOT");

	return r && *r ? r : IOACCEL_SYSFS_ROOT_DEFAULT;
}

/* Read a cpu-list file; logs and fails on unreadable or malformed content. */
static int read_cpulist_file(const char *path, struct bitmask *set)
{
	char buf[8192];
	int r;

	r = ioaccel_read_small_file(path, buf, sizeof(buf));
	if (r < 0) {
		ioaccel_err("cannot read %s: %s.", path, strerror(-r));
		return r;
	}
	r = ioaccel_cpulist_parse(buf, set);
	if (r < 0)
		ioaccel_err("%s: '%s' is not a cpu list (like 0-3,8).", path,
			    ioaccel_strip(buf));
	return r;
}

static int compare_nodes(const void *a, const void *b)
{
	const struct ioaccel_numa_node *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int load_nodes(struct ioaccel_topology *t)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;
	int r = 0;

	snprintf(dir, sizeof(dir), "%s/devices/system/node", t->sysfs_root);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		struct ioaccel_numa_node *grown;
		char *end;
		long id;

		if (strncmp(de->d_name, "node", 4) != 0 || !isdigit((unsigned char)de->d_name[4]))
			continue;
		id = strtol(de->d_name + 4, &end, 10);
		if (*end || id < 0 || id >= IOACCEL_MAX_CPUS)
			continue;
		grown = realloc(t->nodes, sizeof(*grown) * (size_t)(t->n_nodes + 1));
		if (!grown) {
			r = -ENOMEM;
			break;
		}
		t->nodes = grown;
		t->nodes[t->n_nodes].id = (int)id;
		t->nodes[t->n_nodes].cpus = ioaccel_cpuset_new();
		t->n_nodes++;
		snprintf(path, sizeof(path), "%s/%s/cpulist", dir, de->d_name);
		r = read_cpulist_file(path, t->nodes[t->n_nodes - 1].cpus);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r == 0 && t->n_nodes > 0) {
		qsort(t->nodes, (size_t)t->n_nodes, sizeof(*t->nodes), compare_nodes);
		t->numa = true;
	}
	return r;
}

int ioaccel_topology_load(const char *sysfs_root, struct ioaccel_topology **out)
{
	struct ioaccel_topology *t;
	char path[PATH_MAX];
	int r, i;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->sysfs_root = strdup(sysfs_root ? sysfs_root : ioaccel_sysfs_root());
	t->online = ioaccel_cpuset_new();
	if (!t->sysfs_root) {
		ioaccel_topology_free(t);
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), "%s/devices/system/cpu/online", t->sysfs_root);
	r = read_cpulist_file(path, t->online);
	if (r < 0)
		goto fail;
	r = load_nodes(t);
	if (r < 0) {
		if (r != -ENOMEM && t->n_nodes == 0)
			ioaccel_err("cannot list %s/devices/system/node: %s.", t->sysfs_root,
				    strerror(-r));
		goto fail;
	}
	if (t->n_nodes == 0) {
		/* A kernel without CONFIG_NUMA: every online CPU is on node 0. */
		t->nodes = calloc(1, sizeof(*t->nodes));
		if (!t->nodes) {
			r = -ENOMEM;
			goto fail;
		}
		t->n_nodes = 1;
		t->nodes[0].id = 0;
		t->nodes[0].cpus = ioaccel_cpuset_new();
		copy_bitmask_to_bitmask(t->online, t->nodes[0].cpus);
	}
	/* Offline CPUs are listed in no node for the planner's purposes. */
	for (i = 0; i < t->n_nodes; i++) {
		int c;

		ioaccel_cpuset_foreach(c, t->nodes[i].cpus)
			if (!numa_bitmask_isbitset(t->online, (unsigned int)c))
				numa_bitmask_clearbit(t->nodes[i].cpus, (unsigned int)c);
	}
	*out = t;
	return 0;
fail:
	ioaccel_topology_free(t);
	return r;
}

void ioaccel_topology_free(struct ioaccel_topology *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; i < t->n_nodes; i++)
		ioaccel_cpuset_free(t->nodes[i].cpus);
	free(t->nodes);
	ioaccel_cpuset_free(t->online);
	free(t->sysfs_root);
	free(t);
}

int ioaccel_topology_node_of_cpu(const struct ioaccel_topology *t, int cpu)
{
	int i;

	if (cpu < 0 || cpu >= IOACCEL_MAX_CPUS)
		return -1;
	for (i = 0; i < t->n_nodes; i++)
		if (numa_bitmask_isbitset(t->nodes[i].cpus, (unsigned int)cpu))
			return t->nodes[i].id;
	return -1;
}

const struct ioaccel_numa_node *ioaccel_topology_node(const struct ioaccel_topology *t, int id)
{
	int i;

	for (i = 0; i < t->n_nodes; i++)
		if (t->nodes[i].id == id)
			return &t->nodes[i];
	return NULL;
}
