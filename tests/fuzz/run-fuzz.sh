#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the libFuzzer target for the domain XML parser and the accel
# validator with clang (ASan + UBSan) and runs it for a bounded time
# (IOACCEL_FUZZ_SECONDS, default 30), seeded from schemas/examples.
# TAP: one test for the build, one for the run; SKIP without clang.
# The corpus grows in a scratch directory that is thrown away; crashes are
# kept as tests/fuzz/crash-* in the build tree.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
seconds=${IOACCEL_FUZZ_SECONDS:-30}
out=$builddir/tests/fuzz
fuzzer=$out/fuzz_domain_xml
clang=${FUZZ_CC:-$(command -v clang || true)}

echo "1..2"
if [ -z "$clang" ]; then
	echo "ok 1 - build the fuzz target # SKIP clang not found (install the Debian package clang)"
	echo "ok 2 - fuzz the parser # SKIP clang not found"
	exit 0
fi
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

lib=$srcdir/libvirt-driver/lib
# The library's parser sources are built into the fuzzer with coverage
# instrumentation; the embedded schema comes from the normal build.
# shellcheck disable=SC2046
if "$clang" -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -I"$builddir" -I"$lib" \
	$(pkg-config --cflags libxml-2.0) \
	-o "$fuzzer" "$srcdir/tests/fuzz/fuzz_domain_xml.c" \
	"$lib/log.c" "$lib/accel_names.c" "$lib/accel_parse.c" "$lib/accel_schema.c" \
	"$lib/domain_xml.c" "$builddir/schemas/accel-rng.c" \
	$(pkg-config --libs libxml-2.0) >"$tmp/build.log" 2>&1; then
	echo "ok 1 - build the fuzz target with $clang -fsanitize=fuzzer,address,undefined"
else
	if grep -q -e 'fsanitize=fuzzer' -e 'libclang_rt.fuzzer' "$tmp/build.log"; then
		echo "ok 1 - build the fuzz target # SKIP $clang has no libFuzzer"
		echo "ok 2 - fuzz the parser # SKIP no libFuzzer"
		exit 0
	fi
	echo "not ok 1 - build the fuzz target"
	sed 's/^/# /' "$tmp/build.log"
	echo "not ok 2 - fuzz the parser # not built"
	exit 0
fi

mkdir -p "$tmp/corpus"
for f in "$srcdir"/schemas/examples/*.xml "$srcdir"/schemas/examples/invalid/*.xml; do
	cp "$f" "$tmp/corpus/"
done
# Also each accel element alone, for the metadata-wrapped half of the target.
for f in "$srcdir"/schemas/examples/*.xml; do
	sed -n '/<accel[: ]/,/<\/accel/p' "$f" >"$tmp/corpus/element-$(basename "$f")"
done

"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
	-dict="$srcdir/tests/fuzz/accel.dict" -artifact_prefix="$out/crash-" \
	-print_final_stats=1 "$tmp/corpus" >"$tmp/fuzz.log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/fuzz.log")
if [ $rc -eq 0 ]; then
	echo "ok 2 - fuzz the parser and validator for ${seconds}s: ${runs:-?} inputs, no crash"
else
	echo "not ok 2 - fuzz the parser and validator (exit $rc; reproducer in $out/crash-*)"
	tail -n 60 "$tmp/fuzz.log" | sed 's/^/# /'
fi
