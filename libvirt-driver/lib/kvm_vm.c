// SPDX-License-Identifier: LGPL-2.1-or-later
/* A VM's ioaccel grants and its vCPUs' enables, from KVM's debugfs. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_vm.h"
#include "util.h"

#define IOACCEL_DEBUGFS_ROOT_DEFAULT "/sys/kernel/debug"

const char *ioaccel_debugfs_root(void)
{
	const char *r = getenv("IOACCEL_DEBUGFS_ROOT");

	return r && *r ? r : IOACCEL_DEBUGFS_ROOT_DEFAULT;
}

/* A debugfs x32 file ("0x00000005\n"). */
static int read_mask(const char *dir, const char *name, uint32_t *v)
{
	char path[PATH_MAX + 64], buf[32], *end;
	unsigned long m;
	int e;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	e = ioaccel_read_small_file(path, buf, sizeof(buf));
	if (e < 0)
		return e;
	errno = 0;
	m = strtoul(buf, &end, 16);
	if (errno || end == buf || (*end && *end != '\n') || m > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)m;
	return 0;
}

/* The first directory "PID-FD" of @kvm_dir, by name; -ENOENT if none. */
static int find_vm_dir(const char *kvm_dir, pid_t pid, char *name, size_t size)
{
	char prefix[32];
	struct dirent *de;
	DIR *d = opendir(kvm_dir);
	int found = -ENOENT;

	if (!d)
		return -ENOENT;
	snprintf(prefix, sizeof(prefix), "%ld-", (long)pid);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) ||
		    (found == 0 && strverscmp(de->d_name, name) >= 0))
			continue;
		snprintf(name, size, "%s", de->d_name);
		found = 0;
	}
	closedir(d);
	return found;
}

int ioaccel_kvm_vm_read(const char *debugfs_root, pid_t pid, struct ioaccel_kvm_vm *vm)
{
	char kvm_dir[PATH_MAX], vm_dir[PATH_MAX + 300], vcpu_dir[PATH_MAX + 320], name[256];
	unsigned int i;
	int e;

	memset(vm, 0, sizeof(*vm));
	snprintf(kvm_dir, sizeof(kvm_dir), "%s/kvm",
		 debugfs_root ? debugfs_root : ioaccel_debugfs_root());
	if (pid <= 0 || find_vm_dir(kvm_dir, pid, name, sizeof(name)) < 0)
		return -ENOENT;
	snprintf(vm_dir, sizeof(vm_dir), "%s/%s", kvm_dir, name);
	e = read_mask(vm_dir, "ioaccel_granted", &vm->granted);
	if (e < 0)
		return e == -EINVAL ? e : -ENOENT;
	/* vCPUs are numbered from 0 without holes. */
	for (i = 0; i < IOACCEL_KVM_MAX_VCPUS; i++) {
		snprintf(vcpu_dir, sizeof(vcpu_dir), "%s/vcpu%u", vm_dir, i);
		e = read_mask(vcpu_dir, "ioaccel_enabled", &vm->enabled[i]);
		if (e == -EINVAL)
			return e;
		if (e < 0)
			break;
	}
	vm->n_vcpus = i;
	return 0;
}
