// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The reservation file.  Text, one "key=value" per line, one [domain]
 * section per reservation, so an operator can read it and a format change
 * is visible ("format 1" on the first line).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accel_internal.h"
#include "ioaccel.h"
#include "state.h"
#include "util.h"

static const char *const item_state_names[] = {
	[IOACCEL_ITEM_RESERVED] = "reserved",
	[IOACCEL_ITEM_APPLIED] = "applied",
	[IOACCEL_ITEM_NOT_APPLIED] = "not-applied",
};

static const char *const stage_names[] = {
	[IOACCEL_STAGE_PREPARED] = "prepared",
	[IOACCEL_STAGE_STARTED] = "started",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, int v)
{
	return v >= 0 && (size_t)v < n ? names[v] : "?";
}

static int value_of(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

const char *ioaccel_item_state_name(enum ioaccel_item_state s)
{
	return name_of(item_state_names, N(item_state_names), (int)s);
}

const char *ioaccel_stage_name(enum ioaccel_stage s)
{
	return name_of(stage_names, N(stage_names), (int)s);
}

const char *ioaccel_rundir(void)
{
	const char *p = getenv("IOACCEL_RUNDIR");

	return p && *p ? p : IOACCEL_RUNDIR_DEFAULT;
}

static void reservation_clear(struct ioaccel_reservation *r)
{
	free(r->domain);
	free(r->uuid);
	free(r->irq_restore);
	memset(r, 0, sizeof(*r));
}

void ioaccel_state_free(struct ioaccel_state *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->n; i++)
		reservation_clear(&st->res[i]);
	free(st->res);
	if (st->lock_fd >= 0)
		close(st->lock_fd); /* drops the flock */
	free(st->dir);
	free(st);
}

struct ioaccel_reservation *ioaccel_state_find(struct ioaccel_state *st, const char *domain)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->res[i].domain, domain) == 0)
			return &st->res[i];
	return NULL;
}

struct ioaccel_reservation *ioaccel_state_add(struct ioaccel_state *st, const char *domain,
					       const char *uuid)
{
	struct ioaccel_reservation *grown, *r;

	grown = realloc(st->res, sizeof(*grown) * (st->n + 1));
	if (!grown)
		return NULL;
	st->res = grown;
	r = &st->res[st->n];
	memset(r, 0, sizeof(*r));
	r->domain = strdup(domain);
	r->uuid = strdup(uuid ? uuid : "");
	if (!r->domain || !r->uuid) {
		reservation_clear(r);
		return NULL;
	}
	r->core = -1;
	r->node = -1;
	st->n++;
	return r;
}

void ioaccel_state_remove(struct ioaccel_state *st, struct ioaccel_reservation *r)
{
	size_t i = (size_t)(r - st->res);

	if (i >= st->n)
		return;
	reservation_clear(r);
	memmove(&st->res[i], &st->res[i + 1], sizeof(*r) * (st->n - i - 1));
	st->n--;
}

unsigned int ioaccel_state_core_used(const struct ioaccel_state *st, int core, bool *dedicated)
{
	unsigned int used = 0;
	size_t i;

	if (dedicated)
		*dedicated = false;
	for (i = 0; i < st->n; i++) {
		if (st->res[i].core != core)
			continue;
		used += st->res[i].slots;
		if (dedicated && st->res[i].worker == IOACCEL_WORKER_DEDICATED)
			*dedicated = true;
	}
	return used;
}

static void item_vset(struct ioaccel_item *it, enum ioaccel_item_state state, const char *fmt,
		      va_list ap) __attribute__((format(printf, 3, 0)));

static void item_vset(struct ioaccel_item *it, enum ioaccel_item_state state, const char *fmt,
		      va_list ap)
{
	char *nl;

	it->state = state;
	vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
	/* One line per item in the file. */
	while ((nl = strchr(it->detail, '\n')))
		*nl = ' ';
}

void ioaccel_item_set(struct ioaccel_item *it, enum ioaccel_item_state state, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	item_vset(it, state, fmt, ap);
	va_end(ap);
}

struct ioaccel_item *ioaccel_reservation_item(struct ioaccel_reservation *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_items; i++)
		if (strcmp(r->items[i].name, name) == 0)
			return &r->items[i];
	return NULL;
}

void ioaccel_reservation_add_item(struct ioaccel_reservation *r, const char *name,
				  enum ioaccel_item_state state, const char *fmt, ...)
{
	struct ioaccel_item *it = ioaccel_reservation_item(r, name);
	va_list ap;

	if (!it) {
		if (r->n_items == IOACCEL_MAX_ITEMS)
			return;
		it = &r->items[r->n_items++];
		snprintf(it->name, sizeof(it->name), "%s", name);
	}
	va_start(ap, fmt);
	item_vset(it, state, fmt, ap);
	va_end(ap);
}

/* ---- file format ---- */

static int state_path(const struct ioaccel_state *st, const char *name, char *buf, size_t size)
{
	if ((size_t)snprintf(buf, size, "%s/%s", st->dir, name) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int parse_int(const char *v, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(v, &end, 10);
	return errno || end == v || *end ? -EINVAL : 0;
}

static int parse_line(struct ioaccel_reservation *r, const char *key, const char *v)
{
	long long n = 0;
	int e;

	if (!strcmp(key, "uuid")) {
		free(r->uuid);
		r->uuid = strdup(v);
		return r->uuid ? 0 : -ENOMEM;
	}
	if (!strcmp(key, "irq-restore")) {
		free(r->irq_restore);
		r->irq_restore = strdup(v);
		return r->irq_restore ? 0 : -ENOMEM;
	}
	if (!strcmp(key, "stage")) {
		e = value_of(stage_names, N(stage_names), v);
		r->stage = (enum ioaccel_stage)e;
		return e < 0 ? -EINVAL : 0;
	}
	if (!strcmp(key, "policy")) {
		e = ioaccel_policy_from_name(v);
		r->policy = (enum ioaccel_policy)e;
		return e < 0 ? -EINVAL : 0;
	}
	if (!strcmp(key, "worker")) {
		e = ioaccel_worker_mode_from_name(v);
		r->worker = (enum ioaccel_worker_mode)e;
		return e < 0 ? -EINVAL : 0;
	}
	if (!strcmp(key, "item")) {
		char name[32], st[32];
		int off = 0;

		if (r->n_items == IOACCEL_MAX_ITEMS)
			return -EINVAL;
		if (sscanf(v, "%31s %31s %n", name, st, &off) < 2)
			return -EINVAL;
		e = value_of(item_state_names, N(item_state_names), st);
		if (e < 0)
			return -EINVAL;
		ioaccel_reservation_add_item(r, name, (enum ioaccel_item_state)e, "%s", v + off);
		return 0;
	}
	if (parse_int(v, &n) < 0)
		return -EINVAL;
	if (!strcmp(key, "core"))
		r->core = (int)n;
	else if (!strcmp(key, "node"))
		r->node = (int)n;
	else if (!strcmp(key, "slots"))
		r->slots = (unsigned int)n;
	else if (!strcmp(key, "owner-pid"))
		r->owner_pid = (pid_t)n;
	else if (!strcmp(key, "owner-start"))
		r->owner_start = (unsigned long long)n;
	else if (!strcmp(key, "qemu-pid"))
		r->qemu_pid = (pid_t)n;
	else if (!strcmp(key, "created"))
		r->created = n;
	/* Unknown keys of the same format are skipped (forward compatible). */
	return 0;
}

static int state_load(struct ioaccel_state *st)
{
	struct ioaccel_reservation *cur = NULL;
	char path[PATH_MAX], line[1024];
	int lineno = 0, r = 0;
	FILE *f;

	r = state_path(st, "reservations", path, sizeof(path));
	if (r < 0)
		return r;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		char *eq;

		lineno++;
		ioaccel_strip(line);
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (lineno == 1 || (lineno <= 2 && !strncmp(line, "format ", 7))) {
			if (strncmp(line, "format ", 7) == 0) {
				if (atoi(line + 7) != IOACCEL_STATE_FORMAT) {
					ioaccel_err("%s is in format %s, this ioaccel reads format "
						    "%d; release the domains with the ioaccel that "
						    "reserved them.",
						    path, line + 7, IOACCEL_STATE_FORMAT);
					r = -EPROTO;
					break;
				}
				continue;
			}
		}
		eq = strchr(line, '=');
		if (!eq) {
			r = -EINVAL;
			goto bad;
		}
		*eq = '\0';
		if (!strcmp(line, "domain")) {
			cur = ioaccel_state_add(st, eq + 1, NULL);
			if (!cur) {
				r = -ENOMEM;
				break;
			}
			continue;
		}
		if (!cur) {
			r = -EINVAL;
			goto bad;
		}
		r = parse_line(cur, line, eq + 1);
		if (r == -EINVAL)
			goto bad;
		if (r < 0)
			break;
	}
	fclose(f);
	return r;
bad:
	fclose(f);
	ioaccel_err("%s:%d: malformed reservation line; run 'ioaccelctl release DOMAIN' for "
		    "the domains it names or remove the file when no domain runs.",
		    path, lineno);
	return r;
}

static struct ioaccel_state *state_new(const char *dir)
{
	struct ioaccel_state *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->lock_fd = -1;
	st->dir = strdup(dir ? dir : ioaccel_rundir());
	if (!st->dir) {
		free(st);
		return NULL;
	}
	return st;
}

int ioaccel_state_lock(const char *dir, struct ioaccel_state **out)
{
	struct ioaccel_state *st;
	char path[PATH_MAX];
	int r;

	*out = NULL;
	st = state_new(dir);
	if (!st)
		return -ENOMEM;
	if (mkdir(st->dir, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		ioaccel_err("cannot create the state directory %s: %s.", st->dir, strerror(errno));
		goto fail;
	}
	r = state_path(st, "lock", path, sizeof(path));
	if (r < 0)
		goto fail;
	st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (st->lock_fd < 0) {
		r = -errno;
		ioaccel_err("cannot open the lock file %s: %s.", path, strerror(errno));
		goto fail;
	}
	while (flock(st->lock_fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		r = -errno;
		ioaccel_err("cannot lock %s: %s.", path, strerror(errno));
		goto fail;
	}
	r = state_load(st);
	if (r < 0) {
		if (r != -EINVAL && r != -EPROTO)
			ioaccel_err("cannot read the reservations in %s: %s.", st->dir,
				    strerror(-r));
		goto fail;
	}
	*out = st;
	return 0;
fail:
	ioaccel_state_free(st);
	return r;
}

int ioaccel_state_read(const char *dir, struct ioaccel_state **out)
{
	struct ioaccel_state *st;
	int r;

	*out = NULL;
	st = state_new(dir);
	if (!st)
		return -ENOMEM;
	r = state_load(st);
	if (r < 0) {
		if (r != -EINVAL && r != -EPROTO)
			ioaccel_err("cannot read the reservations in %s: %s.", st->dir,
				    strerror(-r));
		ioaccel_state_free(st);
		return r;
	}
	*out = st;
	return 0;
}

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		if (b->oom)
			return;
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		} else {
			size_t cap = (b->cap + (size_t)n + 1) * 2;
			char *q = realloc(b->p, cap);

			if (!q) {
				b->oom = true;
				return;
			}
			b->p = q;
			b->cap = cap;
		}
	}
}

int ioaccel_state_save(struct ioaccel_state *st)
{
	struct buf b = { 0 };
	char path[PATH_MAX];
	size_t i, j;
	int r;

	if (st->lock_fd < 0)
		return -EPERM;
	buf_printf(&b, "format %d\n# ioaccel reservations: written by ioaccel-hook under the "
		       "lock; read with 'ioaccelctl status'.\n", IOACCEL_STATE_FORMAT);
	for (i = 0; i < st->n; i++) {
		const struct ioaccel_reservation *res = &st->res[i];

		buf_printf(&b, "\ndomain=%s\nuuid=%s\nstage=%s\npolicy=%s\nworker=%s\n"
			       "core=%d\nnode=%d\nslots=%u\nowner-pid=%ld\nowner-start=%llu\n"
			       "qemu-pid=%ld\ncreated=%lld\n",
			   res->domain, res->uuid, ioaccel_stage_name(res->stage),
			   ioaccel_policy_name(res->policy),
			   ioaccel_worker_mode_name(res->worker), res->core, res->node,
			   res->slots, (long)res->owner_pid, res->owner_start,
			   (long)res->qemu_pid, res->created);
		if (res->irq_restore)
			buf_printf(&b, "irq-restore=%s\n", res->irq_restore);
		for (j = 0; j < res->n_items; j++)
			buf_printf(&b, "item=%s %s %s\n", res->items[j].name,
				   ioaccel_item_state_name(res->items[j].state),
				   res->items[j].detail);
	}
	if (b.oom) {
		free(b.p);
		return -ENOMEM;
	}
	r = state_path(st, "reservations", path, sizeof(path));
	if (r == 0)
		r = ioaccel_write_file_atomic(path, b.p, b.len, 0644);
	if (r < 0)
		ioaccel_err("cannot write the reservations to %s: %s.", path, strerror(-r));
	free(b.p);
	return r;
}
