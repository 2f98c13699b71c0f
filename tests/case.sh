#!/bin/bash
# Runs one test case: tests/case.sh CASEFILE DIR
# Exit status: 0 passed, 77 skipped, anything else failed (details on stderr).
set -u
T=$2
cd "$T" || exit 1
. "$(dirname "$0")/lib.sh"
trap lib_cleanup EXIT
trap 'echo "FAIL: timed out or interrupted" >&2; lib_diag; exit 124' TERM INT
. "$1"
exit 0
