// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The accel element -> struct ioaccel_accel.  Runs after the element passed
 * the schema (accel_schema.c), so every value is known to be well formed;
 * what is checked here are the rules that join two attributes, which
 * schemas/accel.rng lists in its header comment.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "ioaccel.h"
#include "accel_internal.h"

long ioaccel_xml_line(const xmlNode *node)
{
	return node ? xmlGetLineNo(node) : -1;
}

void ioaccel_xml_err(const char *fmt, ...)
{
	char msg[1024], *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Values from the document may hold newlines (&#10;) or tabs: the
	 * message stays one line, as virsh shows it. */
	for (p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	ioaccel_err("%s", msg);
}

void ioaccel_accel_error(const char *who, const xmlNode *node, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	bool ours =
	    node->ns && node->ns->href && strcmp((const char *)node->ns->href, IOACCEL_NS) == 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ioaccel_xml_err("%s: <%s%s> at line %ld: %s", who, ours ? IOACCEL_PREFIX : "",
			(const char *)node->name, ioaccel_xml_line(node), msg);
}

static bool is_accel_element(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, IOACCEL_NS) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *child(const xmlNode *parent, const char *name)
{
	const xmlNode *c;

	for (c = parent ? parent->children : NULL; c; c = c->next)
		if (is_accel_element(c, name))
			return c;
	return NULL;
}

/* Attribute value with surrounding blanks trimmed (the schema's token
 * types allow them), in @buf; NULL if absent. */
static const char *attr(const xmlNode *n, const char *name, char *buf, size_t size)
{
	xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
	const char *s;
	size_t len;

	if (!v)
		return NULL;
	s = (const char *)v;
	while (isspace((unsigned char)*s))
		s++;
	snprintf(buf, size, "%s", s);
	xmlFree(v);
	len = strlen(buf);
	while (len && isspace((unsigned char)buf[len - 1]))
		buf[--len] = '\0';
	return buf;
}

/* An enumerated attribute: the default when absent.  The schema already
 * admitted the value, so an unknown name means the tables in
 * accel_names.c and the schema disagree: a bug, reported as such. */
static int enum_attr(const char *who, const xmlNode *n, const char *name,
		     int (*from_name)(const char *), int def, int *out)
{
	char buf[64];
	const char *v = attr(n, name, buf, sizeof(buf));
	int rc;

	if (!v) {
		*out = def;
		return 0;
	}
	rc = from_name(v);
	if (rc < 0) {
		ioaccel_accel_error(who, n,
				    "%s='%s' passed the schema but libioaccel does not know it; "
				    "this is a bug in ioaccel, please report it.",
				    name, v);
		return -EINVAL;
	}
	*out = rc;
	return 0;
}

static unsigned long uint_attr(const xmlNode *n, const char *name, unsigned long def)
{
	char buf[64];
	const char *v = attr(n, name, buf, sizeof(buf));

	return v ? strtoul(v, NULL, 10) : def;
}

static char *dup_attr(const xmlNode *n, const char *name)
{
	char buf[128];
	const char *v = attr(n, name, buf, sizeof(buf));

	return v ? strdup(v) : NULL;
}

/*
 * The kernel would clamp a minimum per turn to the maximum; a minimum above
 * the maximum is a mistake, said here rather than hidden.  @max 0: the
 * module default, unknown here.
 */
static bool min_above_max(const char *who, const xmlNode *c, const char *unit,
			  unsigned long min, unsigned long max)
{
	if (!max || min <= max)
		return false;
	ioaccel_accel_error(who, c,
			    "min-%s='%lu' is more than max-%s='%lu'; a turn ends at the "
			    "maximum, so use min-%s at most %lu or raise max-%s.",
			    unit, min, unit, max, unit, max, unit);
	return true;
}

static int parse_vhost(const char *who, const xmlNode *vhost, struct ioaccel_accel *a)
{
	const xmlNode *poll, *c;
	char pbuf[32];
	size_t n = 0, i;
	int v, rc;

	rc = enum_attr(who, vhost, "worker", ioaccel_worker_mode_from_name, IOACCEL_WORKER_SHARED,
		       &v);
	if (rc < 0)
		return rc;
	a->worker = v;
	rc = enum_attr(who, vhost, "polling", ioaccel_polling_from_name,
		       a->worker == IOACCEL_WORKER_OFF ? IOACCEL_POLLING_OFF : IOACCEL_POLLING_ON,
		       &v);
	if (rc < 0)
		return rc;
	a->polling = v;
	if (attr(vhost, "numa", pbuf, sizeof(pbuf)) && strcmp(pbuf, "auto") != 0)
		a->numa_node = (int)strtol(pbuf, NULL, 10);

	if (a->worker == IOACCEL_WORKER_OFF && a->polling != IOACCEL_POLLING_OFF) {
		ioaccel_accel_error(who, vhost,
				    "polling='%s' needs an I/O-core worker, but worker='off' keeps "
				    "the stock vhost threads; use polling='off' or worker='shared' "
				    "or 'dedicated'.",
				    ioaccel_polling_name(a->polling));
		return -EINVAL;
	}

	poll = child(vhost, "poll");
	if (poll) {
		if (a->polling != IOACCEL_POLLING_ADAPTIVE) {
			ioaccel_accel_error(who, poll,
					    "thresholds apply only to adaptive polling, but "
					    "<accel:vhost> at line %ld has polling='%s'; use "
					    "polling='adaptive' or remove <accel:poll>.",
					    ioaccel_xml_line(vhost),
					    ioaccel_polling_name(a->polling));
			return -EINVAL;
		}
		a->poll_start_rate = (unsigned int)uint_attr(poll, "start-rate", 0);
		a->poll_stop_idle_us = (unsigned int)uint_attr(poll, "stop-idle-us", 0);
	}

	for (c = vhost->children; c; c = c->next)
		if (is_accel_element(c, "device"))
			n++;
	if (!n)
		return 0;
	a->devices = calloc(n, sizeof(*a->devices));
	if (!a->devices)
		return -ENOMEM;
	for (c = vhost->children; c; c = c->next) {
		struct ioaccel_device_sched *d;
		char *p;

		if (!is_accel_element(c, "device"))
			continue;
		if (a->worker == IOACCEL_WORKER_OFF) {
			ioaccel_accel_error(who, c,
					    "per-device scheduling needs an I/O-core worker, but "
					    "<accel:vhost> at line %ld has worker='off'; remove "
					    "<accel:device> or use worker='shared' or 'dedicated'.",
					    ioaccel_xml_line(vhost));
			return -EINVAL;
		}
		d = &a->devices[a->n_devices++];
		d->line = (int)ioaccel_xml_line(c);
		d->alias = dup_attr(c, "alias");
		d->mac = dup_attr(c, "mac");
		if ((xmlHasProp(c, BAD_CAST "alias") && !d->alias) ||
		    (xmlHasProp(c, BAD_CAST "mac") && !d->mac))
			return -ENOMEM;
		for (p = d->mac; p && *p; p++)
			*p = (char)tolower((unsigned char)*p);
		d->weight = (unsigned int)uint_attr(c, "weight", 100);
		rc = enum_attr(who, c, "class", ioaccel_sched_class_from_name,
			       IOACCEL_CLASS_THROUGHPUT, &v);
		if (rc < 0)
			return rc;
		d->sched_class = v;
		d->max_bytes = uint_attr(c, "max-bytes", 0);
		d->max_packets = (unsigned int)uint_attr(c, "max-packets", 0);
		d->min_bytes = uint_attr(c, "min-bytes", 0);
		d->min_packets = (unsigned int)uint_attr(c, "min-packets", 0);
		if (min_above_max(who, c, "packets", d->min_packets, d->max_packets) ||
		    min_above_max(who, c, "bytes", d->min_bytes, d->max_bytes))
			return -EINVAL;

		for (i = 0; i + 1 < a->n_devices; i++) {
			const struct ioaccel_device_sched *o = &a->devices[i];
			bool same_alias = d->alias && o->alias && strcmp(d->alias, o->alias) == 0;
			bool same_mac = d->mac && o->mac && strcmp(d->mac, o->mac) == 0;

			if (same_alias || same_mac) {
				ioaccel_accel_error(
				    who, c,
				    "%s='%s' names the same device as <accel:device> "
				    "at line %d; give each device once.",
				    same_alias ? "alias" : "mac", same_alias ? d->alias : d->mac,
				    o->line);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int parse_interrupts(const char *who, const xmlNode *irq, struct ioaccel_accel *a)
{
	char buf[32];
	const char *v;
	int posted, rc;

	v = attr(irq, "delivery", buf, sizeof(buf));
	a->exitless_delivery = !v || strcmp(v, "exitless") == 0;
	v = attr(irq, "eoi", buf, sizeof(buf));
	a->exitless_eoi = v ? strcmp(v, "exitless") == 0 : a->exitless_delivery;
	rc = enum_attr(who, irq, "posted", ioaccel_posted_mode_from_name, IOACCEL_POSTED_AUTO,
		       &posted);
	if (rc < 0)
		return rc;
	a->posted = posted;

	if (a->exitless_eoi && !a->exitless_delivery) {
		ioaccel_accel_error(who, irq,
				    "eoi='exitless' needs delivery='exitless' (the guest can "
				    "complete only interrupts delivered to it directly); use "
				    "delivery='exitless' or eoi='standard'.");
		return -EINVAL;
	}
	if (a->posted == IOACCEL_POSTED_PV && !a->exitless_delivery) {
		ioaccel_accel_error(who, irq,
				    "posted='pv' needs delivery='exitless' (para-virtual posting "
				    "builds on exitless delivery); use delivery='exitless' or "
				    "posted='hardware', 'auto' or 'off'.");
		return -EINVAL;
	}
	return 0;
}

void ioaccel_accel_free(struct ioaccel_accel *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n_devices; i++) {
		free(a->devices[i].alias);
		free(a->devices[i].mac);
	}
	free(a->devices);
	free(a);
}

int ioaccel_accel_from_xml(const char *who, const xmlNode *el, struct ioaccel_accel **out)
{
	struct ioaccel_accel *a;
	const xmlNode *n;
	char buf[32];
	const char *v;
	int policy, rc;

	*out = NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->line = (int)ioaccel_xml_line(el);
	a->worker = IOACCEL_WORKER_OFF;
	a->polling = IOACCEL_POLLING_OFF;
	a->numa_node = IOACCEL_NUMA_AUTO;
	a->posted = IOACCEL_POSTED_OFF;

	rc = enum_attr(who, el, "policy", ioaccel_policy_from_name, IOACCEL_POLICY_PREFERRED,
		       &policy);
	if (rc < 0)
		goto fail;
	a->policy = policy;

	n = child(el, "vhost");
	if (n) {
		rc = parse_vhost(who, n, a);
		if (rc < 0)
			goto fail;
	}
	n = child(el, "interrupts");
	if (n) {
		rc = parse_interrupts(who, n, a);
		if (rc < 0)
			goto fail;
	}
	n = child(el, "irq-affinity");
	if (n) {
		v = attr(n, "assigned", buf, sizeof(buf));
		a->pin_assigned_irqs = !v || strcmp(v, "vcpu") == 0;
	}
	*out = a;
	return 0;
fail:
	if (rc == -ENOMEM)
		ioaccel_xml_err("%s: out of memory while reading the accel element.", who);
	ioaccel_accel_free(a);
	return rc;
}
