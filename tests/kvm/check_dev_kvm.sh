#!/usr/bin/env bash
# Guard: this machine's /dev/kvm is either absent or the KVM character device. A test that
# opened a missing /dev/kvm for writing (`exec 3<>/dev/kvm`, open with O_CREAT) would have
# left a regular file there, and every later boot test would then fail instead of skipping.
if [ ! -e /dev/kvm ] && [ ! -L /dev/kvm ]; then
  echo "PASS: no /dev/kvm on this machine, and none was created"
  exit 0
fi
if [ -c /dev/kvm ]; then
  echo "PASS: /dev/kvm is a character device ($(stat -c '%t:%T' /dev/kvm))"
  exit 0
fi
echo "FAIL: /dev/kvm exists but is not a character device: $(ls -l /dev/kvm)"
echo "      a test created it; remove it (rm /dev/kvm) and find the test that opens it for writing"
exit 1
