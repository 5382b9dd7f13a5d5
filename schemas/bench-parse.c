// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench-parse: what reading the domain XML costs the hook (make bench).
 * The hook is a fresh process per call, so the first parse of each kind is
 * shown apart (the first with an accel element compiles the schema), and
 * so is libxml2's own start-up.  Times are CPU time of this process, so a
 * busy machine does not inflate them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>

#include "ioaccel.h"
#include "accel.h"

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(1 << 20);

	if (!f || !buf) {
		fprintf(stderr, "bench-parse: cannot read %s\n", path);
		exit(1);
	}
	*len = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	return buf;
}

/* Microseconds for one parse; exits on failure. */
static double parse_once(const char *buf, size_t len, const char *path)
{
	struct ioaccel_domain *dom;
	double t0 = now_us(), t1;

	if (ioaccel_domain_parse(buf, len, path, &dom) < 0)
		exit(1);
	t1 = now_us();
	ioaccel_domain_free(dom);
	return t1 - t0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *what, const char *path, int runs)
{
	size_t len;
	char *buf = slurp(path, &len);
	double *t = malloc(sizeof(*t) * (size_t)runs), first;
	int i;

	first = parse_once(buf, len, path);
	for (i = 0; i < runs; i++)
		t[i] = parse_once(buf, len, path);
	qsort(t, (size_t)runs, sizeof(*t), cmp);
	printf("  %-28s first %8.1f us   then median %6.1f us, p99 %6.1f us (%d runs)\n", what,
	       first, t[runs / 2], t[runs * 99 / 100], runs);
	free(t);
	free(buf);
}

int main(int argc, char *argv[])
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench-parse NO-ACCEL.xml ACCEL.xml\n");
		return 2;
	}
	double t0;

	printf("Domain XML parse, as the hook does it (target: well under 1 ms without an "
	       "accel element):\n");
	t0 = now_us();
	xmlInitParser();
	printf("  %-28s %8.1f us, once per process\n", "libxml2 start-up", now_us() - t0);
	report("without accel element", argv[1], 2000);
	report("with accel element", argv[2], 2000);
	return 0;
}
