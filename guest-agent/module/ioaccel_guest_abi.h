/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ioaccel hypercall ABI, version 1, as docs/hypercall-abi.md defines it.
 * Restated here because the guest builds against stock kernel headers,
 * which do not have the patched host's uapi additions.
 */
#ifndef IOACCEL_GUEST_ABI_H
#define IOACCEL_GUEST_ABI_H

#define IOACCEL_CPUID_FEATURE_BIT	30	/* 0x40000001 EAX */

#define IOACCEL_HC_QUERY		0x494f0000
#define IOACCEL_HC_ENABLE		0x494f0001
#define IOACCEL_HC_DISABLE		0x494f0002
#define IOACCEL_HC_REGISTER_PAGE	0x494f0003
#define IOACCEL_HC_SET_SHADOW_IDT	0x494f0004

#define IOACCEL_QUERY_VERSION		0
#define IOACCEL_QUERY_HOST		1
#define IOACCEL_QUERY_GRANTED		2
#define IOACCEL_QUERY_ENABLED		3
#define IOACCEL_QUERY_ELI_VECTOR	4
#define IOACCEL_QUERY_POSTING		5

/* IOACCEL_QUERY_POSTING: who posts this VM's interrupts in hardware. */
#define IOACCEL_POSTING_CPU		0x1
#define IOACCEL_POSTING_IOMMU		0x2

#define IOACCEL_F_EXITLESS_DELIVERY	0x1
#define IOACCEL_F_EXITLESS_EOI		0x2
#define IOACCEL_F_POSTED_PV		0x4
#define IOACCEL_F_POSTED_HW		0x8
#define IOACCEL_F_ALL			0xf

#define IOACCEL_ABI_VERSION		1
#define IOACCEL_SHADOW_IDT_LIMIT	0xfff

/* KVM_HC_IOACCEL_REGISTER_PAGE kinds; the posted-interrupt page's layout. */
#define IOACCEL_PAGE_POSTED		1

struct ioaccel_posted {
	u64 pir[4];		/* the host's: pending vectors */
	u64 control;		/* IOACCEL_POSTED_ON */
	u64 postable[4];	/* the guest's: vectors the host may post */
};

#define IOACCEL_POSTED_ON		BIT_ULL(0)

/*
 * Return codes: -KVM_ENOSYS, -KVM_EPERM, -KVM_EINVAL, -KVM_EOPNOTSUPP,
 * -KVM_EFAULT.
 */
#define IOACCEL_E_NOSYS			(-1000L)
#define IOACCEL_E_PERM			(-1L)
#define IOACCEL_E_INVAL			(-22L)
#define IOACCEL_E_OPNOTSUPP		(-95L)
#define IOACCEL_E_FAULT			(-14L)

#endif
