/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The planner: from the host configuration, the topology, the current
 * reservations and what the kernel supports, decide what a domain's accel
 * element gets.  Pure: it reads its inputs and fills a plan, nothing else.
 */
#ifndef IOACCEL_PLANNER_H
#define IOACCEL_PLANNER_H

#include "accel.h"
#include "control.h"
#include "ioaccel_config.h"
#include "state.h"
#include "topology.h"

/*
 * Fill @plan (a reservation not yet in any state: domain and uuid stay
 * NULL) for @dom, whose accel member must be set.  Under policy preferred
 * whatever cannot be had is recorded as a not-applied item with the reason;
 * under policy required the first such thing fails the plan with -ENOSPC
 * (no I/O core slot), -ENODEV (the kernel lacks a feature) or -EINVAL
 * (the element asks for something this host does not have), after one
 * message naming the domain, the element, the reason and what to do.
 */
int ioaccel_plan_domain(const struct ioaccel_config *cfg, const struct ioaccel_topology *topo,
			const struct ioaccel_state *st, const struct ioaccel_kernel *kernel,
			const struct ioaccel_domain *dom, struct ioaccel_reservation *plan);

/* Worker slots the domain asks for: one per vhost device (at least one) for
 * a shared worker, the whole core for a dedicated one, none for off. */
unsigned int ioaccel_plan_slots_wanted(const struct ioaccel_config *cfg,
				       const struct ioaccel_domain *dom);

#endif /* IOACCEL_PLANNER_H */
