#!/bin/sh
# Manual smoke test of vigil-init and hello without the image builder: builds both by hand,
# packs an initramfs with GNU cpio and boots it with straight QEMU.
# Usage: tests/qemu_boot_smoke.sh [KERNEL] [-- hello args...]   (e.g. -- --exit 3)
# Set VIGIL_DEBUG=1 to add the debug marker and busybox (shell after the target).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
kernel=${1:-$root/build/kernel/vmlinuz}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
work=$(mktemp -d /tmp/vigil-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT
flags="-std=c++20 -O2 -static -I$root/src"
g++ $flags -fno-exceptions -fno-rtti "$root"/src/init/init.cc "$root"/src/init/console.cc \
  "$root"/src/init/mounts.cc "$root"/src/init/target_argv.cc -o "$work/vigil-init"
g++ $flags "$root/examples/hello/hello.cc" -o "$work/hello"

rd=$work/root
mkdir -p "$rd/bin" "$rd/etc/vigil" "$rd/dev" "$rd/proc" "$rd/sys" "$rd/tmp" "$rd/run"
cp "$work/vigil-init" "$rd/init"
cp "$work/hello" "$rd/bin/hello"
printf '/bin/hello\0' >"$rd/etc/vigil/target"
for arg in world "$@"; do printf '%s\0' "$arg" >>"$rd/etc/vigil/target"; done
mknod -m 600 "$rd/dev/console" c 5 1
if [ "${VIGIL_DEBUG:-}" = 1 ]; then
  : >"$rd/etc/vigil/debug"
  cp /bin/busybox "$rd/bin/busybox"
fi
(cd "$rd" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -9n) \
  >"$work/initramfs.cpio.gz"

accel="-accel tcg"
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then accel="-enable-kvm -cpu host"; fi
exec_qemu() {
  # shellcheck disable=SC2086
  qemu-system-x86_64 -nodefaults -no-user-config -display none -serial stdio -monitor none \
    -no-reboot -m 256 -smp 1 $accel -kernel "$kernel" -initrd "$work/initramfs.cpio.gz" \
    -append "console=ttyS0 panic=-1 quiet"
}
start=$(date +%s%N)
rc=0
exec_qemu || rc=$?
echo "qemu exited with $rc after $(( ($(date +%s%N) - start) / 1000000 )) ms"
