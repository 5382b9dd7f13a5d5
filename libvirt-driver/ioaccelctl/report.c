// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <stdio.h>

#include "report.h"

void report_items(FILE *out, const struct ioaccel_reservation *r, int indent)
{
	size_t i;

	for (i = 0; i < r->n_items; i++)
		fprintf(out, "%*s%-18s %-12s %s\n", indent, "", r->items[i].name,
			ioaccel_item_state_name(r->items[i].state), r->items[i].detail);
}

void report_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	fputc('"', out);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

void report_json_items(FILE *out, const struct ioaccel_reservation *r)
{
	size_t i;

	fputc('[', out);
	for (i = 0; i < r->n_items; i++) {
		fprintf(out, "%s{\"name\":", i ? "," : "");
		report_json_string(out, r->items[i].name);
		fprintf(out, ",\"state\":");
		report_json_string(out, ioaccel_item_state_name(r->items[i].state));
		fprintf(out, ",\"detail\":");
		report_json_string(out, r->items[i].detail);
		fputc('}', out);
	}
	fputc(']', out);
}
