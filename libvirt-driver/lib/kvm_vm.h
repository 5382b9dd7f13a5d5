/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What KVM granted a VM and what its guest enabled on each vCPU, read from
 * KVM's debugfs: DEBUGFS/kvm/PID-FD/ioaccel_granted and
 * vcpuN/ioaccel_enabled (docs/hypercall-abi.md, "Turning it off and
 * watching it").  Root only, as debugfs is.
 */
#ifndef IOACCEL_KVM_VM_H
#define IOACCEL_KVM_VM_H

#include <stdint.h>
#include <sys/types.h>

#define IOACCEL_KVM_MAX_VCPUS 256

struct ioaccel_kvm_vm {
	uint32_t granted;	/* KVM_IOACCEL_F_* (IOACCEL_GRANT_*) */
	unsigned int n_vcpus;
	/* per vCPU, by index: what the guest enabled; the granted part is in effect */
	uint32_t enabled[IOACCEL_KVM_MAX_VCPUS];
};

/* IOACCEL_DEBUGFS_ROOT, else /sys/kernel/debug. */
const char *ioaccel_debugfs_root(void);

/*
 * The VM that QEMU @pid created (its first, by name), under @debugfs_root
 * (NULL: ioaccel_debugfs_root()).  -ENOENT, nothing logged, when there is
 * none: no such VM, debugfs not mounted, or a kvm.ko without ioaccel;
 * -EINVAL when a file does not hold a hexadecimal mask.
 */
int ioaccel_kvm_vm_read(const char *debugfs_root, pid_t pid, struct ioaccel_kvm_vm *vm);

#endif
