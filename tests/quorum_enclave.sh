#!/bin/bash
# vigil-enclave as a process on a Unix socket, with the mock NSM, driven by vigil quorum as
# QuorumOS's operator and share holders drive qos_core: a 2-of-3 manifest set approves the
# manifest, the enclave boots and attests, two of three share holders (boot-e2e's) check the
# attestation and post their shares, the enclave rebuilds the quorum key and starts the
# pivot with the manifest's arguments. Refusals are checked along the way.
. "$(dirname "$0")/lib.sh"
ENCLAVE="$BIN/vigil-enclave"
E2E="$ROOT/tests/data/qos/boot-e2e"
GOLDEN="$ROOT/tests/data/qos/golden"
MOCK_ROOT="$ROOT/tests/data/nitro/mock_pki/root.der"
SOCK="$WORK/enclave.sock"
mkdir -p "$WORK/state" "$WORK/keys" "$WORK/approvals" "$WORK/shares"
for n in 1 2 3; do install -m 600 "$E2E/user$n.secret" "$WORK/keys/user$n.secret"; done

# The pivot: a script that records its arguments (the enclave clears the environment).
printf '#!/bin/sh\necho "pivot: $*" > %s/pivot.out\n' "$WORK" > "$WORK/pivot"
pivot_hash=$(sha256sum "$WORK/pivot" | cut -d' ' -f1)
# The EIF's measurements, as vigil image run hands them to the mock NSM; PCR3 is the role.
for i in 0 1 2 3; do printf '%s PCR%d\n' "$(printf "%02x" $((0xa0 + i)) | sed 's/.*/&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&/')" $i; done > "$WORK/boot.pcrs"
pcr() { sed -n "$(( $1 + 1 ))p" "$WORK/boot.pcrs" | cut -d' ' -f1; }

members=$(jq -c -n --arg k1 "$(tr -d '\n' < "$E2E/user1.pub")" --arg k2 "$(tr -d '\n' < "$E2E/user2.pub")" --arg k3 "$(tr -d '\n' < "$E2E/user3.pub")" \
  '[{alias: "user1", pubKey: $k1}, {alias: "user2", pubKey: $k2}, {alias: "user3", pubKey: $k3}]')
jq -c --argjson m "$members" --arg q "$(tr -d '\n' < "$E2E/quorum_key.pub")" --arg h "$pivot_hash" \
  --arg p0 "$(pcr 0)" --arg p1 "$(pcr 1)" --arg p2 "$(pcr 2)" --arg p3 "$(pcr 3)" \
  '.namespace.name = "quit-coding-to-vape" | .namespace.quorumKey = $q | .pivot.hash = $h
   | .pivot.args = ["--challenge", "c0ffee"] | .pivot.restart = "Never" | .manifestSet = {threshold: 2, members: $m}
   | .shareSet = {threshold: 2, members: $m}
   | .enclave.pcr0 = $p0 | .enclave.pcr1 = $p1 | .enclave.pcr2 = $p2 | .enclave.pcr3 = $p3' \
  "$GOLDEN/manifest.json" > "$WORK/manifest.json"
for n in 1 2; do
  "$VIGIL" quorum approve-manifest --secret-path "$WORK/keys/user$n.secret" --alias user$n --manifest-path "$WORK/manifest.json" --manifest-approvals-dir "$WORK/approvals" --yes >/dev/null
done
"$VIGIL" quorum generate-manifest-envelope --manifest-approvals-dir "$WORK/approvals" --manifest-path "$WORK/manifest.json" --manifest-envelope-path "$WORK/envelope.json" >/dev/null

setsid "$ENCLAVE" --usock "$SOCK" --mock-nsm --boot-pcrs "$WORK/boot.pcrs" --state-dir "$WORK/state" > "$WORK/enclave.out" 2> "$WORK/enclave.log" &
enclave_pid=$!
"$BIN/vigil-host" --usock "$SOCK" --host-port 0 > "$WORK/host.port" 2> "$WORK/host.log" &
host_pid=$!
# The enclave leads its own process group, with the pivot and its supervisor.
trap 'kill -- -$enclave_pid $host_pid 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do [ -S "$SOCK" ] && [ -s "$WORK/host.port" ] && break; sleep 0.05; done
PORT=$(cat "$WORK/host.port")
HOST="http://127.0.0.1:$PORT"
VIA_HOST="--host-ip 127.0.0.1 --host-port $PORT"

expect_exit 2 "the enclave refuses to start without an attestation provider" -- "$ENCLAVE" --usock "$WORK/other.sock"
expect_stderr "choose one attestation provider: --nsm" "it names all three"
expect_exit 2 "two providers at once are refused" -- "$ENCLAVE" --usock "$WORK/other.sock" --tpm --mock-nsm
expect_exit 2 "--tpm takes no mock options" -- "$ENCLAVE" --usock "$WORK/other.sock" --tpm --boot-pcrs "$WORK/none"
expect_exit 3 "--nsm outside a Nitro enclave: no /dev/nsm" -- "$ENCLAVE" --usock "$WORK/other.sock" --nsm
expect_stderr "no Nitro Secure Module at /dev/nsm" "it says so"
if [ ! -e /dev/tpmrm0 ]; then  # a machine without a TPM, as these are
  expect_exit 3 "--tpm without a TPM: no /dev/tpmrm0" -- "$ENCLAVE" --usock "$WORK/other.sock" --tpm
  expect_stderr "cannot open the TPM /dev/tpmrm0" "it says so"
fi
expect_exit 0 "enclave-status" -- "$VIGIL" quorum enclave-status --usock "$SOCK"
if grep -qx WaitingForBootInstruction "$WORK/stdout"; then pass "it waits for a boot instruction"; else fail "status: $(cat "$WORK/stdout")"; fi
expect_exit 1 "a share before the boot has no route" -- "$VIGIL" quorum post-share --usock "$SOCK" --eph-wrapped-share-path "$E2E/user1.share" --approval-path "$GOLDEN/approval.json"
expect_stderr "NoMatchingRoute(WaitingForBootInstruction)" "it says so in QuorumOS's words"

expect_exit 0 "boot-standard boots and the setup attestation checks out" -- "$VIGIL" quorum boot-standard --usock "$SOCK" --manifest-envelope-path "$WORK/envelope.json" --pivot-path "$WORK/pivot" --attestation-doc-path "$WORK/boot.doc" --trust-mock
expect_exit 0 "the boot document verifies with the mock root when trusted" -- "$VIGIL" quorum verify-attestation "$WORK/boot.doc" --root "$MOCK_ROOT" --trust-mock --pcr 0="$(pcr 0)" --no-nonce
expect_exit 1 "and is refused against AWS's root" -- "$VIGIL" quorum verify-attestation "$WORK/boot.doc"
expect_stderr "root: the document comes from the mock NSM" "it says mock"
expect_exit 0 "get-attestation-doc through vigil-host" -- "$VIGIL" quorum get-attestation-doc $VIA_HOST --attestation-doc-path "$WORK/live.doc" --manifest-envelope-path "$WORK/live-envelope.json"
if [ "$(curl -s "$HOST/qos/host-health")" = "Ok!" ] && [ "$(curl -s "$HOST/healthz")" = ok ]; then pass "host-health and healthz"; else fail "host health"; fi
code=$(curl -s -o "$WORK/health" -w '%{http_code}' "$HOST/qos/enclave-health")
if [ "$code" = 503 ] && [ "$(cat "$WORK/health")" = WaitingForQuorumShards ]; then pass "enclave-health: 503 while waiting for shares"; else fail "enclave-health: $code $(cat "$WORK/health")"; fi
curl -s "$HOST/qos/enclave-info" > "$WORK/info.json"
if jq -e '.phase == "WaitingForQuorumShards" and (.ephemeralKey | length) == 260 and .manifestEnvelope.manifest.namespace.name == "quit-coding-to-vape"' "$WORK/info.json" >/dev/null; then pass "enclave-info: phase, ephemeral key, envelope"; else fail "enclave-info: $(head -c 300 "$WORK/info.json")"; fi
curl -s -X POST --data-binary 'not a message' "$HOST/qos/message" > "$WORK/garbage"
if [ "$(tail -c +9 "$WORK/garbage")" = '{"protocolErrorResponse":"ProtocolMsgDeserialization"}' ] || grep -q ProtocolMsgDeserialization "$WORK/garbage"; then pass "an undecodable message: ProtocolMsgDeserialization"; else fail "garbage: $(cat "$WORK/garbage")"; fi
if [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @/dev/null "$HOST/qos/host-health")" = 405 ]; then pass "POST where GET is meant: 405"; else fail "405"; fi

# share.sh N [FLAG...]: user N checks the enclave and re-encrypts its share to it.
cat > "$WORK/share.sh" <<SCRIPT
#!/bin/bash
n=\$1; shift
exec "$VIGIL" quorum proxy-re-encrypt-share --share-path "$E2E/user\$n.share" --secret-path "$WORK/keys/user\$n.secret" \\
  --attestation-doc-path "$WORK/live.doc" --manifest-envelope-path "$WORK/live-envelope.json" --alias user\$n \\
  --approval-path "$WORK/shares/user\$n.approval" --eph-wrapped-share-path "$WORK/shares/user\$n.wrapped" "\$@"
SCRIPT
chmod +x "$WORK/share.sh"
expect_exit 1 "a share holder does not trust the mock unless told" -- "$WORK/share.sh" 1 --yes
expect_stderr "root: the document comes from the mock NSM" "it says the document is the mock's"
if [ ! -e "$WORK/shares/user1.wrapped" ]; then pass "nothing encrypted"; else fail "a share was written"; fi
expect_exit 1 "a no at the prompt encrypts nothing" -- bash -c "echo n | '$WORK/share.sh' 1 --trust-mock"
cp "$WORK/live.doc" "$WORK/tampered.doc"; flip_byte "$WORK/tampered.doc" 200
expect_exit 1 "a tampered attestation stops the share holder" -- "$VIGIL" quorum proxy-re-encrypt-share --share-path "$E2E/user1.share" --secret-path "$WORK/keys/user1.secret" --attestation-doc-path "$WORK/tampered.doc" --manifest-envelope-path "$WORK/live-envelope.json" --alias user1 --approval-path "$WORK/x.approval" --eph-wrapped-share-path "$WORK/x.wrapped" --trust-mock --yes
expect_exit 1 "a key under another alias is not in the share set" -- "$VIGIL" quorum proxy-re-encrypt-share --share-path "$E2E/user1.share" --secret-path "$WORK/keys/user1.secret" --attestation-doc-path "$WORK/live.doc" --manifest-envelope-path "$WORK/live-envelope.json" --alias user2 --approval-path "$WORK/x.approval" --eph-wrapped-share-path "$WORK/x.wrapped" --trust-mock --yes
expect_stderr "NotShareSetMember" "it says not a member"

# Vigil's live attestation with the caller's nonce (variant 24).
NONCE=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
expect_exit 0 "get-attestation-doc --nonce: the document carries this caller's nonce" -- "$VIGIL" quorum get-attestation-doc $VIA_HOST --nonce "$NONCE" --attestation-doc-path "$WORK/nonce.doc" --manifest-envelope-path "$WORK/nonce-envelope.json"
expect_exit 0 "verify-attestation finds the nonce in it" -- "$VIGIL" quorum verify-attestation "$WORK/nonce.doc" --trust-mock --nonce "$NONCE"
expect_exit 2 "an empty or odd --nonce is bad input" -- "$VIGIL" quorum get-attestation-doc --usock "$SOCK" --nonce abc --attestation-doc-path "$WORK/n2.doc" --manifest-envelope-path "$WORK/n2.json"
nonce_share() {  # DOC [FLAG...]: user1 re-encrypts to the enclave of DOC, outputs kept apart
  local doc=$1; shift
  rm -f "$WORK/n.approval" "$WORK/n.wrapped"
  "$VIGIL" quorum proxy-re-encrypt-share --share-path "$E2E/user1.share" --secret-path "$WORK/keys/user1.secret" --attestation-doc-path "$doc" --manifest-envelope-path "$WORK/nonce-envelope.json" --alias user1 --approval-path "$WORK/n.approval" --eph-wrapped-share-path "$WORK/n.wrapped" --trust-mock --yes "$@"
}
expect_exit 0 "a share holder checks its own nonce in the document" -- nonce_share "$WORK/nonce.doc" --nonce "$NONCE"
expect_exit 1 "another nonce fails the share holder's check" -- nonce_share "$WORK/nonce.doc" --nonce 00ff
expect_stderr "nonce: the document holds $NONCE, expected 00ff" "it names the nonce"
expect_exit 1 "a document without the nonce asked for fails" -- nonce_share "$WORK/live.doc" --nonce "$NONCE"
expect_exit 1 "a nonce where none was asked for fails" -- nonce_share "$WORK/nonce.doc"

expect_exit 0 "user1 checks the enclave and re-encrypts its share" -- "$WORK/share.sh" 1 --yes --trust-mock
expect_exit 0 "user1 posts its share" -- "$VIGIL" quorum post-share --usock "$SOCK" --eph-wrapped-share-path "$WORK/shares/user1.wrapped" --approval-path "$WORK/shares/user1.approval"
if grep -q "waits for more shares" "$WORK/stdout"; then pass "one of two: the enclave waits"; else fail "post: $(cat "$WORK/stdout")"; fi
expect_exit 1 "the same member's share twice is refused" -- "$VIGIL" quorum post-share --usock "$SOCK" --eph-wrapped-share-path "$WORK/shares/user1.wrapped" --approval-path "$WORK/shares/user1.approval"
expect_stderr "DuplicateApproval" "it says so"
expect_exit 1 "a share not encrypted to this enclave is refused" -- "$VIGIL" quorum post-share --usock "$SOCK" --eph-wrapped-share-path "$E2E/user3.share" --approval-path "$WORK/shares/user1.approval"
expect_exit 2 "a malformed approval is bad input" -- "$VIGIL" quorum post-share --usock "$SOCK" --eph-wrapped-share-path "$WORK/shares/user1.wrapped" --approval-path "$WORK/pivot"
expect_exit 0 "the enclave still waits after the refusals" -- "$VIGIL" quorum enclave-status --usock "$SOCK"
if grep -qx WaitingForQuorumShards "$WORK/stdout"; then pass "WaitingForQuorumShards"; else fail "status: $(cat "$WORK/stdout")"; fi
if [ ! -e "$WORK/state/qos.quorum.key" ]; then pass "no quorum key yet"; else fail "quorum key before the threshold"; fi

"$WORK/share.sh" 2 --yes --trust-mock >/dev/null
expect_exit 0 "user2 re-encrypts and posts its share through vigil-host" -- "$VIGIL" quorum post-share $VIA_HOST --eph-wrapped-share-path "$WORK/shares/user2.wrapped" --approval-path "$WORK/shares/user2.approval"
if grep -q "the quorum key is reconstructed" "$WORK/stdout"; then pass "two of two: reconstructed"; else fail "post: $(cat "$WORK/stdout")"; fi
expect_exit 0 "enclave-status" -- "$VIGIL" quorum enclave-status --usock "$SOCK"
if grep -qx QuorumKeyProvisioned "$WORK/stdout"; then pass "QuorumKeyProvisioned"; else fail "status: $(cat "$WORK/stdout")"; fi
code=$(curl -s -o "$WORK/health" -w '%{http_code}' "$HOST/qos/enclave-health")
if [ "$code" = 200 ] && [ "$(cat "$WORK/health")" = QuorumKeyProvisioned ]; then pass "enclave-health: 200 once provisioned"; else fail "enclave-health: $code"; fi
if [ "$(stat -c %a "$WORK/state/qos.quorum.key")" = 600 ] && [ "$("$VIGIL" key public "$WORK/state/qos.quorum.key")" = "$(tr -d '\n' < "$E2E/quorum_key.pub")" ]; then
  pass "qos.quorum.key (0600) is the manifest's quorum key"; else fail "quorum key: $(stat -c %a "$WORK/state/qos.quorum.key")"; fi
for _ in $(seq 100); do [ -s "$WORK/pivot.out" ] && break; sleep 0.05; done
if grep -qx "pivot: --challenge c0ffee" "$WORK/pivot.out" 2>/dev/null; then pass "the pivot started with the manifest's arguments"; else fail "pivot: $(cat "$WORK/pivot.out" 2>&1)"; fi
if grep -q "refused: DuplicateApproval" "$WORK/enclave.log" && grep -q "started the pivot" "$WORK/enclave.log"; then pass "the enclave logs each refusal and the pivot's start"; else fail "log: $(cat "$WORK/enclave.log")"; fi
kill -- -$enclave_pid 2>/dev/null; sleep 0.3
code=$(curl -s -o "$WORK/down" -w '%{http_code}' -X POST --data-binary '"statusRequest"' "$HOST/qos/message")
if [ "$code" = 500 ] && grep -q EnclaveClient "$WORK/down"; then pass "an enclave that is gone: 500 EnclaveClient"; else fail "down: $code $(cat "$WORK/down")"; fi
finish
