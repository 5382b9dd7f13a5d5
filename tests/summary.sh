#!/bin/sh
# Print the closing line of a test run, "N passed, N failed[, N skipped]",
# counted over every test case (TAP point) the automake harness recorded.
set -eu
dir=${1:-.}
find "$dir" -name '*.trs' -exec cat {} + 2>/dev/null |
	awk '/^:test-result: (PASS|XFAIL)/ { p++ }
	     /^:test-result: (FAIL|XPASS|ERROR)/ { f++ }
	     /^:test-result: SKIP/ { s++ }
	     END { line = sprintf("%d passed, %d failed", p, f)
		   if (s) line = line sprintf(", %d skipped", s)
		   print line }'
