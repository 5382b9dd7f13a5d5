// SPDX-License-Identifier: LGPL-2.1-or-later
/* ioaccelctl stats [--json] [--interval SECONDS [--count N]]: the shared
 * workers' and queues' statistics from the kernel, once or as rates per
 * second refreshed every interval (like kvm_stat). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "ioaccel.h"
#include "report.h"
#include "stats.h"
#include "topology.h"
#include "util.h"

static void print_value(uint64_t v, uint64_t prev, double secs)
{
	if (v == IOACCEL_STAT_ABSENT)
		printf(" %14s", "-");
	else if (secs > 0 && prev != IOACCEL_STAT_ABSENT)
		printf(" %14.0f", (double)(v - prev) / secs);
	else
		printf(" %14llu", (unsigned long long)v);
}

static void print_text(const struct ioaccel_stats *s, const struct ioaccel_stats *prev,
		       double secs)
{
	size_t i, j;
	int c;

	printf("ioaccel kernel statistics (interface version %s)%s\n", s->version,
	       secs > 0 ? ", per second" : ", totals since the modules loaded");
	printf("%-12s", "worker");
	for (c = 0; c < IOACCEL_WSTAT_MAX; c++)
		printf(" %14s", ioaccel_worker_counter_name((enum ioaccel_worker_counter)c));
	putchar('\n');
	for (i = 0; i < s->n_workers; i++) {
		const struct ioaccel_worker_stats *p = NULL;

		for (j = 0; prev && j < prev->n_workers; j++)
			if (!strcmp(prev->workers[j].name, s->workers[i].name))
				p = &prev->workers[j];
		printf("%-12s", s->workers[i].name);
		for (c = 0; c < IOACCEL_WSTAT_MAX; c++)
			print_value(s->workers[i].v[c], p ? p->v[c] : IOACCEL_STAT_ABSENT,
				    p ? secs : 0);
		putchar('\n');
	}
	if (s->n_workers == 0)
		printf("(no workers)\n");
	printf("%-20s %-10s", "queue", "worker");
	for (c = 0; c < IOACCEL_QSTAT_MAX; c++)
		printf(" %14s", ioaccel_queue_counter_name((enum ioaccel_queue_counter)c));
	putchar('\n');
	for (i = 0; i < s->n_queues; i++) {
		const struct ioaccel_queue_stats *p = NULL;

		for (j = 0; prev && j < prev->n_queues; j++)
			if (!strcmp(prev->queues[j].name, s->queues[i].name))
				p = &prev->queues[j];
		printf("%-20s %-10s", s->queues[i].name, s->queues[i].worker);
		for (c = 0; c < IOACCEL_QSTAT_MAX; c++)
			print_value(s->queues[i].v[c], p ? p->v[c] : IOACCEL_STAT_ABSENT,
				    p ? secs : 0);
		putchar('\n');
	}
	if (s->n_queues == 0)
		printf("(no queues)\n");
}

static void json_counter(const char *name, uint64_t v, bool *first)
{
	if (v == IOACCEL_STAT_ABSENT)
		return;
	printf("%s\"%s\":%llu", *first ? "" : ",", name, (unsigned long long)v);
	*first = false;
}

static void print_json(const struct ioaccel_stats *s)
{
	size_t i;
	int c;

	printf("{\"version\":");
	report_json_string(stdout, s->version);
	printf(",\"workers\":[");
	for (i = 0; i < s->n_workers; i++) {
		bool first = false;

		printf("%s{\"name\":", i ? "," : "");
		report_json_string(stdout, s->workers[i].name);
		printf(",\"cpu\":%d", s->workers[i].cpu);
		for (c = 0; c < IOACCEL_WSTAT_MAX; c++)
			json_counter(ioaccel_worker_counter_name((enum ioaccel_worker_counter)c),
				     s->workers[i].v[c], &first);
		putchar('}');
	}
	printf("],\"queues\":[");
	for (i = 0; i < s->n_queues; i++) {
		bool first = false;

		printf("%s{\"name\":", i ? "," : "");
		report_json_string(stdout, s->queues[i].name);
		printf(",\"worker\":");
		report_json_string(stdout, s->queues[i].worker);
		for (c = 0; c < IOACCEL_QSTAT_MAX; c++)
			json_counter(ioaccel_queue_counter_name((enum ioaccel_queue_counter)c),
				     s->queues[i].v[c], &first);
		putchar('}');
	}
	printf("]}\n");
}

static int read_stats(struct ioaccel_stats **s)
{
	int e = ioaccel_stats_read(NULL, s);

	if (e == -ENOENT)
		ioaccel_err("kernel statistics are unavailable: the ioaccel kernel modules are "
			    "not loaded (%s/kernel/ioaccel does not exist); load the patched "
			    "vhost and kvm modules.",
			    ioaccel_sysfs_root());
	else if (e < 0)
		ioaccel_err("cannot read %s/kernel/ioaccel: %s.", ioaccel_sysfs_root(),
			    strerror(-e));
	return e;
}

static int run_stats(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct ioaccel_stats *s = NULL, *prev = NULL;
	double interval = 0;
	long count = -1, n;
	bool json = false;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "ji:c:", options, NULL)) != -1) {
		char *end;

		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'i':
			interval = strtod(optarg, &end);
			if (*end || interval <= 0 || interval > 3600) {
				ioaccel_err("--interval '%s' is not a number of seconds from 0 to "
					    "3600.",
					    optarg);
				return 2;
			}
			break;
		case 'c':
			count = strtol(optarg, &end, 10);
			if (*end || count < 1) {
				ioaccel_err("--count '%s' is not a positive number.", optarg);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: ioaccelctl stats [--json] [--interval SECONDS "
					"[--count N]]\n");
			return 2;
		}
	}
	if (read_stats(&s) < 0)
		return 1;
	if (interval <= 0 || json) {
		if (json)
			print_json(s);
		else
			print_text(s, NULL, 0);
		ioaccel_stats_free(s);
		return 0;
	}
	for (n = 0; count < 0 || n < count; n++) {
		struct timespec ts = { (time_t)interval,
				       (long)((interval - (double)(time_t)interval) * 1e9) };
		unsigned long long t0 = ioaccel_now_ns();

		ioaccel_stats_free(prev);
		prev = s;
		s = NULL;
		nanosleep(&ts, NULL);
		if (read_stats(&s) < 0) {
			ioaccel_stats_free(prev);
			return 1;
		}
		if (isatty(1))
			fputs("\033[H\033[2J", stdout);
		print_text(s, prev, (double)(ioaccel_now_ns() - t0) / 1e9);
		fflush(stdout);
	}
	ioaccel_stats_free(prev);
	ioaccel_stats_free(s);
	return 0;
}

const struct ioaccelctl_command ioaccelctl_cmd_stats = {
	.name = "stats",
	.help = "show the kernel's worker and queue statistics (--interval for rates)",
	.run = run_stats,
};
