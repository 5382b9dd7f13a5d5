/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * User-space side of the host kernel control interface, version 1.
 * docs/control-interface.md is the contract; the structures and ioctl
 * numbers below are copied verbatim into the kernel's
 * include/uapi/linux/ioaccel.h when the patched modules implement it.
 *
 *   /dev/ioaccel              misc device, root only: ioctls below
 *   /sys/kernel/ioaccel/      version, features, statistics (read-only)
 */
#ifndef IOACCEL_CONTROL_H
#define IOACCEL_CONTROL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#define IOACCEL_CONTROL_VERSION 1
#define IOACCEL_CONTROL_DEV_DEFAULT "/dev/ioaccel"

/* Feature bits reported by IOACCEL_IOC_GET_VERSION and sysfs "features". */
#define IOACCEL_FEAT_SHARED_WORKER    (1ULL << 0)
#define IOACCEL_FEAT_DEDICATED_WORKER (1ULL << 1)
#define IOACCEL_FEAT_POLLING	      (1ULL << 2)
#define IOACCEL_FEAT_ADAPTIVE_POLLING (1ULL << 3)
#define IOACCEL_FEAT_DEVICE_SCHED     (1ULL << 4)
#define IOACCEL_FEAT_EXITLESS_DELIVERY (1ULL << 5)
#define IOACCEL_FEAT_EXITLESS_EOI     (1ULL << 6)
#define IOACCEL_FEAT_POSTED_PV	      (1ULL << 7)
#define IOACCEL_FEAT_POSTED_HW	      (1ULL << 8)
#define IOACCEL_FEAT_SCHED_MIN	      (1ULL << 9)

struct ioaccel_ctl_version {
	uint32_t version;  /* out: IOACCEL_CONTROL_VERSION of the modules */
	uint32_t reserved; /* out: 0 */
	uint64_t features; /* out: IOACCEL_FEAT_* the loaded modules support */
};

enum ioaccel_ctl_worker { IOACCEL_CTL_WORKER_SHARED = 1, IOACCEL_CTL_WORKER_DEDICATED = 2 };
enum ioaccel_ctl_polling { IOACCEL_CTL_POLL_OFF = 0, IOACCEL_CTL_POLL_ON = 1, IOACCEL_CTL_POLL_ADAPTIVE = 2 };

/* Attach every vhost device owned by process @pid (the VM's QEMU) to the
 * worker on CPU @cpu. */
struct ioaccel_ctl_attach {
	uint32_t size;		    /* sizeof(struct ioaccel_ctl_attach) */
	int32_t pid;
	uint32_t cpu;
	uint32_t worker;	    /* enum ioaccel_ctl_worker */
	uint32_t polling;	    /* enum ioaccel_ctl_polling */
	uint32_t poll_start_rate;   /* kicks/s, 0: module default */
	uint32_t poll_stop_idle_us; /* µs, 0: module default */
	uint32_t flags;		    /* 0 */
};

/*
 * Scheduling of one vhost-net device of @pid, named by the guest MAC.
 * Versioned by @size: IOACCEL_CTL_DEVICE_SCHED_SIZE_V1 ends after
 * max_bytes; the whole struct (48) adds the minimum per turn, which only
 * modules with IOACCEL_FEAT_SCHED_MIN accept (older ones: EINVAL).
 */
struct ioaccel_ctl_device_sched {
	uint32_t size;	      /* IOACCEL_CTL_DEVICE_SCHED_SIZE_V1 or sizeof() */
	int32_t pid;
	uint8_t mac[6];
	uint16_t weight;      /* 1..1000 */
	uint32_t sched_class; /* 0 throughput, 1 latency */
	uint32_t max_packets; /* per turn, 0: module default */
	uint64_t max_bytes;   /* per turn, 0: module default */
	/* size 48: */
	uint32_t min_packets; /* per turn before the worker may turn to a waiting
			       * latency-class device, 0: module default */
	uint32_t reserved;    /* 0 */
	uint64_t min_bytes;   /* likewise, bytes */
};

#define IOACCEL_CTL_DEVICE_SCHED_SIZE_V1 32

#define IOACCEL_GRANT_EXITLESS_DELIVERY (1U << 0)
#define IOACCEL_GRANT_EXITLESS_EOI	(1U << 1)
#define IOACCEL_GRANT_POSTED_PV		(1U << 2)
#define IOACCEL_GRANT_POSTED_HW		(1U << 3)

/* Grant the KVM VM created by @pid the exitless features in @grants. */
struct ioaccel_ctl_grant {
	uint32_t size;
	int32_t pid;
	uint32_t grants; /* IOACCEL_GRANT_* */
	uint32_t flags;	 /* 0 */
};

/* Undo attach and grants for @pid; succeeds if nothing was attached. */
struct ioaccel_ctl_detach {
	uint32_t size;
	int32_t pid;
};

#define IOACCEL_IOC_MAGIC 0xB8
#define IOACCEL_IOC_GET_VERSION _IOR(IOACCEL_IOC_MAGIC, 0x00, struct ioaccel_ctl_version)
#define IOACCEL_IOC_ATTACH_VM _IOW(IOACCEL_IOC_MAGIC, 0x01, struct ioaccel_ctl_attach)
/* The number encodes the size of version 1 whatever @size says: the
 * kernel matches the whole number, and a new number would turn every
 * request to older modules, size 32 included, into ENOTTY. */
#define IOACCEL_IOC_SET_DEVICE_SCHED \
	_IOC(_IOC_WRITE, IOACCEL_IOC_MAGIC, 0x02, IOACCEL_CTL_DEVICE_SCHED_SIZE_V1)
#define IOACCEL_IOC_GRANT_VM _IOW(IOACCEL_IOC_MAGIC, 0x03, struct ioaccel_ctl_grant)
#define IOACCEL_IOC_DETACH_VM _IOW(IOACCEL_IOC_MAGIC, 0x04, struct ioaccel_ctl_detach)

/* What user space found out about the kernel side. */
struct ioaccel_kernel {
	bool present;	   /* /dev/ioaccel answered a compatible version */
	uint32_t version;
	uint64_t features;
	char why[256];	   /* when !present: why, as a sentence fragment */
	int fd;		   /* open control device, -1 if none */
};

/* The control device path from $IOACCEL_CONTROL_DEV, or /dev/ioaccel. */
const char *ioaccel_control_dev(void);
/* Probe the control interface.  Never fails: an absent or incompatible
 * interface is reported through k->present and k->why. */
void ioaccel_kernel_probe(struct ioaccel_kernel *k);
void ioaccel_kernel_close(struct ioaccel_kernel *k);
bool ioaccel_kernel_has(const struct ioaccel_kernel *k, uint64_t feature);
/* The calls; -errno (nothing logged: the caller records the reason). */
int ioaccel_kernel_attach(struct ioaccel_kernel *k, const struct ioaccel_ctl_attach *a);
int ioaccel_kernel_set_device_sched(struct ioaccel_kernel *k,
				    const struct ioaccel_ctl_device_sched *s);
int ioaccel_kernel_grant(struct ioaccel_kernel *k, const struct ioaccel_ctl_grant *g);
int ioaccel_kernel_detach(struct ioaccel_kernel *k, pid_t pid);

#endif /* IOACCEL_CONTROL_H */
