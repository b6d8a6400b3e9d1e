#!/usr/bin/env bash
# options_doc_stale_test.sh VMM_MANPAGE DOC: `vmm-manpage --doc check` must fail on a copy
# of DOC whose generated options block no longer says what the option table says (here:
# --gpu-screenshot's row edited by hand), and name the line.
set -uo pipefail
tool=$1 doc=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
sed 's/^| `--gpu-screenshot` \*FILE\* | Save the scanout/| `--gpu-screenshot` *FILE* | Save the picture/' "$doc" > "$scratch/command-line.md"
cmp -s "$doc" "$scratch/command-line.md" && { echo "FAILED: the row to edit was not found in $doc"; exit 1; }
out=$("$tool" --doc check "$scratch/command-line.md" 2>&1)
status=$?
printf '%s\n' "$out"
if [ "$status" -ne 1 ] || ! grep -q 'differs from the option table' <<<"$out" ||
   ! grep -q 'doc:   | `--gpu-screenshot` \*FILE\* | Save the picture' <<<"$out"; then
  echo "FAILED: expected exit 1 naming the edited --gpu-screenshot row (exit $status)"
  exit 1
fi
echo "ok: the hand-edited row was named"
