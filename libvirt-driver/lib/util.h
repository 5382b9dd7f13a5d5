/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small file and process helpers shared by the library's concerns. */
#ifndef IOACCEL_UTIL_H
#define IOACCEL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Read a whole small file into @buf (NUL-terminated); -errno, -EFBIG if it
 * does not fit. */
int ioaccel_read_small_file(const char *path, char *buf, size_t size);
/* Write @len bytes to @path: temp file in the same directory, fsync,
 * rename, fsync of the directory.  Readers see the old or the new file. */
int ioaccel_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode);
/* Write @s to an existing file such as /proc/irq/N/smp_affinity_list
 * (open, truncate, one write). */
int ioaccel_write_string_file(const char *path, const char *s);
/* Trim trailing whitespace in place; returns @s. */
char *ioaccel_strip(char *s);
/* Process start time (clock ticks since boot, /proc/PID/stat field 22), or
 * 0 if the process does not exist.  (pid, start time) names a process
 * uniquely even across pid reuse. */
unsigned long long ioaccel_process_start_time(pid_t pid);
/* True if @pid runs and, when @start_time is non-zero, is that process. */
bool ioaccel_process_alive(pid_t pid, unsigned long long start_time);
/* Read all of a file descriptor (stdin), at most @max bytes (-EFBIG beyond). */
int ioaccel_read_fd_all(int fd, size_t max, char **out, size_t *len);
/* Monotonic clock in nanoseconds. */
unsigned long long ioaccel_now_ns(void);

#endif /* IOACCEL_UTIL_H */
