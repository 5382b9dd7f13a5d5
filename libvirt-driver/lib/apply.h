/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Applying a reservation to a running domain (started hook) and undoing it
 * (stopped, release, reconnect of a stale one, ioaccelctl release).
 */
#ifndef IOACCEL_APPLY_H
#define IOACCEL_APPLY_H

#include <stdbool.h>
#include <sys/types.h>

#include "accel.h"
#include "control.h"
#include "ioaccel_config.h"
#include "state.h"

#define IOACCEL_LIBVIRT_QEMU_RUNDIR_DEFAULT "/run/libvirt/qemu"
#define IOACCEL_PROC_ROOT_DEFAULT "/proc"

/* $IOACCEL_LIBVIRT_QEMU_RUNDIR or /run/libvirt/qemu. */
const char *ioaccel_libvirt_qemu_rundir(void);
/* $IOACCEL_PROC_ROOT or /proc (only for /proc/irq). */
const char *ioaccel_proc_root(void);
/* The QEMU pid from RUNDIR/DOMAIN.pid if that process runs, else 0. */
pid_t ioaccel_qemu_pid(const char *domain);

/*
 * Apply the reserved items of @r to the domain whose QEMU is @qemu_pid:
 * attach, polling, device scheduling and grants through the kernel, IRQ
 * pinning through /proc/irq.  Every item ends applied or not-applied with
 * the reason.  Under policy required a failure returns -errno after one
 * message; the items applied so far stay recorded so undo removes them.
 */
int ioaccel_apply(struct ioaccel_reservation *r, const struct ioaccel_domain *dom,
		  const struct ioaccel_config *cfg, struct ioaccel_kernel *kernel, pid_t qemu_pid);
/* Undo whatever @r applied; idempotent, never fails (problems are logged
 * as warnings). */
void ioaccel_undo(struct ioaccel_reservation *r, struct ioaccel_kernel *kernel);

/* Pin the MSI/legacy IRQs of PCI device @addr to @cpulist; appends
 * "IRQ=previous" pairs to *restore.  Returns the number of IRQs pinned or
 * -errno (logged nowhere: the caller records it). */
int ioaccel_pin_device_irqs(const char *addr, const char *cpulist, char **restore,
			    char *why, size_t whysize);
/* Write back the affinities in @restore ("IRQ=cpulist;..."). */
void ioaccel_restore_irqs(const char *restore);

/* Whether @r is left over from something that no longer runs; @why says
 * why.  A reservation of a running domain, or one whose start is still in
 * progress (the libvirtd that prepared it still runs), is not stale. */
bool ioaccel_reservation_stale(const struct ioaccel_reservation *r, char *why, size_t whysize);
/* Undo and drop every stale reservation except @keep's; returns how many. */
int ioaccel_state_reconcile(struct ioaccel_state *st, struct ioaccel_kernel *kernel,
			    const char *keep);

#endif /* IOACCEL_APPLY_H */
