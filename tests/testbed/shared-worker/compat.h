/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel macros that drivers/virtio/virtio_ring.c of Debian's 6.12 source
 * uses and the user-space shims of its tools/virtio do not define; force-
 * included by build-virtio-test.
 */
#ifndef data_race
#define data_race(expr) (expr)
#endif
#define MODULE_DESCRIPTION(d) extern int ioaccel_unused_module_description
