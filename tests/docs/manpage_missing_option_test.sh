#!/usr/bin/env bash
# manpage_missing_option_test.sh VMM PAGE: check_manpage_options.sh must name an option
# whose entry is not in the page: here the real page without --gpu-screenshot's lines.
set -uo pipefail
vmm=$1 page=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
grep -vF -- '\-\-gpu\-screenshot' "$page" > "$scratch/vmm.1"
out=$(bash "$(dirname "$0")/check_manpage_options.sh" "$vmm" "$scratch/vmm.1")
status=$?
printf '%s\n' "$out"
if [ "$status" -ne 1 ] || ! grep -qx 'vmm.1: not documented: --gpu-screenshot' <<<"$out" ||
   [ "$(grep -c 'not documented' <<<"$out")" -ne 1 ]; then
  echo "FAILED: expected exit 1 and exactly --gpu-screenshot named (exit $status)"
  exit 1
fi
echo "ok: the option taken out of the page was named, and only it"
