// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioaccel_test: the ioaccel paravirtual interface of the patched KVM
 * (kernel/patches 0006, 0007; docs/hypercall-abi.md), guest code and host
 * checks in one program, built against the KVM selftest library of the
 * Debian kernel source and run inside the testbed's L1.
 *
 *   ioaccel_test on [FUZZ_COUNT]  kvm.ioaccel=Y: discovery, deny, grant
 *                                 through /dev/ioaccel, enable and disable
 *                                 per vCPU, revoke, page registration,
 *                                 and a bounded fuzz loop
 *   ioaccel_test off              kvm.ioaccel=N: stock behaviour
 *
 * Prints TAP result lines ("ok - ..." / "not ok - ...", unnumbered) and a
 * final "# done passed=N failed=N"; the numbering and the plan are added by
 * tests/testbed/kvm/test-kvm-ioaccel.py, which runs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"
#include "kvm_util.h"
#include "processor.h"

#include "control.h"	/* libvirt-driver/lib: the /dev/ioaccel contract */

/*
 * The ABI, restated from docs/hypercall-abi.md rather than taken from the
 * patched headers: the test checks the kernel against the document.
 */
#define FEATURE_IOACCEL		30
#define HC_BASE			0x494f0000ULL
#define HC_QUERY		(HC_BASE + 0)
#define HC_ENABLE		(HC_BASE + 1)
#define HC_DISABLE		(HC_BASE + 2)
#define HC_REGISTER_PAGE	(HC_BASE + 3)
#define Q_VERSION		0
#define Q_HOST			1
#define Q_GRANTED		2
#define Q_ENABLED		3
#define F_DELIVERY		0x1ULL
#define F_EOI			0x2ULL
#define F_POSTED_PV		0x4ULL
#define F_ALL			0xfULL
#define PAGE_POSTED		1
#define E_ENOSYS		((uint64_t)-1000)
#define E_EPERM			((uint64_t)-1)
#define E_EINVAL		((uint64_t)-22)
#define E_EOPNOTSUPP		((uint64_t)-95)

/* What the guest does next; written by the host before each run. */
enum { OP_HYPERCALL, OP_CPUID, OP_FUZZ };
static struct guest_request {
	uint64_t op, nr, a0, a1, a2, a3;
} req;

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Any value one time in @n, else a small one (below @small). */
static uint64_t fuzz_arg(uint64_t *seed, uint64_t n, uint64_t small)
{
	uint64_t r = xorshift(seed);

	return r % n ? xorshift(seed) % small : xorshift(seed);
}

/*
 * Random hypercalls: mostly the defined ioaccel numbers, then the rest of
 * the range and just past it, then any number; mostly small arguments so
 * that calls also succeed.  Upstream calls with side effects on the guest
 * (PV IPIs with random vectors) are left out: they would test the guest,
 * not the host.  Returns the number of calls that succeeded.
 */
static uint64_t guest_fuzz(uint64_t count, uint64_t seed)
{
	uint64_t i, nr, ok = 0;

	for (i = 0; i < count; i++) {
		switch (xorshift(&seed) % 8) {
		case 0:
			nr = xorshift(&seed);
			break;
		case 1:
			nr = HC_BASE + xorshift(&seed) % 0x200;
			break;
		default:
			nr = HC_BASE + xorshift(&seed) % 4;
			break;
		}
		if (nr == KVM_HC_SEND_IPI || nr == KVM_HC_KICK_CPU)
			continue;
		if ((int64_t)kvm_hypercall(nr, fuzz_arg(&seed, 8, 0x20),
					   fuzz_arg(&seed, 16, 2),
					   fuzz_arg(&seed, 16, 2),
					   fuzz_arg(&seed, 16, 2)) >= 0)
			ok++;
	}
	return ok;
}

static void guest_code(void)
{
	uint32_t eax, ebx, ecx, edx;

	for (;;) {
		switch (READ_ONCE(req.op)) {
		case OP_CPUID:
			cpuid(0x40000001, &eax, &ebx, &ecx, &edx);
			GUEST_SYNC(eax);
			break;
		case OP_FUZZ:
			GUEST_SYNC(guest_fuzz(req.a0, req.a1));
			break;
		default:
			GUEST_SYNC(kvm_hypercall(req.nr, req.a0, req.a1,
						 req.a2, req.a3));
			break;
		}
	}
}

static int passed, failed;

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

static uint64_t guest_run(struct kvm_vcpu *vcpu, uint64_t op, uint64_t nr,
			  uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct ucall uc;

	req = (struct guest_request){ op, nr, a0, a1, a2, a3 };
	sync_global_to_guest(vcpu->vm, req);
	vcpu_run(vcpu);
	TEST_ASSERT_KVM_EXIT_REASON(vcpu, KVM_EXIT_IO);
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		return uc.args[1];
	case UCALL_ABORT:
		REPORT_GUEST_ASSERT(uc);
	default:
		TEST_FAIL("unexpected ucall %lu", uc.cmd);
	}
	return 0;
}

static uint64_t hc(struct kvm_vcpu *vcpu, uint64_t nr, uint64_t a0,
		   uint64_t a1, uint64_t a2, uint64_t a3)
{
	return guest_run(vcpu, OP_HYPERCALL, nr, a0, a1, a2, a3);
}

static uint64_t query(struct kvm_vcpu *vcpu, uint64_t what)
{
	return hc(vcpu, HC_QUERY, what, 0, 0, 0);
}

/* IOACCEL_IOC_GRANT_VM on /dev/ioaccel: 0 or -errno. */
static int grant(pid_t pid, uint32_t grants)
{
	struct ioaccel_ctl_grant g = {
		.size = sizeof(g), .pid = pid, .grants = grants,
	};
	int fd, r;

	fd = open(IOACCEL_CONTROL_DEV_DEFAULT, O_RDWR);
	if (fd < 0)
		return -errno;
	r = ioctl(fd, IOACCEL_IOC_GRANT_VM, &g) ? -errno : 0;
	close(fd);
	return r;
}

/* A value from the VM's KVM debugfs directory (PID-VMFD/NAME), or -1. */
static long long vm_debugfs(struct kvm_vm *vm, const char *name)
{
	char path[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d/%s",
		 getpid(), vm->fd, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lli", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static bool supported_has_bit(void)
{
	const struct kvm_cpuid_entry2 *e;

	e = get_cpuid_entry(kvm_get_supported_cpuid(), 0x40000001, 0);
	return e->eax & (1u << FEATURE_IOACCEL);
}

static void test_discovery(struct kvm_vcpu *vcpu)
{
	uint64_t eax = guest_run(vcpu, OP_CPUID, 0, 0, 0, 0, 0);

	check(supported_has_bit(),
	      "discovery: KVM_GET_SUPPORTED_CPUID sets KVM_FEATURE_IOACCEL (bit %d of 0x40000001 EAX)",
	      FEATURE_IOACCEL);
	check(eax & (1u << FEATURE_IOACCEL),
	      "discovery: the guest sees bit %d in CPUID 0x40000001 EAX (0x%lx)",
	      FEATURE_IOACCEL, eax);
	check(query(vcpu, Q_VERSION) == 1,
	      "discovery: QUERY(version) returns 1");
	check(query(vcpu, Q_HOST) == F_ALL,
	      "discovery: QUERY(host) returns 0x%llx", F_ALL);
	check(query(vcpu, Q_GRANTED) == 0 && query(vcpu, Q_ENABLED) == 0,
	      "discovery: a new VM has nothing granted and nothing enabled");
	check(query(vcpu, 4) == E_EINVAL && hc(vcpu, HC_QUERY, 0, 1, 0, 0) == E_EINVAL,
	      "discovery: QUERY of an unknown selector or with a non-zero a1 returns -KVM_EINVAL");
	check(hc(vcpu, HC_BASE + 4, 0, 0, 0, 0) == E_ENOSYS &&
	      hc(vcpu, HC_BASE + 0xff, 0, 0, 0, 0) == E_ENOSYS,
	      "discovery: undefined numbers of the range return -KVM_ENOSYS");
}

static void test_deny(struct kvm_vm *vm, struct kvm_vcpu *vcpu)
{
	long long refused = vm_debugfs(vm, "ioaccel_refused");
	bool all_eperm = true;
	uint64_t f;

	for (f = 1; f <= 8; f <<= 1)
		all_eperm &= hc(vcpu, HC_ENABLE, f, 0, 0, 0) == E_EPERM;
	check(all_eperm && query(vcpu, Q_ENABLED) == 0,
	      "deny: ENABLE of each feature without a grant returns -KVM_EPERM and enables nothing");
	check(hc(vcpu, HC_ENABLE, 0, 0, 0, 0) == E_EINVAL &&
	      hc(vcpu, HC_ENABLE, 0x10, 0, 0, 0) == E_EINVAL &&
	      hc(vcpu, HC_DISABLE, 0x10, 0, 0, 0) == E_EINVAL,
	      "deny: ENABLE of no feature or of unknown bits, DISABLE of unknown bits return -KVM_EINVAL");
	check(hc(vcpu, HC_REGISTER_PAGE, 0x100000, PAGE_POSTED, 0, 0) == E_EPERM &&
	      hc(vcpu, HC_REGISTER_PAGE, 0x100010, PAGE_POSTED, 0, 0) == E_EINVAL &&
	      hc(vcpu, HC_REGISTER_PAGE, 0x100000, 7, 0, 0) == E_EINVAL,
	      "deny: REGISTER_PAGE without the posted grant returns -KVM_EPERM, a bad page or kind -KVM_EINVAL");
	check(vm_debugfs(vm, "ioaccel_refused") >= refused + 10 &&
	      vm_debugfs(vm, "ioaccel_granted") == 0,
	      "deny: debugfs counts the refusals (ioaccel_refused %lld -> %lld) and shows no grant",
	      refused, vm_debugfs(vm, "ioaccel_refused"));
	check(grant(getpid(), 0x10) == -EINVAL && grant(1, F_DELIVERY) == -ENODEV &&
	      grant(0x3fffffff, F_DELIVERY) == -ESRCH && query(vcpu, Q_GRANTED) == 0,
	      "deny: GRANT_VM refuses unknown bits (EINVAL), a process without a VM (ENODEV) and no process (ESRCH)");
}

static void test_grant(struct kvm_vm *vm, struct kvm_vcpu **vcpus)
{
	int r = grant(getpid(), F_DELIVERY | F_EOI);

	check(r == 0, "grant: IOACCEL_IOC_GRANT_VM grants exitless delivery and EOI to this VM (%s)",
	      strerror(-r));
	check(query(vcpus[0], Q_GRANTED) == (F_DELIVERY | F_EOI) &&
	      vm_debugfs(vm, "ioaccel_granted") == (long long)(F_DELIVERY | F_EOI),
	      "grant: the guest's QUERY(granted) and debugfs ioaccel_granted show 0x3");
	check(hc(vcpus[0], HC_ENABLE, F_DELIVERY, 0, 0, 0) == 0 &&
	      query(vcpus[0], Q_ENABLED) == F_DELIVERY,
	      "grant: vCPU 0 enables exitless delivery");
	check(hc(vcpus[0], HC_ENABLE, F_DELIVERY | F_POSTED_PV, 0, 0, 0) == E_EPERM &&
	      query(vcpus[0], Q_ENABLED) == F_DELIVERY,
	      "grant: enabling a granted and an ungranted feature together returns -KVM_EPERM and changes nothing");
	check(query(vcpus[1], Q_ENABLED) == 0 &&
	      hc(vcpus[1], HC_ENABLE, F_EOI, 0, 0, 0) == 0 &&
	      query(vcpus[1], Q_ENABLED) == F_EOI &&
	      query(vcpus[0], Q_ENABLED) == F_DELIVERY,
	      "grant: enabling is per vCPU (vCPU 1 enables EOI only, vCPU 0 keeps delivery only)");
	check(hc(vcpus[0], HC_DISABLE, F_DELIVERY, 0, 0, 0) == 0 &&
	      query(vcpus[0], Q_ENABLED) == 0 &&
	      hc(vcpus[0], HC_DISABLE, F_ALL, 0, 0, 0) == 0,
	      "disable: vCPU 0 disables what it enabled; disabling what is off succeeds");
	check(hc(vcpus[0], HC_ENABLE, F_DELIVERY | F_EOI, 0, 0, 0) == 0 &&
	      grant(getpid(), F_EOI) == 0 &&
	      query(vcpus[0], Q_ENABLED) == F_EOI &&
	      hc(vcpus[0], HC_ENABLE, F_DELIVERY, 0, 0, 0) == E_EPERM,
	      "revoke: a grant narrowed by the host turns the revoked feature off at once and refuses it");
	check(grant(getpid(), F_POSTED_PV) == 0 &&
	      hc(vcpus[0], HC_REGISTER_PAGE, 0x100000, PAGE_POSTED, 0, 0) == E_EOPNOTSUPP,
	      "register page: with the posted grant it returns -KVM_EOPNOTSUPP (not implemented yet)");
	check(grant(getpid(), 0) == 0 && query(vcpus[0], Q_GRANTED) == 0 &&
	      query(vcpus[0], Q_ENABLED) == 0 && query(vcpus[1], Q_ENABLED) == 0,
	      "revoke: GRANT_VM with no grants leaves nothing granted or enabled");
}

static volatile int fuzz_running;

/* The host changes the grants at random while the guest fuzzes. */
static void *grant_flipper(void *arg)
{
	uint64_t seed = (uintptr_t)arg | 1;
	unsigned long n = 0;

	while (fuzz_running) {
		grant(getpid(), xorshift(&seed) & F_ALL);
		n++;
		usleep(1000);
	}
	return (void *)n;
}

static void test_fuzz(struct kvm_vcpu *vcpu, uint64_t count)
{
	uint64_t seed = (uint64_t)time(NULL) * 2654435761ULL | 1;
	struct timespec t0, t1;
	pthread_t flipper;
	uint64_t succeeded;
	void *flips;

	printf("# fuzz: %lu hypercalls, seed 0x%lx\n", count, seed);
	fuzz_running = 1;
	pthread_create(&flipper, NULL, grant_flipper, (void *)(uintptr_t)seed);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	succeeded = guest_run(vcpu, OP_FUZZ, 0, count, seed, 0, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fuzz_running = 0;
	pthread_join(flipper, &flips);
	check(succeeded > 0 && succeeded < count,
	      "fuzz: %lu random hypercalls (%lu succeeded) in %.1f s while the host changed the grants %lu times",
	      count, succeeded, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	      (unsigned long)(uintptr_t)flips);
	grant(getpid(), 0);
	check(query(vcpu, Q_VERSION) == 1 && query(vcpu, Q_GRANTED) == 0 &&
	      hc(vcpu, HC_DISABLE, F_ALL, 0, 0, 0) == 0 && query(vcpu, Q_ENABLED) == 0,
	      "fuzz: the VM is usable afterwards (QUERY, DISABLE answer as specified)");
}

static void test_off(struct kvm_vcpu *vcpu)
{
	uint64_t eax = guest_run(vcpu, OP_CPUID, 0, 0, 0, 0, 0);
	bool enosys = true;
	uint64_t nr;

	check(!supported_has_bit() && !(eax & (1u << FEATURE_IOACCEL)),
	      "kvm.ioaccel=N: neither KVM_GET_SUPPORTED_CPUID nor the guest has bit %d",
	      FEATURE_IOACCEL);
	for (nr = HC_BASE; nr <= HC_REGISTER_PAGE; nr++)
		enosys &= hc(vcpu, nr, F_DELIVERY, 0, 0, 0) == E_ENOSYS;
	check(enosys, "every ioaccel hypercall returns -KVM_ENOSYS, as stock KVM");
	check(grant(getpid(), F_DELIVERY) == -EOPNOTSUPP,
	      "IOACCEL_IOC_GRANT_VM returns EOPNOTSUPP");
}

int main(int argc, char *argv[])
{
	struct kvm_vcpu *vcpus[2];
	struct kvm_vm *vm;
	bool on = argc > 1 && !strcmp(argv[1], "on");
	uint64_t fuzz = argc > 2 ? strtoull(argv[2], NULL, 0) : 100000;

	vm = vm_create_with_vcpus(2, guest_code, vcpus);
	if (on) {
		test_discovery(vcpus[0]);
		test_deny(vm, vcpus[0]);
		test_grant(vm, vcpus);
		test_fuzz(vcpus[0], fuzz);
	} else {
		test_off(vcpus[0]);
	}
	kvm_vm_free(vm);
	printf("# done passed=%d failed=%d\n", passed, failed);
	return failed ? 1 : 0;
}
