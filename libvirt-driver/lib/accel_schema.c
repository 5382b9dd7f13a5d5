// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * RelaxNG validation of the accel element against the schema compiled into
 * the library (schemas/accel.rng), and the explanation of a failure.
 *
 * libxml2's RelaxNG messages name neither the value nor what is allowed
 * ("Element vhost failed to validate attributes"), so when validation fails
 * we walk the element against the schema's own definitions: the attributes
 * and children each element may have, the <choice>/<value> lists, and the
 * <data> types with their facets.  Nothing about the element's grammar is
 * written down twice: the allowed values in messages are read from the
 * schema.  If the walk finds nothing (a construct it does not model),
 * libxml2's own message is passed on with its line.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlregexp.h>

#include "ioaccel.h"
#include "accel_internal.h"

#define RNG_NS	      "http://relaxng.org/ns/structure/1.0"
#define DOC_NS	      "urn:ioaccel:schema-doc:1"
#define MAX_REF_DEPTH 16
#define MAX_ITEMS     32
#define MSG_MAX	      512

static xmlRelaxNGPtr schema; /* compiled, for validation */
static xmlDocPtr schema_doc; /* the same text as a tree, for explanations */
static bool schema_broken;
unsigned long ioaccel_accel_schema_unexplained;

struct first_error {
	bool have;
	long line;
	char msg[MSG_MAX];
};

static void keep_first_error(void *data, ioaccel_xml_error_t err)
{
	struct first_error *fe = data;
	size_t n;

	if (fe->have || !err)
		return;
	fe->have = true;
	fe->line = err->line;
	snprintf(fe->msg, sizeof(fe->msg), "%s", err->message ? err->message : "unknown error");
	n = strlen(fe->msg);
	while (n && (fe->msg[n - 1] == '\n' || fe->msg[n - 1] == ' '))
		fe->msg[--n] = '\0';
}

static int load_schema(void)
{
	struct first_error fe = {0};
	xmlRelaxNGParserCtxtPtr pctxt;

	if (schema && schema_doc)
		return 0;
	if (schema_broken)
		return -EIO;
	pctxt = xmlRelaxNGNewMemParserCtxt(ioaccel_accel_rng, (int)ioaccel_accel_rng_len);
	if (!pctxt)
		return -ENOMEM;
	xmlRelaxNGSetParserStructuredErrors(pctxt, keep_first_error, &fe);
	schema = xmlRelaxNGParse(pctxt);
	xmlRelaxNGFreeParserCtxt(pctxt);
	schema_doc = xmlReadMemory(ioaccel_accel_rng, (int)ioaccel_accel_rng_len, "accel.rng", NULL,
				   XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	if (!schema || !schema_doc) {
		/* A build defect, not a user error: say so plainly. */
		ioaccel_xml_err("the accel schema built into libioaccel does not load: %s; "
				"rebuild ioaccel from a clean tree.",
				fe.have ? fe.msg : "out of memory");
		schema_broken = true;
		return -EIO;
	}
	return 0;
}

int ioaccel_accel_schema_validate(const char *who, xmlNode *accel)
{
	struct first_error fe = {0};
	xmlRelaxNGValidCtxtPtr vctxt = NULL;
	xmlDocPtr doc;
	xmlNodePtr copy;
	int rc;

	rc = load_schema();
	if (rc < 0)
		return rc;
	/* The element alone, as its own document (namespaces reconciled). */
	doc = xmlNewDoc(BAD_CAST "1.0");
	if (!doc)
		return -ENOMEM;
	copy = xmlDocCopyNode(accel, doc, 1);
	if (!copy) {
		xmlFreeDoc(doc);
		return -ENOMEM;
	}
	xmlDocSetRootElement(doc, copy);
	vctxt = xmlRelaxNGNewValidCtxt(schema);
	if (!vctxt) {
		xmlFreeDoc(doc);
		return -ENOMEM;
	}
	xmlRelaxNGSetValidStructuredErrors(vctxt, keep_first_error, &fe);
	rc = xmlRelaxNGValidateDoc(vctxt, doc);
	xmlRelaxNGFreeValidCtxt(vctxt);
	xmlFreeDoc(doc);
	if (rc == 0)
		return 0;
	if (rc < 0) {
		ioaccel_xml_err("%s: the accel element at line %ld could not be validated "
				"(libxml2 internal error); nothing was changed.",
				who, ioaccel_xml_line(accel));
		return -EIO;
	}
	if (!ioaccel_accel_schema_explain(who, accel)) {
		ioaccel_accel_schema_unexplained++;
		ioaccel_accel_error(who, accel,
				    "does not match the accel schema: %s (line %ld); "
				    "see ioaccel-accel(5) for what is allowed.",
				    fe.have ? fe.msg : "no detail from libxml2", fe.line);
	}
	return -EINVAL;
}

/* ---- Reading the schema ---------------------------------------------- */

static bool is_rng(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, RNG_NS) == 0 &&
	       (!name || strcmp((const char *)n->name, name) == 0);
}

/* An unqualified attribute's value, without copying; NULL if absent. */
static const char *prop(const xmlNode *n, const char *name)
{
	const xmlAttr *a;

	for (a = n->properties; a; a = a->next)
		if (!a->ns && strcmp((const char *)a->name, name) == 0)
			return a->children && a->children->content
				   ? (const char *)a->children->content
				   : "";
	return NULL;
}

static const char *text_of(const xmlNode *n)
{
	const xmlNode *c;

	for (c = n->children; c; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
			return (const char *)c->content;
	return "";
}

static const xmlNode *find_define(const char *name)
{
	const xmlNode *c, *root = xmlDocGetRootElement(schema_doc);

	for (c = root ? root->children : NULL; c; c = c->next)
		if (is_rng(c, "define") && prop(c, "name") && strcmp(prop(c, "name"), name) == 0)
			return c;
	return NULL;
}

static const xmlNode *find_schema_element(const xmlNode *n, const char *name)
{
	const xmlNode *c, *found;

	for (c = n; c; c = c->next) {
		if (is_rng(c, "element") && prop(c, "name") && strcmp(prop(c, "name"), name) == 0)
			return c;
		if (c->children) {
			found = find_schema_element(c->children, name);
			if (found)
				return found;
		}
	}
	return NULL;
}

struct schema_attr {
	const char *name;
	const xmlNode *def; /* the rng:attribute */
	bool required;
	int group; /* -1, or the <choice> of attributes it belongs to */
};

struct schema_child {
	const char *name;
	bool many;
};

/* What one element of the schema allows. */
struct schema_elem {
	struct schema_attr attrs[MAX_ITEMS];
	size_t n_attrs;
	struct schema_child children[MAX_ITEMS];
	size_t n_children;
	bool groups_required[MAX_ITEMS];
	int n_groups;
	bool text;
};

static bool only_attributes(const xmlNode *choice)
{
	const xmlNode *c;

	for (c = choice->children; c; c = c->next)
		if (is_rng(c, NULL) && !is_rng(c, "attribute"))
			return false;
	return true;
}

static void collect(struct schema_elem *e, const xmlNode *parent, bool optional, bool many,
		    int group, int depth)
{
	const xmlNode *c, *d;
	const char *name;

	if (depth > MAX_REF_DEPTH)
		return;
	for (c = parent->children; c; c = c->next) {
		if (!is_rng(c, NULL))
			continue;
		name = (const char *)c->name;
		if (strcmp(name, "attribute") == 0 && prop(c, "name")) {
			if (e->n_attrs < MAX_ITEMS)
				e->attrs[e->n_attrs++] = (struct schema_attr){
				    .name = prop(c, "name"),
				    .def = c,
				    .required = !optional && group < 0,
				    .group = group,
				};
		} else if (strcmp(name, "element") == 0 && prop(c, "name")) {
			if (e->n_children < MAX_ITEMS)
				e->children[e->n_children++] = (struct schema_child){
				    .name = prop(c, "name"),
				    .many = many,
				};
		} else if (strcmp(name, "optional") == 0) {
			collect(e, c, true, many, group, depth);
		} else if (strcmp(name, "zeroOrMore") == 0) {
			collect(e, c, true, true, group, depth);
		} else if (strcmp(name, "oneOrMore") == 0) {
			collect(e, c, optional, true, group, depth);
		} else if (strcmp(name, "choice") == 0) {
			if (only_attributes(c) && e->n_groups < MAX_ITEMS) {
				e->groups_required[e->n_groups] = !optional;
				collect(e, c, optional, many, e->n_groups++, depth);
			} else {
				collect(e, c, true, many, group, depth);
			}
		} else if (strcmp(name, "ref") == 0 && prop(c, "name")) {
			d = find_define(prop(c, "name"));
			if (d)
				collect(e, d, optional, many, group, depth + 1);
		} else if (strcmp(name, "text") == 0) {
			e->text = true;
		} else if (strcmp(name, "mixed") == 0) {
			e->text = true;
			collect(e, c, optional, many, group, depth);
		} else if (strcmp(name, "interleave") == 0 || strcmp(name, "group") == 0) {
			collect(e, c, optional, many, group, depth);
		}
	}
}

/* ---- Values against patterns ------------------------------------------ */

/* XML Schema "token": leading/trailing blanks dropped, runs collapsed. */
static void normalize_token(const char *in, char *out, size_t size)
{
	size_t n = 0;
	bool blank = false;

	while (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r')
		in++;
	for (; *in && n + 1 < size; in++) {
		if (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r') {
			blank = true;
			continue;
		}
		if (blank && n + 2 < size)
			out[n++] = ' ';
		blank = false;
		out[n++] = *in;
	}
	out[n] = '\0';
}

static const char *param(const xmlNode *data, const char *name)
{
	const xmlNode *c;

	for (c = data->children; c; c = c->next)
		if (is_rng(c, "param") && prop(c, "name") && strcmp(prop(c, "name"), name) == 0)
			return text_of(c);
	return NULL;
}

static bool is_integer_type(const char *type)
{
	static const char *const types[] = {
	    "unsignedInt",	  "unsignedLong", "unsignedShort", "positiveInteger",
	    "nonNegativeInteger", "integer",	  "int",	   "long",
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i]) == 0)
			return true;
	return false;
}

/* Parses an XML Schema integer literal; false if it is not one. */
static bool parse_integer(const char *s, long long *out)
{
	char buf[64];
	const char *p;
	bool neg = false;
	unsigned long long v = 0;

	normalize_token(s, buf, sizeof(buf));
	p = buf;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!*p)
		return false;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		if (v > (unsigned long long)LLONG_MAX / 10)
			return false;
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > (unsigned long long)LLONG_MAX)
			return false;
	}
	*out = neg ? -(long long)v : (long long)v;
	return true;
}

static bool integer_in_type(const char *type, long long v)
{
	if (strcmp(type, "unsignedInt") == 0)
		return v >= 0 && v <= 4294967295LL;
	if (strcmp(type, "unsignedShort") == 0)
		return v >= 0 && v <= 65535;
	if (strcmp(type, "int") == 0)
		return v >= INT_MIN && v <= INT_MAX;
	if (strcmp(type, "positiveInteger") == 0)
		return v >= 1;
	if (strcmp(type, "unsignedLong") == 0 || strcmp(type, "nonNegativeInteger") == 0)
		return v >= 0;
	return true;
}

static bool data_matches(const xmlNode *data, const char *value)
{
	const char *type = prop(data, "type");
	const char *p;
	long long v, bound;
	xmlRegexpPtr re;
	int rc;

	if (!type)
		return true;
	if (is_integer_type(type)) {
		if (!parse_integer(value, &v) || !integer_in_type(type, v))
			return false;
		p = param(data, "minInclusive");
		if (p && parse_integer(p, &bound) && v < bound)
			return false;
		p = param(data, "maxInclusive");
		if (p && parse_integer(p, &bound) && v > bound)
			return false;
	}
	p = param(data, "pattern");
	if (p) {
		re = xmlRegexpCompile(BAD_CAST p);
		if (!re)
			return true; /* the schema compiled, so this cannot happen */
		rc = xmlRegexpExec(re, BAD_CAST value);
		xmlRegFreeRegexp(re);
		if (rc != 1)
			return false;
	}
	return true;
}

static const xmlNode *first_rng_child(const xmlNode *n)
{
	const xmlNode *c;

	for (c = n->children; c; c = c->next)
		if (is_rng(c, NULL))
			return c;
	return NULL;
}

static bool pattern_matches(const xmlNode *p, const char *value, int depth)
{
	char a[256], b[256];
	const xmlNode *c;

	if (!p || depth > MAX_REF_DEPTH)
		return true;
	if (is_rng(p, "choice")) {
		for (c = p->children; c; c = c->next)
			if (is_rng(c, NULL) && pattern_matches(c, value, depth))
				return true;
		return false;
	}
	if (is_rng(p, "value")) {
		if (prop(p, "type") && strcmp(prop(p, "type"), "string") == 0)
			return strcmp(text_of(p), value) == 0;
		normalize_token(text_of(p), a, sizeof(a));
		normalize_token(value, b, sizeof(b));
		return strlen(value) < sizeof(b) && strcmp(a, b) == 0;
	}
	if (is_rng(p, "data"))
		return data_matches(p, value);
	if (is_rng(p, "ref") && prop(p, "name")) {
		c = find_define(prop(p, "name"));
		return c ? pattern_matches(first_rng_child(c), value, depth + 1) : true;
	}
	if (is_rng(p, "empty"))
		return value[0] == '\0';
	return true; /* <text/> and what we do not model */
}

/* ---- Saying what is allowed ------------------------------------------- */

static void append(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);

	if (n + 1 < size)
		snprintf(buf + n, size - n, "%s", s);
}

static void describe(const xmlNode *p, char *buf, size_t size, int depth)
{
	const xmlNode *c;
	const char *min, *max;
	char tmp[160];
	bool first = true;

	if (!p || depth > MAX_REF_DEPTH) {
		append(buf, size, "any text");
		return;
	}
	if (is_rng(p, "choice")) {
		for (c = p->children; c; c = c->next) {
			if (!is_rng(c, NULL))
				continue;
			if (!first)
				append(buf, size, ", ");
			first = false;
			describe(c, buf, size, depth);
		}
	} else if (is_rng(p, "value")) {
		append(buf, size, text_of(p));
	} else if (is_rng(p, "data")) {
		for (c = p->children; c; c = c->next)
			if (c->type == XML_ELEMENT_NODE && c->ns &&
			    strcmp((const char *)c->ns->href, DOC_NS) == 0 &&
			    strcmp((const char *)c->name, "allowed") == 0) {
				append(buf, size, text_of(c));
				return;
			}
		min = param(p, "minInclusive");
		max = param(p, "maxInclusive");
		if (prop(p, "type") && is_integer_type(prop(p, "type"))) {
			if (!min && (strcmp(prop(p, "type"), "unsignedInt") == 0 ||
				     strcmp(prop(p, "type"), "unsignedLong") == 0))
				min = "0";
			if (min && max)
				snprintf(tmp, sizeof(tmp), "an integer from %s to %s", min, max);
			else if (min)
				snprintf(tmp, sizeof(tmp), "an integer of at least %s", min);
			else
				snprintf(tmp, sizeof(tmp), "an integer");
		} else if (param(p, "pattern")) {
			snprintf(tmp, sizeof(tmp), "text matching %s", param(p, "pattern"));
		} else {
			snprintf(tmp, sizeof(tmp), "any text");
		}
		append(buf, size, tmp);
	} else if (is_rng(p, "ref") && prop(p, "name")) {
		c = find_define(prop(p, "name"));
		describe(c ? first_rng_child(c) : NULL, buf, size, depth + 1);
	} else if (is_rng(p, "empty")) {
		append(buf, size, "an empty value");
	} else {
		append(buf, size, "any text");
	}
}

/* ---- Walking the element ---------------------------------------------- */

static bool in_accel_ns(const xmlNode *n)
{
	return n->ns && n->ns->href && strcmp((const char *)n->ns->href, IOACCEL_NS) == 0;
}

static void list_attrs(const struct schema_elem *e, char *buf, size_t size)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < e->n_attrs; i++) {
		if (i)
			append(buf, size, ", ");
		append(buf, size, e->attrs[i].name);
	}
}

static void list_children(const struct schema_elem *e, char *buf, size_t size)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < e->n_children; i++) {
		if (i)
			append(buf, size, ", ");
		append(buf, size, "<" IOACCEL_PREFIX);
		append(buf, size, e->children[i].name);
		append(buf, size, ">");
	}
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static int explain_element(const char *who, const xmlNode *inst, int depth);

static int explain_attributes(const char *who, const xmlNode *inst, const struct schema_elem *e)
{
	char allowed[MSG_MAX], value[160];
	const xmlAttr *a;
	const char *v;
	size_t i;
	int g, present;

	for (a = inst->properties; a; a = a->next) {
		const struct schema_attr *sa = NULL;

		for (i = 0; !a->ns && i < e->n_attrs; i++)
			if (strcmp(e->attrs[i].name, (const char *)a->name) == 0)
				sa = &e->attrs[i];
		if (!sa) {
			list_attrs(e, allowed, sizeof(allowed));
			ioaccel_accel_error(
			    who, inst, "attribute '%s%s%s' is not allowed; %s%s.",
			    a->ns && a->ns->prefix ? (const char *)a->ns->prefix : "",
			    a->ns && a->ns->prefix ? ":" : "", (const char *)a->name,
			    e->n_attrs ? "allowed attributes: "
				       : "this element takes no attributes",
			    allowed);
			return 1;
		}
		v = a->children && a->children->content ? (const char *)a->children->content : "";
		if (!pattern_matches(first_rng_child(sa->def), v, 0)) {
			allowed[0] = '\0';
			describe(first_rng_child(sa->def), allowed, sizeof(allowed), 0);
			/* Show long values shortened: this is one line of stderr. */
			snprintf(value, sizeof(value), "%.64s%s", v, strlen(v) > 64 ? "..." : "");
			ioaccel_accel_error(who, inst, "%s='%s' is not valid; allowed: %s.",
					    sa->name, value, allowed);
			return 1;
		}
	}
	for (i = 0; i < e->n_attrs; i++)
		if (e->attrs[i].required && !xmlHasProp(inst, BAD_CAST e->attrs[i].name)) {
			ioaccel_accel_error(who, inst, "attribute '%s' is missing.",
					    e->attrs[i].name);
			return 1;
		}
	for (g = 0; g < e->n_groups; g++) {
		allowed[0] = '\0';
		present = 0;
		for (i = 0; i < e->n_attrs; i++) {
			if (e->attrs[i].group != g)
				continue;
			if (allowed[0])
				append(allowed, sizeof(allowed), " or ");
			append(allowed, sizeof(allowed), e->attrs[i].name);
			if (xmlHasProp(inst, BAD_CAST e->attrs[i].name))
				present++;
		}
		if (present > 1) {
			ioaccel_accel_error(
			    who, inst, "give only one of the attributes %s, not both.", allowed);
			return 1;
		}
		if (present == 0 && e->groups_required[g]) {
			ioaccel_accel_error(who, inst, "one of the attributes %s is needed.",
					    allowed);
			return 1;
		}
	}
	return 0;
}

static int explain_children(const char *who, const xmlNode *inst, const struct schema_elem *e,
			    int depth)
{
	const xmlNode *c, *prev;
	char allowed[MSG_MAX], snippet[48];
	size_t i;

	for (c = inst->children; c; c = c->next) {
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && !e->text &&
		    c->content && !blank((const char *)c->content)) {
			normalize_token((const char *)c->content, snippet, sizeof(snippet));
			ioaccel_accel_error(who, inst,
					    "text '%s%s' is not allowed inside; this element "
					    "takes only attributes%s.",
					    snippet,
					    strlen(snippet) >= sizeof(snippet) - 1 ? "..." : "",
					    e->n_children ? " and child elements" : "");
			return 1;
		}
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!in_accel_ns(c)) {
			if (c->ns && c->ns->href)
				ioaccel_accel_error(
				    who, c,
				    "this element is in namespace '%s', not in "
				    "%s; it cannot appear inside the accel element.",
				    (const char *)c->ns->href, IOACCEL_NS);
			else
				ioaccel_accel_error(who, c,
						    "this element has no namespace; write it as "
						    "<" IOACCEL_PREFIX "%s>, in namespace %s like "
						    "its parent.",
						    (const char *)c->name, IOACCEL_NS);
			return 1;
		}
		for (i = 0; i < e->n_children; i++)
			if (strcmp(e->children[i].name, (const char *)c->name) == 0)
				break;
		if (i == e->n_children) {
			list_children(e, allowed, sizeof(allowed));
			if (e->n_children)
				ioaccel_accel_error(who, c,
						    "not allowed inside <" IOACCEL_PREFIX "%s>; "
						    "allowed there: %s.",
						    (const char *)inst->name, allowed);
			else
				ioaccel_accel_error(who, c,
						    "not allowed: <" IOACCEL_PREFIX "%s> takes no "
						    "child elements.",
						    (const char *)inst->name);
			return 1;
		}
		if (!e->children[i].many) {
			for (prev = inst->children; prev != c; prev = prev->next)
				if (prev->type == XML_ELEMENT_NODE && in_accel_ns(prev) &&
				    xmlStrEqual(prev->name, c->name))
					break;
			if (prev != c) {
				ioaccel_accel_error(who, c,
						    "already given at line %ld; at most one "
						    "<" IOACCEL_PREFIX "%s> is allowed in "
						    "<" IOACCEL_PREFIX "%s>.",
						    ioaccel_xml_line(prev), (const char *)c->name,
						    (const char *)inst->name);
				return 1;
			}
		}
		if (explain_element(who, c, depth + 1))
			return 1;
	}
	return 0;
}

static int explain_element(const char *who, const xmlNode *inst, int depth)
{
	struct schema_elem *e;
	const xmlNode *def;
	int found;

	if (depth > IOACCEL_XML_MAX_DEPTH)
		return 0;
	def = find_schema_element(xmlDocGetRootElement(schema_doc), (const char *)inst->name);
	if (!def)
		return 0;
	e = calloc(1, sizeof(*e));
	if (!e)
		return 0;
	collect(e, def, false, false, -1, 0);
	found = explain_attributes(who, inst, e);
	if (!found)
		found = explain_children(who, inst, e, depth);
	free(e);
	return found;
}

int ioaccel_accel_schema_explain(const char *who, const xmlNode *accel)
{
	if (load_schema() < 0)
		return 0;
	return explain_element(who, accel, 0);
}
