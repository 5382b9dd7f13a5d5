/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host configuration, /etc/ioaccel/ioaccel.conf (see
 * libvirt-driver/ioaccel.conf.example for every key).  Named
 * ioaccel_config.h so it never shadows autoconf's config.h.
 */
#ifndef IOACCEL_CONFIG_H
#define IOACCEL_CONFIG_H

#include <stdbool.h>
#include <numa.h>

#define IOACCEL_CONF_DEFAULT SYSCONFDIR "/ioaccel/ioaccel.conf"
#define IOACCEL_DEVICES_PER_WORKER_DEFAULT 4
#define IOACCEL_DEVICES_PER_WORKER_MAX 256

struct ioaccel_config {
	char *path;		      /* the file read (or missing) */
	bool present;		      /* false: no file, so no I/O cores */
	struct bitmask *io_cores;     /* CPUs set aside as I/O cores */
	unsigned int devices_per_worker; /* virtio devices one shared worker serves */
	bool numa_fallback;	      /* preferred domains may use a remote node's core */
	unsigned int poll_start_rate;    /* default for polling="adaptive", kicks/s */
	unsigned int poll_stop_idle_us;  /* default for polling="adaptive", µs */
};

/* The configuration path from $IOACCEL_CONF, or IOACCEL_CONF_DEFAULT. */
const char *ioaccel_config_path(void);
/* Read @path (NULL: ioaccel_config_path()).  A missing file is not an
 * error: the result has no I/O cores.  A malformed file fails with -EINVAL
 * after one message naming the file, line, key, value and what is allowed. */
int ioaccel_config_load(const char *path, struct ioaccel_config **out);
void ioaccel_config_free(struct ioaccel_config *cfg);

#endif /* IOACCEL_CONFIG_H */
