#!/usr/bin/env bash
# deb_test.sh BUILD_DIR: builds vmm's .deb with CPack in BUILD_DIR, unpacks it with
# `dpkg -x` into BUILD_DIR/package-test/root (a scratch root: nothing is installed on this
# machine), and runs the installed vmm from there: --version, --probe-host, --self-test
# (its screen without KVM here; the boot itself is the kvm test package_self_test_boots,
# run in the emulated KVM host on the same unpacked files), and man on the installed page.
set -uo pipefail
build=$1
work=$build/package-test
root=$work/root
fail() { echo "FAILED: $*"; exit 1; }
rm -rf "$work"
mkdir -p "$work"

cpack --config "$build/CPackConfig.cmake" -G DEB -B "$work/out" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack -G DEB"; }
debs=("$work"/out/vmm_*.deb)
[ -f "${debs[0]}" ] || { cat "$work/cpack.log"; fail "cpack made no vmm_*.deb"; }
deb=${debs[0]}
echo "built $(basename "$deb"), $(stat -c %s "$deb") bytes"
dpkg-deb --field "$deb" Package Version Architecture Section Maintainer Depends Suggests Installed-Size
dpkg-deb --field "$deb" Depends >/dev/null || fail "no Depends field"
dpkg -x "$deb" "$root" || fail "dpkg -x"

for f in usr/bin/vmm usr/share/man/man1/vmm.1.gz usr/share/vmm/tiny-guest.bzImage \
         usr/share/vmm/configs/gpu-default.toml usr/share/doc/vmm/README.md usr/share/doc/vmm/docs/memory-types.md; do
  [ -f "$root/$f" ] || fail "the package lacks /$f"
done
echo "files: $(cd "$root" && find . -type f | sort | tr '\n' ' ')"

vmm=$root/usr/bin/vmm
version=$("$vmm" --version) || fail "vmm --version"
[ "$version" = "vmm $(dpkg-deb --field "$deb" Version)" ] || fail "vmm --version said '$version'"
echo "$version"

kvm_here=no
if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then kvm_here=yes; fi
probe=$("$vmm" --probe-host 2>&1)
status=$?
printf '%s\n' "$probe" | sed 's/^/  probe-host: /'
grep -q '^machine$' <<<"$probe" || fail "--probe-host printed no machine section"
if [ $kvm_here = yes ]; then [ $status -eq 0 ] || fail "--probe-host exited $status with /dev/kvm";
else [ $status -eq 1 ] || fail "--probe-host exited $status without /dev/kvm, expected 1"; fi

self_test=$(bash "$(dirname "$0")/../selftest/check_self_test.sh" "$([ $kvm_here = yes ] && echo boot || echo no-kvm)" "$vmm")
status=$?
printf '%s\n' "$self_test" | sed 's/^/  self-test: /'
[ $status -eq 0 ] || fail "the installed vmm's --self-test"

bash "$(dirname "$0")/../docs/check_man_warnings.sh" "$root/usr/share/man/man1/vmm.1.gz" || fail "the installed man page"
echo "ok: the .deb installs vmm, its man page, presets and tiny guest, and they run from the scratch root"
