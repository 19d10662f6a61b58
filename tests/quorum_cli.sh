#!/bin/bash
# vigil quorum pivot-hash | display | verify-envelope over QuorumOS's golden artifacts
# (tests/data/qos/golden, from tkhq/qos's qos_client tests): the manifest hash QuorumOS
# computes, the approvals it accepts, and clear refusals of what it would not accept.
. "$(dirname "$0")/lib.sh"
GOLDEN="$ROOT/tests/data/qos/golden"
HASH=f06b3417893b3c2648b36d25134c3d854405db7a609cc1d41b86c4f63fd476fd

printf 'mono compat pivot bytes' > "$WORK/pivot"
expect_exit 0 "pivot-hash hashes the pivot" -- "$VIGIL" quorum pivot-hash --pivot-path "$WORK/pivot"
if grep -qx "6851e7d5d3200c971307b7f3d02c35dc685413215392f1b35fa5ecb53264d963" "$WORK/stdout"; then pass "it is the golden manifest's pivot hash"; else fail "pivot hash: $(cat "$WORK/stdout")"; fi
expect_exit 0 "pivot-hash writes --output-path" -- "$VIGIL" quorum pivot-hash --pivot-path "$WORK/pivot" --output-path "$WORK/pivot.hash"
if [ "$(cat "$WORK/pivot.hash")" = "6851e7d5d3200c971307b7f3d02c35dc685413215392f1b35fa5ecb53264d963" ]; then pass "the file holds the hex alone"; else fail "pivot.hash: $(cat "$WORK/pivot.hash")"; fi

expect_exit 0 "display reads qos_client's V1 manifest" -- "$VIGIL" quorum display "$GOLDEN/manifest.json"
if grep -q "^manifest, version 1$" "$WORK/stdout" && grep -q "^manifest hash: $HASH$" "$WORK/stdout"; then pass "it shows version 1 and QuorumOS's manifest hash"; else fail "display: $(head -3 "$WORK/stdout")"; fi
expect_exit 0 "display --json" -- "$VIGIL" quorum display "$GOLDEN/manifest_envelope.json" --json
if jq -e --arg h "$HASH" '.version == "1" and .manifest_hash == $h and .kind == "manifest envelope" and (.envelope.manifestSetApprovals | length) == 1' "$WORK/stdout" >/dev/null; then pass "--json has the version, the hash and the approvals"; else fail "--json: $(head -c 300 "$WORK/stdout")"; fi
expect_exit 0 "display reads an old V0 Borsh manifest" -- "$VIGIL" quorum display "$GOLDEN/old_manifest_v0.borsh"
if grep -q "^manifest, version 0$" "$WORK/stdout" && grep -q "^namespace: quit-coding-to-vape, nonce 2$" "$WORK/stdout"; then pass "V0: namespace and nonce shown"; else fail "V0: $(head -4 "$WORK/stdout")"; fi

expect_exit 0 "the golden envelope's approvals meet the threshold" -- "$VIGIL" quorum verify-envelope "$GOLDEN/manifest_envelope.json"
if grep -q "^ok: 1 of 1 manifest-set approvals (threshold 1) over manifest hash $HASH$" "$WORK/stdout"; then pass "it says which hash was approved"; else fail "verify: $(cat "$WORK/stdout")"; fi

# A forged signature, an approver who is not a member, no approvals, approvals from the share set.
sig=$(jq -r '.manifestSetApprovals[0].signature' "$GOLDEN/manifest_envelope.json")
forged="${sig:0:10}$(printf '%x' $(( (0x${sig:10:1} + 1) % 16 )))${sig:11}"
jq -c --arg s "$forged" '.manifestSetApprovals[0].signature = $s' "$GOLDEN/manifest_envelope.json" > "$WORK/forged.json"
expect_exit 1 "a forged approval fails" -- "$VIGIL" quorum verify-envelope "$WORK/forged.json"
expect_stderr "InvalidManifestApproval" "it names QuorumOS's check"
jq -c '.manifestSetApprovals[0].member.alias = "mallory"' "$GOLDEN/manifest_envelope.json" > "$WORK/stranger.json"
expect_exit 1 "an approver who is not a member fails" -- "$VIGIL" quorum verify-envelope "$WORK/stranger.json"
expect_stderr "NotManifestSetMember" "it says not a member"
jq -c '.manifestSetApprovals = []' "$GOLDEN/manifest_envelope.json" > "$WORK/none.json"
expect_exit 1 "an envelope without approvals fails" -- "$VIGIL" quorum verify-envelope "$WORK/none.json"
expect_stderr "NotEnoughApprovals" "it says not enough approvals"
jq -c '.manifestSetApprovals += .manifestSetApprovals' "$GOLDEN/manifest_envelope.json" > "$WORK/twice.json"
expect_exit 1 "one member approving twice fails" -- "$VIGIL" quorum verify-envelope "$WORK/twice.json"
expect_stderr "DuplicateApproval" "it says duplicate approval"
jq -c '.shareSetApprovals = .manifestSetApprovals' "$GOLDEN/manifest_envelope.json" > "$WORK/share.json"
expect_exit 1 "share-set approvals in a boot envelope fail" -- "$VIGIL" quorum verify-envelope "$WORK/share.json"
expect_stderr "BadShareSetApprovals" "it says so"

# Bad input: exit 2, naming the problem.
expect_exit 2 "a manifest is not an envelope" -- "$VIGIL" quorum verify-envelope "$GOLDEN/manifest.json"
expect_stderr "not an envelope" "it says the file carries no approvals"
jq -c '.pivot.surprise = 1' "$GOLDEN/manifest.json" > "$WORK/unknown.json"
expect_exit 2 "an unknown key is refused" -- "$VIGIL" quorum display "$WORK/unknown.json"
expect_stderr 'unknown key "surprise"' "it names the key"
head -c 700 "$GOLDEN/old_manifest_v0.borsh" > "$WORK/cut.borsh"
expect_exit 2 "a truncated Borsh manifest is refused" -- "$VIGIL" quorum display "$WORK/cut.borsh"
expect_stderr "truncated" "it says truncated"
expect_exit 2 "a missing file is refused" -- "$VIGIL" quorum display "$WORK/nothing"
# The manifest-set ceremony: a 2-of-3 set (boot-e2e's users) approves, the envelope is made.
E2E="$ROOT/tests/data/qos/boot-e2e"
mkdir -p "$WORK/keys" "$WORK/approvals"
for n in 1 2 3; do install -m 600 "$E2E/user$n.secret" "$WORK/keys/user$n.secret"; done
jq -c --arg k1 "$(tr -d '\n' < "$E2E/user1.pub")" --arg k2 "$(tr -d '\n' < "$E2E/user2.pub")" --arg k3 "$(tr -d '\n' < "$E2E/user3.pub")" \
  '.manifestSet = {threshold: 2, members: [{alias: "user1", pubKey: $k1}, {alias: "user2", pubKey: $k2}, {alias: "user3", pubKey: $k3}]}' \
  "$GOLDEN/manifest.json" > "$WORK/m.json"
expect_exit 1 "a refusal at the prompt approves nothing" -- bash -c "echo n | '$VIGIL' quorum approve-manifest --secret-path '$WORK/keys/user1.secret' --alias user1 --manifest-path '$WORK/m.json' --manifest-approvals-dir '$WORK/approvals'"
if [ -z "$(ls "$WORK/approvals")" ]; then pass "no approval file after a no"; else fail "approval written: $(ls "$WORK/approvals")"; fi
expect_exit 1 "a key under another member's alias approves nothing" -- "$VIGIL" quorum approve-manifest --secret-path "$WORK/keys/user2.secret" --alias user1 --manifest-path "$WORK/m.json" --manifest-approvals-dir "$WORK/approvals" --yes
expect_stderr "NotManifestSetMember" "it says not a member"
expect_exit 0 "user1 approves" -- "$VIGIL" quorum approve-manifest --secret-path "$WORK/keys/user1.secret" --alias user1 --manifest-path "$WORK/m.json" --manifest-approvals-dir "$WORK/approvals" --yes
if [ -f "$WORK/approvals/user1-production-signer-31.approval" ]; then pass "qos_client's file name: ALIAS-NAMESPACE-NONCE.approval"; else fail "approvals: $(ls "$WORK/approvals")"; fi
expect_exit 1 "one approval of two needed makes no envelope" -- "$VIGIL" quorum generate-manifest-envelope --manifest-approvals-dir "$WORK/approvals" --manifest-path "$WORK/m.json" --manifest-envelope-path "$WORK/envelope"
expect_stderr "NotEnoughApprovals" "it says not enough approvals"
if [ ! -e "$WORK/envelope" ]; then pass "no envelope written"; else fail "envelope written"; fi
expect_exit 0 "user2 approves" -- "$VIGIL" quorum approve-manifest --secret-path "$WORK/keys/user2.secret" --alias user2 --manifest-path "$WORK/m.json" --manifest-approvals-dir "$WORK/approvals" --yes
expect_exit 2 "approving twice does not overwrite" -- "$VIGIL" quorum approve-manifest --secret-path "$WORK/keys/user2.secret" --alias user2 --manifest-path "$WORK/m.json" --manifest-approvals-dir "$WORK/approvals" --yes
expect_exit 0 "two approvals make the envelope" -- "$VIGIL" quorum generate-manifest-envelope --manifest-approvals-dir "$WORK/approvals" --manifest-path "$WORK/m.json" --manifest-envelope-path "$WORK/envelope"
expect_exit 0 "the envelope verifies" -- "$VIGIL" quorum verify-envelope "$WORK/envelope"
if grep -q "^ok: 2 of 3 manifest-set approvals (threshold 2)" "$WORK/stdout"; then pass "2 of 3, threshold 2"; else fail "verify: $(cat "$WORK/stdout")"; fi
cp "$WORK/approvals/user1-production-signer-31.approval" "$WORK/approvals/zz-tampered.approval"
sed -i 's/"signature":"\(..\)/"signature":"00/' "$WORK/approvals/zz-tampered.approval"
expect_exit 1 "a tampered approval file stops the envelope" -- "$VIGIL" quorum generate-manifest-envelope --manifest-approvals-dir "$WORK/approvals" --manifest-path "$WORK/m.json" --manifest-envelope-path "$WORK/envelope2"
expect_stderr "zz-tampered.approval" "it names the file"
# generate-manifest: qos_client's inputs taken apart from the golden manifest give back its
# very bytes (V1), and its hash.
W="$WORK/gen"
mkdir -p "$W/mset" "$W/pset" "$W/release"
jq -r '.manifestSet.members[0].pubKey' "$GOLDEN/manifest.json" > "$W/mset/dev.pub"; echo 1 > "$W/mset/quorum_threshold"
jq -r '.patchSet.members[0].pubKey' "$GOLDEN/manifest.json" > "$W/pset/dev.pub"; echo 1 > "$W/pset/quorum_threshold"
jq -r '.namespace.quorumKey' "$GOLDEN/manifest.json" > "$W/quorum.pub"
jq -r '.pivot.hash' "$GOLDEN/manifest.json" > "$W/pivot.hash"
for i in 0 1 2; do echo "$(jq -r ".enclave.pcr$i" "$GOLDEN/manifest.json") PCR$i"; done > "$W/release/aws-x86_64.pcrs"
echo "arn:aws:iam::123456789012:role/Webserver" > "$W/role"
gen() { "$VIGIL" quorum generate-manifest --nonce 31 --namespace production/signer --restart-policy always --pivot-hash-path "$W/pivot.hash" --qos-release-dir "$W/release" --pcr3-preimage-path "$W/role" --manifest-set-dir "$W/mset" --share-set-dir "$W/mset" --quorum-key-path "$W/quorum.pub" "$@"; }
expect_exit 0 "generate-manifest --use-manifest-version 1" -- gen --manifest-path "$W/v1.json" --patch-set-dir "$W/pset" --pivot-args "[--config,/etc/config.json]" --bridge-config '[{"type":"server","port":3000,"host":"0.0.0.0"}]' --debug-mode --use-manifest-version 1
if cmp -s "$W/v1.json" <(printf '%s' "$(cat "$GOLDEN/manifest.json")"); then pass "byte for byte qos_client's golden manifest (PCR3 from the role's ARN)"; else fail "v1 differs: $(head -c 200 "$W/v1.json")"; fi
if grep -q "hash $HASH" "$WORK/stdout"; then pass "it prints QuorumOS's manifest hash"; else fail "stdout: $(cat "$WORK/stdout")"; fi
expect_exit 0 "generate-manifest writes V2 by default" -- gen --manifest-path "$W/v2.json" --dns-resolvers "[1.1.1.1,2001:db8::1]"
if "$VIGIL" quorum display "$W/v2.json" --json | jq -e '.version == "2" and .manifest.dns.resolvers == ["1.1.1.1", "2001:db8::1"]' >/dev/null; then pass "V2, canonical, with its resolvers"; else fail "v2: $(head -c 200 "$W/v2.json")"; fi
expect_exit 2 "never over an existing manifest" -- gen --manifest-path "$W/v2.json"
expect_exit 2 "V1 needs a patch set" -- gen --manifest-path "$W/v1b.json" --use-manifest-version 1
expect_exit 2 "resolvers need V2" -- gen --manifest-path "$W/v1c.json" --patch-set-dir "$W/pset" --use-manifest-version 1 --dns-resolvers "[1.1.1.1]"
echo "not-hex" > "$W/bad.pub"
expect_exit 2 "a quorum key that is not hex is refused" -- gen --manifest-path "$W/v2d.json" --quorum-key-path "$W/bad.pub"
if [ ! -e "$W/v2d.json" ] && [ ! -e "$W/v1b.json" ]; then pass "nothing written on refusals"; else fail "a refused manifest was written"; fi
finish
