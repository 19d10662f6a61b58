#!/bin/bash
# Key forwarding with two vigil-enclave processes (mock NSM): the old enclave is provisioned
# by boot-e2e's share holders (2 of 3); a new enclave boots with an upgraded manifest (nonce
# + 1, new pivot arguments) and waits; the operator checks its attestation, the old enclave
# exports the quorum key to it, and it starts its pivot. Refusals along the way.
. "$(dirname "$0")/lib.sh"
ENCLAVE="$BIN/vigil-enclave"
E2E="$ROOT/tests/data/qos/boot-e2e"
mkdir -p "$WORK/keys"
for n in 1 2 3; do install -m 600 "$E2E/user$n.secret" "$WORK/keys/user$n.secret"; done
# The pivot writes next to itself: each enclave runs its own copy from its state directory.
printf '#!/bin/sh\necho "pivot: $*" > "$(dirname "$0")/pivot.out"\n' > "$WORK/pivot"
pivot_hash=$(sha256sum "$WORK/pivot" | cut -d' ' -f1)
for i in 0 1 2 3; do printf '%s PCR%d\n' "$(printf "%02x" $((0xc0 + i)) | sed 's/.*/&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&/')" $i; done > "$WORK/boot.pcrs"
sed 's/^c3c3[0-9a-f]* PCR3$/'"$(printf 'd3%.0s' $(seq 48))"' PCR3/' "$WORK/boot.pcrs" > "$WORK/other-role.pcrs"
pcr() { sed -n "$(( $1 + 1 ))p" "$WORK/boot.pcrs" | cut -d' ' -f1; }
quorum_envelope old 1 first "$pivot_hash" "$(pcr 0)" "$(pcr 1)" "$(pcr 2)" "$(pcr 3)"
quorum_envelope new 2 upgraded "$pivot_hash" "$(pcr 0)" "$(pcr 1)" "$(pcr 2)" "$(pcr 3)"

pids=()
trap 'for p in "${pids[@]}"; do kill -- -"$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT
start_enclave() {  # NAME PCRS
  mkdir -p "$WORK/$1"
  setsid "$ENCLAVE" --usock "$WORK/$1.sock" --mock-nsm --boot-pcrs "$2" --state-dir "$WORK/$1" 2> "$WORK/$1.log" &
  pids+=($!)
  for _ in $(seq 100); do [ -S "$WORK/$1.sock" ] && break; sleep 0.05; done
}
start_enclave old "$WORK/boot.pcrs"
start_enclave new "$WORK/boot.pcrs"
start_enclave impostor "$WORK/other-role.pcrs"

# ---- the old enclave, provisioned ----
"$VIGIL" quorum boot-standard --usock "$WORK/old.sock" --manifest-envelope-path "$WORK/old.json" --pivot-path "$WORK/pivot" --trust-mock >/dev/null
"$VIGIL" quorum get-attestation-doc --usock "$WORK/old.sock" --attestation-doc-path "$WORK/old.doc" --manifest-envelope-path "$WORK/old-live.json" >/dev/null
for n in 1 2; do
  "$VIGIL" quorum proxy-re-encrypt-share --share-path "$E2E/user$n.share" --secret-path "$WORK/keys/user$n.secret" --attestation-doc-path "$WORK/old.doc" \
    --manifest-envelope-path "$WORK/old-live.json" --alias user$n --approval-path "$WORK/old.$n.approval" --eph-wrapped-share-path "$WORK/old.$n.wrapped" --trust-mock --yes >/dev/null
  "$VIGIL" quorum post-share --usock "$WORK/old.sock" --eph-wrapped-share-path "$WORK/old.$n.wrapped" --approval-path "$WORK/old.$n.approval" >/dev/null
done
expect_exit 0 "the old enclave is provisioned" -- "$VIGIL" quorum enclave-status --usock "$WORK/old.sock"
expect_stdout "QuorumKeyProvisioned" "phase QuorumKeyProvisioned"

# ---- the new enclave waits for the key ----
expect_exit 0 "boot-key-fwd: the new enclave boots and its setup attestation checks out" -- "$VIGIL" quorum boot-key-fwd --usock "$WORK/new.sock" --manifest-envelope-path "$WORK/new.json" --pivot-path "$WORK/pivot" --attestation-doc-path "$WORK/new.doc" --trust-mock
expect_exit 0 "the new enclave waits for the key" -- "$VIGIL" quorum enclave-status --usock "$WORK/new.sock"
expect_stdout "WaitingForForwardedKey" "phase WaitingForForwardedKey"
expect_exit 1 "an enclave showing another role (PCR3) fails the operator's check at boot" -- "$VIGIL" quorum boot-key-fwd --usock "$WORK/impostor.sock" --manifest-envelope-path "$WORK/new.json" --pivot-path "$WORK/pivot" --attestation-doc-path "$WORK/impostor.doc" --trust-mock
expect_stderr "pcr3" "it names PCR3"

# ---- export ----
expect_exit 1 "export-key refuses a document that is not for this envelope, before asking" -- "$VIGIL" quorum export-key --usock "$WORK/old.sock" --manifest-envelope-path "$WORK/new.json" --attestation-doc-path "$WORK/old.doc" --encrypted-quorum-key-path "$WORK/bad.key" --trust-mock
if [ ! -e "$WORK/bad.key" ]; then pass "nothing written"; else fail "bad.key written"; fi
expect_exit 1 "an enclave without the key has nothing to export" -- "$VIGIL" quorum export-key --usock "$WORK/new.sock" --manifest-envelope-path "$WORK/new.json" --attestation-doc-path "$WORK/new.doc" --encrypted-quorum-key-path "$WORK/bad.key" --trust-mock
expect_stderr "NoMatchingRoute(WaitingForForwardedKey)" "in QuorumOS's words"
expect_exit 0 "export-key: the old enclave checks the new one and exports the key to it" -- "$VIGIL" quorum export-key --usock "$WORK/old.sock" --manifest-envelope-path "$WORK/new.json" --attestation-doc-path "$WORK/new.doc" --encrypted-quorum-key-path "$WORK/fwd.key" --trust-mock
if jq -e '(.encrypted_quorum_key | length) == 258 and (.signature | length) == 128' "$WORK/fwd.key" >/dev/null; then pass "the export: 129 bytes for the new setup key, and a 64-byte signature"; else fail "fwd.key: $(cat "$WORK/fwd.key")"; fi
if [ "$(stat -c %a "$WORK/fwd.key")" = 600 ]; then pass "written 0600"; else fail "mode $(stat -c %a "$WORK/fwd.key")"; fi
expect_exit 0 "the old enclave keeps its key" -- "$VIGIL" quorum enclave-status --usock "$WORK/old.sock"
expect_stdout "QuorumKeyProvisioned" "still QuorumKeyProvisioned"

# ---- inject ----
jq -c '.signature |= (.[0:10] + (if .[10:11] == "0" then "1" else "0" end) + .[11:])' "$WORK/fwd.key" > "$WORK/forged.key"
start_enclave spare "$WORK/boot.pcrs"
"$VIGIL" quorum boot-key-fwd --usock "$WORK/spare.sock" --manifest-envelope-path "$WORK/new.json" --pivot-path "$WORK/pivot" --attestation-doc-path "$WORK/spare.doc" --trust-mock >/dev/null
expect_exit 1 "a forged signature is refused" -- "$VIGIL" quorum inject-key --usock "$WORK/spare.sock" --encrypted-quorum-key-path "$WORK/forged.key"
expect_stderr "InvalidEncryptedQuorumKeySignature" "in QuorumOS's words"
expect_exit 1 "a key exported for another enclave does not decrypt here" -- "$VIGIL" quorum inject-key --usock "$WORK/impostor.sock" --encrypted-quorum-key-path "$WORK/fwd.key"
expect_stderr "P256Error(AesGcm256DecryptError)" "in QuorumOS's words"
expect_exit 2 "a key file that is not the export's JSON is bad input" -- "$VIGIL" quorum inject-key --usock "$WORK/new.sock" --encrypted-quorum-key-path "$WORK/pivot"
expect_exit 0 "inject-key: the new enclave takes the key" -- "$VIGIL" quorum inject-key --usock "$WORK/new.sock" --encrypted-quorum-key-path "$WORK/fwd.key"
expect_exit 0 "the new enclave is provisioned" -- "$VIGIL" quorum enclave-status --usock "$WORK/new.sock"
expect_stdout "QuorumKeyProvisioned" "phase QuorumKeyProvisioned"
if [ "$("$VIGIL" key public "$WORK/new/qos.quorum.key")" = "$(tr -d '\n' < "$E2E/quorum_key.pub")" ]; then pass "its qos.quorum.key is the namespace's quorum key"; else fail "the new enclave's key"; fi
for _ in $(seq 100); do [ -s "$WORK/new/pivot.out" ] && break; sleep 0.05; done
if grep -qx "pivot: --challenge upgraded" "$WORK/new/pivot.out" 2>/dev/null; then pass "the new pivot started with the upgraded manifest's arguments"; else fail "pivot: $(cat "$WORK/new/pivot.out" 2>&1)"; fi
finish
