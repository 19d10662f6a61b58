#!/bin/bash
# The quorum runtime on a vTPM VM (docs/SPEC-tpm.md): scripts/quorum-example --tpm boots the
# hello-quorum-tpm image under OVMF with a fresh swtpm, the enclave attests with TPM quotes,
# share holders bind its attestation key to the TPM's EK by a credential activation and check
# a quote over their own nonce, and quorum-hello starts with the quorum key. Then an image
# whose command line was changed after the build boots, and the operator and every share
# holder refuse it naming PCR9; verify-attestation names the event. The image's
# vigil-enclave and quorum-hello are the static release builds in build/bin.
. "$(dirname "$0")/lib.sh"
STATIC_BIN="$ROOT/build/bin"
expect_exit 0 "scripts/quorum-example --tpm" -- "$ROOT/scripts/quorum-example" --tpm "$BIN" "$KERNEL" "$STATIC_BIN"
if grep -q "^booted: TPM attestation verified against the manifest" "$WORK/stdout"; then pass "boot-standard verifies the TPM attestation"; else fail "boot: $(grep booted "$WORK/stdout")"; fi
if grep -q "^    the signature verifies with the quorum key$" "$WORK/stdout"; then pass "quorum-hello's signature verifies with the quorum key"; else fail "no signature check: $(tail -5 "$WORK/stdout")"; fi
if grep -q "enclave: QuorumKeyProvisioned" "$WORK/stdout"; then pass "the enclave ends QuorumKeyProvisioned"; else fail "phase: $(grep enclave: "$WORK/stdout")"; fi
grep "provisioning in QEMU" "$WORK/stdout" | sed 's/^ */  (figure) /'

# The same image with one more word on its command line, SHA256SUMS rewritten to match (the
# host controls the files it boots): PCR4 holds, PCR9 does not.
sed -e "s#\.\./\.\./build/kernel/vigil/bzImage#$KERNEL#" -e "s#\.\./\.\./build/bin/#$STATIC_BIN/#g" \
  "$ROOT/examples/hello/image-quorum-tpm.toml" > "$WORK/spec.toml"
"$VIGIL" image build "$WORK/spec.toml" --out "$WORK/dist" > /dev/null
pcr_of() { awk -v want="PCR$1" '$1 !~ /^#/ && $2 == want {print $1}' "$WORK/dist/hello-quorum-tpm.tpm-pcrs"; }
platform="$ROOT/platforms/ovmf-2022.11-6+deb12u2-q35-256m.tpm-platform"
p2=$(perl -ne 'print pack("H*", $1) if /^([0-9a-f]{64}) PCR\d+$/' "$platform" | sha256sum | cut -d' ' -f1)
mkdir -p "$WORK/keys"
for n in 1 2 3; do install -m 600 "$ROOT/tests/data/qos/boot-e2e/user$n.secret" "$WORK/keys/"; done
quorum_envelope approved 1 00 "$(sha256sum "$STATIC_BIN/quorum-hello" | cut -d' ' -f1)" "$(pcr_of 4)" "$(pcr_of 9)" "$p2" "$(printf '0%.0s' $(seq 64))"
cp "$WORK/dist/hello-quorum-tpm.tpm-pcrs" "$WORK/approved.tpm-pcrs"
printf '%s init=/bin/sh\n' "$(cat "$WORK/dist/cmdline")" > "$WORK/cmdline"
install -m 644 "$WORK/cmdline" "$WORK/dist/cmdline"
sed -i "s/^[0-9a-f]\{64\}  cmdline\$/$(sha256sum "$WORK/cmdline" | cut -d' ' -f1)  cmdline/" "$WORK/dist/SHA256SUMS"
run_pid=""
trap 'if [ -n "$run_pid" ]; then kill -TERM $run_pid 2>/dev/null; wait $run_pid 2>/dev/null; fi; rm -rf "$WORK"' EXIT
# boot DIST: boots it under OVMF with a fresh swtpm (the previous boot stopped first).
boot() {
  if [ -n "$run_pid" ]; then kill -TERM "$run_pid" 2>/dev/null; wait "$run_pid" 2>/dev/null || true; fi
  rm -rf "$WORK/ca"
  local port
  port=$(free_port)
  "$VIGIL" image run "$1" --tpm --tpm-ca "$WORK/ca" --host "127.0.0.1:$port" > "$WORK/console.log" 2>&1 &
  run_pid=$!
  HOST=(--host-ip 127.0.0.1 --host-port "$port")
  for _ in $(seq 600); do
    "$VIGIL" quorum enclave-status "${HOST[@]}" > /dev/null 2>&1 && break
    kill -0 "$run_pid" 2> /dev/null || { fail "vigil image run ended: $(tail -5 "$WORK/console.log")"; break; }
    sleep 0.5
  done
}
TRUST=(--tpm-roots "$WORK/ca/swtpm-localca-rootca-cert.pem" --tpm-intermediates "$WORK/ca/issuercert.pem")
boot "$WORK/dist"
expect_exit 1 "the operator's boot-standard refuses the changed command line" -- \
  "$VIGIL" quorum boot-standard "${HOST[@]}" --manifest-envelope-path "$WORK/approved.json" "${TRUST[@]}"
expect_stderr "pcr9: " "the refusal names PCR9"
expect_exit 0 "the live document can still be fetched" -- \
  "$VIGIL" quorum get-attestation-doc "${HOST[@]}" --attestation-doc-path "$WORK/live.doc"
for n in 1 2; do
  expect_exit 1 "share holder user$n refuses the enclave" -- \
    "$VIGIL" quorum proxy-re-encrypt-share --share-path "$ROOT/tests/data/qos/boot-e2e/user$n.share" --secret-path "$WORK/keys/user$n.secret" \
    --attestation-doc-path "$WORK/live.doc" --manifest-envelope-path "$WORK/approved.json" --alias user$n \
    --approval-path "$WORK/user$n.approval" --eph-wrapped-share-path "$WORK/user$n.wrapped" "${TRUST[@]}" "${HOST[@]}" --yes
  expect_stderr "pcr9: " "user$n's refusal names PCR9"
done
if [ ! -e "$WORK/user1.wrapped" ] && [ ! -e "$WORK/user1.approval" ]; then pass "nothing was encrypted to the enclave"; else fail "a share was written"; fi

# verify-attestation: the image's PCR file names the event; the platform's values hold.
expect_exit 1 "verify-attestation against the approved image's PCR file" -- \
  "$VIGIL" quorum verify-attestation "$WORK/live.doc" "${TRUST[@]}" "${HOST[@]}" --tpm-pcrs "$WORK/approved.tpm-pcrs" --tpm-platform "$platform"
expect_stderr "pcr9: " "it names PCR9"
expect_stderr "EV_EVENT_TAG is" "it names the event"
expect_stderr "the command line in UTF-16" "and what the image predicts for it"
expect_exit 0 "the platform's reference PCRs 0-3 and 5-7 hold" -- \
  "$VIGIL" quorum verify-attestation "$WORK/live.doc" "${TRUST[@]}" "${HOST[@]}" --tpm-platform "$platform" --json
if jq -e '.valid and .tpm' "$WORK/stdout" > /dev/null; then pass "a TPM document, valid"; else fail "json: $(head -c 300 "$WORK/stdout")"; fi

# Refusals without the enclave's cooperation or with the wrong trust.
expect_exit 2 "a TPM document needs the enclave's address for the activation" -- \
  "$VIGIL" quorum verify-attestation "$WORK/live.doc" "${TRUST[@]}"
expect_stderr "credential activation" "the error says why"
expect_exit 2 "a TPM document needs the EK roots" -- "$VIGIL" quorum verify-attestation "$WORK/live.doc" "${HOST[@]}"
expect_exit 1 "an EK root that did not issue the EK is refused" -- \
  "$VIGIL" quorum verify-attestation "$WORK/live.doc" --tpm-roots "$WORK/ca/issuercert.pem" "${HOST[@]}"
expect_stderr "ek: " "the refusal names the EK check"
expect_exit 1 "a document that does not carry the verifier's nonce is refused" -- \
  "$VIGIL" quorum verify-attestation "$WORK/live.doc" "${TRUST[@]}" "${HOST[@]}" --nonce 00112233
expect_stderr "nonce: " "the refusal names the nonce"

# An initramfs with one more file: its bytes move PCR9 and its size PCR4.
printf 'not in the approved image\n' > "$WORK/extra.txt"
{ cat "$WORK/spec.toml"; printf '\n[[files]]\nsource = "%s"\ndestination = "/etc/extra.txt"\n' "$WORK/extra.txt"; } > "$WORK/spec-extra.toml"
"$VIGIL" image build "$WORK/spec-extra.toml" --out "$WORK/dist-extra" > /dev/null
boot "$WORK/dist-extra"
expect_exit 1 "the operator's boot-standard refuses the changed initramfs" -- \
  "$VIGIL" quorum boot-standard "${HOST[@]}" --manifest-envelope-path "$WORK/approved.json" "${TRUST[@]}"
"$VIGIL" quorum get-attestation-doc "${HOST[@]}" --attestation-doc-path "$WORK/extra.doc" > /dev/null
expect_exit 1 "share holder user1 refuses the changed initramfs" -- \
  "$VIGIL" quorum proxy-re-encrypt-share --share-path "$ROOT/tests/data/qos/boot-e2e/user1.share" --secret-path "$WORK/keys/user1.secret" \
  --attestation-doc-path "$WORK/extra.doc" --manifest-envelope-path "$WORK/approved.json" --alias user1 \
  --approval-path "$WORK/extra.approval" --eph-wrapped-share-path "$WORK/extra.wrapped" "${TRUST[@]}" "${HOST[@]}" --yes
expect_stderr "pcr9: " "the refusal names PCR9"
expect_stderr "pcr4: " "and PCR4, which follows the initramfs's size"
if [ ! -e "$WORK/extra.wrapped" ]; then pass "nothing was encrypted to it"; else fail "a share was written"; fi
finish
