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
if grep -q "running on Linux 6.1" "$WORK/stdout"; then pass "the target ran under the pinned kernel"; else fail "kernel release not shown"; fi
if grep -q "^VIGIL-INIT: target-exit-status=0" "$WORK/stdout"; then pass "vigil-init printed the exit line"; else fail "no exit line"; fi

write_spec "$WORK/exit3.toml" '["--exit", "3"]'
"$VIGIL" image build "$WORK/exit3.toml" --out "$WORK/exit3" >/dev/null
expect_exit 3 "the target's exit status 3 becomes vigil's" -- "$VIGIL" image run "$WORK/exit3" --timeout 240

sed -i 's/compression = "gzip"/compression = "zstd"/' "$WORK/hello.toml"
"$VIGIL" image build "$WORK/hello.toml" --out "$WORK/zstd" >/dev/null
expect_exit 0 "a zstd initramfs boots too" -- "$VIGIL" image run "$WORK/zstd" --timeout 240

expect_exit 2 "run refuses a directory without a generic image" -- "$VIGIL" image run "$WORK"
finish
