/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal interfaces between the parts of the accel element parser:
 * domain_xml.c (hardened loading, domain facts), accel_schema.c (RelaxNG
 * validation and its explanation), accel_parse.c (element -> struct) and
 * accel_names.c (enum names).  Not installed, not for the hook or tools.
 */
#ifndef IOACCEL_ACCEL_INTERNAL_H
#define IOACCEL_ACCEL_INTERNAL_H

#include <stddef.h>

#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include "accel.h"

/* Limits on untrusted domain XML. */
#define IOACCEL_XML_MAX_BYTES (1024 * 1024)
#define IOACCEL_XML_MAX_DEPTH 64

/* schemas/accel.rng, embedded at build time (schemas/accel-rng.c). */
extern const char ioaccel_accel_rng[];
extern const size_t ioaccel_accel_rng_len;

/* libxml2 2.12 passes structured errors as const. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *ioaccel_xml_error_t;
#else
typedef xmlError *ioaccel_xml_error_t;
#endif

/* "accel:" + the element's local name, for messages. */
#define IOACCEL_PREFIX "accel:"

long ioaccel_xml_line(const xmlNode *node);

/* ioaccel_err() for messages that quote the document: control characters
 * in quoted values become spaces, so the message stays on one line. */
void ioaccel_xml_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log "WHO: <accel:NAME> at line N: MESSAGE" once, at error priority. */
void ioaccel_accel_error(const char *who, const xmlNode *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Validate @accel (an element in IOACCEL_NS inside a parsed domain) against
 * the embedded schema.  On failure, log one message that explains the first
 * fault in terms of the schema (attribute, value, what is allowed, line) and
 * return -EINVAL.  Returns -ENOMEM or -EIO when the schema itself cannot be
 * used.
 */
int ioaccel_accel_schema_validate(const char *who, xmlNode *accel);
/* How many failed validations only libxml2's generic message could report
 * (the explanation walk found no fault): the fuzzer checks it stays 0. */
extern unsigned long ioaccel_accel_schema_unexplained;

/*
 * Explain why @accel does not match the schema, by walking it against the
 * schema's own definitions.  Logs one message and returns 1 if it found a
 * fault, returns 0 (and logs nothing) if it found none.
 */
int ioaccel_accel_schema_explain(const char *who, const xmlNode *accel);

/* Element -> struct, with the rules that join attributes (see accel.rng). */
int ioaccel_accel_from_xml(const char *who, const xmlNode *accel, struct ioaccel_accel **out);
void ioaccel_accel_free(struct ioaccel_accel *accel);

/* Name <-> enum; the _from_name functions return -EINVAL for unknown names. */
int ioaccel_policy_from_name(const char *name);
int ioaccel_worker_mode_from_name(const char *name);
int ioaccel_polling_from_name(const char *name);
int ioaccel_sched_class_from_name(const char *name);
int ioaccel_posted_mode_from_name(const char *name);

#endif /* IOACCEL_ACCEL_INTERNAL_H */
