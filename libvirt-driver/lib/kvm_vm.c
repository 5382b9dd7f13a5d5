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

const char *const ioaccel_kvm_stat_names[IOACCEL_KVM_N_STATS] = {
	[IOACCEL_KVM_ELI_ENTRIES] = "eli_entries",
	[IOACCEL_KVM_ELI_DELIVERED] = "eli_delivered",
	[IOACCEL_KVM_ELI_BOUNCED] = "eli_bounced",
	[IOACCEL_KVM_ELI_KICKS] = "eli_kicks",
	[IOACCEL_KVM_ELI_FALLBACKS] = "eli_fallbacks",
	[IOACCEL_KVM_EOI_PASSTHROUGH] = "eoi_passthrough",
	[IOACCEL_KVM_POSTED] = "posted",
};

/* A one-number debugfs file: x32 masks ("0x00000005\n", @base 16), u64
 * statistics ("42\n", @base 10). */
static int read_number(const char *dir, const char *name, int base, uint64_t *v)
{
	char path[PATH_MAX + 64], buf[32], *end;
	unsigned long long m;
	int e;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	e = ioaccel_read_small_file(path, buf, sizeof(buf));
	if (e < 0)
		return e;
	errno = 0;
	m = strtoull(buf, &end, base);
	if (errno || end == buf || (*end && *end != '\n') || buf[0] == '-')
		return -EINVAL;
	*v = m;
	return 0;
}

static int read_mask(const char *dir, const char *name, uint32_t *v)
{
	uint64_t m;
	int e = read_number(dir, name, 16, &m);

	if (e == 0 && m > UINT32_MAX)
		e = -EINVAL;
	if (e == 0)
		*v = (uint32_t)m;
	return e;
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
	if (e == 0)
		e = read_mask(vm_dir, "ioaccel_posting", &vm->posting);
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
	for (i = 0; i < IOACCEL_KVM_N_STATS; i++) {
		snprintf(name, sizeof(name), "ioaccel_%s", ioaccel_kvm_stat_names[i]);
		e = read_number(vm_dir, name, 10, &vm->stats[i]);
		if (e < 0)
			return e == -EINVAL ? e : -ENOENT;
	}
	return 0;
}
