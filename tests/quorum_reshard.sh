#!/bin/bash
# Resharding with vigil-enclave processes (mock NSM): boot-e2e's quorum key, held 2 of 3 by
# user1..3, is handed to a new share set (user3, new1, new2, new3; 3 of 4) approved by the
# manifest set and, share by share, by the old holders. The new holders check and keep their
# shares; an enclave booted with a manifest naming the new set is provisioned from them; the
# old shares still work until destroyed. Refusals along the way change nothing.
. "$(dirname "$0")/lib.sh"
ENCLAVE="$BIN/vigil-enclave"
E2E="$ROOT/tests/data/qos/boot-e2e"
mkdir -p "$WORK/keys" "$WORK/new-set" "$WORK/approvals" "$WORK/out"
for n in 1 2 3; do install -m 600 "$E2E/user$n.secret" "$WORK/keys/user$n.secret"; done
cp "$E2E/user3.pub" "$WORK/new-set/user3.pub"
for n in 1 2 3; do
  "$VIGIL" key generate "$WORK/keys/new$n" >/dev/null 2>&1
  cp "$WORK/keys/new$n.pub" "$WORK/new-set/new$n.pub"
done
echo 3 > "$WORK/new-set/quorum_threshold"
printf '#!/bin/sh\necho "pivot: $*" > "$(dirname "$0")/pivot.out"\n' > "$WORK/pivot"
pivot_hash=$(sha256sum "$WORK/pivot" | cut -d' ' -f1)
for i in 0 1 2 3; do printf '%s PCR%d\n' "$(printf "%02x" $((0xc0 + i)) | sed 's/.*/&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&/')" $i; done > "$WORK/boot.pcrs"
sed 's/^c3c3[0-9a-f]* PCR3$/'"$(printf 'd3%.0s' $(seq 48))"' PCR3/' "$WORK/boot.pcrs" > "$WORK/other-role.pcrs"
pcr() { sed -n "$(( $1 + 1 ))p" "$WORK/boot.pcrs" | cut -d' ' -f1; }
quorum_envelope old 1 first "$pivot_hash" "$(pcr 0)" "$(pcr 1)" "$(pcr 2)" "$(pcr 3)"

pids=()
trap 'for p in "${pids[@]}"; do kill -- -"$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT
start_enclave() {  # NAME PCRS
  mkdir -p "$WORK/$1"
  setsid "$ENCLAVE" --usock "$WORK/$1.sock" --mock-nsm --boot-pcrs "$2" --state-dir "$WORK/$1" 2> "$WORK/$1.log" &
  pids+=($!)
  for _ in $(seq 100); do [ -S "$WORK/$1.sock" ] && break; sleep 0.05; done
}
status_is() {  # NAME PHASE
  expect_exit 0 "$1: enclave-status" -- "$VIGIL" quorum enclave-status --usock "$WORK/$1.sock"
  if grep -qx "$2" "$WORK/stdout"; then pass "$1 is $2"; else fail "$1: $(cat "$WORK/stdout")"; fi
}
# send_share ENCLAVE ALIAS SHARE SECRET DOC (--manifest-envelope-path F | --reshard-envelope-path F) [--nonce HEX]
send_share() {
  "$VIGIL" quorum proxy-re-encrypt-share --share-path "$3" --secret-path "$4" --attestation-doc-path "$5" "${@:6}" \
    --alias "$2" --approval-path "$WORK/$1.$2.approval" --eph-wrapped-share-path "$WORK/$1.$2.wrapped" --trust-mock --yes >/dev/null &&
  "$VIGIL" quorum post-share --usock "$WORK/$1.sock" --eph-wrapped-share-path "$WORK/$1.$2.wrapped" --approval-path "$WORK/$1.$2.approval" > "$WORK/stdout" 2> "$WORK/stderr"
}

# ---- the reshard manifest and its approvals ----
cp -r "$WORK/new-set" "$WORK/too-high" && echo 5 > "$WORK/too-high/quorum_threshold"
expect_exit 2 "a new threshold above the member count is refused" -- "$VIGIL" quorum generate-reshard-manifest --manifest-path "$WORK/old.manifest.json" --new-share-set-dir "$WORK/too-high" --reshard-manifest-path "$WORK/bad.reshard.json"
expect_stderr "threshold of 5 for 4 members" "it names the threshold"
if [ ! -e "$WORK/bad.reshard.json" ]; then pass "nothing written"; else fail "bad.reshard.json written"; fi
expect_exit 0 "generate-reshard-manifest" -- "$VIGIL" quorum generate-reshard-manifest --manifest-path "$WORK/old.manifest.json" --new-share-set-dir "$WORK/new-set" --reshard-manifest-path "$WORK/reshard.json"
expect_stdout "new share set: 3 of 4: new1 new2 new3 user3" "it shows the new share set"
if jq -e '.version == "vigil-reshard-v1" and .newShareSet.threshold == "3" and .manifest.namespace.nonce == "1"' "$WORK/reshard.json" >/dev/null; then pass "canonical JSON: version, integers as strings"; else fail "reshard.json: $(head -c 300 "$WORK/reshard.json")"; fi
expect_exit 1 "someone outside the manifest set cannot approve" -- "$VIGIL" quorum approve-reshard --reshard-manifest-path "$WORK/reshard.json" --secret-path "$WORK/keys/new1.secret" --alias new1 --reshard-approvals-dir "$WORK/approvals" --yes
expect_stderr "NotManifestSetMember" "in QuorumOS's words"
expect_exit 0 "user1 approves" -- "$VIGIL" quorum approve-reshard --reshard-manifest-path "$WORK/reshard.json" --secret-path "$WORK/keys/user1.secret" --alias user1 --reshard-approvals-dir "$WORK/approvals" --yes
expect_exit 1 "one approval of a threshold of 2 makes no envelope" -- "$VIGIL" quorum generate-reshard-envelope --reshard-manifest-path "$WORK/reshard.json" --reshard-approvals-dir "$WORK/approvals" --reshard-envelope-path "$WORK/reshard.envelope.json"
expect_stderr "NotEnoughApprovals" "in QuorumOS's words"
if [ ! -e "$WORK/reshard.envelope.json" ]; then pass "nothing written"; else fail "envelope written"; fi
expect_exit 0 "user2 approves" -- "$VIGIL" quorum approve-reshard --reshard-manifest-path "$WORK/reshard.json" --secret-path "$WORK/keys/user2.secret" --alias user2 --reshard-approvals-dir "$WORK/approvals" --yes
expect_exit 0 "generate-reshard-envelope" -- "$VIGIL" quorum generate-reshard-envelope --reshard-manifest-path "$WORK/reshard.json" --reshard-approvals-dir "$WORK/approvals" --reshard-envelope-path "$WORK/reshard.envelope.json"
expect_stdout "2 approvals" "two approvals"
# The host swaps in its own share set after the approvals: they no longer verify.
jq -c --arg k "$(cat "$WORK/keys/new1.pub")" '.reshardManifest.newShareSet.members[0].pubKey = $k | .reshardManifest.newShareSet.members[1].pubKey = $k' "$WORK/reshard.envelope.json" > "$WORK/redirected.json"
jq -c '.reshardManifest.newShareSet.threshold = "2"' "$WORK/reshard.envelope.json" > "$WORK/lowered.json"

# ---- the reshard enclave ----
start_enclave re "$WORK/boot.pcrs"
start_enclave impostor "$WORK/other-role.pcrs"
expect_exit 1 "a lowered new threshold no longer carries the approvals" -- "$VIGIL" quorum boot-reshard --usock "$WORK/re.sock" --reshard-envelope-path "$WORK/lowered.json" --attestation-doc-path "$WORK/bad.doc" --trust-mock
expect_stderr "InvalidManifestApproval" "in QuorumOS's words"
expect_exit 1 "neither does a redirected share set" -- "$VIGIL" quorum boot-reshard --usock "$WORK/re.sock" --reshard-envelope-path "$WORK/redirected.json" --attestation-doc-path "$WORK/bad.doc" --trust-mock
status_is re WaitingForBootInstruction
expect_exit 1 "an enclave showing another role fails the check at boot" -- "$VIGIL" quorum boot-reshard --usock "$WORK/impostor.sock" --reshard-envelope-path "$WORK/reshard.envelope.json" --attestation-doc-path "$WORK/impostor.doc" --trust-mock
expect_stderr "pcr3" "it names PCR3"
if [ ! -e "$WORK/impostor.doc" ]; then pass "its document is not kept"; else fail "impostor.doc written"; fi
expect_exit 0 "boot-reshard: booted, attestation verified against the reshard" -- "$VIGIL" quorum boot-reshard --usock "$WORK/re.sock" --reshard-envelope-path "$WORK/reshard.envelope.json" --attestation-doc-path "$WORK/re.doc" --trust-mock
expect_stdout "MOCK attestation verified" "the mock's attestation"
status_is re WaitingForReshardShares
expect_exit 1 "a resharding enclave shows no manifest envelope" -- "$VIGIL" quorum get-attestation-doc --usock "$WORK/re.sock" --attestation-doc-path "$WORK/live.doc" --manifest-envelope-path "$WORK/live.json"
expect_exit 1 "no output before the shares" -- "$VIGIL" quorum get-reshard-output --usock "$WORK/re.sock" --reshard-envelope-path "$WORK/reshard.envelope.json" --reshard-output-path "$WORK/out/early" --attestation-doc-path "$WORK/out/early.doc" --trust-mock
expect_stderr "NoMatchingRoute(WaitingForReshardShares)" "in QuorumOS's words"

# ---- the old holders' shares ----
expect_exit 1 "a share holder's check refuses the reshard enclave's document for the plain manifest" -- "$VIGIL" quorum proxy-re-encrypt-share --share-path "$E2E/user1.share" --secret-path "$WORK/keys/user1.secret" --attestation-doc-path "$WORK/re.doc" --manifest-envelope-path "$WORK/old.json" --alias user1 --approval-path "$WORK/x.approval" --eph-wrapped-share-path "$WORK/x.wrapped" --trust-mock --yes
expect_stderr "user_data" "it names user_data"
expect_exit 1 "someone outside the old share set has no share to send" -- "$VIGIL" quorum proxy-re-encrypt-share --share-path "$E2E/user1.share" --secret-path "$WORK/keys/new1.secret" --attestation-doc-path "$WORK/re.doc" --reshard-envelope-path "$WORK/reshard.envelope.json" --alias new1 --approval-path "$WORK/x.approval" --eph-wrapped-share-path "$WORK/x.wrapped" --trust-mock --yes
expect_stderr "NotShareSetMember" "in QuorumOS's words"
if [ ! -e "$WORK/x.wrapped" ] && [ ! -e "$WORK/x.approval" ]; then pass "nothing written"; else fail "x.* written"; fi
# user1's share for the reshard enclave, but with its approval of the plain manifest.
"$VIGIL" quorum proxy-re-encrypt-share --share-path "$E2E/user1.share" --secret-path "$WORK/keys/user1.secret" --attestation-doc-path "$WORK/re.doc" --reshard-envelope-path "$WORK/reshard.envelope.json" \
  --alias user1 --approval-path "$WORK/u1.approval" --eph-wrapped-share-path "$WORK/u1.wrapped" --trust-mock --yes >/dev/null
expect_exit 1 "a share approving another hash (the plain manifest) is refused" -- "$VIGIL" quorum post-share --usock "$WORK/re.sock" --eph-wrapped-share-path "$WORK/u1.wrapped" --approval-path "$WORK/old.approvals/user1-quit-coding-to-vape-1.approval"
expect_stderr "CouldNotVerifyApproval" "in QuorumOS's words"
status_is re WaitingForReshardShares
expect_exit 0 "user1 sends its share" -- send_share re user1 "$E2E/user1.share" "$WORK/keys/user1.secret" "$WORK/re.doc" --reshard-envelope-path "$WORK/reshard.envelope.json"
expect_stdout "waits for more shares" "one of two"
# user2 asks for a fresh document with its own nonce and requires it.
expect_exit 0 "a nonce-bound document from the resharding enclave (no envelope to write)" -- "$VIGIL" quorum get-attestation-doc --usock "$WORK/re.sock" --attestation-doc-path "$WORK/re.nonce.doc" --nonce 5eed5eed
expect_exit 1 "a share holder requiring another nonce refuses it" -- "$VIGIL" quorum proxy-re-encrypt-share --share-path "$E2E/user2.share" --secret-path "$WORK/keys/user2.secret" --attestation-doc-path "$WORK/re.nonce.doc" --reshard-envelope-path "$WORK/reshard.envelope.json" --alias user2 --approval-path "$WORK/x.approval" --eph-wrapped-share-path "$WORK/x.wrapped" --trust-mock --yes --nonce 5eed
expect_stderr "nonce" "it names the nonce"
expect_exit 0 "user2 sends its share, checked against its nonce" -- send_share re user2 "$E2E/user2.share" "$WORK/keys/user2.secret" "$WORK/re.nonce.doc" --reshard-envelope-path "$WORK/reshard.envelope.json" --nonce 5eed5eed
expect_stdout "the quorum key is reconstructed" "two of two"
status_is re ReshardBooted
setsid "$BIN/vigil-host" --usock "$WORK/re.sock" --host-port 0 > "$WORK/host.port" 2> "$WORK/host.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$WORK/host.port" ] && break; sleep 0.05; done
code=$(curl -s -o "$WORK/health" -w '%{http_code}' "http://127.0.0.1:$(cat "$WORK/host.port")/qos/enclave-health")
if [ "$code" = 200 ] && [ "$(cat "$WORK/health")" = ReshardBooted ]; then pass "the host relay: enclave-health 200 ReshardBooted"; else fail "enclave-health: $code $(cat "$WORK/health")"; fi
if [ -z "$(ls -A "$WORK/re")" ]; then pass "the reshard enclave wrote nothing: no key, no pivot"; else fail "state: $(ls "$WORK/re")"; fi
expect_exit 1 "a resharded enclave boots nothing else" -- "$VIGIL" quorum boot-standard --usock "$WORK/re.sock" --manifest-envelope-path "$WORK/old.json" --pivot-path "$WORK/pivot" --trust-mock
expect_stderr "NoMatchingRoute(ReshardBooted)" "in QuorumOS's words"

# ---- the output ----
expect_exit 0 "get-reshard-output: verified and kept" -- "$VIGIL" quorum get-reshard-output --usock "$WORK/re.sock" --reshard-envelope-path "$WORK/reshard.envelope.json" --reshard-output-path "$WORK/out/reshard_output" --attestation-doc-path "$WORK/out/reshard_attestation_doc" --trust-mock
expect_stdout "3 of 4 new shares" "3 of 4"
expect_exit 1 "after-reshard: a member not in the new set has no share" -- "$VIGIL" quorum after-reshard --reshard-envelope-path "$WORK/reshard.envelope.json" --reshard-output-path "$WORK/out/reshard_output" --attestation-doc-path "$WORK/out/reshard_attestation_doc" --secret-path "$WORK/keys/user1.secret" --alias user1 --share-path "$WORK/out/user1.share" --trust-mock
expect_stderr "holds no share for user1" "it says so"
cp "$WORK/out/reshard_output" "$WORK/tampered_output" && flip_byte "$WORK/tampered_output" 400  # inside new1's encrypted share
expect_exit 1 "a tampered output fails its attestation" -- "$VIGIL" quorum after-reshard --reshard-envelope-path "$WORK/reshard.envelope.json" --reshard-output-path "$WORK/tampered_output" --attestation-doc-path "$WORK/out/reshard_attestation_doc" --secret-path "$WORK/keys/new1.secret" --alias new1 --share-path "$WORK/out/new1.share" --trust-mock
expect_stderr "user_data" "it names user_data"
# Another reshard the manifest set approved (2 of the same 4): this output does not answer it.
cp -r "$WORK/new-set" "$WORK/other-set" && echo 2 > "$WORK/other-set/quorum_threshold"
"$VIGIL" quorum generate-reshard-manifest --manifest-path "$WORK/old.manifest.json" --new-share-set-dir "$WORK/other-set" --reshard-manifest-path "$WORK/other.json" >/dev/null
mkdir -p "$WORK/other.approvals"
for n in 1 2; do "$VIGIL" quorum approve-reshard --reshard-manifest-path "$WORK/other.json" --secret-path "$WORK/keys/user$n.secret" --alias user$n --reshard-approvals-dir "$WORK/other.approvals" --yes >/dev/null; done
"$VIGIL" quorum generate-reshard-envelope --reshard-manifest-path "$WORK/other.json" --reshard-approvals-dir "$WORK/other.approvals" --reshard-envelope-path "$WORK/other.envelope.json" >/dev/null
expect_exit 1 "the output checked against another approved reshard fails" -- "$VIGIL" quorum after-reshard --reshard-envelope-path "$WORK/other.envelope.json" --reshard-output-path "$WORK/out/reshard_output" --attestation-doc-path "$WORK/out/reshard_attestation_doc" --secret-path "$WORK/keys/new1.secret" --alias new1 --share-path "$WORK/out/new1.share" --trust-mock
expect_stderr "reshard_hash" "it names reshard_hash"
if [ ! -e "$WORK/out/new1.share" ] && [ ! -e "$WORK/out/user1.share" ]; then pass "no share written"; else fail "a share was written"; fi
for alias in user3 new1 new2 new3; do
  expect_exit 0 "after-reshard: $alias checks and keeps its share" -- "$VIGIL" quorum after-reshard --reshard-envelope-path "$WORK/reshard.envelope.json" --reshard-output-path "$WORK/out/reshard_output" --attestation-doc-path "$WORK/out/reshard_attestation_doc" --secret-path "$WORK/keys/$alias.secret" --alias "$alias" --share-path "$WORK/out/$alias.share" --trust-mock
done
if [ "$(wc -c < "$WORK/out/new1.share")" = 130 ] && [ "$(stat -c %a "$WORK/out/new1.share")" = 600 ]; then pass "a kept share: 130 bytes, encrypted to its holder, 0600"; else fail "new1.share"; fi

# ---- the new set provisions the key; the old set still can ----
jq -c --slurpfile r "$WORK/reshard.json" '.namespace.nonce = 2 | .shareSet = $r[0].newShareSet' "$WORK/old.manifest.json" > "$WORK/next.manifest.json"
mkdir -p "$WORK/next.approvals"
for n in 1 2; do "$VIGIL" quorum approve-manifest --secret-path "$WORK/keys/user$n.secret" --alias user$n --manifest-path "$WORK/next.manifest.json" --manifest-approvals-dir "$WORK/next.approvals" --yes >/dev/null; done
"$VIGIL" quorum generate-manifest-envelope --manifest-approvals-dir "$WORK/next.approvals" --manifest-path "$WORK/next.manifest.json" --manifest-envelope-path "$WORK/next.json" >/dev/null
start_enclave next "$WORK/boot.pcrs"
"$VIGIL" quorum boot-standard --usock "$WORK/next.sock" --manifest-envelope-path "$WORK/next.json" --pivot-path "$WORK/pivot" --attestation-doc-path "$WORK/next.doc" --trust-mock >/dev/null
for alias in new1 new2 new3; do
  expect_exit 0 "$alias provisions with its new share" -- send_share next "$alias" "$WORK/out/$alias.share" "$WORK/keys/$alias.secret" "$WORK/next.doc" --manifest-envelope-path "$WORK/next.json"
done
expect_stdout "the quorum key is reconstructed" "three new shares rebuild the key"
status_is next QuorumKeyProvisioned
if [ "$("$VIGIL" key public "$WORK/next/qos.quorum.key")" = "$(tr -d '\n' < "$E2E/quorum_key.pub")" ]; then pass "it is the namespace's quorum key"; else fail "the provisioned key"; fi
start_enclave old "$WORK/boot.pcrs"
"$VIGIL" quorum boot-standard --usock "$WORK/old.sock" --manifest-envelope-path "$WORK/old.json" --pivot-path "$WORK/pivot" --attestation-doc-path "$WORK/old.doc" --trust-mock >/dev/null
for n in 1 2; do
  expect_exit 0 "user$n's old share still works" -- send_share old "user$n" "$E2E/user$n.share" "$WORK/keys/user$n.secret" "$WORK/old.doc" --manifest-envelope-path "$WORK/old.json"
done
status_is old QuorumKeyProvisioned
finish
