// SPDX-License-Identifier: LGPL-2.1-or-later
/* A VM's ioaccel grants and its vCPUs' enables as KVM's debugfs shows
 * them, read from a debugfs-shaped fixture (fixtures/debugfs-kvm). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "kvm_vm.h"
#include "unit_helpers.h"

static void test_granted_and_enabled(void **state)
{
	struct ioaccel_kvm_vm vm;

	assert_int_equal(ioaccel_kvm_vm_read(fixture("debugfs-kvm"), 4242, &vm), 0);
	assert_int_equal(vm.granted, 0x5);
	assert_int_equal(vm.posting, IOACCEL_KVM_POSTING_CPU | IOACCEL_KVM_POSTING_IOMMU);
	assert_int_equal(vm.n_vcpus, 2);
	assert_int_equal(vm.enabled[0], 0x5);
	assert_int_equal(vm.enabled[1], 0x1);
	/* The VM's statistics, summed over its vCPUs by KVM. */
	assert_int_equal(vm.stats[IOACCEL_KVM_ELI_ENTRIES], 101);
	assert_int_equal(vm.stats[IOACCEL_KVM_ELI_DELIVERED], 202);
	assert_int_equal(vm.stats[IOACCEL_KVM_ELI_BOUNCED], 303);
	assert_int_equal(vm.stats[IOACCEL_KVM_ELI_KICKS], 404);
	assert_int_equal(vm.stats[IOACCEL_KVM_ELI_FALLBACKS], 505);
	assert_int_equal(vm.stats[IOACCEL_KVM_EOI_PASSTHROUGH], 606);
	assert_int_equal(vm.stats[IOACCEL_KVM_POSTED], 707);
	assert_string_equal(ioaccel_kvm_stat_names[IOACCEL_KVM_POSTED], "posted");
}

static void test_nothing_granted(void **state)
{
	struct ioaccel_kvm_vm vm;

	assert_int_equal(ioaccel_kvm_vm_read(fixture("debugfs-kvm"), 4343, &vm), 0);
	assert_int_equal(vm.granted, 0);
	assert_int_equal(vm.posting, 0);
	assert_int_equal(vm.n_vcpus, 1);
	assert_int_equal(vm.enabled[0], 0);
	assert_int_equal(vm.stats[IOACCEL_KVM_ELI_ENTRIES], 0);
}

/* A prefix of another pid's directory is not this pid's VM. */
static void test_no_vm(void **state)
{
	struct ioaccel_kvm_vm vm;

	assert_int_equal(ioaccel_kvm_vm_read(fixture("debugfs-kvm"), 424, &vm), -ENOENT);
	assert_int_equal(ioaccel_kvm_vm_read(fixture("debugfs-kvm"), 0, &vm), -ENOENT);
	assert_int_equal(ioaccel_kvm_vm_read(fixture("sysfs-2nodes"), 4242, &vm), -ENOENT);
}

static void test_bad_mask(void **state)
{
	struct ioaccel_kvm_vm vm;

	assert_int_equal(ioaccel_kvm_vm_read(fixture("debugfs-kvm"), 5151, &vm), -EINVAL);
}

/* A statistic is an unsigned decimal: "-3" is not one. */
static void test_bad_statistic(void **state)
{
	struct ioaccel_kvm_vm vm;

	assert_int_equal(ioaccel_kvm_vm_read(fixture("debugfs-kvm"), 6262, &vm), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_granted_and_enabled),
		cmocka_unit_test(test_nothing_granted),
		cmocka_unit_test(test_no_vm),
		cmocka_unit_test(test_bad_mask),
		cmocka_unit_test(test_bad_statistic),
	};

	return cmocka_run_group_tests_name("kvm_vm", tests, NULL, NULL);
}
