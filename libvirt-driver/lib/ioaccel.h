/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libioaccel: the small library behind the libvirt hook and ioaccelctl.
 *
 * Conventions: every public symbol starts with ioaccel_; functions that can
 * fail return 0 or a negative errno value and report the reason through
 * ioaccel_log() exactly once, at the place that knows the most about it.
 */
#ifndef IOACCEL_H
#define IOACCEL_H

#include <stdarg.h>

enum ioaccel_log_priority {
	IOACCEL_LOG_ERR = 3,
	IOACCEL_LOG_WARNING = 4,
	IOACCEL_LOG_NOTICE = 5,
	IOACCEL_LOG_INFO = 6,
	IOACCEL_LOG_DEBUG = 7,
};

typedef void (*ioaccel_log_fn)(void *data, int priority, const char *msg);

/* Messages below @priority are dropped; the default is IOACCEL_LOG_NOTICE. */
void ioaccel_log_set_priority(int priority);
int ioaccel_log_get_priority(void);
/* Replace the sink (default: "PROGRAM: message" on stderr). NULL restores it. */
void ioaccel_log_set_fn(ioaccel_log_fn fn, void *data);
/* Name printed in front of messages by the default sink. */
void ioaccel_log_set_program(const char *name);
int ioaccel_log_priority_from_string(const char *s);

void ioaccel_log(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ioaccel_vlog(int priority, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define ioaccel_err(...) ioaccel_log(IOACCEL_LOG_ERR, __VA_ARGS__)
#define ioaccel_warn(...) ioaccel_log(IOACCEL_LOG_WARNING, __VA_ARGS__)
#define ioaccel_notice(...) ioaccel_log(IOACCEL_LOG_NOTICE, __VA_ARGS__)
#define ioaccel_info(...) ioaccel_log(IOACCEL_LOG_INFO, __VA_ARGS__)
#define ioaccel_dbg(...) ioaccel_log(IOACCEL_LOG_DEBUG, __VA_ARGS__)

#endif /* IOACCEL_H */
