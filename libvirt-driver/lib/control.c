// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The user-space side of the kernel control interface (docs/control-interface.md).
 * Where the patched modules are not loaded the device is missing and every
 * feature that needs them is "unavailable"; the planner decides what that
 * means for a domain (required fails, preferred degrades).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"

/* The layout the kernel copies: version 1 is exactly the fields before the
 * minimum per turn, so a size-32 request means what it always meant. */
_Static_assert(offsetof(struct ioaccel_ctl_device_sched, min_packets) ==
		       IOACCEL_CTL_DEVICE_SCHED_SIZE_V1,
	       "version 1 of struct ioaccel_ctl_device_sched is 32 bytes");
_Static_assert(sizeof(struct ioaccel_ctl_device_sched) == 48,
	       "struct ioaccel_ctl_device_sched with the minimum per turn is 48 bytes");

const char *ioaccel_control_dev(void)
{
	const char *p = getenv("IOACCEL_CONTROL_DEV");

	return p && *p ? p : IOACCEL_CONTROL_DEV_DEFAULT;
}

void ioaccel_kernel_probe(struct ioaccel_kernel *k)
{
	struct ioaccel_ctl_version v = { 0 };
	const char *dev = ioaccel_control_dev();

	memset(k, 0, sizeof(*k));
	k->fd = open(dev, O_RDWR | O_CLOEXEC);
	if (k->fd < 0) {
		if (errno == ENOENT)
			snprintf(k->why, sizeof(k->why),
				 "the ioaccel kernel modules are not loaded (%s does not exist)",
				 dev);
		else
			snprintf(k->why, sizeof(k->why), "cannot open %s: %s", dev,
				 strerror(errno));
		return;
	}
	if (ioctl(k->fd, IOACCEL_IOC_GET_VERSION, &v) < 0) {
		snprintf(k->why, sizeof(k->why), "%s does not answer IOACCEL_IOC_GET_VERSION: %s",
			 dev, strerror(errno));
		ioaccel_kernel_close(k);
		return;
	}
	if (v.version != IOACCEL_CONTROL_VERSION) {
		snprintf(k->why, sizeof(k->why),
			 "%s speaks control interface version %u, this ioaccel speaks %d", dev,
			 v.version, IOACCEL_CONTROL_VERSION);
		ioaccel_kernel_close(k);
		return;
	}
	k->present = true;
	k->version = v.version;
	k->features = v.features;
}

void ioaccel_kernel_close(struct ioaccel_kernel *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

bool ioaccel_kernel_has(const struct ioaccel_kernel *k, uint64_t feature)
{
	return k->present && (k->features & feature) == feature;
}

static int control_ioctl(struct ioaccel_kernel *k, unsigned long req, void *arg)
{
	if (!k->present || k->fd < 0)
		return -ENODEV;
	return ioctl(k->fd, req, arg) < 0 ? -errno : 0;
}

int ioaccel_kernel_attach(struct ioaccel_kernel *k, const struct ioaccel_ctl_attach *a)
{
	return control_ioctl(k, IOACCEL_IOC_ATTACH_VM, (void *)a);
}

int ioaccel_kernel_set_device_sched(struct ioaccel_kernel *k,
				    const struct ioaccel_ctl_device_sched *s)
{
	return control_ioctl(k, IOACCEL_IOC_SET_DEVICE_SCHED, (void *)s);
}

int ioaccel_kernel_grant(struct ioaccel_kernel *k, const struct ioaccel_ctl_grant *g)
{
	return control_ioctl(k, IOACCEL_IOC_GRANT_VM, (void *)g);
}

int ioaccel_kernel_detach(struct ioaccel_kernel *k, pid_t pid)
{
	struct ioaccel_ctl_detach d = { .size = sizeof(d), .pid = (int32_t)pid };

	return control_ioctl(k, IOACCEL_IOC_DETACH_VM, &d);
}
