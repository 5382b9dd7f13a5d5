// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ioaccel-ctl: drives /dev/ioaccel from the testbed's L1 through the real
 * user-space side of the control interface (libvirt-driver/lib/control.c,
 * linked in statically).  One request per run; prints one line:
 *
 *   ioaccel-ctl version
 *   ioaccel-ctl attach PID CPU shared|dedicated off|on|adaptive [RATE [IDLE_US]]
 *   ioaccel-ctl sched PID MAC WEIGHT throughput|latency [MAX_PACKETS [MAX_BYTES
 *                     [MIN_PACKETS [MIN_BYTES]]]]
 *   ioaccel-ctl grant PID MASK
 *   ioaccel-ctl detach PID
 *
 * sched sends the 32-byte request, or the 48-byte one (minimum per turn,
 * IOACCEL_FEAT_SCHED_MIN) when MIN_PACKETS is given; 0 there still sends
 * 48 bytes, to try what a module does with it.
 *
 * Output: "ok ..." (exit 0) or "error=NAME errno=N ..." (exit 1).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return "other";
	}
}

static int result(const char *what, int r)
{
	if (r < 0) {
		printf("error=%s errno=%d op=%s\n", errno_name(-r), -r, what);
		return 1;
	}
	printf("ok op=%s\n", what);
	return 0;
}

static unsigned long num(const char *s)
{
	return s ? strtoul(s, NULL, 0) : 0;
}

int main(int argc, char **argv)
{
	struct ioaccel_kernel k;

	if (argc < 2) {
		fprintf(stderr, "usage: ioaccel-ctl version|attach|sched|grant|detach ...\n");
		return 2;
	}
	ioaccel_kernel_probe(&k);
	if (strcmp(argv[1], "version") == 0) {
		if (!k.present) {
			printf("error=absent why=\"%s\"\n", k.why);
			return 1;
		}
		printf("ok op=version version=%u features=0x%llx\n", k.version,
		       (unsigned long long)k.features);
		return 0;
	}
	if (!k.present) {
		printf("error=absent op=%s why=\"%s\"\n", argv[1], k.why);
		return 1;
	}
	if (strcmp(argv[1], "attach") == 0 && argc >= 6) {
		struct ioaccel_ctl_attach a = { .size = sizeof(a) };

		a.pid = (int32_t)num(argv[2]);
		a.cpu = (uint32_t)num(argv[3]);
		a.worker = strcmp(argv[4], "dedicated") == 0 ? IOACCEL_CTL_WORKER_DEDICATED :
							      IOACCEL_CTL_WORKER_SHARED;
		a.polling = strcmp(argv[5], "on") == 0	     ? IOACCEL_CTL_POLL_ON :
			    strcmp(argv[5], "adaptive") == 0 ? IOACCEL_CTL_POLL_ADAPTIVE :
							       IOACCEL_CTL_POLL_OFF;
		a.poll_start_rate = (uint32_t)num(argc > 6 ? argv[6] : NULL);
		a.poll_stop_idle_us = (uint32_t)num(argc > 7 ? argv[7] : NULL);
		return result("attach", ioaccel_kernel_attach(&k, &a));
	}
	if (strcmp(argv[1], "sched") == 0 && argc >= 6) {
		struct ioaccel_ctl_device_sched s = { .size = IOACCEL_CTL_DEVICE_SCHED_SIZE_V1 };
		unsigned int m[6];
		int i;

		s.pid = (int32_t)num(argv[2]);
		if (sscanf(argv[3], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
			   &m[5]) != 6) {
			printf("error=badmac op=sched\n");
			return 1;
		}
		for (i = 0; i < 6; i++)
			s.mac[i] = (uint8_t)m[i];
		s.weight = (uint16_t)num(argv[4]);
		s.sched_class = strcmp(argv[5], "latency") == 0 ? 1 : 0;
		s.max_packets = (uint32_t)num(argc > 6 ? argv[6] : NULL);
		s.max_bytes = num(argc > 7 ? argv[7] : NULL);
		if (argc > 8) {
			s.size = sizeof(s);
			s.min_packets = (uint32_t)num(argv[8]);
			s.min_bytes = num(argc > 9 ? argv[9] : NULL);
		}
		return result("sched", ioaccel_kernel_set_device_sched(&k, &s));
	}
	if (strcmp(argv[1], "grant") == 0 && argc >= 4) {
		struct ioaccel_ctl_grant g = { .size = sizeof(g) };

		g.pid = (int32_t)num(argv[2]);
		g.grants = (uint32_t)num(argv[3]);
		return result("grant", ioaccel_kernel_grant(&k, &g));
	}
	if (strcmp(argv[1], "detach") == 0 && argc >= 3)
		return result("detach", ioaccel_kernel_detach(&k, (pid_t)num(argv[2])));
	fprintf(stderr, "ioaccel-ctl: unknown request or missing arguments\n");
	return 2;
}
