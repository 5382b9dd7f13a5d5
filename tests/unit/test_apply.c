// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Applying a reservation through the control interface: the requests the
 * real apply.c and control.c send, caught where they leave user space
 * (ioctl(), wrapped at link time with -Wl,--wrap=ioctl).  The fake answers
 * as the modules do, with or without the minimum per turn.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "apply.h"
#include "unit_helpers.h"

/* IOACCEL_IOC_SET_DEVICE_SCHED as the modules have always matched it:
 * _IOW(0xB8, 0x02, 32 bytes).  A request of either size must use it. */
#define SET_DEVICE_SCHED_NUMBER 0x4020B802UL

#define MAX_REQUESTS 4

/* What reached the fake modules. */
static struct {
	bool sched_min;	/* the modules take size 48 */
	int n;		/* IOACCEL_IOC_SET_DEVICE_SCHED requests */
	struct ioaccel_ctl_device_sched req[MAX_REQUESTS]; /* as copied in: size bytes */
	int other;	/* other control requests */
} kern;

int __wrap_ioctl(int fd, unsigned long request, ...);

int __wrap_ioctl(int fd, unsigned long request, ...)
{
	const struct ioaccel_ctl_device_sched *s;
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	(void)fd;
	if (request != SET_DEVICE_SCHED_NUMBER) {
		kern.other++;
		return 0;
	}
	s = arg;
	if (kern.n >= MAX_REQUESTS)
		fail_msg("more than %d device requests", MAX_REQUESTS);
	/* The modules read the size first and copy exactly that much. */
	if (s->size != IOACCEL_CTL_DEVICE_SCHED_SIZE_V1 &&
	    (!kern.sched_min || s->size != sizeof(*s))) {
		errno = EINVAL;
		return -1;
	}
	memcpy(&kern.req[kern.n++], s, s->size);
	return 0;
}

struct fx {
	struct ioaccel_config cfg;
	struct ioaccel_kernel kernel;
	struct ioaccel_device_sched dev[2];
	struct ioaccel_accel acc;
	char *alias[2], *mac[2];
	struct ioaccel_domain dom;
	struct ioaccel_reservation r;
};

/* A domain with two virtio interfaces, both scheduled: the first by MAC
 * with a maximum only, the second by alias; planned and reserved. */
static struct fx *fx_new(uint64_t features, bool sched_min)
{
	struct fx *f = calloc(1, sizeof(*f));

	memset(&kern, 0, sizeof(kern));
	kern.sched_min = sched_min;
	capture_reset();
	f->kernel.present = true;
	f->kernel.version = IOACCEL_CONTROL_VERSION;
	f->kernel.features = IOACCEL_FEAT_SHARED_WORKER | IOACCEL_FEAT_DEVICE_SCHED | features;
	f->kernel.fd = 100; /* never opened: ioctl() is the fake */
	f->dev[0] = (struct ioaccel_device_sched){ .mac = (char *)"52:54:00:6b:3c:58",
						   .weight = 100,
						   .max_packets = 32,
						   .max_bytes = 65536,
						   .line = 8 };
	f->dev[1] = (struct ioaccel_device_sched){ .alias = (char *)"ua-web",
						   .weight = 400,
						   .sched_class = IOACCEL_CLASS_LATENCY,
						   .line = 9 };
	f->acc.policy = IOACCEL_POLICY_REQUIRED;
	f->acc.worker = IOACCEL_WORKER_SHARED;
	f->acc.devices = f->dev;
	f->acc.n_devices = 2;
	f->acc.line = 6;
	f->alias[0] = (char *)"net0";
	f->alias[1] = (char *)"ua-web";
	f->mac[0] = (char *)"52:54:00:6b:3c:58";
	f->mac[1] = (char *)"52:54:00:6b:3c:59";
	f->dom.name = (char *)"vm1";
	f->dom.n_interfaces = 2;
	f->dom.interface_alias = f->alias;
	f->dom.interface_mac = f->mac;
	f->dom.accel = &f->acc;
	f->r.domain = (char *)"vm1";
	f->r.policy = IOACCEL_POLICY_REQUIRED;
	f->r.worker = IOACCEL_WORKER_SHARED;
	f->r.core = 2;
	ioaccel_reservation_add_item(&f->r, "attach", IOACCEL_ITEM_RESERVED,
				     "attaching the domain's vhost queues");
	ioaccel_reservation_add_item(&f->r, "device-sched", IOACCEL_ITEM_RESERVED,
				     "scheduling parameters for 2 devices");
	return f;
}

static enum ioaccel_item_state sched_state(struct fx *f)
{
	return ioaccel_reservation_item(&f->r, "device-sched")->state;
}

/* Without a minimum the request stays version 1, which every module takes. */
static void test_without_minimum_size_32(void **state)
{
	struct fx *f = fx_new(0, false);

	assert_int_equal(ioaccel_apply(&f->r, &f->dom, &f->cfg, &f->kernel, 4242), 0);
	assert_int_equal(sched_state(f), IOACCEL_ITEM_APPLIED);
	assert_int_equal(kern.other, 1); /* the attach */
	assert_int_equal(kern.n, 2);
	assert_int_equal(kern.req[0].size, 32);
	assert_int_equal(kern.req[0].pid, 4242);
	assert_int_equal(kern.req[0].mac[5], 0x58);
	assert_int_equal(kern.req[0].max_packets, 32);
	assert_int_equal(kern.req[0].max_bytes, 65536);
	assert_int_equal(kern.req[1].size, 32);
	assert_int_equal(kern.req[1].mac[5], 0x59); /* the alias's interface */
	assert_int_equal(kern.req[1].weight, 400);
	assert_int_equal(kern.req[1].sched_class, 1);
	assert_int_equal(captured.count, 0);
	free(f);
}

/* A minimum goes in the 48-byte request, for that device only. */
static void test_minimum_size_48(void **state)
{
	struct fx *f = fx_new(IOACCEL_FEAT_SCHED_MIN, true);

	f->dev[1].min_packets = 16;
	f->dev[1].min_bytes = 4096;
	assert_int_equal(ioaccel_apply(&f->r, &f->dom, &f->cfg, &f->kernel, 4242), 0);
	assert_int_equal(sched_state(f), IOACCEL_ITEM_APPLIED);
	assert_int_equal(kern.n, 2);
	assert_int_equal(kern.req[0].size, 32);
	assert_int_equal(kern.req[1].size, 48);
	assert_int_equal(kern.req[1].weight, 400);
	assert_int_equal(kern.req[1].min_packets, 16);
	assert_int_equal(kern.req[1].reserved, 0);
	assert_int_equal(kern.req[1].min_bytes, 4096);
	/* min-bytes alone also needs the longer request. */
	free(f);
	f = fx_new(IOACCEL_FEAT_SCHED_MIN, true);
	f->dev[0].min_bytes = 1500;
	assert_int_equal(ioaccel_apply(&f->r, &f->dom, &f->cfg, &f->kernel, 4242), 0);
	assert_int_equal(kern.req[0].size, 48);
	assert_int_equal(kern.req[0].min_packets, 0);
	assert_int_equal(kern.req[0].min_bytes, 1500);
	assert_int_equal(kern.req[1].size, 32);
	free(f);
}

/* Modules without sched_min (loaded after the plan said otherwise): the
 * step fails with the reason, not with the modules' bare EINVAL. */
static void test_minimum_without_sched_min(void **state)
{
	struct fx *f = fx_new(0, false);

	f->dev[1].min_packets = 16;
	assert_int_equal(ioaccel_apply(&f->r, &f->dom, &f->cfg, &f->kernel, 4242), -ENODEV);
	assert_int_equal(sched_state(f), IOACCEL_ITEM_NOT_APPLIED);
	assert_int_equal(kern.n, 1); /* the first device's, nothing of size 48 */
	assert_int_equal(captured.count, 1);
	assert_string_equal(captured.msg,
			    "domain 'vm1': device-sched could not be applied: device 'ua-web' "
			    "(line 9) asks for a minimum per turn, but the loaded ioaccel modules "
			    "have no sched_min feature, and policy is required; see 'ioaccelctl "
			    "status' and the kernel log.");
	/* Preferred: recorded, the start goes on. */
	free(f);
	f = fx_new(0, false);
	f->dev[1].min_packets = 16;
	f->r.policy = IOACCEL_POLICY_PREFERRED;
	assert_int_equal(ioaccel_apply(&f->r, &f->dom, &f->cfg, &f->kernel, 4242), 0);
	assert_int_equal(sched_state(f), IOACCEL_ITEM_NOT_APPLIED);
	assert_non_null(
	    strstr(ioaccel_reservation_item(&f->r, "device-sched")->detail, "no sched_min"));
	assert_int_equal(captured.count, 0);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_without_minimum_size_32),
		cmocka_unit_test(test_minimum_size_48),
		cmocka_unit_test(test_minimum_without_sched_min),
	};

	return cmocka_run_group_tests_name("apply", tests, NULL, NULL);
}
