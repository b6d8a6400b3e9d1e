#!/usr/bin/env bash
# expect_output.sh STATUS EXPECTED -- COMMAND...: runs COMMAND and passes only when it exits
# with STATUS and its stdout and stderr together are EXPECTED's lines, in order. For the
# checkers' own tests: a checker that reports nothing, or something else, on a broken input
# fails here.
set -uo pipefail
want_status=$1 expected=$2
shift 3
out=$("$@" 2>&1)
status=$?
want=$(cat "$expected")
if [ "$status" -ne "$want_status" ] || [ "$out" != "$want" ]; then
  echo "expect_output: $* exited $status (expected $want_status); output differs from $expected:"
  diff <(printf '%s\n' "$want") <(printf '%s\n' "$out")
  exit 1
fi
echo "expect_output: $* exited $status with the expected output"
