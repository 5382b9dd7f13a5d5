// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Loading a libvirt domain XML document, hardened against hostile input,
 * and reading from it what the hook needs: the domain's facts and its
 * accel element.
 *
 * The document is untrusted (anything that can define a domain writes it),
 * so: at most IOACCEL_XML_MAX_BYTES, strict UTF-8, no DOCTYPE at all (so no
 * entity declarations, no external DTD or entities), no network, no
 * XInclude, at most IOACCEL_XML_MAX_DEPTH levels of elements.  libxml2 is
 * silenced for the duration: the one message about a bad document is ours.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "ioaccel.h"
#include "accel_internal.h"

#define XINCLUDE_NS	"http://www.w3.org/2001/XInclude"
#define XINCLUDE_OLD_NS "http://www.w3.org/2003/XInclude"
#define WHO_MAX		160
#define ERR_MAX		768

/* The highest CPU number and NUMA node a cpuset may name. */
#define CPUSET_MAX 8192
#define MAX_VCPUS  16384

/* ---- Keeping libxml2 quiet ------------------------------------------- */

struct load_state {
	const char *who;
	int depth;
	bool failed; /* a limit or rule of ours stopped the parser */
	char err[ERR_MAX];
	bool have_xml_error; /* libxml2's first error, if it is the reason */
	bool xml_error_fatal;
	long xml_error_line;
	char xml_error[ERR_MAX];
	startElementNsSAX2Func start;
	endElementNsSAX2Func end;
};

static void keep_xml_error(struct load_state *st, const xmlError *err)
{
	char *p;
	size_t n;

	if (!err || err->level < XML_ERR_ERROR)
		return;
	/* The first error, unless a fatal one follows a recoverable one. */
	if (st->have_xml_error && (st->xml_error_fatal || err->level != XML_ERR_FATAL))
		return;
	st->have_xml_error = true;
	st->xml_error_fatal = err->level == XML_ERR_FATAL;
	st->xml_error_line = err->line;
	snprintf(st->xml_error, sizeof(st->xml_error), "%s",
		 err->message ? err->message : "unknown error");
	/* libxml2's messages may span lines; ours are one line. */
	for (p = st->xml_error; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	n = strlen(st->xml_error);
	while (n && st->xml_error[n - 1] == ' ')
		st->xml_error[--n] = '\0';
	while (n && st->xml_error[n - 1] == '.')
		st->xml_error[--n] = '\0';
}

static void on_parser_error(void *ctx, ioaccel_xml_error_t err)
{
	xmlParserCtxtPtr ctxt = ctx;

	if (ctxt && ctxt->_private)
		keep_xml_error(ctxt->_private, err);
}

static void on_global_error(void *data, ioaccel_xml_error_t err)
{
	if (data)
		keep_xml_error(data, err);
}

static void discard_generic_error(void *ctx, const char *msg, ...)
{
}

static xmlParserInputPtr refuse_external_entity(const char *url, const char *id,
						xmlParserCtxtPtr ctxt)
{
	if (ctxt && ctxt->_private) {
		struct load_state *st = ctxt->_private;

		if (!st->failed) {
			st->failed = true;
			snprintf(st->err, sizeof(st->err),
				 "refers to the external resource '%.128s'; domain XML must "
				 "be self-contained and nothing outside it is loaded.",
				 url ? url : (id ? id : "?"));
		}
	}
	return NULL;
}

/* Everything libxml2 would print goes to the current load_state instead. */
struct quiet {
	xmlGenericErrorFunc generic;
	void *generic_ctx;
	xmlStructuredErrorFunc structured;
	void *structured_ctx;
	xmlExternalEntityLoader loader;
};

static void quiet_begin(struct quiet *q, struct load_state *st)
{
	q->generic = xmlGenericError;
	q->generic_ctx = xmlGenericErrorContext;
	q->structured = xmlStructuredError;
	q->structured_ctx = xmlStructuredErrorContext;
	q->loader = xmlGetExternalEntityLoader();
	xmlSetGenericErrorFunc(NULL, discard_generic_error);
	xmlSetStructuredErrorFunc(st, on_global_error);
	xmlSetExternalEntityLoader(refuse_external_entity);
}

static void quiet_end(const struct quiet *q)
{
	xmlSetGenericErrorFunc(q->generic_ctx, q->generic);
	xmlSetStructuredErrorFunc(q->structured_ctx, q->structured);
	xmlSetExternalEntityLoader(q->loader);
}

/* ---- Hardened loading --------------------------------------------------- */

static void stop(xmlParserCtxtPtr ctxt, struct load_state *st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void stop(xmlParserCtxtPtr ctxt, struct load_state *st, const char *fmt, ...)
{
	va_list ap;

	if (!st->failed) {
		st->failed = true;
		va_start(ap, fmt);
		vsnprintf(st->err, sizeof(st->err), fmt, ap);
		va_end(ap);
	}
	xmlStopParser(ctxt);
}

static int input_line(xmlParserCtxtPtr ctxt)
{
	return ctxt->input ? ctxt->input->line : 0;
}

/* Called at "<!DOCTYPE name ...", before any internal subset is read. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
		       const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = ctx;

	stop(ctxt, ctxt->_private,
	     "line %d: a DOCTYPE declaration is not accepted (it can declare entities and "
	     "load external files, and libvirt never writes one); remove it.",
	     input_line(ctxt));
}

static void on_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
			     const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
			     int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct load_state *st = ctxt->_private;

	if (++st->depth > IOACCEL_XML_MAX_DEPTH) {
		stop(ctxt, st, "line %d: <%s> is nested %d elements deep; the most accepted is %d.",
		     input_line(ctxt), (const char *)localname, st->depth, IOACCEL_XML_MAX_DEPTH);
		return;
	}
	if (uri && (xmlStrEqual(uri, BAD_CAST XINCLUDE_NS) ||
		    xmlStrEqual(uri, BAD_CAST XINCLUDE_OLD_NS))) {
		stop(ctxt, st,
		     "line %d: XInclude (<%s%s%s>) is not accepted; domain XML must be "
		     "self-contained, write the content in place.",
		     input_line(ctxt), prefix ? (const char *)prefix : "", prefix ? ":" : "",
		     (const char *)localname);
		return;
	}
	st->start(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
		  nb_defaulted, attributes);
}

static void on_end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
			   const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct load_state *st = ctxt->_private;

	st->depth--;
	st->end(ctx, localname, prefix, uri);
}

/* Strict UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF, no NUL).  Returns the offset of the first bad byte, or len. */
static size_t utf8_first_bad(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	unsigned int c, min;

	while (i < len) {
		c = s[i];
		if (c == 0)
			return i;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			c &= 0x07;
			min = 0x10000;
		} else {
			return i;
		}
		if (len - i <= n)
			return i;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

static long line_at(const char *buf, size_t off)
{
	long line = 1;
	size_t i;

	for (i = 0; i < off; i++)
		if (buf[i] == '\n')
			line++;
	return line;
}

static int load_document(const char *buf, size_t len, struct load_state *st, xmlDocPtr *out)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	size_t bad;
	bool ok;

	*out = NULL;
	if (len == 0) {
		ioaccel_xml_err("%s is empty; expected a libvirt domain XML document.", st->who);
		return -EINVAL;
	}
	if (len > IOACCEL_XML_MAX_BYTES) {
		ioaccel_xml_err("%s is %zu bytes; the most accepted is %d bytes (1 MiB).", st->who,
				len, IOACCEL_XML_MAX_BYTES);
		return -EFBIG;
	}
	bad = utf8_first_bad((const unsigned char *)buf, len);
	if (bad < len) {
		ioaccel_xml_err("%s: line %ld: byte 0x%02x at offset %zu is not valid UTF-8; "
				"domain XML must be UTF-8.",
				st->who, line_at(buf, bad), (unsigned char)buf[bad], bad);
		return -EILSEQ;
	}

	ctxt = xmlCreateMemoryParserCtxt(buf, (int)len);
	if (!ctxt) {
		ioaccel_xml_err("%s: out of memory while parsing.", st->who);
		return -ENOMEM;
	}
	/* No NOENT, DTDLOAD, DTDATTR or XINCLUDE: nothing is expanded or loaded. */
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_BIG_LINES);
	ctxt->_private = st;
	st->start = ctxt->sax->startElementNs;
	st->end = ctxt->sax->endElementNs;
	ctxt->sax->startElementNs = on_start_element;
	ctxt->sax->endElementNs = on_end_element;
	ctxt->sax->internalSubset = on_doctype;
	ctxt->sax->externalSubset = on_doctype;
	ctxt->sax->serror = on_parser_error;

	xmlParseDocument(ctxt);
	doc = ctxt->myDoc;
	/* Namespace errors too: an undeclared prefix would hide the element. */
	ok = ctxt->wellFormed && ctxt->nsWellFormed && !st->failed && doc;
	ctxt->myDoc = NULL;
	xmlFreeParserCtxt(ctxt);

	if (st->failed) {
		ioaccel_xml_err("%s: %s", st->who, st->err);
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	if (!ok) {
		if (st->have_xml_error)
			ioaccel_xml_err("%s is not well-formed XML: line %ld: %s.", st->who,
					st->xml_error_line, st->xml_error);
		else
			ioaccel_xml_err("%s is not well-formed XML.", st->who);
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	if (doc->encoding && strcasecmp((const char *)doc->encoding, "UTF-8") != 0 &&
	    strcasecmp((const char *)doc->encoding, "UTF8") != 0) {
		ioaccel_xml_err("%s declares encoding '%.32s'; domain XML must be UTF-8.", st->who,
				(const char *)doc->encoding);
		xmlFreeDoc(doc);
		return -EINVAL;
	}
	*out = doc;
	return 0;
}

/* ---- Domain facts --------------------------------------------------------- */

static bool is_plain(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !n->ns &&
	       strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *plain_child(const xmlNode *parent, const char *name)
{
	const xmlNode *c;

	for (c = parent ? parent->children : NULL; c; c = c->next)
		if (is_plain(c, name))
			return c;
	return NULL;
}

/* Text content with blanks trimmed, malloc'ed; NULL on ENOMEM. */
static char *trimmed_content(const xmlNode *n)
{
	xmlChar *v = xmlNodeGetContent(n);
	char *s, *e, *r;

	if (!v)
		return strdup("");
	s = (char *)v;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	r = strndup(s, (size_t)(e - s));
	xmlFree(v);
	return r;
}

static char *prop_dup(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
	char *r;

	if (!v)
		return NULL;
	r = strdup((const char *)v);
	xmlFree(v);
	return r;
}

struct cpuset {
	uint64_t bits[CPUSET_MAX / 64];
};

static void cpuset_set(struct cpuset *s, unsigned int cpu, bool on)
{
	if (on)
		s->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
	else
		s->bits[cpu / 64] &= ~(UINT64_C(1) << (cpu % 64));
}

static bool cpuset_has(const struct cpuset *s, unsigned int cpu)
{
	return s->bits[cpu / 64] & (UINT64_C(1) << (cpu % 64));
}

static bool cpuset_empty(const struct cpuset *s)
{
	size_t i;

	for (i = 0; i < CPUSET_MAX / 64; i++)
		if (s->bits[i])
			return false;
	return true;
}

/* libvirt's list syntax: "0-3,^2,8".  Returns false if malformed. */
static bool cpuset_parse(const char *str, unsigned int max, struct cpuset *out)
{
	const char *p = str;
	char *end;
	unsigned long a, b;
	bool exclude;

	memset(out, 0, sizeof(*out));
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		exclude = *p == '^';
		if (exclude)
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		a = strtoul(p, &end, 10);
		b = a;
		p = end;
		if (*p == '-' && !exclude) {
			p++;
			if (!isdigit((unsigned char)*p))
				return false;
			b = strtoul(p, &end, 10);
			p = end;
		}
		if (a > b || b >= max)
			return false;
		for (; a <= b; a++)
			cpuset_set(out, (unsigned int)a, !exclude);
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			return true;
		if (*p++ != ',')
			return false;
	}
}

/* Canonical form: "0-3,8". */
static char *cpuset_format(const struct cpuset *s, unsigned int max)
{
	char *buf, *p;
	size_t size = 16;
	unsigned int i, start;
	bool first = true;
	int n;

	for (i = 0; i < max; i++)
		if (cpuset_has(s, i))
			size += 12;
	buf = malloc(size);
	if (!buf)
		return NULL;
	p = buf;
	*p = '\0';
	for (i = 0; i < max; i++) {
		if (!cpuset_has(s, i))
			continue;
		start = i;
		while (i + 1 < max && cpuset_has(s, i + 1))
			i++;
		if (start == i)
			n = snprintf(p, size - (size_t)(p - buf), "%s%u", first ? "" : ",", start);
		else
			n = snprintf(p, size - (size_t)(p - buf), "%s%u-%u", first ? "" : ",",
				     start, i);
		p += n;
		first = false;
	}
	return buf;
}

static int read_cpuset(const char *who, const xmlNode *n, const char *attr, unsigned int max,
		       const char *what, struct cpuset *out)
{
	xmlChar *v = xmlGetNoNsProp(n, BAD_CAST attr);
	bool ok;

	ok = v && cpuset_parse((const char *)v, max, out);
	if (!ok)
		ioaccel_xml_err("%s: <%s> at line %ld: %s='%.64s' is not a valid %s list; write "
				"numbers and ranges below %u such as 0-3,8.",
				who, (const char *)n->name, ioaccel_xml_line(n), attr,
				v ? (const char *)v : "", what, max);
	xmlFree(v);
	return ok ? 0 : -EINVAL;
}

static int read_vcpus(const char *who, const xmlNode *domain, struct ioaccel_domain *dom)
{
	const xmlNode *vcpu = plain_child(domain, "vcpu");
	const xmlNode *cputune = plain_child(domain, "cputune");
	const xmlNode *c;
	struct cpuset all, one, vcpu_set, pinned_vcpus;
	bool have_vcpu_set = false, any_pin = false;
	unsigned long v, id;
	char *text, *end;
	unsigned int i, n_pinned = 0;
	int rc;

	dom->vcpus = 1;
	memset(&all, 0, sizeof(all));
	memset(&pinned_vcpus, 0, sizeof(pinned_vcpus));
	if (vcpu) {
		text = trimmed_content(vcpu);
		if (!text)
			return -ENOMEM;
		errno = 0;
		v = strtoul(text, &end, 10);
		if (!*text || *end || errno || v < 1 || v > MAX_VCPUS) {
			ioaccel_xml_err(
			    "%s: <vcpu> at line %ld: '%.32s' is not a vCPU count; write a "
			    "number from 1 to %d.",
			    who, ioaccel_xml_line(vcpu), text, MAX_VCPUS);
			free(text);
			return -EINVAL;
		}
		free(text);
		dom->vcpus = (unsigned int)v;
		if (xmlHasProp(vcpu, BAD_CAST "cpuset")) {
			rc = read_cpuset(who, vcpu, "cpuset", CPUSET_MAX, "CPU", &vcpu_set);
			if (rc < 0)
				return rc;
			have_vcpu_set = true;
		}
	}
	for (c = cputune ? cputune->children : NULL; c; c = c->next) {
		xmlChar *idv;

		if (!is_plain(c, "vcpupin"))
			continue;
		idv = xmlGetNoNsProp(c, BAD_CAST "vcpu");
		id = idv ? strtoul((const char *)idv, &end, 10) : 0;
		if (!idv || !*idv || *end || id >= dom->vcpus) {
			ioaccel_xml_err(
			    "%s: <vcpupin> at line %ld: vcpu='%.16s' is not a vCPU of this "
			    "domain; write a number from 0 to %u.",
			    who, ioaccel_xml_line(c), idv ? (const char *)idv : "", dom->vcpus - 1);
			xmlFree(idv);
			return -EINVAL;
		}
		xmlFree(idv);
		rc = read_cpuset(who, c, "cpuset", CPUSET_MAX, "CPU", &one);
		if (rc < 0)
			return rc;
		for (i = 0; i < CPUSET_MAX / 64; i++)
			all.bits[i] |= one.bits[i];
		if (!cpuset_has(&pinned_vcpus, (unsigned int)id)) {
			cpuset_set(&pinned_vcpus, (unsigned int)id, true);
			n_pinned++;
		}
		any_pin = true;
	}
	/* vCPUs without a <vcpupin> run where <vcpu cpuset> says. */
	if (have_vcpu_set && n_pinned < dom->vcpus)
		for (i = 0; i < CPUSET_MAX / 64; i++)
			all.bits[i] |= vcpu_set.bits[i];
	if ((any_pin || have_vcpu_set) && !cpuset_empty(&all)) {
		dom->vcpu_cpuset = cpuset_format(&all, CPUSET_MAX);
		if (!dom->vcpu_cpuset)
			return -ENOMEM;
	}
	return 0;
}

static int read_numatune(const char *who, const xmlNode *domain, struct ioaccel_domain *dom)
{
	const xmlNode *mem = plain_child(plain_child(domain, "numatune"), "memory");
	struct cpuset nodes;
	int rc;

	if (!mem || !xmlHasProp(mem, BAD_CAST "nodeset"))
		return 0;
	rc = read_cpuset(who, mem, "nodeset", 1024, "NUMA node", &nodes);
	if (rc < 0)
		return rc;
	dom->numatune_nodeset = cpuset_format(&nodes, 1024);
	return dom->numatune_nodeset ? 0 : -ENOMEM;
}

/* "0000:3b:00.1" from <address domain= bus= slot= function=>. */
static int read_pci_address(const char *who, const xmlNode *owner, char **out)
{
	const xmlNode *addr = plain_child(plain_child(owner, "source"), "address");
	static const struct {
		const char *name;
		unsigned long max;
	} parts[] = {{"domain", 0xffff}, {"bus", 0xff}, {"slot", 0x1f}, {"function", 7}};
	unsigned long v[4];
	size_t i;
	char *end;

	*out = NULL;
	if (!addr)
		return 0; /* e.g. a USB or mdev source: not a PCI function */
	for (i = 0; i < 4; i++) {
		xmlChar *s = xmlGetNoNsProp(addr, BAD_CAST parts[i].name);

		v[i] = s ? strtoul((const char *)s, &end, 0) : 0;
		if (s && (!*s || *end || v[i] > parts[i].max)) {
			ioaccel_xml_err(
			    "%s: <address> at line %ld: %s='%.16s' is not valid in a PCI "
			    "address; write a number from 0 to 0x%lx.",
			    who, ioaccel_xml_line(addr), parts[i].name, (const char *)s,
			    parts[i].max);
			xmlFree(s);
			return -EINVAL;
		}
		xmlFree(s);
	}
	if (asprintf(out, "%04lx:%02lx:%02lx.%lx", v[0], v[1], v[2], v[3]) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int add_hostdev(struct ioaccel_domain *dom, char *addr)
{
	char **l = realloc(dom->hostdev_addr, (dom->n_hostdevs + 1) * sizeof(*l));

	if (!l) {
		free(addr);
		return -ENOMEM;
	}
	l[dom->n_hostdevs++] = addr;
	dom->hostdev_addr = l;
	return 0;
}

/* Interfaces QEMU backs with a tap device, which vhost-net serves. */
static bool uses_vhost_net(const xmlNode *iface)
{
	static const char *const tap_types[] = {"network", "bridge", "ethernet", "direct"};
	xmlChar *type = xmlGetNoNsProp(iface, BAD_CAST "type");
	const xmlNode *model = plain_child(iface, "model");
	const xmlNode *driver = plain_child(iface, "driver");
	xmlChar *mtype = model ? xmlGetNoNsProp(model, BAD_CAST "type") : NULL;
	xmlChar *dname = driver ? xmlGetNoNsProp(driver, BAD_CAST "name") : NULL;
	bool tap = false, virtio, vhost;
	size_t i;

	for (i = 0; type && i < sizeof(tap_types) / sizeof(tap_types[0]); i++)
		if (xmlStrEqual(type, BAD_CAST tap_types[i]))
			tap = true;
	virtio = mtype && xmlStrncmp(mtype, BAD_CAST "virtio", 6) == 0;
	vhost = !dname || !xmlStrEqual(dname, BAD_CAST "qemu");
	xmlFree(type);
	xmlFree(mtype);
	xmlFree(dname);
	return tap && virtio && vhost;
}

/* <hostdev type='pci'> and <interface type='hostdev'> (SR-IOV VFs). */
static bool is_pci_hostdev(const xmlNode *n)
{
	xmlChar *type;
	bool r;

	if (!is_plain(n, "hostdev") && !is_plain(n, "interface"))
		return false;
	type = xmlGetNoNsProp(n, BAD_CAST "type");
	r = type && xmlStrEqual(type, BAD_CAST(is_plain(n, "hostdev") ? "pci" : "hostdev"));
	xmlFree(type);
	return r;
}

static int read_devices(const char *who, const xmlNode *domain, struct ioaccel_domain *dom)
{
	const xmlNode *devices = plain_child(domain, "devices");
	const xmlNode *c, *n;
	size_t count = 0, i;
	char *addr, *p;
	int rc;

	for (c = devices ? devices->children : NULL; c; c = c->next)
		if (is_plain(c, "interface") && uses_vhost_net(c))
			count++;
	if (count) {
		dom->interface_alias = calloc(count, sizeof(char *));
		dom->interface_mac = calloc(count, sizeof(char *));
		if (!dom->interface_alias || !dom->interface_mac)
			return -ENOMEM;
	}
	for (c = devices ? devices->children : NULL; c; c = c->next) {
		if (is_pci_hostdev(c)) {
			rc = read_pci_address(who, c, &addr);
			if (rc < 0)
				return rc;
			if (addr && add_hostdev(dom, addr) < 0)
				return -ENOMEM;
			continue;
		}
		if (!is_plain(c, "interface") || !uses_vhost_net(c))
			continue;
		/* Counted before: both arrays have room and start out NULL. */
		i = dom->n_interfaces++;
		n = plain_child(c, "alias");
		if (n && xmlHasProp(n, BAD_CAST "name") &&
		    !(dom->interface_alias[i] = prop_dup(n, "name")))
			return -ENOMEM;
		n = plain_child(c, "mac");
		if (n && xmlHasProp(n, BAD_CAST "address") &&
		    !(dom->interface_mac[i] = prop_dup(n, "address")))
			return -ENOMEM;
		for (p = dom->interface_mac[i]; p && *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	return 0;
}

/* ---- The accel element in <metadata> ------------------------------------- */

static bool in_ns(const xmlNode *n, const char *href)
{
	return n->ns && n->ns->href && strcmp((const char *)n->ns->href, href) == 0;
}

/*
 * libvirt keeps one element per namespace in <metadata> and drops elements
 * without a namespace; the accel element is the one in IOACCEL_NS.
 */
static int find_accel(const char *who, const xmlNode *domain, xmlNode **out)
{
	const xmlNode *metadata = plain_child(domain, "metadata");
	xmlNode *c, *found = NULL;

	*out = NULL;
	for (c = metadata ? metadata->children : NULL; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (in_ns(c, IOACCEL_NS)) {
			if (found) {
				ioaccel_accel_error(
				    who, c,
				    "<metadata> already has an element in namespace "
				    "%s at line %ld, and libvirt keeps one element per "
				    "namespace; merge them into one <accel:accel>.",
				    IOACCEL_NS, ioaccel_xml_line(found));
				return -EINVAL;
			}
			found = c;
		} else if (!c->ns && strcmp((const char *)c->name, "accel") == 0) {
			ioaccel_accel_error(who, c,
					    "this element has no namespace, and libvirt drops such "
					    "elements from <metadata>; write it as <accel:accel "
					    "xmlns:accel=\"%s\">.",
					    IOACCEL_NS);
			return -EINVAL;
		} else if (c->ns && c->ns->href &&
			   strncmp((const char *)c->ns->href, "urn:ioaccel:", 12) == 0) {
			ioaccel_accel_error(who, c,
					    "namespace '%.64s' is not known to ioaccel %s; use %s.",
					    (const char *)c->ns->href, PACKAGE_VERSION, IOACCEL_NS);
			return -EINVAL;
		}
	}
	if (found && strcmp((const char *)found->name, "accel") != 0) {
		ioaccel_accel_error(who, found,
				    "the element of namespace %s in <metadata> must be "
				    "<accel:accel>; put <accel:%s> inside one.",
				    IOACCEL_NS, (const char *)found->name);
		return -EINVAL;
	}
	*out = found;
	return 0;
}

/* ---- Putting it together ------------------------------------------------- */

void ioaccel_domain_free(struct ioaccel_domain *dom)
{
	size_t i;

	if (!dom)
		return;
	free(dom->name);
	free(dom->uuid);
	free(dom->vcpu_cpuset);
	free(dom->numatune_nodeset);
	for (i = 0; i < dom->n_interfaces; i++) {
		free(dom->interface_alias[i]);
		free(dom->interface_mac[i]);
	}
	free(dom->interface_alias);
	free(dom->interface_mac);
	for (i = 0; i < dom->n_hostdevs; i++)
		free(dom->hostdev_addr[i]);
	free(dom->hostdev_addr);
	ioaccel_accel_free(dom->accel);
	free(dom);
}

/* "domain 'NAME'", with the name made safe for one line of stderr. */
static void domain_who(const char *name, char *who, size_t size)
{
	char safe[72];
	size_t i;

	for (i = 0; name[i] && i < 64; i++)
		safe[i] = (unsigned char)name[i] < 0x20 || name[i] == 0x7f ? '?' : name[i];
	safe[i] = '\0';
	snprintf(who, size, "domain '%s%s'", safe, name[i] ? "..." : "");
}

static int read_domain(const char *doc_who, xmlDocPtr doc, struct ioaccel_domain **out)
{
	const xmlNode *root = xmlDocGetRootElement(doc);
	const xmlNode *domain = root, *n;
	struct ioaccel_domain *dom;
	xmlNode *accel;
	char who[WHO_MAX];
	int rc;

	/* libvirt's status XML wraps the domain in <domstatus>. */
	if (is_plain(root, "domstatus"))
		domain = plain_child(root, "domain");
	if (!is_plain(domain, "domain")) {
		ioaccel_xml_err("%s: the root element is <%s> at line %ld; a libvirt domain XML "
				"document has <domain>.",
				doc_who, root ? (const char *)root->name : "?",
				ioaccel_xml_line(root));
		return -EINVAL;
	}
	dom = calloc(1, sizeof(*dom));
	if (!dom)
		goto nomem;
	n = plain_child(domain, "name");
	dom->name = n ? trimmed_content(n) : strdup("");
	if (!dom->name)
		goto nomem;
	if (!dom->name[0]) {
		ioaccel_xml_err("%s: <domain> at line %ld has no <name>; libvirt requires one.",
				doc_who, ioaccel_xml_line(domain));
		rc = -EINVAL;
		goto fail;
	}
	domain_who(dom->name, who, sizeof(who));
	n = plain_child(domain, "uuid");
	if (n && !(dom->uuid = trimmed_content(n)))
		goto nomem;

	rc = read_vcpus(who, domain, dom);
	if (rc == 0)
		rc = read_numatune(who, domain, dom);
	if (rc == 0)
		rc = read_devices(who, domain, dom);
	if (rc == 0)
		rc = find_accel(who, domain, &accel);
	/* The fast path: no element, no schema work. */
	if (rc == 0 && accel) {
		rc = ioaccel_accel_schema_validate(who, accel);
		if (rc == 0)
			rc = ioaccel_accel_from_xml(who, accel, &dom->accel);
	}
	if (rc == -ENOMEM)
		goto nomem;
	if (rc < 0)
		goto fail;
	*out = dom;
	return 0;
nomem:
	ioaccel_xml_err("%s: out of memory while reading the domain.", doc_who);
	rc = -ENOMEM;
fail:
	ioaccel_domain_free(dom);
	return rc;
}

static void source_who(const char *source, char *who, size_t size)
{
	if (!source || strcmp(source, "-") == 0)
		snprintf(who, size, "domain XML from standard input");
	else
		snprintf(who, size, "domain XML from '%.100s'", source);
}

int ioaccel_domain_parse(const char *buf, size_t len, const char *source,
			 struct ioaccel_domain **out)
{
	struct load_state st = {0};
	struct quiet q;
	char who[WHO_MAX];
	xmlDocPtr doc;
	int rc;

	*out = NULL;
	source_who(source, who, sizeof(who));
	st.who = who;
	xmlInitParser();
	quiet_begin(&q, &st);
	rc = load_document(buf, len, &st, &doc);
	if (rc == 0) {
		rc = read_domain(who, doc, out);
		xmlFreeDoc(doc);
	}
	quiet_end(&q);
	return rc;
}

int ioaccel_domain_parse_file(const char *path, struct ioaccel_domain **out)
{
	char who[WHO_MAX];
	char *buf;
	size_t len = 0;
	ssize_t n;
	int fd, rc;

	*out = NULL;
	source_who(path, who, sizeof(who));
	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			rc = -errno;
			ioaccel_xml_err("cannot open domain XML '%s': %s.", path, strerror(-rc));
			return rc;
		}
	}
	/* One byte more than the limit, to tell "too big" from "just fits". */
	buf = malloc(IOACCEL_XML_MAX_BYTES + 1);
	if (!buf) {
		rc = -ENOMEM;
		ioaccel_xml_err("%s: out of memory while reading it.", who);
		goto out;
	}
	while (len < IOACCEL_XML_MAX_BYTES + 1) {
		n = read(fd, buf + len, IOACCEL_XML_MAX_BYTES + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			ioaccel_xml_err("cannot read %s: %s.", who, strerror(-rc));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > IOACCEL_XML_MAX_BYTES) {
		ioaccel_xml_err("%s is larger than %d bytes (1 MiB), the most accepted.", who,
				IOACCEL_XML_MAX_BYTES);
		rc = -EFBIG;
		goto out;
	}
	rc = ioaccel_domain_parse(buf, len, path, out);
out:
	free(buf);
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}
