#!/bin/bash
# The quorum example in QEMU (scripts/quorum-example): the hello-quorum image boots behind
# vigil-host, a 2-of-3 manifest set approves, share holders check the mock attestation and
# provision the enclave, which starts quorum-hello; its signature over the approved challenge
# verifies with the namespace's quorum key. The image's vigil-enclave and quorum-hello are
# the static release builds in build/bin (make test builds them).
. "$(dirname "$0")/lib.sh"
STATIC_BIN="$ROOT/build/bin"
for b in vigil-enclave quorum-hello; do
  linkage=$(LC_ALL=C ldd "$STATIC_BIN/$b" 2>&1 || true)
  if [ -x "$STATIC_BIN/$b" ] && [[ $linkage == *"not a dynamic executable"* ]]; then pass "$b is static ($STATIC_BIN)"; else fail "$STATIC_BIN/$b is missing or not static: run make test"; fi
done
expect_exit 0 "scripts/quorum-example" -- "$ROOT/scripts/quorum-example" "$BIN" "$KERNEL" "$STATIC_BIN"
if grep -q "^    the signature verifies with the quorum key$" "$WORK/stdout"; then pass "quorum-hello's signature over the challenge verifies with the quorum key"; else fail "no signature check: $(tail -5 "$WORK/stdout")"; fi
if grep -q "enclave: QuorumKeyProvisioned" "$WORK/stdout"; then pass "the enclave ends QuorumKeyProvisioned"; else fail "phase: $(grep enclave: "$WORK/stdout")"; fi
if grep -q "share accepted: the enclave waits for more shares" "$WORK/stdout" && grep -q "share accepted: the quorum key is reconstructed" "$WORK/stdout"; then pass "one share waits, the second reconstructs"; else fail "shares: $(grep share "$WORK/stdout")"; fi
grep "provisioning in QEMU" "$WORK/stdout" | sed 's/^ */  (figure) /'

# Genesis in QEMU: a fresh boot of the same image makes a 2-of-3 quorum key with a DR key;
# the operator checks the attestation against the image's PCRs (PCR3: the mock's zeros).
sed -e "s#\.\./\.\./build/kernel/vigil/bzImage#$KERNEL#" -e "s#\.\./\.\./build/bin/#$STATIC_BIN/#g" \
  "$ROOT/examples/hello/image-quorum.toml" > "$WORK/image-quorum.toml"
"$VIGIL" image build "$WORK/image-quorum.toml" --out "$WORK/dist" > /dev/null
mkdir -p "$WORK/share-set" "$WORK/keys" "$WORK/ns"
for n in 1 2 3; do
  cp "$ROOT/tests/data/qos/boot-e2e/user$n.pub" "$WORK/share-set/"
  install -m 600 "$ROOT/tests/data/qos/boot-e2e/user$n.secret" "$WORK/keys/"
done
echo 2 > "$WORK/share-set/quorum_threshold"
"$VIGIL" key generate "$WORK/keys/dr" > /dev/null
port=$(free_port)
"$VIGIL" image run "$WORK/dist" --machine microvm --host "127.0.0.1:$port" > "$WORK/console.log" 2>&1 &
run_pid=$!
trap 'kill -TERM $run_pid 2>/dev/null; wait $run_pid 2>/dev/null; rm -rf "$WORK"' EXIT
HOST=(--host-ip 127.0.0.1 --host-port "$port")
for _ in $(seq 600); do
  "$VIGIL" quorum enclave-status "${HOST[@]}" > /dev/null 2>&1 && break
  kill -0 $run_pid 2> /dev/null || { fail "vigil image run ended: $(tail -5 "$WORK/console.log")"; break; }
  sleep 0.5
done
CHECKS=(--qos-release-dir "$WORK/dist" --pcr3 "$(printf '0%.0s' $(seq 96))" --trust-mock)
expect_exit 0 "boot-genesis in QEMU: 2 of 3 with a DR key, attestation checked against the image's PCRs" -- \
  "$VIGIL" quorum boot-genesis "${HOST[@]}" --namespace-dir "$WORK/ns" --share-set-dir "$WORK/share-set" --dr-key-path "$WORK/keys/dr.pub" "${CHECKS[@]}"
expect_exit 0 "the enclave in QEMU is GenesisBooted" -- "$VIGIL" quorum enclave-status "${HOST[@]}"
expect_stdout "GenesisBooted" "phase GenesisBooted"
for n in 1 2 3; do
  expect_exit 0 "after-genesis: user$n's share checks out" -- "$VIGIL" quorum after-genesis --secret-path "$WORK/keys/user$n.secret" --alias user$n --share-path "$WORK/user$n.share" --namespace-dir "$WORK/ns" "${CHECKS[@]}"
done
expect_exit 0 "disaster recovery: the DR key unwraps the quorum key the ceremony attested" -- \
  "$VIGIL" quorum verify-genesis --namespace-dir "$WORK/ns" --dr-secret-path "$WORK/keys/dr.secret"
kill -TERM $run_pid 2>/dev/null; wait $run_pid 2>/dev/null

# Key forwarding between two QEMU enclaves: the old one is provisioned by share holders and
# runs quorum-hello; the new one boots with an upgraded manifest (nonce 2, another
# challenge), gets the key from the old one and runs quorum-hello with it.
E2E="$ROOT/tests/data/qos/boot-e2e"
pcr() { awk -v n="PCR$1" '$2 == n { print $1 }' "$WORK/dist/hello-quorum.pcrs"; }
old_challenge=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n') new_challenge=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
hello_hash=$(sha256sum "$STATIC_BIN/quorum-hello" | cut -d' ' -f1) zeros=$(printf '0%.0s' $(seq 96))
quorum_envelope old 1 "$old_challenge" "$hello_hash" "$(pcr 0)" "$(pcr 1)" "$(pcr 2)" "$zeros"
quorum_envelope new 2 "$new_challenge" "$hello_hash" "$(pcr 0)" "$(pcr 1)" "$(pcr 2)" "$zeros"
old_port=$(free_port) new_port=$(free_port)
while [ "$new_port" = "$old_port" ]; do new_port=$(free_port); done
"$VIGIL" image run "$WORK/dist" --machine microvm --host "127.0.0.1:$old_port" > "$WORK/old-console.log" 2>&1 &
old_pid=$!
"$VIGIL" image run "$WORK/dist" --machine microvm --host "127.0.0.1:$new_port" > "$WORK/new-console.log" 2>&1 &
new_pid=$!
trap 'kill -TERM $old_pid $new_pid 2>/dev/null; wait $old_pid $new_pid 2>/dev/null; rm -rf "$WORK"' EXIT
OLD=(--host-ip 127.0.0.1 --host-port "$old_port") NEW=(--host-ip 127.0.0.1 --host-port "$new_port")
for _ in $(seq 600); do
  "$VIGIL" quorum enclave-status "${OLD[@]}" > /dev/null 2>&1 && "$VIGIL" quorum enclave-status "${NEW[@]}" > /dev/null 2>&1 && break
  kill -0 $old_pid $new_pid 2> /dev/null || { fail "an enclave's vigil image run ended: $(tail -3 "$WORK/old-console.log" "$WORK/new-console.log")"; break; }
  sleep 0.5
done
"$VIGIL" quorum boot-standard "${OLD[@]}" --manifest-envelope-path "$WORK/old.json" --trust-mock > /dev/null
"$VIGIL" quorum get-attestation-doc "${OLD[@]}" --attestation-doc-path "$WORK/old.doc" --manifest-envelope-path "$WORK/old-live.json" > /dev/null
for n in 1 2; do
  "$VIGIL" quorum proxy-re-encrypt-share --share-path "$E2E/user$n.share" --secret-path "$WORK/keys/user$n.secret" --attestation-doc-path "$WORK/old.doc" \
    --manifest-envelope-path "$WORK/old-live.json" --alias user$n --approval-path "$WORK/old.$n.approval" --eph-wrapped-share-path "$WORK/old.$n.wrapped" --trust-mock --yes > /dev/null
  "$VIGIL" quorum post-share "${OLD[@]}" --eph-wrapped-share-path "$WORK/old.$n.wrapped" --approval-path "$WORK/old.$n.approval" > /dev/null
done
expect_exit 0 "QEMU: the old enclave is provisioned" -- "$VIGIL" quorum enclave-status "${OLD[@]}"
expect_stdout "QuorumKeyProvisioned" "old: QuorumKeyProvisioned"
expect_exit 0 "QEMU: boot-key-fwd on the new enclave, its attestation checked" -- \
  "$VIGIL" quorum boot-key-fwd "${NEW[@]}" --manifest-envelope-path "$WORK/new.json" --attestation-doc-path "$WORK/new.doc" --trust-mock
expect_exit 0 "QEMU: the old enclave exports the key to the new one" -- \
  "$VIGIL" quorum export-key "${OLD[@]}" --manifest-envelope-path "$WORK/new.json" --attestation-doc-path "$WORK/new.doc" --encrypted-quorum-key-path "$WORK/fwd.key" --trust-mock
expect_exit 0 "QEMU: the new enclave takes the key" -- "$VIGIL" quorum inject-key "${NEW[@]}" --encrypted-quorum-key-path "$WORK/fwd.key"
line=""
for _ in $(seq 600); do
  line=$(grep -a "QUORUM-HELLO: challenge $new_challenge" "$WORK/new-console.log" | tr -d '\r' || true)
  [ -n "$line" ] && break
  sleep 0.05
done
printf '%s' "$new_challenge" > "$WORK/new.challenge"
if [ -n "$line" ] && "$VIGIL" p256 verify --pub "$E2E/quorum_key.pub" --signature "$(echo "$line" | awk '{print $5}')" --in "$WORK/new.challenge" > /dev/null 2>&1; then
  pass "QEMU: the new enclave's quorum-hello signed the upgraded challenge with the forwarded quorum key"
else
  fail "QEMU: no verified signature from the new enclave: $(tail -5 "$WORK/new-console.log")"
fi
kill -TERM $old_pid $new_pid 2>/dev/null; wait $old_pid $new_pid 2>/dev/null

# Resharding in QEMU: a third boot of the image takes the old manifest's quorum key from
# user1 and user2 (2 of 3) and hands it to user3, new1 and new2 (2 of 3); new1 and new2
# check their shares, which rebuild the namespace's quorum key.
mkdir -p "$WORK/new-set" "$WORK/reshard.approvals" "$WORK/out"
cp "$E2E/user3.pub" "$WORK/new-set/"
for n in 1 2; do "$VIGIL" key generate "$WORK/keys/new$n" > /dev/null 2>&1; cp "$WORK/keys/new$n.pub" "$WORK/new-set/"; done
echo 2 > "$WORK/new-set/quorum_threshold"
"$VIGIL" quorum generate-reshard-manifest --manifest-path "$WORK/old.manifest.json" --new-share-set-dir "$WORK/new-set" --reshard-manifest-path "$WORK/reshard.json" > /dev/null
for n in 1 2; do "$VIGIL" quorum approve-reshard --reshard-manifest-path "$WORK/reshard.json" --secret-path "$WORK/keys/user$n.secret" --alias user$n --reshard-approvals-dir "$WORK/reshard.approvals" --yes > /dev/null; done
"$VIGIL" quorum generate-reshard-envelope --reshard-manifest-path "$WORK/reshard.json" --reshard-approvals-dir "$WORK/reshard.approvals" --reshard-envelope-path "$WORK/reshard.envelope.json" > /dev/null
re_port=$(free_port)
"$VIGIL" image run "$WORK/dist" --machine microvm --host "127.0.0.1:$re_port" > "$WORK/re-console.log" 2>&1 &
re_pid=$!
trap 'kill -TERM $re_pid 2>/dev/null; wait $re_pid 2>/dev/null; rm -rf "$WORK"' EXIT
RE=(--host-ip 127.0.0.1 --host-port "$re_port")
for _ in $(seq 600); do "$VIGIL" quorum enclave-status "${RE[@]}" > /dev/null 2>&1 && break; sleep 0.5; done
expect_exit 0 "QEMU: boot-reshard, its attestation checked against the image's PCRs and the reshard" -- \
  "$VIGIL" quorum boot-reshard "${RE[@]}" --reshard-envelope-path "$WORK/reshard.envelope.json" --attestation-doc-path "$WORK/re.doc" --trust-mock
for n in 1 2; do
  "$VIGIL" quorum proxy-re-encrypt-share --share-path "$E2E/user$n.share" --secret-path "$WORK/keys/user$n.secret" --attestation-doc-path "$WORK/re.doc" \
    --reshard-envelope-path "$WORK/reshard.envelope.json" --alias user$n --approval-path "$WORK/re.$n.approval" --eph-wrapped-share-path "$WORK/re.$n.wrapped" --trust-mock --yes > /dev/null
  "$VIGIL" quorum post-share "${RE[@]}" --eph-wrapped-share-path "$WORK/re.$n.wrapped" --approval-path "$WORK/re.$n.approval" > /dev/null
done
expect_exit 0 "QEMU: the enclave resharded" -- "$VIGIL" quorum enclave-status "${RE[@]}"
expect_stdout "ReshardBooted" "phase ReshardBooted"
expect_exit 0 "QEMU: get-reshard-output, verified" -- "$VIGIL" quorum get-reshard-output "${RE[@]}" --reshard-envelope-path "$WORK/reshard.envelope.json" \
  --reshard-output-path "$WORK/out/reshard_output" --attestation-doc-path "$WORK/out/reshard_attestation_doc" --trust-mock
for n in 1 2; do
  "$VIGIL" quorum after-reshard --reshard-envelope-path "$WORK/reshard.envelope.json" --reshard-output-path "$WORK/out/reshard_output" --attestation-doc-path "$WORK/out/reshard_attestation_doc" \
    --secret-path "$WORK/keys/new$n.secret" --alias new$n --share-path "$WORK/out/new$n.share" --trust-mock > /dev/null
  "$VIGIL" p256 decrypt --secret "$WORK/keys/new$n.secret" --in "$WORK/out/new$n.share" --out "$WORK/out/new$n.bin"
  (umask 077; xxd -p "$WORK/out/new$n.bin" | tr -d '\n' > "$WORK/out/new$n.hex")
done
"$VIGIL" shamir reconstruct "$WORK/out/new1.hex" "$WORK/out/new2.hex" --out "$WORK/out/seed.bin" > /dev/null
(umask 077; xxd -p "$WORK/out/seed.bin" | tr -d '\n' > "$WORK/out/quorum.secret")
if [ "$("$VIGIL" key public "$WORK/out/quorum.secret")" = "$(tr -d '\n' < "$E2E/quorum_key.pub")" ]; then
  pass "QEMU: the new holders' shares rebuild the namespace's quorum key"
else
  fail "QEMU: the new shares do not rebuild the quorum key"
fi
finish
