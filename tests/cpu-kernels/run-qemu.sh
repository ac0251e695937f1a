#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Runs the aarch64 build of check-cpu-kernels under qemu-user twice: on a CPU with the
# dot-product extension (-cpu max: every kernel, dotprod included) and on one without
# it (-cpu cortex-a53: the plain NEON path, and proof that nothing else needs the
# extension). Exits 77 (skipped) when the cross compiler or qemu-aarch64 is missing.
#
#   run-qemu.sh QEMU|missing:WHAT CHECK_EXE
set -u
qemu=$1
exe=${2:-}

case "$qemu" in
  missing:*)
    echo "SKIP: ${qemu#missing:} not found (Debian: apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)"
    exit 77 ;;
esac

status=0
for cpu in max cortex-a53; do
  echo "== qemu-aarch64 -cpu $cpu"
  out=$("$qemu" -cpu "$cpu" "$exe" 2>&1)
  rc=$?
  echo "$out"
  if [ $rc -ne 0 ]; then
    echo "FAIL: exit status $rc on -cpu $cpu"
    status=1
  fi
  # the feature check itself: dotprod found on max, not on the Cortex-A53
  case "$cpu" in
    max) want="# neon-dotprod: checked" ;;
    *) want="# neon-dotprod: skipped" ;;
  esac
  if ! printf '%s\n' "$out" | grep -q "^$want"; then
    echo "FAIL: expected \"$want\" on -cpu $cpu"
    status=1
  fi
done
exit $status
