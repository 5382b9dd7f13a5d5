/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Printing reservations and plans for plan and status (text and JSON). */
#ifndef IOACCELCTL_REPORT_H
#define IOACCELCTL_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "state.h"

/* The item lines of a reservation or plan, indented by @indent. */
void report_items(FILE *out, const struct ioaccel_reservation *r, int indent);
/* A JSON string literal (quotes and escapes included). */
void report_json_string(FILE *out, const char *s);
/* {"name":...,"state":...,"detail":...} array of @r's items. */
void report_json_items(FILE *out, const struct ioaccel_reservation *r);

#endif
