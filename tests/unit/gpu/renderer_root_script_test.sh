#!/usr/bin/env bash
# scripts/renderer-root: a second run does nothing but say where the root is, and fast; a
# root without its completion marker (a run interrupted) is built again, whole; the manifest
# names virglrenderer 1.3.0. The root itself is made by the renderer_root fixture (ctest),
# which skips where Debian's archive cannot be reached; so does this.
#
# usage: renderer_root_script_test.sh REPO_ROOT
set -uo pipefail
repo=$1
script=$repo/scripts/renderer-root
fail() { echo "FAIL: $*"; exit 1; }

root=$("$script" --path 2>/dev/null) || { echo "SKIPPED: no renderer root ($("$script" --path 2>&1 | tail -1))"; exit 0; }
echo "root: $root"

# 1. Present and complete: a no-op that prints the path. Measured in CPU time (wall time on
# a loaded CI machine says little), and checked to leave apt alone (its log is not touched).
apt_log=$(dirname "$root")/apt/update.log
before=$(stat -c %Y "$apt_log" 2>/dev/null || echo none)
TIMEFORMAT='%R %U %S'
timing=$( { time "$script" >"/tmp/renderer-root-test.$$.out" 2>"/tmp/renderer-root-test.$$.err"; } 2>&1 ) ||
  fail "second run exited $?"
out=$(cat "/tmp/renderer-root-test.$$.out"); msg=$(cat "/tmp/renderer-root-test.$$.err")
rm -f "/tmp/renderer-root-test.$$.out" "/tmp/renderer-root-test.$$.err"
read -r wall user sys <<<"$timing"
echo "second run: ${wall} s wall, ${user} s user, ${sys} s system: $msg"
[ "$out" = "$root" ] || fail "second run printed '$out', not '$root'"
[[ $msg == *"present at $root"* ]] || fail "second run said '$msg'"
awk -v u="$user" -v s="$sys" 'BEGIN { exit !(u + s < 1.0) }' || fail "second run used ${user}+${sys} s of CPU"
[ "$(stat -c %Y "$apt_log" 2>/dev/null || echo none)" = "$before" ] || fail "second run ran apt"

# 2. The manifest names the pinned version, and every package has one.
grep -qx 'libvirglrenderer1=1.3.0-1' "$root/vmm-renderer-root.manifest" || fail "manifest lacks libvirglrenderer1=1.3.0-1"
grep -qx 'virgl-server=1.3.0-1' "$root/vmm-renderer-root.manifest" || fail "manifest lacks virgl-server=1.3.0-1"
grep -q '^# suite_date: ' "$root/vmm-renderer-root.manifest" || fail "manifest lacks the suite's date"

# 3. Half a root (no marker, a stray file) is built again, whole, at VMM_RENDERER_ROOT: from
# the .debs the first fetch kept, the archive asked only for its lists.
work=$(mktemp -d "${TMPDIR:-/tmp}/vmm-renderer-root-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
half=$work/root
mkdir -p "$half/usr/lib" && echo stray >"$half/stray"
VMM_RENDERER_ROOT=$half "$script" >"$work/out" 2>"$work/err"
rc=$?
cat "$work/err"
[ $rc -eq 125 ] && { echo "SKIPPED: $(tail -1 "$work/err")"; exit 0; }
[ $rc -eq 0 ] || fail "rebuilding the half root exited $rc"
grep -q "has no .vmm-root-complete (an interrupted run): building it again" "$work/err" || fail "the rebuild did not say why"
[ -f "$half/.vmm-root-complete" ] || fail "the rebuilt root has no marker"
[ ! -e "$half/stray" ] || fail "the half root's stray file survived: not rebuilt whole"
cmp -s <(grep -v '^#' "$half/vmm-renderer-root.manifest") <(grep -v '^#' "$root/vmm-renderer-root.manifest") ||
  echo "note: the rebuilt root's packages differ from the cached root's (unstable moved on)"
[ -x "$half/usr/libexec/virgl_render_server" ] || fail "no render server in the rebuilt root"
# The root's programs run under its own loader, not the host's (Debian 12's C library).
server_says=$(VMM_RENDERER_ROOT=$half "$script" run -- "$half/usr/libexec/virgl_render_server" --bogus 2>&1)
[[ $server_says == *"unknown option"* ]] || fail "the render server does not start under the root's loader: $server_says"
! ls -d "$half".tmp.* >/dev/null 2>&1 || fail "a temporary directory was left beside the root"
echo "PASS"
