// SPDX-License-Identifier: LGPL-2.1-or-later
/* Reading the statistics the patched modules export under sysfs. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ioaccel.h"
#include "stats.h"
#include "topology.h"
#include "util.h"

static const char *const worker_names[] = {
#define X(n) #n,
	IOACCEL_WORKER_COUNTERS
#undef X
};

static const char *const queue_names[] = {
#define X(n) #n,
	IOACCEL_QUEUE_COUNTERS
#undef X
};

const char *ioaccel_worker_counter_name(enum ioaccel_worker_counter c)
{
	return c < IOACCEL_WSTAT_MAX ? worker_names[c] : "?";
}

const char *ioaccel_queue_counter_name(enum ioaccel_queue_counter c)
{
	return c < IOACCEL_QSTAT_MAX ? queue_names[c] : "?";
}

static uint64_t read_counter(const char *dir, const char *name)
{
	char path[PATH_MAX + 128], buf[64], *end;
	unsigned long long v;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (ioaccel_read_small_file(path, buf, sizeof(buf)) < 0)
		return IOACCEL_STAT_ABSENT;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end == buf)
		return IOACCEL_STAT_ABSENT;
	return (uint64_t)v;
}

static int compare_names(const void *a, const void *b)
{
	return strverscmp((const char *)a, (const char *)b);
}

/* Calls @fn for each subdirectory of @dir, sorted by name. */
static int list_dirs(const char *dir, char (**names)[64], size_t *n)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	*names = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char (*grown)[64];

		if (de->d_name[0] == '.')
			continue;
		grown = realloc(*names, sizeof(**names) * (*n + 1));
		if (!grown) {
			closedir(d);
			return -ENOMEM;
		}
		*names = grown;
		snprintf((*names)[*n], 64, "%.63s", de->d_name);
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), compare_names);
	return 0;
}

int ioaccel_stats_read(const char *sysfs_root, struct ioaccel_stats **out)
{
	char base[PATH_MAX], dir[PATH_MAX + 200], path[PATH_MAX + 300], buf[64];
	char (*names)[64] = NULL;
	struct ioaccel_stats *s;
	size_t n, i;
	int c, r;

	*out = NULL;
	snprintf(base, sizeof(base), "%s/kernel/ioaccel", sysfs_root ? sysfs_root : ioaccel_sysfs_root());
	snprintf(path, sizeof(path), "%s/version", base);
	r = ioaccel_read_small_file(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	snprintf(s->version, sizeof(s->version), "%s", ioaccel_strip(buf));

	snprintf(dir, sizeof(dir), "%s/workers", base);
	r = list_dirs(dir, &names, &n);
	if (r < 0)
		goto fail;
	s->workers = calloc(n ? n : 1, sizeof(*s->workers));
	if (!s->workers) {
		r = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < n; i++) {
		struct ioaccel_worker_stats *w = &s->workers[s->n_workers++];
		uint64_t cpu;

		snprintf(w->name, sizeof(w->name), "%.63s", names[i]);
		snprintf(path, sizeof(path), "%s/workers/%s", base, names[i]);
		cpu = read_counter(path, "cpu");
		w->cpu = cpu == IOACCEL_STAT_ABSENT ? -1 : (int)cpu;
		for (c = 0; c < IOACCEL_WSTAT_MAX; c++)
			w->v[c] = read_counter(path, worker_names[c]);
	}
	free(names);
	names = NULL;

	snprintf(dir, sizeof(dir), "%s/queues", base);
	r = list_dirs(dir, &names, &n);
	if (r < 0)
		goto fail;
	s->queues = calloc(n ? n : 1, sizeof(*s->queues));
	if (!s->queues) {
		r = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < n; i++) {
		struct ioaccel_queue_stats *q = &s->queues[s->n_queues++];
		char wpath[PATH_MAX + 400];

		snprintf(q->name, sizeof(q->name), "%.63s", names[i]);
		snprintf(path, sizeof(path), "%s/queues/%s", base, names[i]);
		snprintf(wpath, sizeof(wpath), "%s/worker", path);
		if (ioaccel_read_small_file(wpath, q->worker, sizeof(q->worker)) < 0)
			q->worker[0] = '\0';
		ioaccel_strip(q->worker);
		for (c = 0; c < IOACCEL_QSTAT_MAX; c++)
			q->v[c] = read_counter(path, queue_names[c]);
	}
	free(names);
	*out = s;
	return 0;
fail:
	free(names);
	ioaccel_stats_free(s);
	return r;
}

void ioaccel_stats_free(struct ioaccel_stats *s)
{
	if (!s)
		return;
	free(s->workers);
	free(s->queues);
	free(s);
}
