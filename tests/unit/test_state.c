// SPDX-License-Identifier: LGPL-2.1-or-later
/* Reservation state: file round trip, concurrent reservers (fork), stale
 * reservations, and IRQ pinning on a pristine copy of a /proc fixture. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "apply.h"
#include "planner.h"
#include "state.h"
#include "util.h"
#include "unit_helpers.h"

static char tmpdir[PATH_MAX];

static int make_tmp(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/ioaccel-state-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmpdir));
	capture_reset();
	return 0;
}

static int remove_tmp(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *tmp_path(const char *name)
{
	static char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return p;
}

static void test_round_trip_and_atomic_write(void **state)
{
	struct ioaccel_reservation *r;
	struct ioaccel_state *st;
	struct dirent *de;
	DIR *d;

	assert_int_equal(ioaccel_state_lock(tmp_path("run"), &st), 0);
	assert_int_equal(st->n, 0);
	r = ioaccel_state_add(st, "vm one", "uuid-1");
	r->stage = IOACCEL_STAGE_STARTED;
	r->policy = IOACCEL_POLICY_REQUIRED;
	r->worker = IOACCEL_WORKER_DEDICATED;
	r->core = 3;
	r->node = 1;
	r->slots = 4;
	r->qemu_pid = 1234;
	r->irq_restore = strdup("40=0-7;41=0-7");
	ioaccel_reservation_add_item(r, "io-core", IOACCEL_ITEM_RESERVED, "dedicated core %d", 3);
	ioaccel_reservation_add_item(r, "attach", IOACCEL_ITEM_NOT_APPLIED, "why=\nnot");
	ioaccel_state_add(st, "vm2", "uuid-2");
	assert_int_equal(ioaccel_state_save(st), 0);
	ioaccel_state_free(st);

	assert_int_equal(ioaccel_state_read(tmp_path("run"), &st), 0);
	assert_int_equal(st->n, 2);
	r = ioaccel_state_find(st, "vm one");
	assert_non_null(r);
	assert_string_equal(r->uuid, "uuid-1");
	assert_int_equal(r->stage, IOACCEL_STAGE_STARTED);
	assert_int_equal(r->policy, IOACCEL_POLICY_REQUIRED);
	assert_int_equal(r->worker, IOACCEL_WORKER_DEDICATED);
	assert_int_equal(r->core, 3);
	assert_int_equal(r->node, 1);
	assert_int_equal(r->slots, 4);
	assert_int_equal(r->qemu_pid, 1234);
	assert_string_equal(r->irq_restore, "40=0-7;41=0-7");
	assert_int_equal(r->n_items, 2);
	assert_string_equal(r->items[1].detail, "why= not");
	assert_int_equal(r->items[1].state, IOACCEL_ITEM_NOT_APPLIED);
	assert_int_equal(ioaccel_state_find(st, "vm2")->core, -1);
	assert_int_equal(ioaccel_state_save(st), -EPERM); /* snapshots are read-only */
	ioaccel_state_free(st);

	/* Only the lock and the state file: no temporary left behind. */
	d = opendir(tmp_path("run"));
	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && strcmp(de->d_name, "lock") &&
		    strcmp(de->d_name, "reservations"))
			fail_msg("unexpected file %s", de->d_name);
	closedir(d);
}

static void test_missing_dir_is_empty_and_bad_file_is_named(void **state)
{
	struct ioaccel_state *st;
	FILE *f;

	assert_int_equal(ioaccel_state_read(tmp_path("nothing"), &st), 0);
	assert_int_equal(st->n, 0);
	ioaccel_state_free(st);
	mkdir(tmp_path("bad"), 0755);
	f = fopen(tmp_path("bad/reservations"), "w");
	fputs("format 1\ndomain=a\ncore=x\n", f);
	fclose(f);
	assert_int_equal(ioaccel_state_read(tmp_path("bad"), &st), -EINVAL);
	assert_non_null(strstr(captured.msg, "bad/reservations:3: malformed"));
	f = fopen(tmp_path("bad/reservations"), "w");
	fputs("format 2\n", f);
	fclose(f);
	assert_int_equal(ioaccel_state_read(tmp_path("bad"), &st), -EPROTO);
	assert_non_null(strstr(captured.msg, "format 2"));
}

/* One reserver: lock, plan against what is booked, book, save. */
static int reserver(const char *run, int i)
{
	struct ioaccel_config cfg = { .present = true, .path = (char *)"t", .devices_per_worker = 2,
				      .numa_fallback = true };
	struct ioaccel_accel acc = { .worker = IOACCEL_WORKER_SHARED, .numa_node = IOACCEL_NUMA_AUTO };
	struct ioaccel_domain dom = { .name = (char *)"d", .accel = &acc };
	struct ioaccel_kernel kernel = { .fd = -1 };
	struct ioaccel_reservation plan, *r;
	struct ioaccel_topology *topo;
	struct ioaccel_state *st;
	char name[32];

	cfg.io_cores = ioaccel_cpuset_new();
	ioaccel_cpulist_parse("1,5", cfg.io_cores);
	if (ioaccel_topology_load(fixture("sysfs-2nodes"), &topo) < 0)
		return 10;
	if (ioaccel_state_lock(run, &st) < 0)
		return 11;
	if (ioaccel_plan_domain(&cfg, topo, st, &kernel, &dom, &plan) < 0)
		return 12;
	if (plan.core < 0)
		return 3; /* clean refusal: no slot */
	snprintf(name, sizeof(name), "vm%d", i);
	r = ioaccel_state_add(st, name, name);
	r->core = plan.core;
	r->slots = plan.slots;
	r->worker = plan.worker;
	if (ioaccel_state_save(st) < 0)
		return 13;
	ioaccel_state_free(st);
	return 0;
}

static void test_concurrent_reservers_never_double_book(void **state)
{
	enum { N = 16 };
	struct ioaccel_state *st;
	int i, got = 0, refused = 0;
	pid_t pids[N];

	for (i = 0; i < N; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(reserver(tmp_path("run"), i));
	}
	for (i = 0; i < N; i++) {
		int status;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) == 0)
			got++;
		else if (WEXITSTATUS(status) == 3)
			refused++;
		else
			fail_msg("reserver %d exited with %d", i, WEXITSTATUS(status));
	}
	/* Two cores with two slots each: four win, the rest are refused. */
	assert_int_equal(got, 4);
	assert_int_equal(refused, N - 4);
	assert_int_equal(ioaccel_state_read(tmp_path("run"), &st), 0);
	assert_int_equal(st->n, 4);
	assert_int_equal(ioaccel_state_core_used(st, 1, NULL), 2);
	assert_int_equal(ioaccel_state_core_used(st, 5, NULL), 2);
	ioaccel_state_free(st);
}

static void test_stale_reservations_are_reconciled(void **state)
{
	struct ioaccel_kernel kernel = { .fd = -1 };
	struct ioaccel_reservation *r;
	struct ioaccel_state *st;
	pid_t dead;
	FILE *f;

	dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	setenv("IOACCEL_LIBVIRT_QEMU_RUNDIR", tmpdir, 1);
	f = fopen(tmp_path("running.pid"), "w");
	fprintf(f, "%ld", (long)getpid());
	fclose(f);

	assert_int_equal(ioaccel_state_lock(tmp_path("run"), &st), 0);
	r = ioaccel_state_add(st, "killed-in-prepare", "u");
	r->owner_pid = dead;
	r = ioaccel_state_add(st, "starting", "u");
	r->owner_pid = getpid();
	r->owner_start = ioaccel_process_start_time(getpid());
	r = ioaccel_state_add(st, "pid-reused", "u");
	r->owner_pid = getpid();
	r->owner_start = ioaccel_process_start_time(getpid()) + 1;
	r = ioaccel_state_add(st, "stopped-behind-our-back", "u");
	r->stage = IOACCEL_STAGE_STARTED;
	r = ioaccel_state_add(st, "running", "u");
	r->stage = IOACCEL_STAGE_STARTED;
	assert_int_equal(ioaccel_state_reconcile(st, &kernel, NULL), 3);
	assert_int_equal(st->n, 2);
	assert_non_null(ioaccel_state_find(st, "starting"));
	assert_non_null(ioaccel_state_find(st, "running"));
	ioaccel_state_free(st);
	unsetenv("IOACCEL_LIBVIRT_QEMU_RUNDIR");
}

static void read_affinity(const char *irq, char *buf, size_t size)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/proc/irq/%s/smp_affinity_list", tmpdir, irq);
	assert_true(ioaccel_read_small_file(path, buf, size) >= 0);
	ioaccel_strip(buf);
}

static void test_irq_pinning_and_restore(void **state)
{
	char cmd[3 * PATH_MAX], why[300] = "", buf[64], *restore = NULL;

	/* A pristine copy of the /proc fixture for each run, as kmod does. */
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/proc' && cp -R '%s/.' '%s/proc/'", tmpdir,
		 fixture("proc-irq"), tmpdir);
	assert_int_equal(system(cmd), 0);
	setenv("IOACCEL_PROC_ROOT", tmp_path("proc"), 1);
	setenv("IOACCEL_SYSFS_ROOT", fixture("sysfs-2nodes"), 1);

	assert_int_equal(ioaccel_pin_device_irqs("0000:01:00.0", "4-5", &restore, why, sizeof(why)),
			 2);
	assert_int_equal(ioaccel_pin_device_irqs("0000:02:00.0", "4-5", &restore, why, sizeof(why)),
			 1);
	read_affinity("40", buf, sizeof(buf));
	assert_string_equal(buf, "4-5");
	read_affinity("17", buf, sizeof(buf));
	assert_string_equal(buf, "4-5");
	assert_non_null(strstr(restore, "40=0-7"));
	assert_non_null(strstr(restore, "41=0-7"));
	assert_non_null(strstr(restore, "17=0-7"));
	ioaccel_restore_irqs(restore);
	read_affinity("40", buf, sizeof(buf));
	assert_string_equal(buf, "0-7");
	read_affinity("41", buf, sizeof(buf));
	assert_string_equal(buf, "0-7");
	assert_true(ioaccel_pin_device_irqs("0000:09:00.0", "4", &restore, why, sizeof(why)) < 0);
	assert_non_null(strstr(why, "PCI device 0000:09:00.0 is not on this host"));
	free(restore);
	unsetenv("IOACCEL_PROC_ROOT");
	unsetenv("IOACCEL_SYSFS_ROOT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_and_atomic_write, make_tmp, remove_tmp),
		cmocka_unit_test_setup_teardown(test_missing_dir_is_empty_and_bad_file_is_named,
						make_tmp, remove_tmp),
		cmocka_unit_test_setup_teardown(test_concurrent_reservers_never_double_book, make_tmp,
						remove_tmp),
		cmocka_unit_test_setup_teardown(test_stale_reservations_are_reconciled, make_tmp,
						remove_tmp),
		cmocka_unit_test_setup_teardown(test_irq_pinning_and_restore, make_tmp, remove_tmp),
	};

	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
