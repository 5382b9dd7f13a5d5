// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioaccel_guest: the guest side of ioaccel's exitless interrupts
 * (docs/hypercall-abi.md, version 1).
 *
 * Discovers what the host granted this VM, and enables on every vCPU
 * (CPU hotplug aware) the features user space asks for in
 * /sys/kernel/ioaccel_guest/enable; ioaccel-guest-agent does that.  Of the
 * ABI's features it implements exitless delivery: the shadow IDT (the
 * kernel's own gates 0-31 and the notification vector, every other gate
 * not present) and the handler of the notification vector, which is
 * POSTED_INTR_WAKEUP_VECTOR, so the kernel's own IDT entry for it is used
 * and its hook counts the notifications; and PV posted interrupts: a page
 * per vCPU in which the host posts device vectors, whose interrupts the
 * hook then handles (generic_handle_irq()).  Everything is turned off on
 * reboot and kexec (the boot CPU keeps its registration across kexec: the
 * new kernel would take host interrupts through a stale shadow IDT) and
 * when the module is removed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/irqdomain.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/smp.h>
#include <linux/sysfs.h>
#include <asm/apic.h>
#include <asm/cpufeature.h>
#include <asm/cpuid.h>
#include <asm/desc.h>
#include <asm/hw_irq.h>
#include <asm/irq_vectors.h>
#include <asm/irqdomain.h>
#include <asm/kvm_para.h>

#include "ioaccel_guest_abi.h"

#ifndef CONFIG_X86_64
#error "ioaccel_guest needs a 64-bit kernel: the shadow IDT has long-mode gates"
#endif

struct ioaccel_cpu {
	long error;		/* hypercall result of the last change */
	unsigned long notifications;
	/* PV posted interrupts */
	struct ioaccel_posted *posted;	/* this vCPU's page */
	unsigned long posted_irqs;	/* handled from the page */
	unsigned long posted_resent;	/* sent back through the virtual APIC */
	unsigned int vector_irq[NR_VECTORS];	/* last irq seen at a vector */
};

static DEFINE_PER_CPU(struct ioaccel_cpu, ioaccel_cpu);

static DEFINE_MUTEX(ioaccel_lock);	/* serialises changes of ioaccel_wanted */
static u64 ioaccel_wanted;		/* what every online vCPU should have */
static u64 ioaccel_supported;		/* what this module implements here */
static long ioaccel_version, ioaccel_host, ioaccel_eli_vector;
static gate_desc *ioaccel_shadow_idt;
static enum cpuhp_state ioaccel_hp_state;
static struct kobject *ioaccel_kobj;

static int ioaccel_errno(long r)
{
	switch (r) {
	case 0:
		return 0;
	case IOACCEL_E_PERM:
		return -EPERM;
	case IOACCEL_E_INVAL:
		return -EINVAL;
	case IOACCEL_E_OPNOTSUPP:
		return -EOPNOTSUPP;
	case IOACCEL_E_NOSYS:
		return -ENODEV;
	case IOACCEL_E_FAULT:
		return -EFAULT;
	default:
		return r < 0 ? -EIO : 0;
	}
}

/* Every argument register is set: the ABI wants the unused ones 0. */
static long ioaccel_hc(unsigned int nr, unsigned long a0, unsigned long a1)
{
	return kvm_hypercall4(nr, a0, a1, 0, 0);
}

static long ioaccel_query(unsigned long what)
{
	return ioaccel_hc(IOACCEL_HC_QUERY, what, 0);
}

static long ioaccel_set_shadow_idt(bool on)
{
	if (!on)
		return ioaccel_hc(IOACCEL_HC_SET_SHADOW_IDT, 0, 0);
	return ioaccel_hc(IOACCEL_HC_SET_SHADOW_IDT, (unsigned long)ioaccel_shadow_idt,
			  IOACCEL_SHADOW_IDT_LIMIT);
}

/*
 * The irq whose interrupts arrive at @vector on @cpu: an irq of the x86
 * vector domain with that vector and @cpu in its effective affinity.
 */
static bool ioaccel_irq_at(unsigned int irq, unsigned int vector, unsigned int cpu)
{
	struct irq_data *d = irq_get_irq_data(irq), *root = d;
	struct irq_cfg *cfg;

	if (!d)
		return false;
	while (root->parent_data)
		root = root->parent_data;
	if (root->domain != x86_vector_domain)
		return false;
	cfg = irqd_cfg(d);
	return cfg && cfg->vector == vector &&
	       cpumask_test_cpu(cpu, irq_data_get_effective_affinity_mask(d));
}

/* The irq of @vector on this CPU (0: none): the last one, else a scan. */
static unsigned int ioaccel_vector_irq(struct ioaccel_cpu *c, unsigned int vector)
{
	unsigned int cpu = smp_processor_id(), irq = c->vector_irq[vector];

	if (irq && ioaccel_irq_at(irq, vector, cpu))
		return irq;
	for (irq = 1; irq < nr_irqs; irq++) {
		if (ioaccel_irq_at(irq, vector, cpu)) {
			c->vector_irq[vector] = irq;
			return irq;
		}
	}
	return 0;
}

/*
 * Take the vectors the host posted in this vCPU's page: ON first, so that
 * a vector posted after this raises a new notification, then every PIR
 * word at once.  In the notification's handler (hard IRQ) each goes to its
 * irq's handler; otherwise (@resend), or when no irq has that vector here
 * (it moved), it is sent to this vCPU's virtual APIC, as if never posted.
 */
static void ioaccel_posted_take(struct ioaccel_cpu *c, bool resend)
{
	struct ioaccel_posted *p = c->posted;
	unsigned int irq, bit, i;
	unsigned long w;

	test_and_clear_bit(0, (unsigned long *)&p->control);
	for (i = 0; i < ARRAY_SIZE(p->pir); i++) {
		w = xchg(&p->pir[i], 0);
		for_each_set_bit(bit, &w, 64) {
			irq = resend ? 0 : ioaccel_vector_irq(c, i * 64 + bit);
			if (irq && !generic_handle_irq(irq)) {
				c->posted_irqs++;
				continue;
			}
			__apic_send_IPI_self(i * 64 + bit);
			c->posted_resent++;
		}
	}
}

/*
 * Register this vCPU's posted-interrupt page with the host, or unregister
 * it and send what is still posted in it through the virtual APIC.
 */
static long ioaccel_set_posted_page(bool on)
{
	struct ioaccel_cpu *c = this_cpu_ptr(&ioaccel_cpu);
	long r;

	if (!c->posted)
		return on ? IOACCEL_E_OPNOTSUPP : 0;
	if (on)
		return ioaccel_hc(IOACCEL_HC_REGISTER_PAGE, __pa(c->posted),
				  IOACCEL_PAGE_POSTED);
	r = ioaccel_hc(IOACCEL_HC_REGISTER_PAGE, 0, IOACCEL_PAGE_POSTED);
	ioaccel_posted_take(c, true);
	return r;
}

/*
 * Bring the calling vCPU to @want.  The shadow IDT is registered before
 * delivery is enabled and stays registered exactly while the host has
 * delivery in effect, so the vCPU never runs exitless without it.  On an
 * error the host has changed nothing (its calls are all or nothing).
 * Called with preemption off.
 */
static void ioaccel_apply_this_cpu(u64 want)
{
	struct ioaccel_cpu *c = this_cpu_ptr(&ioaccel_cpu);
	long enabled, r = 0;

	enabled = ioaccel_query(IOACCEL_QUERY_ENABLED);
	if (enabled < 0) {
		c->error = enabled;
		return;
	}
	/*
	 * QUERY(ENABLED) hides what a revoke took away, but the host keeps
	 * it enabled for a later grant: disable everything not wanted.
	 */
	if (IOACCEL_F_ALL & ~want)
		r = ioaccel_hc(IOACCEL_HC_DISABLE, IOACCEL_F_ALL & ~want, 0);
	if (!r && (want & ~enabled)) {
		if (want & IOACCEL_F_EXITLESS_DELIVERY)
			r = ioaccel_set_shadow_idt(true);
		if (!r && (want & IOACCEL_F_POSTED_PV))
			r = ioaccel_set_posted_page(true);
		if (!r)
			r = ioaccel_hc(IOACCEL_HC_ENABLE, want & ~enabled, 0);
	}
	enabled = ioaccel_query(IOACCEL_QUERY_ENABLED);
	if (enabled < 0 || !(enabled & IOACCEL_F_POSTED_PV))
		ioaccel_set_posted_page(false);
	if (enabled < 0 || !(enabled & IOACCEL_F_EXITLESS_DELIVERY))
		ioaccel_set_shadow_idt(false);
	c->error = r;
}

static void ioaccel_apply_ipi(void *unused)
{
	ioaccel_apply_this_cpu(READ_ONCE(ioaccel_wanted));
}

/* Every online vCPU to ioaccel_wanted (cpus_read_lock() held); the first error. */
static int ioaccel_apply_all(void)
{
	int cpu, err = 0;

	on_each_cpu(ioaccel_apply_ipi, NULL, 1);
	for_each_online_cpu(cpu) {
		err = ioaccel_errno(per_cpu(ioaccel_cpu, cpu).error);
		if (err)
			break;
	}
	return err;
}

static void ioaccel_off_all(void)
{
	mutex_lock(&ioaccel_lock);
	cpus_read_lock();
	WRITE_ONCE(ioaccel_wanted, 0);
	ioaccel_apply_all();
	cpus_read_unlock();
	mutex_unlock(&ioaccel_lock);
}

static int ioaccel_cpu_online(unsigned int cpu)
{
	preempt_disable();
	ioaccel_apply_this_cpu(READ_ONCE(ioaccel_wanted));
	preempt_enable();
	return 0;
}

/* INIT resets the host's state of the vCPU; this keeps the books right. */
static int ioaccel_cpu_offline(unsigned int cpu)
{
	preempt_disable();
	ioaccel_apply_this_cpu(0);
	preempt_enable();
	return 0;
}

/* The hook of POSTED_INTR_WAKEUP_VECTOR's handler, which did the EOI. */
static void ioaccel_notified(void)
{
	struct ioaccel_cpu *c = this_cpu_ptr(&ioaccel_cpu);

	c->notifications++;
	/* Registered or not: the host may have posted before it was dropped. */
	if (c->posted)
		ioaccel_posted_take(c, false);
}

static int ioaccel_reboot(struct notifier_block *nb, unsigned long action,
			  void *data)
{
	ioaccel_off_all();
	return NOTIFY_DONE;
}

static struct notifier_block ioaccel_reboot_nb = {
	.notifier_call = ioaccel_reboot,
};

static void ioaccel_query_ipi(void *out)
{
	long r = ioaccel_query(IOACCEL_QUERY_ENABLED);

	*(u64 *)out = r < 0 ? 0 : r;
}

static u64 ioaccel_enabled_on(int cpu)
{
	u64 v = 0;

	smp_call_function_single(cpu, ioaccel_query_ipi, &v, 1);
	return v;
}

static ssize_t version_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%ld\n", ioaccel_version);
}

static ssize_t host_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "0x%lx\n", ioaccel_host);
}

static ssize_t granted_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	long r = ioaccel_query(IOACCEL_QUERY_GRANTED);

	if (r < 0)
		return ioaccel_errno(r);
	return sysfs_emit(buf, "0x%lx\n", r);
}

static ssize_t supported_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "0x%llx\n", ioaccel_supported);
}

/* Asked each time: the host can inhibit APICv/AVIC for a VM at run time. */
static ssize_t posting_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	long r = ioaccel_query(IOACCEL_QUERY_POSTING);

	if (r <= 0)	/* a host before the query (-EINVAL) has none either */
		return sysfs_emit(buf, "none\n");
	return sysfs_emit(buf, "%s%s\n", r & IOACCEL_POSTING_CPU ? "cpu" : "",
			  r & IOACCEL_POSTING_IOMMU ? " iommu" : "");
}

static ssize_t eli_vector_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	if (ioaccel_eli_vector < 0)
		return sysfs_emit(buf, "none\n");
	return sysfs_emit(buf, "0x%lx\n", ioaccel_eli_vector);
}

static ssize_t enable_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "0x%llx\n", READ_ONCE(ioaccel_wanted));
}

/*
 * All or nothing: a mask that cannot be applied on every online vCPU is
 * rolled back to the previous one and the host's answer is returned.
 */
static ssize_t enable_store(struct kobject *k, struct kobj_attribute *a,
			    const char *buf, size_t count)
{
	u64 want, old;
	int err;

	if (kstrtou64(buf, 0, &want) || (want & ~(u64)IOACCEL_F_ALL))
		return -EINVAL;
	if (want & ~ioaccel_supported)
		return -EOPNOTSUPP;
	/*
	 * Posted vectors are announced by exitless delivery's notification,
	 * and only its runs pass the EOI through.
	 */
	if ((want & (IOACCEL_F_POSTED_PV | IOACCEL_F_EXITLESS_EOI)) &&
	    !(want & IOACCEL_F_EXITLESS_DELIVERY))
		return -EINVAL;
	mutex_lock(&ioaccel_lock);
	cpus_read_lock();
	old = ioaccel_wanted;
	WRITE_ONCE(ioaccel_wanted, want);
	err = ioaccel_apply_all();
	if (err) {
		WRITE_ONCE(ioaccel_wanted, old);
		ioaccel_apply_all();
	}
	cpus_read_unlock();
	mutex_unlock(&ioaccel_lock);
	return err ? err : count;
}

/* The features in effect on every online vCPU, asked of the host now. */
static ssize_t enabled_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	u64 all = IOACCEL_F_ALL;
	int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu)
		all &= ioaccel_enabled_on(cpu);
	cpus_read_unlock();
	return sysfs_emit(buf, "0x%llx\n", all);
}

static ssize_t cpus_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	int cpu, len = 0;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct ioaccel_cpu *c = per_cpu_ptr(&ioaccel_cpu, cpu);

		len += sysfs_emit_at(buf, len,
				     "cpu%d enabled=0x%llx error=%d notifications=%lu posted=%lu resent=%lu\n",
				     cpu, ioaccel_enabled_on(cpu), ioaccel_errno(c->error),
				     READ_ONCE(c->notifications), READ_ONCE(c->posted_irqs),
				     READ_ONCE(c->posted_resent));
	}
	cpus_read_unlock();
	return len;
}

static ssize_t notifications_show(struct kobject *k, struct kobj_attribute *a, char *buf)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu(ioaccel_cpu, cpu).notifications);
	return sysfs_emit(buf, "%lu\n", sum);
}

static struct kobj_attribute ioaccel_attr_version = __ATTR_RO(version);
static struct kobj_attribute ioaccel_attr_host = __ATTR_RO(host);
static struct kobj_attribute ioaccel_attr_granted = __ATTR_RO(granted);
static struct kobj_attribute ioaccel_attr_supported = __ATTR_RO(supported);
static struct kobj_attribute ioaccel_attr_eli_vector = __ATTR_RO(eli_vector);
static struct kobj_attribute ioaccel_attr_posting = __ATTR_RO(posting);
static struct kobj_attribute ioaccel_attr_enable = __ATTR_RW_MODE(enable, 0600);
static struct kobj_attribute ioaccel_attr_enabled = __ATTR_RO(enabled);
static struct kobj_attribute ioaccel_attr_cpus = __ATTR_RO(cpus);
static struct kobj_attribute ioaccel_attr_notifications = __ATTR_RO(notifications);

static struct attribute *ioaccel_attrs[] = {
	&ioaccel_attr_version.attr,
	&ioaccel_attr_host.attr,
	&ioaccel_attr_granted.attr,
	&ioaccel_attr_supported.attr,
	&ioaccel_attr_eli_vector.attr,
	&ioaccel_attr_posting.attr,
	&ioaccel_attr_enable.attr,
	&ioaccel_attr_enabled.attr,
	&ioaccel_attr_cpus.attr,
	&ioaccel_attr_notifications.attr,
	NULL,
};

static const struct attribute_group ioaccel_group = {
	.attrs = ioaccel_attrs,
};

/*
 * Exitless delivery needs the host's notification vector to be the one this
 * kernel has a handler for, an IDT (no FRED), and the shadow IDT mapped in
 * every page table the vCPU runs on (the direct map is not in PTI's user
 * tables).  Returns why not, or NULL.
 */
static const char *ioaccel_eli_unusable(void)
{
	struct desc_ptr dt;
	gate_desc *idt;
	int v;

	if (ioaccel_eli_vector < 0)
		return "the host does not run it";
	if (ioaccel_eli_vector != POSTED_INTR_WAKEUP_VECTOR)
		return "the host's notification vector is not POSTED_INTR_WAKEUP_VECTOR";
	if (cpu_feature_enabled(X86_FEATURE_FRED))
		return "FRED is on (no IDT)";
	if (boot_cpu_has(X86_FEATURE_PTI))
		return "page table isolation is on (pti=off turns it off)";
	store_idt(&dt);
	idt = (gate_desc *)dt.address;
	if (dt.size < IOACCEL_SHADOW_IDT_LIMIT || !idt[ioaccel_eli_vector].bits.p)
		return "this kernel has no handler at the notification vector (CONFIG_KVM off)";

	ioaccel_shadow_idt = (gate_desc *)get_zeroed_page(GFP_KERNEL);
	if (!ioaccel_shadow_idt)
		return "no memory for the shadow IDT";
	for (v = 0; v < IDT_ENTRIES; v++) {
		if (v < FIRST_EXTERNAL_VECTOR || v == ioaccel_eli_vector)
			ioaccel_shadow_idt[v] = idt[v];
		else
			ioaccel_shadow_idt[v].bits.type = GATE_INTERRUPT;
	}
	return NULL;
}

static void ioaccel_posted_free(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		free_page((unsigned long)per_cpu(ioaccel_cpu, cpu).posted);
		per_cpu(ioaccel_cpu, cpu).posted = NULL;
	}
}

/*
 * A posted-interrupt page per possible vCPU.  The host may post the device
 * vectors, which this kernel handles through irq descriptors; never its
 * system vectors (timer, IPIs, the notification itself), which have none.
 */
static int ioaccel_posted_alloc(void)
{
	struct ioaccel_posted *p;
	int cpu, v;

	for_each_possible_cpu(cpu) {
		p = (struct ioaccel_posted *)get_zeroed_page(GFP_KERNEL);
		if (!p) {
			ioaccel_posted_free();
			return -ENOMEM;
		}
		for (v = FIRST_EXTERNAL_VECTOR; v < FIRST_SYSTEM_VECTOR; v++)
			if (v != IA32_SYSCALL_VECTOR)
				__set_bit(v, (unsigned long *)p->postable);
		per_cpu(ioaccel_cpu, cpu).posted = p;
	}
	return 0;
}

static int __init ioaccel_guest_init(void)
{
	const char *why;
	long posting;
	u32 base;
	int err;

	base = kvm_para_available() ? hypervisor_cpuid_base(KVM_SIGNATURE, 0) : 0;
	if (!base || !(cpuid_eax(base | KVM_CPUID_FEATURES) &
		       BIT(IOACCEL_CPUID_FEATURE_BIT))) {
		pr_info("the host does not offer ioaccel (no KVM_FEATURE_IOACCEL in CPUID 0x40000001)\n");
		return -ENODEV;
	}
	ioaccel_version = ioaccel_query(IOACCEL_QUERY_VERSION);
	if (ioaccel_version != IOACCEL_ABI_VERSION) {
		pr_info("the host speaks ABI version %ld, this module version %d\n",
			ioaccel_version, IOACCEL_ABI_VERSION);
		return -ENODEV;
	}
	ioaccel_host = ioaccel_query(IOACCEL_QUERY_HOST);
	ioaccel_eli_vector = ioaccel_query(IOACCEL_QUERY_ELI_VECTOR);
	why = ioaccel_eli_unusable();
	if (why)
		pr_info("exitless delivery not available: %s\n", why);
	else
		ioaccel_supported |= IOACCEL_F_EXITLESS_DELIVERY;
	if (!why && (ioaccel_host & IOACCEL_F_POSTED_PV) && !ioaccel_posted_alloc())
		ioaccel_supported |= IOACCEL_F_POSTED_PV;
	/* The EOI the host passes through is the x2APIC MSR write. */
	if (!why && (ioaccel_host & IOACCEL_F_EXITLESS_EOI) && x2apic_enabled())
		ioaccel_supported |= IOACCEL_F_EXITLESS_EOI;
	/* Where the CPU posts, acknowledging the hardware path is all there is. */
	posting = ioaccel_query(IOACCEL_QUERY_POSTING);
	if (posting > 0 && (posting & IOACCEL_POSTING_CPU) && (ioaccel_host & IOACCEL_F_POSTED_HW))
		ioaccel_supported |= IOACCEL_F_POSTED_HW;

	kvm_set_posted_intr_wakeup_handler(ioaccel_notified);
	err = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "virt/ioaccel_guest:online",
				ioaccel_cpu_online, ioaccel_cpu_offline);
	if (err < 0)
		goto out_handler;
	ioaccel_hp_state = err;
	err = register_reboot_notifier(&ioaccel_reboot_nb);
	if (err)
		goto out_hp;
	ioaccel_kobj = kobject_create_and_add("ioaccel_guest", kernel_kobj);
	err = ioaccel_kobj ? sysfs_create_group(ioaccel_kobj, &ioaccel_group) : -ENOMEM;
	if (err)
		goto out_kobj;
	pr_info("ABI version %ld, host features 0x%lx, granted 0x%lx, supported here 0x%llx\n",
		ioaccel_version, ioaccel_host, ioaccel_query(IOACCEL_QUERY_GRANTED),
		ioaccel_supported);
	return 0;

out_kobj:
	kobject_put(ioaccel_kobj);
	unregister_reboot_notifier(&ioaccel_reboot_nb);
out_hp:
	cpuhp_remove_state(ioaccel_hp_state);
out_handler:
	kvm_set_posted_intr_wakeup_handler(NULL);
	ioaccel_posted_free();
	free_page((unsigned long)ioaccel_shadow_idt);
	return err;
}

static void __exit ioaccel_guest_exit(void)
{
	sysfs_remove_group(ioaccel_kobj, &ioaccel_group);
	kobject_put(ioaccel_kobj);
	unregister_reboot_notifier(&ioaccel_reboot_nb);
	ioaccel_off_all();
	cpuhp_remove_state(ioaccel_hp_state);
	kvm_set_posted_intr_wakeup_handler(NULL);
	ioaccel_posted_free();
	free_page((unsigned long)ioaccel_shadow_idt);
}

module_init(ioaccel_guest_init);
module_exit(ioaccel_guest_exit);
MODULE_DESCRIPTION("ioaccel guest: exitless interrupt delivery (hypercall ABI 1)");
MODULE_LICENSE("GPL");
