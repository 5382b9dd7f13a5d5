// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench-hook HOOK DOMAIN.xml: the hook's own time per operation, as libvirt
 * runs it (fork, exec, XML on stdin, wait), with 100 reservations already
 * in the state, against the stock path: exec of /bin/true with the same
 * stdin (what any hook costs).  Runs in a private state directory with a
 * host configuration of its own; nothing on the host is reserved.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hook_ops.h"
#include "state.h"
#include "util.h"

#define RESERVATIONS 100
#define RUNS 41

static char dir[PATH_MAX];

static double run_once(const char *prog, const char *domain, const char *op, const char *xml)
{
	unsigned long long t0 = ioaccel_now_ns();
	int in[2], status;
	pid_t pid;

	if (pipe(in) < 0)
		exit(1);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(in[0], 0);
		dup2(null, 1);
		close(in[0]);
		close(in[1]);
		execl(prog, prog, domain, op, "begin", "-", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	if (write(in[1], xml, strlen(xml)) < 0)
		perror("write");
	close(in[1]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench-hook: %s %s %s failed (status %d)\n", prog, domain, op,
			status);
		exit(1);
	}
	return (double)(ioaccel_now_ns() - t0) / 1e6;
}

/* The same operation inside this process: the hook's own work, without
 * fork, exec and the dynamic loader. */
static double run_inproc(const char *domain, const char *op, const char *xml)
{
	unsigned long long t0 = ioaccel_now_ns();
	FILE *null = fopen("/dev/null", "w");

	if (ioaccel_hook_run(domain, op, "begin", xml, strlen(xml), null) != 0) {
		fprintf(stderr, "bench-hook: in-process %s %s failed\n", domain, op);
		exit(1);
	}
	fclose(null);
	return (double)(ioaccel_now_ns() - t0) / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *what, double *ms)
{
	qsort(ms, RUNS, sizeof(*ms), cmp);
	printf("  %-36s median %7.3f ms   min %7.3f   p90 %7.3f   max %7.3f\n", what,
	       ms[RUNS / 2], ms[0], ms[RUNS * 9 / 10], ms[RUNS - 1]);
}

static char *read_file(const char *path)
{
	char *buf;
	size_t len;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || ioaccel_read_fd_all(fd, 1 << 20, &buf, &len) < 0) {
		fprintf(stderr, "bench-hook: cannot read %s\n", path);
		exit(1);
	}
	close(fd);
	return buf;
}

int main(int argc, char *argv[])
{
	static const char plain[] = "<domain type='qemu'><name>plain</name><memory unit='MiB'>64"
				    "</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type>"
				    "</os></domain>";
	double prepare[RUNS], started[RUNS], release[RUNS], total[RUNS], passthrough[RUNS],
		stock[RUNS], own_prepare[RUNS], own_started[RUNS], own_release[RUNS],
		own_passthrough[RUNS];
	struct ioaccel_state *st;
	char path[PATH_MAX + 32], cmd[PATH_MAX + 16];
	const char *hook;
	char *xml;
	FILE *f;
	int i;

	if (argc != 3) {
		fprintf(stderr, "usage: bench-hook HOOK DOMAIN.xml\n");
		return 2;
	}
	hook = argv[1];
	xml = read_file(argv[2]);
	/* Under /run like the real state (tmpfs: fsync is cheap there). */
	snprintf(dir, sizeof(dir), "/run/ioaccel-bench-XXXXXX");
	if (!mkdtemp(dir)) {
		snprintf(dir, sizeof(dir), "/tmp/ioaccel-bench-XXXXXX");
		if (!mkdtemp(dir))
			return 1;
	}
	snprintf(path, sizeof(path), "%s/ioaccel.conf", dir);
	f = fopen(path, "w");
	fprintf(f, "io-cores = 0\ndevices-per-worker = 256\n");
	fclose(f);
	setenv("IOACCEL_CONF", path, 1);
	snprintf(path, sizeof(path), "%s/run", dir);
	setenv("IOACCEL_RUNDIR", path, 1);
	setenv("IOACCEL_LIBVIRT_QEMU_RUNDIR", dir, 1);

	/* 100 reservations of domains whose start is in progress (ours). */
	if (ioaccel_state_lock(NULL, &st) < 0)
		return 1;
	for (i = 0; i < RESERVATIONS; i++) {
		struct ioaccel_reservation *r;
		char name[32];

		snprintf(name, sizeof(name), "bench-%03d", i);
		r = ioaccel_state_add(st, name, name);
		r->core = 0;
		r->node = 0;
		r->slots = 1;
		r->worker = IOACCEL_WORKER_SHARED;
		r->owner_pid = getpid();
		r->owner_start = ioaccel_process_start_time(getpid());
		ioaccel_reservation_add_item(r, "io-core", IOACCEL_ITEM_RESERVED,
					     "shared worker on I/O core 0 (node 0)");
		ioaccel_reservation_add_item(r, "attach", IOACCEL_ITEM_NOT_APPLIED,
					     "the ioaccel kernel modules are not loaded");
	}
	if (ioaccel_state_save(st) < 0)
		return 1;
	ioaccel_state_free(st);
	/* "QEMU" of the benchmarked domain: this process. */
	snprintf(path, sizeof(path), "%s/ioaccel-demo.pid", dir);
	f = fopen(path, "w");
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);

	for (i = 0; i < RUNS; i++) {
		prepare[i] = run_once(hook, "ioaccel-demo", "prepare", xml);
		started[i] = run_once(hook, "ioaccel-demo", "started", xml);
		release[i] = run_once(hook, "ioaccel-demo", "release", xml);
		total[i] = prepare[i] + started[i] + release[i];
		passthrough[i] = run_once(hook, "plain", "prepare", plain);
		stock[i] = run_once("/bin/true", "ioaccel-demo", "prepare", xml);
	}
	for (i = 0; i < RUNS; i++) {
		own_prepare[i] = run_inproc("ioaccel-demo", "prepare", xml);
		own_started[i] = run_inproc("ioaccel-demo", "started", xml);
		own_release[i] = run_inproc("ioaccel-demo", "release", xml);
		own_passthrough[i] = run_inproc("plain", "prepare", plain);
	}
	if (ioaccel_state_read(NULL, &st) == 0) {
		if (st->n != RESERVATIONS)
			fprintf(stderr, "bench-hook: %zu reservations left, expected %d\n", st->n,
				RESERVATIONS);
		ioaccel_state_free(st);
	}
	printf("ioaccel hook, %d runs each, %d reservations in state (%s), wall time per hook "
	       "execution (fork+exec+stdin+wait):\n",
	       RUNS, RESERVATIONS, dir);
	report("stock: /bin/true as the hook", stock);
	report("no accel element (pass through)", passthrough);
	report("prepare (parse, plan, reserve)", prepare);
	report("started (apply)", started);
	report("release (undo)", release);
	report("prepare+started+release", total);
	printf("the hook's own work, in process (no fork/exec/loader), same state:\n");
	report("no accel element (pass through)", own_passthrough);
	report("prepare (parse, plan, reserve)", own_prepare);
	report("started (apply)", own_started);
	report("release (undo)", own_release);
	printf("  target: under 50 ms added to virsh start (prepare+start+started)\n");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
