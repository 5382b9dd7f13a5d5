# SPDX-License-Identifier: LGPL-2.1-or-later
"""Kernel cpu lists ("0-3,8,10-11") for the ioaccel role."""

from ansible.errors import AnsibleFilterError


def ioaccel_cpulist_expand(value):
    """Expand a kernel cpu list to a sorted list of CPU numbers."""
    if value is None:
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, (list, tuple)):
        out = set()
        for item in value:
            out.update(ioaccel_cpulist_expand(item))
        return sorted(out)
    text = str(value).strip()
    out = set()
    if not text:
        return []
    for part in text.split(','):
        part = part.strip()
        try:
            if '-' in part:
                first, last = part.split('-', 1)
                first, last = int(first), int(last)
                if first > last:
                    raise ValueError(part)
                out.update(range(first, last + 1))
            else:
                out.add(int(part))
        except ValueError:
            raise AnsibleFilterError(
                "'%s' is not a cpu list: use numbers and ranges such as 2,3,8-9." % text)
    return sorted(out)


def ioaccel_cpulist_format(cpus):
    """Write CPU numbers as a kernel cpu list, ranges merged."""
    cpus = sorted(set(int(c) for c in cpus))
    parts = []
    i = 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        parts.append(str(cpus[i]) if i == j else '%d-%d' % (cpus[i], cpus[j]))
        i = j + 1
    return ','.join(parts)


class FilterModule:
    """ioaccel's cpu list filters."""

    def filters(self):
        return {
            'ioaccel_cpulist_expand': ioaccel_cpulist_expand,
            'ioaccel_cpulist_format': ioaccel_cpulist_format,
        }
