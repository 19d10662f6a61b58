#!/bin/bash
# Builds the example image and boots it in real QEMU: the target's output appears on the
# console and its exit status becomes vigil's.
. "$(dirname "$0")/lib.sh"

write_spec "$WORK/hello.toml"
"$VIGIL" image build "$WORK/hello.toml" --out "$WORK/dist" >/dev/null
size=$(stat -c %s "$WORK/dist/initramfs.cpio.gz")
if [ "$size" -lt $((5 * 1024 * 1024)) ]; then pass "initramfs is $size bytes, under 5 MiB"; else fail "initramfs is $size bytes"; fi

expect_exit 0 "hello boots and exits 0" -- "$VIGIL" image run "$WORK/dist" --timeout 240
if grep -q "^hello from vigil: world" "$WORK/stdout"; then pass "console shows the target's greeting"; else fail "no greeting on the console: $(tail -5 "$WORK/stdout")"; fi
if grep -q "running on Linux 6.12.118 " "$WORK/stdout"; then pass "the target ran under our kernel (6.12.118)"; else fail "kernel release not shown"; fi
if grep -q "^VIGIL-INIT: target-exit-status=0" "$WORK/stdout"; then pass "vigil-init printed the exit line"; else fail "no exit line"; fi
# Our kernel has no TCP/IP and no module loading: vigil-init and the target both see so.
expect_console() {  # LINE DESCRIPTION
  if tr -d '\r' < "$WORK/stdout" | grep -qxF "$1"; then pass "$2"; else fail "$2: no line '$1' in: $(grep -E 'VIGIL-INIT|vigil-init|hello' "$WORK/stdout" | head -12)"; fi
}
expect_console "VIGIL-INIT: kernel ipv4=absent modules=absent" "vigil-init reports no IPv4 and no modules"
expect_console "hello: socket(AF_INET) failed: Address family not supported by protocol" "the target cannot open an IPv4 socket"
expect_console "hello: init_module failed: Function not implemented" "the target cannot load a module"
expect_console "vigil-init: no NSM device (/dev/nsm) and no vsock transport: not a Nitro enclave; skipping the Nitro heartbeat" "outside Nitro vigil-init skips the heartbeat and says why"

# The aws target's machine as QEMU has it: microvm (no PCI; ACPI, virtio-mmio, ttyS0).
expect_exit 0 "hello boots on QEMU's microvm machine and exits 0" -- "$VIGIL" image run "$WORK/dist" --machine microvm --timeout 240
expect_console "hello from vigil: world" "microvm: the target's greeting"
expect_console "VIGIL-INIT: kernel ipv4=absent modules=absent" "microvm: no IPv4, no modules"

write_spec "$WORK/exit3.toml" '["--show-mounts", "--exit", "3"]'
"$VIGIL" image build "$WORK/exit3.toml" --out "$WORK/exit3" >/dev/null
expect_exit 3 "the target's exit status 3 becomes vigil's" -- "$VIGIL" image run "$WORK/exit3" --timeout 240 --json
if jq -e '.target_exit_status == 3 and (.accelerator == "tcg" or .accelerator == "kvm")' "$WORK/stdout" >/dev/null; then
  pass "run --json: stdout holds only the result, status 3"
else
  fail "run --json stdout: $(head -c 300 "$WORK/stdout")"
fi
# With --json the console went to stderr.
cp "$WORK/stderr" "$WORK/stdout"
# vigil-init's mounts: nosuid, nodev, noexec wherever possible (/dev keeps its devices).
for m in "proc /proc proc rw,nosuid,nodev,noexec" "sysfs /sys sysfs rw,nosuid,nodev,noexec" \
         "tmpfs /tmp tmpfs rw,nosuid,nodev,noexec" "tmpfs /run tmpfs rw,nosuid,nodev,noexec" \
         "devtmpfs /dev devtmpfs rw,nosuid,noexec" \
         "securityfs /sys/kernel/security securityfs rw,nosuid,nodev,noexec"; do
  if grep -q "^mount: $m" "$WORK/stdout"; then pass "mounted: $m"; else fail "mount '$m' missing: $(grep '^mount:' "$WORK/stdout" | head -8)"; fi
done

write_spec "$WORK/abort.toml" '["--abort"]'
"$VIGIL" image build "$WORK/abort.toml" --out "$WORK/abort" >/dev/null
expect_exit 134 "a target killed by SIGABRT reports 128+6" -- "$VIGIL" image run "$WORK/abort" --timeout 240

# run boots only what the build wrote.
cp -r "$WORK/dist" "$WORK/tampered"
sed -i 's/quiet/quiet init=\/bin\/sh/' "$WORK/tampered/cmdline"
expect_exit 1 "run refuses a directory whose files no longer match SHA256SUMS" -- "$VIGIL" image run "$WORK/tampered"
expect_stderr "SHA256SUMS" "the mismatch names SHA256SUMS"

# Between the check and the boot, the initramfs is swapped for another image's (renamed
# over, or rewritten in place): the guest still boots the bytes that were checked.
write_spec "$WORK/evil.toml" '["PWNED-by-swap"]'
"$VIGIL" image build "$WORK/evil.toml" --out "$WORK/evil" >/dev/null
for mode in rename inplace; do
  rm -rf "$WORK/swap" && cp -r "$WORK/dist" "$WORK/swap"
  expect_exit 0 "an initramfs swapped ($mode) after the check is not booted" -- \
    env PATH="$ROOT/tests/data/swap-qemu:$PATH" VIGIL_SWAP_MODE=$mode \
    VIGIL_SWAP_SOURCE="$WORK/evil/initramfs.cpio.gz" VIGIL_SWAP_TARGET="$WORK/swap/initramfs.cpio.gz" \
    "$VIGIL" image run "$WORK/swap" --timeout 240
  if grep -q "^hello from vigil: world" "$WORK/stdout" && ! grep -q PWNED "$WORK/stdout" &&
     ! cmp -s "$WORK/swap/initramfs.cpio.gz" "$WORK/dist/initramfs.cpio.gz"; then
    pass "the guest ran the checked initramfs although the file was replaced ($mode)"
  else
    fail "swap $mode: $(grep -a 'hello from' "$WORK/stdout")"
  fi
done

# QEMU refusing to start (more memory than the host gives) is the environment: exit 3,
# quoting QEMU (finding D22).
expect_exit 3 "more guest memory than the host gives is exit 3" -- env PATH="$ROOT/tests/data/small-host-qemu:$PATH" \
  VIGIL_QEMU_VMEM_KB=1500000 "$VIGIL" image run "$WORK/dist" --accel tcg --memory 4096 --timeout 240
expect_stderr "QEMU could not start the guest" "it says QEMU could not start the guest"
expect_stderr "Cannot allocate memory" "it quotes QEMU"
# The spec's memory_mib is what run gives the guest; --memory overrides it.
write_spec "$WORK/big.toml" '["world"]' 'memory_mib = 4096'
"$VIGIL" image build "$WORK/big.toml" --out "$WORK/big" >/dev/null
expect_exit 3 "run gives the guest the spec's memory_mib (4096 MiB, more than this host gives)" -- \
  env PATH="$ROOT/tests/data/small-host-qemu:$PATH" VIGIL_QEMU_VMEM_KB=1500000 "$VIGIL" image run "$WORK/big" --accel tcg --timeout 240
expect_stderr "Cannot allocate memory" "QEMU was asked for the spec's memory"
expect_exit 0 "--memory overrides the spec's memory_mib" -- \
  env PATH="$ROOT/tests/data/small-host-qemu:$PATH" VIGIL_QEMU_VMEM_KB=1500000 "$VIGIL" image run "$WORK/big" --accel tcg --memory 128 --timeout 240
sed -i 's/^memory_mib = 4096$/memory_mib = 4095/' "$WORK/big/hello.resolved.toml"
expect_exit 1 "a recorded spec changed after the build is refused" -- "$VIGIL" image run "$WORK/big" --accel tcg --timeout 240
expect_stderr "SHA256SUMS" "the mismatch names SHA256SUMS"
rm -rf "$WORK/fifo" && cp -r "$WORK/dist" "$WORK/fifo" && rm "$WORK/fifo/vmlinuz" && mkfifo "$WORK/fifo/vmlinuz"
expect_exit 2 "a FIFO in place of vmlinuz is named as such" -- timeout 60 "$VIGIL" image run "$WORK/fifo"
expect_stderr "is not a regular file" "the FIFO is not waited on, and is named"

sed -i 's/compression = "gzip"/compression = "zstd"/' "$WORK/hello.toml"
"$VIGIL" image build "$WORK/hello.toml" --out "$WORK/zstd" >/dev/null
expect_exit 0 "a zstd initramfs boots too" -- "$VIGIL" image run "$WORK/zstd" --timeout 240

# A debug image: busybox is added and vigil-init starts a shell on the console after the
# target; the shell reads our commands from the serial console.
write_spec "$WORK/debug.toml" '["world"]' 'debug = true'
"$VIGIL" image build "$WORK/debug.toml" --out "$WORK/debug" >/dev/null
if zcat "$WORK/debug/initramfs.cpio.gz" | cpio -t --quiet 2>/dev/null | grep -qx "bin/busybox"; then pass "debug image holds busybox"; else fail "debug image lacks busybox"; fi
# Type only once the prompt is up: bytes that reach the serial line earlier can be
# dropped while the shell sets up its terminal.
wait_for_output() {
  for _ in $(seq 2000); do
    if grep -qF -- "$1" "$WORK/stdout" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
}
rm -f "$WORK/stdout"
mkfifo "$WORK/shell-input"
(
  wait_for_output '/ # '
  printf 'echo "DEBUG-SHELL-$((6 * 7))"\n'
  wait_for_output 'DEBUG-SHELL-42'
  printf 'exit\n'
) > "$WORK/shell-input" &
feeder=$!
expect_exit 0 "debug image runs the target then a shell" -- \
  "$VIGIL" image run "$WORK/debug" --interactive --timeout 240 < "$WORK/shell-input"
kill "$feeder" 2>/dev/null || true
wait "$feeder" 2>/dev/null || true
if grep -q "DEBUG-SHELL-42" "$WORK/stdout"; then pass "the debug shell ran our command"; else fail "no shell output: $(tail -5 "$WORK/stdout")"; fi

expect_exit 2 "run refuses a directory without a generic image" -- "$VIGIL" image run "$WORK"
finish
