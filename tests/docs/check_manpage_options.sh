#!/usr/bin/env bash
# check_manpage_options.sh VMM PAGE: every long option `VMM --help` lists must be
# documented in the man page PAGE (as roff writes it: \-\-name). Prints the missing ones.
set -uo pipefail
vmm=$1 page=$2
help=$("$vmm" --help) || { echo "$vmm --help failed"; exit 1; }
options=$(grep -oE -- '(^|[ ,])--[a-z][a-z0-9-]*' <<<"$help" | sed 's/^[ ,]*//' | sort -u)
if [ -z "$options" ]; then
  echo "$vmm --help lists no long options"
  exit 1
fi
missing=0 count=0
for option in $options; do
  count=$((count + 1))
  roff=${option//-/\\-}
  if ! grep -qF -- "$roff" "$page"; then
    echo "$(basename "$page"): not documented: $option"
    missing=$((missing + 1))
  fi
done
echo "$count long options in vmm --help, $missing not in $(basename "$page")"
[ "$missing" -eq 0 ]
