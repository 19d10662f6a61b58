#!/bin/bash
# The tpm output (docs/SPEC-tpm.md): built, described, and booted under OVMF with a fresh
# swtpm whose endorsement key a test CA certifies. The guest's TPM must hold the PCR4 and
# PCR9 the build predicted from the artifacts alone, and the firmware's event log must
# replay to every PCR the guest reports: checked with our reader and with tpm2-tools' as an
# independent oracle; pesign is the oracle for the kernel's Authenticode digest.
. "$(dirname "$0")/lib.sh"

tpm_spec() {  # FILE ARGS [CMDLINE]
  write_spec "$1" "$2" 'memory_mib = 128'
  sed -i 's/^outputs = .*/outputs = ["tpm"]/' "$1"
  if [ -n "${3:-}" ]; then sed -i "s|^cmdline = .*|cmdline = \"$3\"|" "$1"; fi
}
pcr_of() { awk -v want="PCR$2" '$1 !~ /^#/ && $2 == want {print $1}' "$1"; }

tpm_spec "$WORK/tpm.toml" '["--show-tpm"]'
expect_exit 0 "the tpm output builds" -- "$VIGIL" image build "$WORK/tpm.toml" --out "$WORK/dist"
for f in vmlinuz cmdline initramfs.cpio.gz hello.tpm-pcrs; do
  if grep -q " $f\$" "$WORK/dist/SHA256SUMS"; then pass "$f is written and listed"; else fail "$f missing from SHA256SUMS"; fi
done
pcr4=$(pcr_of "$WORK/dist/hello.tpm-pcrs" 4)
pcr9=$(pcr_of "$WORK/dist/hello.tpm-pcrs" 9)
if [[ "$pcr4" =~ ^[0-9a-f]{64}$ && "$pcr9" =~ ^[0-9a-f]{64}$ ]]; then pass "the PCR file predicts PCR4 and PCR9"; else fail "PCR file: $(cat "$WORK/dist/hello.tpm-pcrs")"; fi

expect_exit 0 "describe checks the PCR file against the artifacts" -- "$VIGIL" image describe "$WORK/dist" --json
if jq -e --arg p4 "$pcr4" --arg p9 "$pcr9" '.PCR4 == $p4 and .PCR9 == $p9 and .memory_mib == 128 and (.events | length) == 5' "$WORK/stdout" >/dev/null; then
  pass "describe derives the same PCRs from the artifacts"
else
  fail "describe: $(head -c 600 "$WORK/stdout")"
fi
cp "$WORK/stdout" "$WORK/describe.json"
ours=$(jq -r .kernel_authenticode "$WORK/describe.json")
theirs=$(pesign -h -i "$WORK/dist/vmlinuz" | awk '/^hash:/ {print $2}')
if [ -n "$ours" ] && [ "$ours" = "$theirs" ]; then pass "the kernel's Authenticode digest is pesign's ($ours)"; else fail "Authenticode: ours $ours, pesign $theirs"; fi
if [ "$ours" != "$(sha256sum "$WORK/dist/vmlinuz" | cut -d' ' -f1)" ]; then pass "and it is not the file's SHA-256"; else fail "Authenticode equals the file's SHA-256"; fi

# The boot: the guest reads its TPM's PCRs and the event log through the kernel.
expect_exit 0 "the image boots under OVMF with swtpm" -- "$VIGIL" image run "$WORK/dist" --tpm --tpm-ca "$WORK/ca" --accel tcg --timeout 300
tr -d '\r' < "$WORK/stdout" > "$WORK/console"
guest() { awk -v want="PCR$1" '$1 == "hello-tpm:" && $2 == want {print tolower($3)}' "$WORK/console"; }
if [ "$(guest 4)" = "$pcr4" ]; then pass "the TPM holds the predicted PCR4"; else fail "PCR4: TPM $(guest 4), predicted $pcr4; console: $(grep hello-tpm "$WORK/console" | head -5)"; fi
if [ "$(guest 9)" = "$pcr9" ]; then pass "the TPM holds the predicted PCR9"; else fail "PCR9: TPM $(guest 9), predicted $pcr9"; fi
awk '$1 == "hello-tpm:" && $2 == "log" {printf "%s", $3}' "$WORK/console" | xxd -r -p > "$WORK/eventlog.bin"
if grep -q "^hello-tpm: end" "$WORK/console" && [ -s "$WORK/eventlog.bin" ]; then pass "the guest read the firmware's event log ($(stat -c %s "$WORK/eventlog.bin") bytes)"; else fail "no event log on the console"; fi

expect_exit 0 "our reader parses the event log" -- "$VIGIL" image event-log "$WORK/eventlog.bin" --json
cp "$WORK/stdout" "$WORK/replay.json"
tpm2_eventlog "$WORK/eventlog.bin" > "$WORK/tpm2_eventlog.out" 2>&1 || true
for pcr in 0 1 2 3 4 5 6 7 8 9; do
  replayed=$(jq -r ".pcrs.PCR$pcr" "$WORK/replay.json")
  oracle=$(awk -v want="$pcr" '$1 == want && $2 == ":" {sub(/^0x/, "", $3); print $3}' "$WORK/tpm2_eventlog.out")
  [ -n "$oracle" ] || oracle=0000000000000000000000000000000000000000000000000000000000000000
  if [ "$replayed" = "$(guest "$pcr")" ] && [ "$replayed" = "$oracle" ]; then
    pass "PCR$pcr: the event log replays to the TPM's value, as tpm2_eventlog's does"
  else
    fail "PCR$pcr: TPM $(guest "$pcr"), our replay $replayed, tpm2_eventlog $oracle"
  fi
done
kernel_event=$(jq -r '[.events[] | select(.pcr == 4 and .type == "EV_EFI_BOOT_SERVICES_APPLICATION")][0].sha256' "$WORK/replay.json")
if [ "$kernel_event" = "$(jq -r '.events[0].digest' "$WORK/describe.json")" ]; then pass "the firmware measured the kernel as QEMU patched it, as predicted"; else fail "kernel event $kernel_event"; fi

# The same boot without a TPM (--uefi, the figure's baseline): the guest finds none.
expect_exit 0 "the image boots under OVMF without a TPM" -- "$VIGIL" image run "$WORK/dist" --uefi --accel tcg --timeout 300 --json
if jq -e '.target_exit_status == 0 and .boot_seconds > 0' "$WORK/stdout" >/dev/null; then pass "run --json reports the boot's seconds"; else fail "run --json: $(cat "$WORK/stdout")"; fi
if grep -q "hello-tpm: no TPM 2.0 PCRs" "$WORK/stderr"; then pass "without --tpm the guest has no TPM"; else fail "a TPM without --tpm: $(grep hello-tpm "$WORK/stderr" | head -3)"; fi

# The test CA stays for verifiers to pin; swtpm and the run's files are gone.
if openssl x509 -in "$WORK/ca/swtpm-localca-rootca-cert.pem" -noout 2>/dev/null; then pass "--tpm-ca keeps the test CA's root certificate"; else fail "no root certificate in $WORK/ca"; fi
if ! pgrep -f "swtpm socket.*vigil-tpm\." >/dev/null; then pass "swtpm was stopped after the boot"; else fail "swtpm still runs"; fi

# Another command line changes PCR9 (and only it); a PCR file that does not match the
# artifacts is refused, naming the PCR.
tpm_spec "$WORK/other.toml" '["--show-tpm"]' "console=ttyS0 panic=-1 quiet loglevel=4"
"$VIGIL" image build "$WORK/other.toml" --out "$WORK/other" >/dev/null
if [ "$(pcr_of "$WORK/other/hello.tpm-pcrs" 9)" != "$pcr9" ] && [ "$(pcr_of "$WORK/other/hello.tpm-pcrs" 4)" = "$pcr4" ]; then
  pass "another command line gives another PCR9, the same PCR4"
else
  fail "cmdline change: $(cat "$WORK/other/hello.tpm-pcrs")"
fi
cp -r "$WORK/dist" "$WORK/forged"
sed -i "s/^$pcr9 PCR9/$(pcr_of "$WORK/other/hello.tpm-pcrs" 9) PCR9/" "$WORK/forged/hello.tpm-pcrs"
sed -i "s/^[0-9a-f]*  hello.tpm-pcrs\$/$(sha256sum "$WORK/forged/hello.tpm-pcrs" | cut -d' ' -f1)  hello.tpm-pcrs/" "$WORK/forged/SHA256SUMS"
expect_exit 1 "describe refuses a PCR file that does not match the artifacts" -- "$VIGIL" image describe "$WORK/forged"
expect_stderr "PCR9 is not what the kernel, initramfs and command line give" "the refusal names PCR9"

# Bad input, each refused with a reason and nothing written.
tpm_spec "$WORK/vga.toml" '["world"]' "console=ttyS0 vga=791"
expect_exit 2 "a tpm output whose command line sets vga= is refused" -- "$VIGIL" image build "$WORK/vga.toml" --out "$WORK/vga"
expect_stderr "vga=" "the refusal names vga="
if [ ! -e "$WORK/vga" ]; then pass "nothing was written"; else fail "$WORK/vga exists"; fi
expect_exit 2 "--tpm-ca without --tpm is bad usage" -- "$VIGIL" image run "$WORK/dist" --tpm-ca "$WORK/ca"
expect_exit 2 "--tpm on microvm is refused" -- "$VIGIL" image run "$WORK/dist" --tpm --machine microvm
write_spec "$WORK/generic.toml"
"$VIGIL" image build "$WORK/generic.toml" --out "$WORK/generic" >/dev/null
expect_exit 2 "describe of a directory without the tpm output" -- "$VIGIL" image describe "$WORK/generic"
expect_stderr "was not built with the \"tpm\" output" "the refusal says which output is missing"
finish
