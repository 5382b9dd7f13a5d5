// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Apply and undo.  The kernel calls go through control.c; IRQ pinning is
 * done here directly (sysfs msi_irqs, /proc/irq/N/smp_affinity_list), both
 * below roots the tests can point at fixture trees.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "ioaccel.h"
#include "topology.h"
#include "util.h"

const char *ioaccel_libvirt_qemu_rundir(void)
{
	const char *p = getenv("IOACCEL_LIBVIRT_QEMU_RUNDIR");

	return p && *p ? p : IOACCEL_LIBVIRT_QEMU_RUNDIR_DEFAULT;
}

const char *ioaccel_proc_root(void)
{
	const char *p = getenv("IOACCEL_PROC_ROOT");

	return p && *p ? p : IOACCEL_PROC_ROOT_DEFAULT;
}

pid_t ioaccel_qemu_pid(const char *domain)
{
	char path[PATH_MAX], buf[64];
	long pid;

	snprintf(path, sizeof(path), "%s/%s.pid", ioaccel_libvirt_qemu_rundir(), domain);
	if (ioaccel_read_small_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	pid = strtol(buf, NULL, 10);
	if (pid <= 0 || !ioaccel_process_alive((pid_t)pid, 0))
		return 0;
	return (pid_t)pid;
}

static int append(char **s, const char *piece)
{
	size_t a = *s ? strlen(*s) : 0, b = strlen(piece);
	char *n = realloc(*s, a + b + 2);

	if (!n)
		return -ENOMEM;
	if (a)
		n[a++] = ';';
	memcpy(n + a, piece, b + 1);
	*s = n;
	return 0;
}

static int pin_irq(const char *irq, const char *cpulist, char **restore)
{
	char path[PATH_MAX], old[8192], piece[8300];
	int r;

	snprintf(path, sizeof(path), "%s/irq/%s/smp_affinity_list", ioaccel_proc_root(), irq);
	r = ioaccel_read_small_file(path, old, sizeof(old));
	if (r < 0)
		return r;
	ioaccel_strip(old);
	r = ioaccel_write_string_file(path, cpulist);
	if (r < 0)
		return r;
	snprintf(piece, sizeof(piece), "%s=%s", irq, old);
	return append(restore, piece);
}

int ioaccel_pin_device_irqs(const char *addr, const char *cpulist, char **restore, char *why,
			    size_t whysize)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], buf[64];
	struct dirent *de;
	int pinned = 0, r = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/bus/pci/devices/%s", ioaccel_sysfs_root(), addr);
	snprintf(path, sizeof(path), "%s/msi_irqs", dir);
	d = opendir(path);
	if (d) {
		while ((de = readdir(d))) {
			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			r = pin_irq(de->d_name, cpulist, restore);
			if (r < 0) {
				snprintf(why, whysize, "cannot pin IRQ %s of %s: %s", de->d_name,
					 addr, strerror(-r));
				break;
			}
			pinned++;
		}
		closedir(d);
		return r < 0 ? r : pinned;
	}
	/* No MSI: the legacy INTx line, if any. */
	snprintf(path, sizeof(path), "%s/irq", dir);
	r = ioaccel_read_small_file(path, buf, sizeof(buf));
	if (r < 0) {
		snprintf(why, whysize, "PCI device %s is not on this host (%s: %s)", addr, dir,
			 strerror(-r));
		return r;
	}
	ioaccel_strip(buf);
	if (strcmp(buf, "0") == 0)
		return 0;
	r = pin_irq(buf, cpulist, restore);
	if (r < 0) {
		snprintf(why, whysize, "cannot pin IRQ %s of %s: %s", buf, addr, strerror(-r));
		return r;
	}
	return 1;
}

void ioaccel_restore_irqs(const char *restore)
{
	char *copy, *tok, *save = NULL;

	if (!restore || !*restore)
		return;
	copy = strdup(restore);
	if (!copy)
		return;
	for (tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char path[PATH_MAX], *eq = strchr(tok, '=');
		int r;

		if (!eq)
			continue;
		*eq = '\0';
		snprintf(path, sizeof(path), "%s/irq/%s/smp_affinity_list", ioaccel_proc_root(),
			 tok);
		r = ioaccel_write_string_file(path, eq + 1);
		if (r < 0 && r != -ENOENT)
			ioaccel_warn("cannot restore the affinity of IRQ %s to %s: %s.", tok,
				     eq + 1, strerror(-r));
	}
	free(copy);
}

/* One item failed to apply: recorded, and fatal under policy required. */
static int apply_failed(struct ioaccel_reservation *r, struct ioaccel_item *it, int err,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int apply_failed(struct ioaccel_reservation *r, struct ioaccel_item *it, int err,
			const char *fmt, ...)
{
	char why[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ioaccel_item_set(it, IOACCEL_ITEM_NOT_APPLIED, "%s", why);
	if (r->policy == IOACCEL_POLICY_REQUIRED) {
		ioaccel_err("domain '%s': %s could not be applied: %s, and policy is required; "
			    "see 'ioaccelctl status' and the kernel log.",
			    r->domain, it->name, why);
		return err;
	}
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	int i;

	if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4],
			 &b[5]) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static const char *device_mac(const struct ioaccel_domain *dom,
			      const struct ioaccel_device_sched *d)
{
	size_t i;

	if (d->mac)
		return d->mac;
	for (i = 0; i < dom->n_interfaces; i++)
		if (dom->interface_alias && dom->interface_alias[i] && d->alias &&
		    strcmp(dom->interface_alias[i], d->alias) == 0)
			return dom->interface_mac ? dom->interface_mac[i] : NULL;
	return NULL;
}

static int apply_vhost(struct ioaccel_reservation *r, const struct ioaccel_domain *dom,
		       const struct ioaccel_config *cfg, struct ioaccel_kernel *kernel, pid_t pid)
{
	const struct ioaccel_accel *acc = dom->accel;
	struct ioaccel_item *attach = ioaccel_reservation_item(r, "attach");
	struct ioaccel_item *poll = ioaccel_reservation_item(r, "polling");
	struct ioaccel_item *sched = ioaccel_reservation_item(r, "device-sched");
	struct ioaccel_ctl_attach a = { .size = sizeof(a) };
	size_t i;
	int e;

	if (!attach || attach->state != IOACCEL_ITEM_RESERVED)
		return 0;
	a.pid = (int32_t)pid;
	a.cpu = (uint32_t)r->core;
	a.worker = r->worker == IOACCEL_WORKER_DEDICATED ? IOACCEL_CTL_WORKER_DEDICATED :
							   IOACCEL_CTL_WORKER_SHARED;
	if (poll && poll->state == IOACCEL_ITEM_RESERVED)
		a.polling = acc->polling == IOACCEL_POLLING_ADAPTIVE ? IOACCEL_CTL_POLL_ADAPTIVE :
								       IOACCEL_CTL_POLL_ON;
	a.poll_start_rate = acc->poll_start_rate ? acc->poll_start_rate : cfg->poll_start_rate;
	a.poll_stop_idle_us = acc->poll_stop_idle_us ? acc->poll_stop_idle_us :
						       cfg->poll_stop_idle_us;
	e = ioaccel_kernel_attach(kernel, &a);
	if (e == -ENODEV && dom->n_interfaces == 0) {
		/* Nothing to accelerate is not a failure, even under required. */
		ioaccel_item_set(attach, IOACCEL_ITEM_APPLIED,
				 "nothing to attach: the domain has no vhost device");
		if (poll && poll->state == IOACCEL_ITEM_RESERVED)
			ioaccel_item_set(poll, IOACCEL_ITEM_APPLIED,
					 "nothing to poll: the domain has no vhost device");
		return 0;
	}
	if (e < 0) {
		if (poll && poll->state == IOACCEL_ITEM_RESERVED)
			ioaccel_item_set(poll, IOACCEL_ITEM_NOT_APPLIED,
					 "not attached to the I/O core worker");
		return apply_failed(r, attach, e, "IOACCEL_IOC_ATTACH_VM for QEMU pid %ld: %s",
				    (long)pid, strerror(-e));
	}
	ioaccel_item_set(attach, IOACCEL_ITEM_APPLIED,
			 "vhost queues of QEMU pid %ld on the %s worker of I/O core %d", (long)pid,
			 ioaccel_worker_mode_name(r->worker), r->core);
	if (poll && poll->state == IOACCEL_ITEM_RESERVED)
		ioaccel_item_set(poll, IOACCEL_ITEM_APPLIED, "%s", poll->detail);
	if (!sched || sched->state != IOACCEL_ITEM_RESERVED)
		return 0;
	for (i = 0; i < acc->n_devices; i++) {
		const struct ioaccel_device_sched *d = &acc->devices[i];
		struct ioaccel_ctl_device_sched s = { .size = IOACCEL_CTL_DEVICE_SCHED_SIZE_V1 };
		const char *mac = device_mac(dom, d);
		bool with_min = d->min_bytes || d->min_packets;

		if (parse_mac(mac, s.mac) < 0)
			return apply_failed(r, sched, -ENODEV,
					    "device '%s' (line %d) is not a virtio interface of the "
					    "domain",
					    d->alias ? d->alias : d->mac ? d->mac : "?", d->line);
		s.pid = (int32_t)pid;
		s.weight = (uint16_t)d->weight;
		s.sched_class = d->sched_class == IOACCEL_CLASS_LATENCY ? 1 : 0;
		s.max_packets = d->max_packets;
		s.max_bytes = d->max_bytes;
		if (with_min) {
			/* The planner checked the feature; the modules may have been
			 * reloaded since, and EINVAL alone would not say why. */
			if (!ioaccel_kernel_has(kernel, IOACCEL_FEAT_SCHED_MIN))
				return apply_failed(r, sched, -ENODEV,
						    "device '%s' (line %d) asks for a minimum per "
						    "turn, but the loaded ioaccel modules have no "
						    "sched_min feature",
						    d->alias ? d->alias : mac, d->line);
			/* The longer request only where it is needed, so that
			 * older modules keep taking the rest. */
			s.size = sizeof(s);
			s.min_packets = d->min_packets;
			s.min_bytes = d->min_bytes;
		}
		e = ioaccel_kernel_set_device_sched(kernel, &s);
		if (e < 0)
			return apply_failed(r, sched, e, "IOACCEL_IOC_SET_DEVICE_SCHED for %s: %s",
					    mac, strerror(-e));
	}
	ioaccel_item_set(sched, IOACCEL_ITEM_APPLIED, "%s", sched->detail);
	return 0;
}

static int apply_grants(struct ioaccel_reservation *r, const struct ioaccel_domain *dom,
			struct ioaccel_kernel *kernel, pid_t pid)
{
	static const struct {
		const char *item;
		uint32_t grant;
	} map[] = {
		{ "exitless-delivery", IOACCEL_GRANT_EXITLESS_DELIVERY },
		{ "exitless-eoi", IOACCEL_GRANT_EXITLESS_EOI },
	};
	struct ioaccel_ctl_grant g = { .size = sizeof(g), .pid = (int32_t)pid };
	struct ioaccel_item *posted = ioaccel_reservation_item(r, "posted");
	size_t i;
	int e;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		struct ioaccel_item *it = ioaccel_reservation_item(r, map[i].item);

		if (it && it->state == IOACCEL_ITEM_RESERVED)
			g.grants |= map[i].grant;
	}
	if (posted && posted->state == IOACCEL_ITEM_RESERVED)
		g.grants |= strstr(posted->detail, "hardware") ? IOACCEL_GRANT_POSTED_HW :
								 IOACCEL_GRANT_POSTED_PV;
	if (!g.grants)
		return 0;
	e = ioaccel_kernel_grant(kernel, &g);
	for (i = 0; i < r->n_items; i++) {
		struct ioaccel_item *it = &r->items[i];

		if (it->state != IOACCEL_ITEM_RESERVED ||
		    (strcmp(it->name, "exitless-delivery") && strcmp(it->name, "exitless-eoi") &&
		     strcmp(it->name, "posted")))
			continue;
		if (e < 0) {
			int f = apply_failed(r, it, e, "IOACCEL_IOC_GRANT_VM for QEMU pid %ld: %s",
					     (long)pid, strerror(-e));
			if (f < 0)
				return f;
		} else {
			ioaccel_item_set(it, IOACCEL_ITEM_APPLIED, "%s granted", it->detail);
		}
	}
	(void)dom;
	return 0;
}

static int apply_irq_affinity(struct ioaccel_reservation *r, const struct ioaccel_domain *dom)
{
	struct ioaccel_item *it = ioaccel_reservation_item(r, "irq-affinity");
	char why[300] = "";
	int total = 0;
	size_t i;

	if (!it || it->state != IOACCEL_ITEM_RESERVED)
		return 0;
	for (i = 0; i < dom->n_hostdevs; i++) {
		int n = ioaccel_pin_device_irqs(dom->hostdev_addr[i], dom->vcpu_cpuset,
						&r->irq_restore, why, sizeof(why));

		if (n < 0)
			return apply_failed(r, it, n, "%s", why);
		total += n;
	}
	ioaccel_item_set(it, IOACCEL_ITEM_APPLIED, "%d IRQ%s of %zu assigned device%s pinned to CPUs %s",
			 total, total == 1 ? "" : "s", dom->n_hostdevs,
			 dom->n_hostdevs == 1 ? "" : "s", dom->vcpu_cpuset);
	return 0;
}

int ioaccel_apply(struct ioaccel_reservation *r, const struct ioaccel_domain *dom,
		  const struct ioaccel_config *cfg, struct ioaccel_kernel *kernel, pid_t qemu_pid)
{
	int e;

	r->qemu_pid = qemu_pid;
	r->stage = IOACCEL_STAGE_STARTED;
	e = apply_vhost(r, dom, cfg, kernel, qemu_pid);
	if (e == 0)
		e = apply_grants(r, dom, kernel, qemu_pid);
	if (e == 0)
		e = apply_irq_affinity(r, dom);
	return e;
}

void ioaccel_undo(struct ioaccel_reservation *r, struct ioaccel_kernel *kernel)
{
	size_t i;
	bool kernel_applied = false;

	for (i = 0; i < r->n_items; i++)
		if (r->items[i].state == IOACCEL_ITEM_APPLIED && strcmp(r->items[i].name, "io-core") &&
		    strcmp(r->items[i].name, "numa") && strcmp(r->items[i].name, "irq-affinity"))
			kernel_applied = true;
	if (kernel_applied && r->qemu_pid > 0) {
		int e = ioaccel_kernel_detach(kernel, r->qemu_pid);

		if (e < 0 && e != -ESRCH)
			ioaccel_warn("domain '%s': IOACCEL_IOC_DETACH_VM for QEMU pid %ld: %s.",
				     r->domain, (long)r->qemu_pid, strerror(-e));
	}
	ioaccel_restore_irqs(r->irq_restore);
	free(r->irq_restore);
	r->irq_restore = NULL;
}

bool ioaccel_reservation_stale(const struct ioaccel_reservation *r, char *why, size_t whysize)
{
	pid_t pid = ioaccel_qemu_pid(r->domain);

	if (pid > 0) {
		snprintf(why, whysize, "QEMU pid %ld runs", (long)pid);
		return false;
	}
	if (r->stage == IOACCEL_STAGE_STARTED) {
		snprintf(why, whysize, "the domain no longer runs");
		return true;
	}
	if (ioaccel_process_alive(r->owner_pid, r->owner_start)) {
		snprintf(why, whysize, "its start is in progress (libvirtd pid %ld)",
			 (long)r->owner_pid);
		return false;
	}
	snprintf(why, whysize,
		 "the domain never started and the process that reserved it (pid %ld) is gone",
		 (long)r->owner_pid);
	return true;
}

int ioaccel_state_reconcile(struct ioaccel_state *st, struct ioaccel_kernel *kernel,
			    const char *keep)
{
	int removed = 0;
	size_t i = 0;

	while (i < st->n) {
		struct ioaccel_reservation *r = &st->res[i];
		char why[200];

		if ((keep && strcmp(r->domain, keep) == 0) ||
		    !ioaccel_reservation_stale(r, why, sizeof(why))) {
			i++;
			continue;
		}
		ioaccel_notice("domain '%s': dropping its stale reservation of I/O core %d: %s.",
			       r->domain, r->core, why);
		ioaccel_undo(r, kernel);
		ioaccel_state_remove(st, r);
		removed++;
	}
	return removed;
}
