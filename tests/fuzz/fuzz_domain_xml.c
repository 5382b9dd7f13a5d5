// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target for the domain XML parser and the accel element's
 * validator: each input is parsed as a whole document, and again as the
 * contents of <metadata> in a fixed domain, which takes mutated accel
 * elements straight to the RelaxNG validation and its explanation.
 *
 * Built and run by tests/fuzz/run-fuzz.sh (make check), with
 * clang -fsanitize=fuzzer,address,undefined.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ioaccel.h"
#include "accel.h"
#include "accel_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* IOACCEL_FUZZ_EXPLAIN=1: also fail when a schema violation gets only
 * libxml2's generic message, i.e. the explanation walk missed it. */
static bool explain_strict;

static void discard(void *data, int priority, const char *msg)
{
	/* Every message must be one line: a newline would break virsh's output. */
	if (strchr(msg, '\n'))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *strict = getenv("IOACCEL_FUZZ_EXPLAIN");

	explain_strict = strict && strcmp(strict, "1") == 0;
	ioaccel_log_set_fn(discard, NULL);
	return 0;
}

static void parse(const char *buf, size_t len)
{
	struct ioaccel_domain *dom = NULL;

	if (ioaccel_domain_parse(buf, len, "fuzz", &dom) == 0) {
		if (!dom)
			abort();
		ioaccel_domain_free(dom);
	} else if (dom) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "<domain type='qemu'><name>fuzz</name><vcpu>2</vcpu><metadata>";
	static const char tail[] = "</metadata></domain>";
	char *buf;

	parse((const char *)data, size);

	buf = malloc(sizeof(head) + size + sizeof(tail));
	if (!buf)
		return 0;
	memcpy(buf, head, sizeof(head) - 1);
	memcpy(buf + sizeof(head) - 1, data, size);
	memcpy(buf + sizeof(head) - 1 + size, tail, sizeof(tail) - 1);
	parse(buf, sizeof(head) - 1 + size + sizeof(tail) - 1);
	free(buf);
	if (explain_strict && ioaccel_accel_schema_unexplained)
		abort();
	return 0;
}
