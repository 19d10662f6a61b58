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
port=$(shuf -i 20000-40000 -n 1)
"$VIGIL" image run "$WORK/dist" --machine microvm --host "127.0.0.1:$port" > "$WORK/console.log" 2>&1 &
run_pid=$!
trap 'kill -TERM $run_pid 2>/dev/null; wait $run_pid 2>/dev/null; rm -rf "$WORK"' EXIT
HOST=(--host-ip 127.0.0.1 --host-port "$port")
for _ in $(seq 600); do "$VIGIL" quorum enclave-status "${HOST[@]}" > /dev/null 2>&1 && break; sleep 0.5; done
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
finish
