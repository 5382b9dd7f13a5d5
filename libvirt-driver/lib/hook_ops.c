// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the hook does for each libvirt operation.
 *
 *   prepare, migrate, restore  parse, plan, reserve (stage "prepared")
 *   started                    apply the reservation to the running QEMU
 *   stopped, release           undo and drop, idempotently
 *   reconnect                  reconcile; never fails (a failing reconnect
 *                              makes libvirt kill the domain)
 *
 * Domains without an accel element are recognised by a substring search
 * for the namespace and pass through without parsing.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "accel.h"
#include "apply.h"
#include "control.h"
#include "hook_ops.h"
#include "ioaccel.h"
#include "ioaccel_config.h"
#include "planner.h"
#include "state.h"
#include "topology.h"
#include "util.h"

struct host {
	struct ioaccel_config *cfg;
	struct ioaccel_topology *topo;
	struct ioaccel_kernel kernel;
	struct ioaccel_state *st;
};

static void host_close(struct host *h)
{
	ioaccel_state_free(h->st);
	ioaccel_topology_free(h->topo);
	ioaccel_config_free(h->cfg);
	ioaccel_kernel_close(&h->kernel);
	memset(h, 0, sizeof(*h));
	h->kernel.fd = -1;
}

static int host_open(struct host *h)
{
	int r;

	memset(h, 0, sizeof(*h));
	h->kernel.fd = -1;
	r = ioaccel_config_load(NULL, &h->cfg);
	if (r == 0)
		r = ioaccel_topology_load(NULL, &h->topo);
	if (r == 0) {
		ioaccel_kernel_probe(&h->kernel);
		r = ioaccel_state_lock(NULL, &h->st);
	}
	if (r < 0)
		host_close(h);
	return r;
}

/* Test-only fault injection: IOACCEL_FAULT=stop-after-reserve stops the
 * hook (SIGSTOP) right after the reservation is on disk, so a test can kill
 * it there.  Never set by libvirt (it clears the environment). */
static void fault_point(const char *name)
{
	const char *f = getenv("IOACCEL_FAULT");

	if (f && strcmp(f, name) == 0)
		raise(SIGSTOP);
}

static void copy_plan(struct ioaccel_reservation *dst, const struct ioaccel_reservation *plan)
{
	dst->stage = IOACCEL_STAGE_PREPARED;
	dst->policy = plan->policy;
	dst->worker = plan->worker;
	dst->core = plan->core;
	dst->node = plan->node;
	dst->slots = plan->slots;
	memcpy(dst->items, plan->items, sizeof(plan->items));
	dst->n_items = plan->n_items;
	dst->owner_pid = getppid();
	dst->owner_start = ioaccel_process_start_time(dst->owner_pid);
	dst->created = (long long)time(NULL);
}

/* Plan and add a reservation for @dom; the state is locked. */
static int reserve(struct host *h, const struct ioaccel_domain *dom, const char *name)
{
	struct ioaccel_reservation plan, *r;
	int e;

	e = ioaccel_plan_domain(h->cfg, h->topo, h->st, &h->kernel, dom, &plan);
	if (e < 0)
		return e;
	r = ioaccel_state_add(h->st, name, dom->uuid);
	if (!r) {
		ioaccel_err("domain '%s': out of memory while reserving.", name);
		return -ENOMEM;
	}
	copy_plan(r, &plan);
	return 0;
}

static int op_prepare(const char *name, const struct ioaccel_domain *dom)
{
	struct ioaccel_reservation *r;
	struct host h;
	int e;

	e = host_open(&h);
	if (e < 0)
		return e;
	ioaccel_state_reconcile(h.st, &h.kernel, name);
	r = ioaccel_state_find(h.st, name);
	if (r) {
		/* migrate/restore reserved already and prepare follows, or a
		 * second prepare: keep the reservation of the same domain. */
		if (dom->uuid && strcmp(r->uuid, dom->uuid) == 0 &&
		    (r->stage == IOACCEL_STAGE_PREPARED || ioaccel_qemu_pid(name) > 0)) {
			host_close(&h);
			return 0;
		}
		ioaccel_undo(r, &h.kernel);
		ioaccel_state_remove(h.st, r);
	}
	e = reserve(&h, dom, name);
	if (e == 0)
		e = ioaccel_state_save(h.st);
	if (e == 0)
		fault_point("stop-after-reserve");
	host_close(&h);
	return e;
}

static int op_started(const char *name, const struct ioaccel_domain *dom)
{
	struct ioaccel_reservation *r;
	struct host h;
	pid_t pid;
	int e;

	e = host_open(&h);
	if (e < 0)
		return e;
	r = ioaccel_state_find(h.st, name);
	if (!r) {
		/* The hook was installed after this domain's prepare. */
		e = reserve(&h, dom, name);
		if (e < 0)
			goto out;
		r = ioaccel_state_find(h.st, name);
	}
	pid = ioaccel_qemu_pid(name);
	if (pid <= 0) {
		e = -ESRCH;
		ioaccel_err("domain '%s': cannot apply the accel element: no running QEMU in "
			    "%s/%s.pid.",
			    name, ioaccel_libvirt_qemu_rundir(), name);
		goto out;
	}
	e = ioaccel_apply(r, dom, h.cfg, &h.kernel, pid);
	/* Saved even on failure: what was applied must be undone at release. */
	if (ioaccel_state_save(h.st) < 0 && e == 0)
		e = -EIO;
out:
	host_close(&h);
	return e;
}

static int op_reconnect(const char *name, const struct ioaccel_domain *dom)
{
	struct ioaccel_reservation *r;
	struct host h;
	pid_t pid;

	if (host_open(&h) < 0) {
		ioaccel_warn("domain '%s': reconnect left the reservations as they are.", name);
		return 0;
	}
	pid = ioaccel_qemu_pid(name);
	r = ioaccel_state_find(h.st, name);
	if (!r && dom) {
		/* State lost (e.g. /run/ioaccel removed): reserve again, but a
		 * running domain is never failed for it. */
		if (reserve(&h, dom, name) == 0) {
			r = ioaccel_state_find(h.st, name);
			if (pid > 0 && ioaccel_apply(r, dom, h.cfg, &h.kernel, pid) < 0)
				ioaccel_warn("domain '%s': reconnect could not apply everything.",
					     name);
		}
	}
	if (r && pid > 0) {
		r->stage = IOACCEL_STAGE_STARTED;
		r->qemu_pid = pid;
	}
	ioaccel_state_reconcile(h.st, &h.kernel, NULL);
	ioaccel_state_save(h.st);
	host_close(&h);
	return 0;
}

int ioaccel_release_domain(const char *domain)
{
	struct ioaccel_kernel kernel;
	struct ioaccel_reservation *r;
	struct ioaccel_state *st;
	struct stat sb;
	int e, found = 0;

	if (stat(ioaccel_rundir(), &sb) < 0 && errno == ENOENT)
		return 0;
	e = ioaccel_state_lock(NULL, &st);
	if (e < 0)
		return e;
	ioaccel_kernel_probe(&kernel);
	r = ioaccel_state_find(st, domain);
	if (r) {
		ioaccel_undo(r, &kernel);
		ioaccel_state_remove(st, r);
		found = 1;
	}
	if (ioaccel_state_reconcile(st, &kernel, domain) > 0 || found)
		e = ioaccel_state_save(st);
	ioaccel_kernel_close(&kernel);
	ioaccel_state_free(st);
	return e < 0 ? e : found;
}

static bool op_is(const char *op, const char *name)
{
	return strcmp(op, name) == 0;
}

int ioaccel_hook_run(const char *domain, const char *op, const char *subop, const char *xml,
		     size_t len, FILE *out)
{
	bool echo = op_is(op, "migrate") || op_is(op, "restore");
	struct ioaccel_domain *dom = NULL;
	int e = 0;

	if (op_is(op, "stopped") || op_is(op, "release")) {
		/* Undo needs only the name; runs even if the XML changed. */
		if (!memmem(xml, len, IOACCEL_NS, strlen(IOACCEL_NS)) &&
		    access(ioaccel_rundir(), F_OK) < 0)
			return 0;
		e = ioaccel_release_domain(domain);
		if (e < 0)
			ioaccel_warn("domain '%s': %s: could not update the reservations; run "
				     "'ioaccelctl release %s'.",
				     domain, op, domain);
		return 0;
	}
	if (!op_is(op, "prepare") && !op_is(op, "started") && !op_is(op, "reconnect") && !echo)
		return 0; /* start, attach and future operations: nothing to do */
	if (!memmem(xml, len, IOACCEL_NS, strlen(IOACCEL_NS)))
		goto done;
	if (strchr(domain, '\n')) {
		ioaccel_err("domain names with a newline are not supported by ioaccel.");
		return 1;
	}
	e = ioaccel_domain_parse(xml, len, "domain XML on stdin", &dom);
	if (e < 0) {
		if (op_is(op, "reconnect"))
			return 0;
		return 1;
	}
	if (!dom->accel)
		goto done;
	if (op_is(op, "prepare") || echo)
		e = op_prepare(domain, dom);
	else if (op_is(op, "started"))
		e = op_started(domain, dom);
	else
		e = op_reconnect(domain, dom);
done:
	ioaccel_domain_free(dom);
	if (e < 0)
		return 1;
	if (echo && fwrite(xml, 1, len, out) != len)
		return 1;
	(void)subop;
	return 0;
}
