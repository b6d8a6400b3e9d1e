#!/usr/bin/env bash
# check_man_warnings.sh PAGE: man --warnings -l PAGE must print nothing on stderr (the
# issue's bar for vmm(1): it renders without warnings, as lintian checks Debian's pages).
set -uo pipefail
page=$1
if ! command -v man >/dev/null; then
  echo "man is not installed (Debian package man-db; scripts/install-deps installs it)"
  exit 1
fi
warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
if [ -n "$warnings" ]; then
  echo "$(basename "$page"): man --warnings:"
  printf '%s\n' "$warnings"
  exit 1
fi
echo "$(basename "$page"): man --warnings -l: no warnings"
