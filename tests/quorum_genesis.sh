#!/bin/bash
# Genesis end to end with vigil-enclave as a process (mock NSM) behind vigil-host, driven by
# vigil quorum as qos_client drives qos_core: boot-genesis for boot-e2e's three users (2 of
# 3) with a DR key, after-genesis by each member, two shares rebuilding the key, the DR
# check; QuorumOS's own genesis output read and checked; each refusal with nothing written.
. "$(dirname "$0")/lib.sh"
ENCLAVE="$BIN/vigil-enclave"
E2E="$ROOT/tests/data/qos/boot-e2e"
QOS_GENESIS="$ROOT/tests/data/qos/genesis"
mkdir -p "$WORK/keys" "$WORK/share-set" "$WORK/release" "$WORK/ns"
for n in 1 2 3; do
  install -m 600 "$E2E/user$n.secret" "$WORK/keys/user$n.secret"
  cp "$E2E/user$n.pub" "$WORK/share-set/user$n.pub"
done
echo 2 > "$WORK/share-set/quorum_threshold"
"$VIGIL" key generate "$WORK/keys/dr" >/dev/null

# The image's measurements as vigil image run hands them to the mock NSM; PCR3 is the role.
ARN="arn:aws:iam::123456789012:role/Webserver"
echo "$ARN" > "$WORK/role"
pcr3=$( (head -c 48 /dev/zero; printf '%s' "$ARN") | sha384sum | cut -d' ' -f1)
for i in 0 1 2; do printf '%s PCR%d\n' "$(printf "%02x" $((0xb0 + i)) | sed 's/.*/&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&/')" $i; done > "$WORK/release/hello.pcrs"
{ cat "$WORK/release/hello.pcrs"; echo "$pcr3 PCR3"; } > "$WORK/boot.pcrs"
CHECKS=(--qos-release-dir "$WORK/release" --pcr3-preimage-path "$WORK/role" --trust-mock)

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$WORK"' EXIT
start_enclave() {  # NAME: an enclave on WORK/NAME.sock, reached through a host relay
  mkdir -p "$WORK/$1-state"
  "$ENCLAVE" --usock "$WORK/$1.sock" --mock-nsm --boot-pcrs "$WORK/boot.pcrs" --state-dir "$WORK/$1-state" 2> "$WORK/$1.log" &
  pids+=($!)
  for _ in $(seq 100); do [ -S "$WORK/$1.sock" ] && break; sleep 0.05; done
}
start_enclave one
"$BIN/vigil-host" --usock "$WORK/one.sock" --host-port 0 > "$WORK/host.port" 2> "$WORK/host.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$WORK/host.port" ] && break; sleep 0.05; done
VIA_HOST=(--host-ip 127.0.0.1 --host-port "$(cat "$WORK/host.port")")

# ---- refused before the enclave is asked ----
cp -r "$WORK/share-set" "$WORK/too-high" && echo 4 > "$WORK/too-high/quorum_threshold"
expect_exit 2 "a threshold above the member count is refused" -- "$VIGIL" quorum boot-genesis "${VIA_HOST[@]}" --namespace-dir "$WORK/ns" --share-set-dir "$WORK/too-high" "${CHECKS[@]}"
expect_stderr "threshold of 4 for 3 members" "it names the threshold"
cp -r "$WORK/share-set" "$WORK/twice" && cp "$E2E/user1.pub" "$WORK/twice/user4.pub"
expect_exit 2 "a member twice (one key, two aliases) is refused" -- "$VIGIL" quorum boot-genesis "${VIA_HOST[@]}" --namespace-dir "$WORK/ns" --share-set-dir "$WORK/twice" "${CHECKS[@]}"
expect_stderr "DuplicateQuorumMember" "in QuorumOS's words"
expect_exit 2 "no PCR3 to check against is refused before the enclave is asked" -- "$VIGIL" quorum boot-genesis "${VIA_HOST[@]}" --namespace-dir "$WORK/ns" --share-set-dir "$WORK/share-set" --qos-release-dir "$WORK/release" --trust-mock
expect_stderr "give PCR3 as --pcr3-preimage-path or --pcr3" "it says how"
expect_exit 0 "the enclave was not asked: it still waits" -- "$VIGIL" quorum enclave-status --usock "$WORK/one.sock"
if grep -qx WaitingForBootInstruction "$WORK/stdout"; then pass "phase WaitingForBootInstruction"; else fail "status: $(cat "$WORK/stdout")"; fi

# ---- the ceremony ----
expect_exit 0 "boot-genesis: 2 of 3 with a DR key, attestation verified" -- "$VIGIL" quorum boot-genesis "${VIA_HOST[@]}" --namespace-dir "$WORK/ns" --share-set-dir "$WORK/share-set" --dr-key-path "$WORK/keys/dr.pub" "${CHECKS[@]}"
expect_stdout "MOCK attestation verified" "it says the attestation is the mock's"
for f in genesis_output genesis_attestation_doc quorum_key.pub genesis_dr_artifacts dr_wrapped_quorum_key; do
  if [ -s "$WORK/ns/$f" ]; then pass "wrote $f"; else fail "no $f"; fi
done
if [ "$(wc -c < "$WORK/ns/dr_wrapped_quorum_key")" = 129 ]; then pass "the DR-wrapped seed is 129 bytes (32 + 97)"; else fail "dr_wrapped_quorum_key: $(wc -c < "$WORK/ns/dr_wrapped_quorum_key") bytes"; fi
expect_exit 0 "the enclave is GenesisBooted" -- "$VIGIL" quorum enclave-status --usock "$WORK/one.sock"
if grep -qx GenesisBooted "$WORK/stdout"; then pass "phase GenesisBooted"; else fail "status: $(cat "$WORK/stdout")"; fi
if [ -z "$(ls -A "$WORK/one-state")" ]; then pass "the enclave persisted nothing"; else fail "state: $(ls "$WORK/one-state")"; fi
mkdir -p "$WORK/ns2"
expect_exit 1 "a second ceremony on the same enclave has no route" -- "$VIGIL" quorum boot-genesis --usock "$WORK/one.sock" --namespace-dir "$WORK/ns2" --share-set-dir "$WORK/share-set" "${CHECKS[@]}"
expect_stderr "NoMatchingRoute(GenesisBooted)" "in QuorumOS's words"
if [ -z "$(ls -A "$WORK/ns2")" ]; then pass "nothing written"; else fail "ns2: $(ls "$WORK/ns2")"; fi
before=$(sha256sum "$WORK/ns/genesis_output")
expect_exit 2 "a genesis is never written over another" -- "$VIGIL" quorum boot-genesis --usock "$WORK/one.sock" --namespace-dir "$WORK/ns" --share-set-dir "$WORK/share-set" "${CHECKS[@]}"
if [ "$(sha256sum "$WORK/ns/genesis_output")" = "$before" ]; then pass "the first output is untouched"; else fail "genesis_output changed"; fi

expect_exit 0 "display reads the output" -- "$VIGIL" quorum display --display-type genesis-output "$WORK/ns/genesis_output" --json
if jq -e --arg q "$(cat "$WORK/ns/quorum_key.pub")" '.genesis_output.quorum_key == $q and (.genesis_output.set.threshold | tostring) == "2" and (.genesis_output.member_outputs | length) == 3' "$WORK/stdout" >/dev/null; then
  pass "display --json: the quorum key, 2 of 3, three member outputs"
else
  fail "display: $(head -c 400 "$WORK/stdout")"
fi

# ---- each member ----
for n in 1 2 3; do
  expect_exit 0 "after-genesis: user$n checks the attestation and the share" -- "$VIGIL" quorum after-genesis --secret-path "$WORK/keys/user$n.secret" --alias user$n --share-path "$WORK/user$n.share" --namespace-dir "$WORK/ns" "${CHECKS[@]}"
  if [ "$(wc -c < "$WORK/user$n.share")" = 130 ]; then pass "user$n.share is 130 bytes: still encrypted"; else fail "user$n.share: $(wc -c < "$WORK/user$n.share") bytes"; fi
done
later=$(( $(date +%s) + 7200 ))
expect_exit 0 "after-genesis two hours later: the document is the ceremony's record, any age" -- "$VIGIL" quorum after-genesis --secret-path "$WORK/keys/user1.secret" --alias user1 --share-path "$WORK/late.share" --namespace-dir "$WORK/ns" "${CHECKS[@]}" --time "$later"
expect_exit 1 "unless --max-age bounds it" -- "$VIGIL" quorum after-genesis --secret-path "$WORK/keys/user1.secret" --alias user1 --share-path "$WORK/late2.share" --namespace-dir "$WORK/ns" "${CHECKS[@]}" --time "$later" --max-age 600
expect_stderr "error: the genesis attestation: time: " "it names the time check"
expect_exit 1 "after-genesis with another member's alias" -- "$VIGIL" quorum after-genesis --secret-path "$WORK/keys/user1.secret" --alias user2 --share-path "$WORK/wrong.share" --namespace-dir "$WORK/ns" "${CHECKS[@]}"
expect_stderr "no share for user2 with this key" "it says whose"
if [ ! -e "$WORK/wrong.share" ]; then pass "nothing written"; else fail "wrong.share exists"; fi
cp -r "$WORK/ns" "$WORK/tampered"
cp "$QOS_GENESIS/genesis_output" "$WORK/tampered/genesis_output"
expect_exit 1 "after-genesis refuses an output the attestation does not commit to" -- "$VIGIL" quorum after-genesis --secret-path "$WORK/keys/user1.secret" --alias user1 --share-path "$WORK/t.share" --namespace-dir "$WORK/tampered" "${CHECKS[@]}"
expect_stderr "user_data" "the user_data check names the mismatch"
echo "arn:aws:iam::123456789012:role/Other" > "$WORK/other-role"
expect_exit 1 "after-genesis refuses another role (PCR3)" -- "$VIGIL" quorum after-genesis --secret-path "$WORK/keys/user1.secret" --alias user1 --share-path "$WORK/t.share" --namespace-dir "$WORK/ns" --qos-release-dir "$WORK/release" --pcr3-preimage-path "$WORK/other-role" --trust-mock
expect_stderr "pcr3" "it names PCR3"
expect_exit 1 "after-genesis refuses the mock document without --trust-mock" -- "$VIGIL" quorum after-genesis --secret-path "$WORK/keys/user1.secret" --alias user1 --share-path "$WORK/t.share" --namespace-dir "$WORK/ns" --qos-release-dir "$WORK/release" --pcr3-preimage-path "$WORK/role"
if [ ! -e "$WORK/t.share" ]; then pass "no share written by a refused check"; else fail "t.share exists"; fi

# Two members' shares rebuild the seed; the seed is the ceremony's quorum key.
for n in 1 3; do
  "$VIGIL" p256 decrypt --secret "$WORK/keys/user$n.secret" --in "$WORK/user$n.share" --out "$WORK/plain$n"
  (umask 077 && xxd -p "$WORK/plain$n" | tr -d '\n' > "$WORK/hex$n")
done
expect_exit 0 "users 1 and 3 rebuild the seed" -- "$VIGIL" shamir reconstruct "$WORK/hex1" "$WORK/hex3" --threshold 2 --out "$WORK/seed.bin"
(umask 077 && xxd -p "$WORK/seed.bin" | tr -d '\n' > "$WORK/seed.hex")
expect_exit 0 "verify-genesis with the rebuilt seed" -- "$VIGIL" quorum verify-genesis --namespace-dir "$WORK/ns" --master-seed-path "$WORK/seed.hex"
expect_stdout "verify-genesis successful" "the rebuilt seed is the quorum key"

# ---- disaster recovery ----
expect_exit 0 "verify-genesis with the DR key" -- "$VIGIL" quorum verify-genesis --namespace-dir "$WORK/ns" --dr-secret-path "$WORK/keys/dr.secret"
expect_stdout "genesis_dr_artifacts matches the genesis output" "the DR artifacts match"
expect_stdout "reproduced exactly" "the test signature is reproduced (RFC 6979)"
expect_exit 0 "disaster recovery: --recover-to writes the quorum key after the checks" -- "$VIGIL" quorum verify-genesis --namespace-dir "$WORK/ns" --dr-secret-path "$WORK/keys/dr.secret" --recover-to "$WORK/recovered.secret"
if [ "$(stat -c %a "$WORK/recovered.secret")" = 600 ] && [ "$("$VIGIL" key public "$WORK/recovered.secret")" = "$(cat "$WORK/ns/quorum_key.pub")" ]; then
  pass "the recovered key (0600) is the ceremony's quorum key"; else fail "recovered: $(stat -c %a "$WORK/recovered.secret" 2>&1)"; fi
expect_exit 2 "a recovered key is never written over a file" -- "$VIGIL" quorum verify-genesis --namespace-dir "$WORK/ns" --dr-secret-path "$WORK/keys/dr.secret" --recover-to "$WORK/recovered.secret"
expect_exit 1 "verify-genesis with another key as DR key" -- "$VIGIL" quorum verify-genesis --namespace-dir "$WORK/ns" --dr-secret-path "$WORK/keys/user1.secret"
expect_exit 2 "verify-genesis needs exactly one seed source" -- "$VIGIL" quorum verify-genesis --namespace-dir "$WORK/ns"

# ---- the attestation must check out, or nothing is written ----
start_enclave two
mkdir -p "$WORK/ns3"
expect_exit 1 "boot-genesis refuses a document showing another PCR3" -- "$VIGIL" quorum boot-genesis --usock "$WORK/two.sock" --namespace-dir "$WORK/ns3" --share-set-dir "$WORK/share-set" --qos-release-dir "$WORK/release" --pcr3-preimage-path "$WORK/other-role" --trust-mock
expect_stderr "pcr3" "it names PCR3"
if [ -z "$(ls -A "$WORK/ns3")" ]; then pass "nothing written"; else fail "ns3: $(ls "$WORK/ns3")"; fi

# ---- QuorumOS's own genesis output ----
expect_exit 0 "display reads QuorumOS's genesis output" -- "$VIGIL" quorum display --display-type genesis-output "$QOS_GENESIS/genesis_output"
expect_stdout "53edb7f47a2f2c0e2672a4b65910a1e5e8dca60289a80e669844e09eb934d41b" "its hash (what its attestation's user_data holds)"
mkdir -p "$WORK/qos-ns" && cp "$QOS_GENESIS/genesis_output" "$WORK/qos-ns/"
printf '79922ba19779d7a54380ac1c7d3e1f28a0290207d187b7ed49762e431e4e85fc' > "$WORK/qos.seed" && chmod 600 "$WORK/qos.seed"
expect_exit 0 "verify-genesis on QuorumOS's output with its seed" -- "$VIGIL" quorum verify-genesis --namespace-dir "$WORK/qos-ns" --master-seed-path "$WORK/qos.seed"
expect_stdout "reproduced exactly" "QuorumOS's test signature is reproduced by our RFC 6979"
for n in 1 2 3; do
  "$VIGIL" quorum display --display-type genesis-output "$QOS_GENESIS/genesis_output" --json | jq -r ".genesis_output.member_outputs[$((n - 1))].encryptedQuorumKeyShare" | xxd -r -p > "$WORK/qos$n.enc"
  "$VIGIL" p256 decrypt --secret "$WORK/keys/user$n.secret" --in "$WORK/qos$n.enc" --out "$WORK/qos$n.plain"
  want=$("$VIGIL" quorum display --display-type genesis-output "$QOS_GENESIS/genesis_output" --json | jq -r ".genesis_output.member_outputs[$((n - 1))].shareHash")
  if [ "$(sha512sum "$WORK/qos$n.plain" | cut -d' ' -f1)" = "$want" ]; then pass "QuorumOS's share for user$n decrypts to its share_hash"; else fail "user$n's share hash"; fi
done

finish
