#!/usr/bin/env bash
# The CROSSCOMPILING_EMULATOR of GoogleTest programs whose tests need KVM (KvmTests.cmake).
# usage: gtest_launcher.sh BUILD_DIR PROGRAM [ARG...]
# Listing the tests (--gtest_list_tests, what gtest_discover_tests does at build time) needs
# no KVM and runs here; anything else runs through `scripts/kvm-host auto`.
set -euo pipefail
build_dir=$1; shift
for arg in "$@"; do
  if [ "$arg" = --gtest_list_tests ]; then exec "$@"; fi
done
exec "$(dirname "${BASH_SOURCE[0]}")/../../scripts/kvm-host" auto --build "$build_dir" -- "$@"
