#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The man page ioaccel-accel(5) describes all of schemas/accel.rng.

TAP, one test per element and per attribute: each element has its
".SS <accel:NAME>" section, each attribute its ".BR NAME =" entry in that
section, and each value the schema allows for it appears in the entry.
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

RNG = "{http://relaxng.org/ns/structure/1.0}"
src = os.environ.get("top_srcdir") or os.path.join(os.path.dirname(__file__), "..")
schema = ET.parse(os.path.join(src, "schemas", "accel.rng")).getroot()
page = open(os.path.join(src, "docs", "ioaccel-accel.5"), encoding="utf-8").read()

# Sections of the page by element.
sections = {}
for m in re.finditer(r"^\.SS <accel:([a-z-]+)>\n(.*?)(?=^\.S[SH] )", page, re.M | re.S):
    sections[m.group(1)] = m.group(2)

defines = {d.get("name"): d for d in schema.iter(RNG + "define")}


def attributes(node):
    """Attributes of an rng:element, following refs, not nested elements."""
    for child in node:
        if child.tag == RNG + "attribute":
            yield child
        elif child.tag == RNG + "element":
            continue
        elif child.tag == RNG + "ref":
            yield from attributes(defines[child.get("name")])
        else:
            yield from attributes(child)


checks = []
for element in schema.iter(RNG + "element"):
    name = element.get("name")
    body = sections.get(name)
    checks.append((f"<accel:{name}> has a section", body is not None, ""))
    for attr in attributes(element):
        aname = attr.get("name")
        entry = None
        if body is not None:
            m = re.search(r"^\.BR " + re.escape(aname) + r" =(.*)$", body, re.M)
            entry = m.group(1) if m else None
        values = [v.text for v in attr.iter(RNG + "value")]
        missing = [v for v in values if entry is None or f"\\fI{v}\\fR" not in entry]
        ok = entry is not None and not missing
        why = "no entry" if entry is None else ("values missing: " + ", ".join(missing) if missing else "")
        checks.append((f"<accel:{name}> {aname}= is described with its values", ok, why))

print(f"1..{len(checks)}")
for i, (what, ok, why) in enumerate(checks, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {what}")
    if not ok:
        print(f"# {why}")
sys.exit(0)
