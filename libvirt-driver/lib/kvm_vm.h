/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What KVM granted a VM, who posts its interrupts in hardware, what its
 * guest enabled on each vCPU and what the exitless paths did, read from
 * KVM's debugfs: DEBUGFS/kvm/PID-FD/ioaccel_granted, ioaccel_posting,
 * vcpuN/ioaccel_enabled and the VM's ioaccel_* statistics
 * (summed over its vCPUs by KVM; docs/hypercall-abi.md, "Turning it off and
 * watching it").  Root only, as debugfs is.
 */
#ifndef IOACCEL_KVM_VM_H
#define IOACCEL_KVM_VM_H

#include <stdint.h>
#include <sys/types.h>

#define IOACCEL_KVM_MAX_VCPUS 256

/* The VM's exitless statistics, as named by ioaccel_kvm_stat_names. */
enum ioaccel_kvm_stat {
	IOACCEL_KVM_ELI_ENTRIES,	/* runs entered with exitless delivery */
	IOACCEL_KVM_ELI_DELIVERED,	/* notifications delivered without an exit */
	IOACCEL_KVM_ELI_BOUNCED,	/* host interrupts bounced back to the host */
	IOACCEL_KVM_ELI_KICKS,		/* runs cut short to let the host in */
	IOACCEL_KVM_ELI_FALLBACKS,	/* notifications injected the normal way */
	IOACCEL_KVM_EOI_PASSTHROUGH,	/* runs with the EOI write passed through */
	IOACCEL_KVM_POSTED,		/* interrupts posted para-virtually */
	IOACCEL_KVM_N_STATS
};

/* Their names, without debugfs's "ioaccel_" prefix. */
extern const char *const ioaccel_kvm_stat_names[IOACCEL_KVM_N_STATS];

/* Who posts the VM's interrupts in hardware (ioaccel_posting). */
#define IOACCEL_KVM_POSTING_CPU	  0x1	/* APICv / AVIC */
#define IOACCEL_KVM_POSTING_IOMMU 0x2	/* assigned devices' too */

struct ioaccel_kvm_vm {
	uint32_t granted;	/* KVM_IOACCEL_F_* (IOACCEL_GRANT_*) */
	uint32_t posting;	/* IOACCEL_KVM_POSTING_* */
	uint64_t stats[IOACCEL_KVM_N_STATS];
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
 * -EINVAL when a file does not hold a number (masks are hexadecimal,
 * statistics decimal).
 */
int ioaccel_kvm_vm_read(const char *debugfs_root, pid_t pid, struct ioaccel_kvm_vm *vm);

#endif
