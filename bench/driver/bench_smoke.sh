#!/usr/bin/env bash
# ctest bench_kvm_smoke: vmm-bench measure --quick, check, render (with plots when gnuplot is
# there). Asserts that everything runs and every figure is produced; never a timing.
# usage: bench_smoke.sh VMM_BENCH VMM FLOOR_DIR GUEST WORK_DIR
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: $0 VMM_BENCH VMM FLOOR_DIR GUEST WORK_DIR" >&2; exit 2; }
bench=$1 vmm=$2 floor=$3 guest=$4 work=$5
[ -c /dev/kvm ] || { echo "SKIPPED: no /dev/kvm here"; exit 77; }
rm -rf "$work" && mkdir -p "$work/scratch" "$work/out"
"$bench" measure --quick --vmm "$vmm" --floor-dir "$floor" --guest "$guest" \
  --work-dir "$work/scratch" --where "ctest" --out "$work/measurement.json"
"$bench" check --measurement "$work/measurement.json"
plots=--no-plots
command -v gnuplot >/dev/null && plots=
"$bench" render --measurement "$work/measurement.json" --out-dir "$work/out" $plots > /dev/null
grep -q '^## Targets' "$work/out/results.md"
grep -q '"figures"' "$work/out/results.json"
if [ -z "$plots" ]; then
  for png in blob_map_scale blob_unmap_scale ram_startup ram_rss; do
    [ -s "$work/out/$png.png" ] || { echo "FAIL: plot $png.png missing"; exit 1; }
  done
  echo "plots: 4 PNGs"
else
  echo "plots: skipped (no gnuplot here)"
fi
echo "bench smoke: every figure measured and rendered"
