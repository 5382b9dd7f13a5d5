#!/bin/sh
# Print the closing line of a test run, "N passed, N failed[, N skipped]",
# counted over every test case (TAP point) the automake harness recorded.
# A known-bug TODO that fails (XFAIL) proved nothing: it counts as skipped.
set -eu
dir=${1:-.}
find "$dir" -name '*.trs' -exec cat {} + 2>/dev/null |
	awk '/^:test-result: PASS/ { p++ }
	     /^:test-result: (FAIL|XPASS|ERROR)/ { f++ }
	     /^:test-result: (SKIP|XFAIL)/ { s++ }
	     END { line = sprintf("%d passed, %d failed", p, f)
		   if (s) line = line sprintf(", %d skipped", s)
		   print line }'
