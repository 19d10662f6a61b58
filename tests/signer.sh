#!/bin/bash
# vigil-signer end to end, against a real vigil-ledger and a real SoftHSM2 token: a builder
# logs a build, gets a receipt and has its artifacts signed (file key and token key, Ed25519
# and P-256); envelopes verify with `vigil verify-artifact` and independently with openssl;
# every refusal in the issue is refused with its reason, audited, and signs nothing; replay
# protection survives a restart; no signature leaves the signer unless the ledger took it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ledger_lib.sh"
CA="$WORK/ca"
"$VIGIL" ca init "$CA" >/dev/null
for role in "ledger --tag log" "signer --tag sign" "builder --tag build" "builder2 --tag build" "stranger"; do
  # shellcheck disable=SC2086
  "$VIGIL" ca issue "$CA" $role >/dev/null
done
mkdir "$WORK/policy" "$WORK/signer-policy"
cat > "$WORK/policy/10-ledger.policy" <<'POLICY'
vigil.BuildLog * @tag:build @any allow
vigil.Append +signature @tag:sign @any allow
POLICY
cat > "$WORK/signer-policy/10-signer.policy" <<'POLICY'
vigil.Sign +release @tag:build @any allow
vigil.Sign +hsm builder @any allow
vigil.Sign +spare signer @any allow
vigil.Sign +nokey signer @any allow
POLICY
LOG="$WORK/log"
SOCK="$WORK/ledger.sock"
"$VIGIL" log init "$LOG" --origin vigil.test/ledger > "$WORK/vkey"
ledger=""
signer=""
trap '[ -n "$ledger" ] && kill -9 $ledger 2>/dev/null; [ -n "$signer" ] && kill -9 $signer 2>/dev/null; rm -rf "$WORK"' EXIT

# A SoftHSM2 token of our own.
export SOFTHSM2_CONF="$WORK/softhsm2.conf"
mkdir "$WORK/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$WORK/tokens" > "$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label vigil-test --so-pin 5678 --pin 1234 >/dev/null
printf '1234\n' > "$WORK/pin"; chmod 600 "$WORK/pin"
MODULE=/usr/lib/softhsm/libsofthsm2.so

write_config() {  # write_config FRESHNESS_SECONDS
  cat > "$WORK/signer.toml" <<CONFIG
[service]
listen = ["unix:$WORK/signer.sock"]
cert = "ca/signer.crt"
key = "ca/signer.key"
ca = "ca/ca.crt"
policy = "signer-policy"
audit_log = "signer-audit.log"
state_dir = "signer-state"

[ledger]
address = "unix:$SOCK"
verifier_key = "$(cat "$WORK/vkey")"
name = "ledger"
freshness_seconds = $1

[keys.release]
algorithm = "ed25519"
file = "release.key"

[keys.hsm]
algorithm = "ecdsa-p256"
pkcs11_module = "$MODULE"
pkcs11_token = "vigil-test"
pkcs11_pin_file = "pin"

[keys.spare]
algorithm = "ecdsa-p256"
file = "spare.key"
CONFIG
}
write_config 600

start_signer() {
  "$BIN/vigil-signer" --config "$WORK/signer.toml" > "$WORK/signer.out" 2>> "$WORK/signer.err" &
  signer=$!
  for _ in $(seq 200); do
    grep -q "listening on" "$WORK/signer.out" && return 0
    kill -0 $signer 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}
stop_signer() { kill -TERM $signer; wait $signer 2>/dev/null || true; signer=""; }

if start_ledger; then pass "the ledger runs"; else fail "ledger: $(cat "$WORK/ledger.err")"; finish; exit 1; fi

# Keys: a key file (0600) and a key generated on the token, never extractable.
expect_exit 0 "--init-key creates the file key" -- "$BIN/vigil-signer" --config "$WORK/signer.toml" --init-key release
cp "$WORK/stdout" "$WORK/release.pub"
if [ "$(stat -c %a "$WORK/release.key")" = 600 ] && openssl pkey -pubin -in "$WORK/release.pub" -noout -text 2>/dev/null | grep -q ED25519; then
  pass "the key file is 0600 and the printed public key is Ed25519"; else fail "release key: $(ls -l "$WORK/release.key")"; fi
expect_exit 0 "--init-key creates the key on the token" -- "$BIN/vigil-signer" --config "$WORK/signer.toml" --init-key hsm
cp "$WORK/stdout" "$WORK/hsm.pub"
"$BIN/vigil-signer" --config "$WORK/signer.toml" --init-key spare > "$WORK/spare.pub" 2>/dev/null
expect_exit 2 "--init-key never replaces a key" -- "$BIN/vigil-signer" --config "$WORK/signer.toml" --init-key hsm
pkcs11-tool --module "$MODULE" --token-label vigil-test --login --pin 1234 --list-objects --type privkey > "$WORK/objects" 2>&1
if grep -q "never extractable" "$WORK/objects" && grep -q "always sensitive" "$WORK/objects"; then
  pass "pkcs11-tool: the token key is always sensitive and never extractable"; else fail "token objects: $(cat "$WORK/objects")"; fi

if start_signer; then pass "vigil-signer runs"; else fail "signer: $(cat "$WORK/signer.err")"; finish; exit 1; fi
if nm -C "$BIN/vigil-signer" | grep -q -e httplib -e 'vigil::http::' -e 'vigil::tlog::LogStore' -e 'vigil::tlog::InclusionProof'; then
  fail "vigil-signer links an HTTP stack or the log writer"; else pass "vigil-signer links neither HTTP nor the log writer"; fi

# build ID BUILDER ARTIFACT_FILE [close]: streams a build; its receipt goes to $WORK/ID.proof.
build() {
  local id=$1 who=$2 file=$3 close=${4:-close}
  local sha; sha=$(sha256sum < "$file" | cut -d' ' -f1)
  printf 'log building %s\nartifact %s out/%s\n' "$id" "$sha" "$(basename "$file")" > "$WORK/$id.stream"
  [ "$close" = close ] && echo close >> "$WORK/$id.stream"
  # shellcheck disable=SC2046
  "$VIGIL" call "unix:$SOCK" "vigil.BuildLog+$id" $(as "$who") < "$WORK/$id.stream" > "$WORK/$id.out" 2>/dev/null || true
  sed -n '/^receipt$/,$p' "$WORK/$id.out" | tail -n +2 > "$WORK/$id.proof"
}
request() {  # request PROOF DIGEST...: a sign request on stdout
  local proof=$1; shift
  jq -cn --rawfile r "$proof" --args '{digests: $ARGS.positional, receipt: $r}' "$@"
}
sign() {  # sign CALLER KEY REQUEST_FILE: the envelope in $WORK/stdout
  # shellcheck disable=SC2046
  "$VIGIL" call "unix:$WORK/signer.sock" "vigil.Sign+$2" $(as "$1") < "$3"
}
signatures() { curl -sf "$URL/builds/$1/signatures" | jq length; }

printf 'kernel and initramfs\n' > "$WORK/image.eif"
printf 'another artifact\n' > "$WORK/other.bin"
SHA=$(sha256sum < "$WORK/image.eif" | cut -d' ' -f1)
OTHER_SHA=$(sha256sum < "$WORK/other.bin" | cut -d' ' -f1)

# The happy path with the file key.
build b1 builder "$WORK/image.eif"
request "$WORK/b1.proof" "$SHA" > "$WORK/b1.req"
before=$(size)
expect_exit 0 "the builder's closed build b1 is signed with the file key" -- sign builder release "$WORK/b1.req"
cp "$WORK/stdout" "$WORK/b1.env"
if [ "$(size)" = $((before + 1)) ] && [ "$(signatures b1)" = 1 ]; then
  pass "the signature record was appended to the ledger before the envelope was returned"; else fail "ledger size $before -> $(size), records $(signatures b1)"; fi
STATEMENT=$(jq -r .payload "$WORK/b1.env" | base64 -d)
if [ "$(jq -r .payloadType "$WORK/b1.env")" = application/vnd.in-toto+json ] \
   && [ "$(jq -r ._type <<<"$STATEMENT")" = https://in-toto.io/Statement/v1 ] \
   && [ "$(jq -r .predicateType <<<"$STATEMENT")" = https://slsa.dev/provenance/v1 ] \
   && [ "$(jq -r '.subject[0].digest.sha256' <<<"$STATEMENT")" = "$SHA" ] \
   && [ "$(jq -r '.predicate.runDetails.builder.id' <<<"$STATEMENT")" = urn:vigil:builder:builder ] \
   && [ "$(jq -r '.predicate.runDetails.byproducts[0].annotations.ledger_origin' <<<"$STATEMENT")" = vigil.test/ledger ]; then
  pass "the envelope is DSSE over an in-toto v1 Statement with SLSA v1 provenance"; else fail "statement: $STATEMENT"; fi
# Independent check with openssl: the signature covers DSSE's PAE.
pae() { jq -r .payload "$1" | base64 -d > "$WORK/payload"; printf 'DSSEv1 28 application/vnd.in-toto+json %d ' "$(stat -c %s "$WORK/payload")"; cat "$WORK/payload"; }
pae "$WORK/b1.env" > "$WORK/b1.pae"
jq -r '.signatures[0].sig' "$WORK/b1.env" | base64 -d > "$WORK/b1.sig"
if openssl pkeyutl -verify -pubin -inkey "$WORK/release.pub" -rawin -in "$WORK/b1.pae" -sigfile "$WORK/b1.sig" >/dev/null 2>&1; then
  pass "openssl verifies the Ed25519 signature over the PAE"; else fail "openssl rejects the Ed25519 signature"; fi
expect_exit 0 "verify-artifact accepts the artifact" -- "$VIGIL" verify-artifact "$WORK/image.eif" --envelope "$WORK/b1.env" --key "$WORK/release.pub"
expect_exit 0 "verify-artifact --ledger finds the build and the signature record" -- "$VIGIL" verify-artifact "$WORK/image.eif" --envelope "$WORK/b1.env" --key "$WORK/release.pub" --ledger "$URL" --ledger-key "$WORK/vkey" --json
if [ "$(jq -r .ledger.build_index "$WORK/stdout")" = 0 ] && [ "$(jq -r .ledger.signature_record_index "$WORK/stdout")" = 1 ]; then
  pass "verify-artifact proves entry 0 (build) and entry 1 (signature)"; else fail "verify-artifact said: $(cat "$WORK/stdout")"; fi

# The token key (P-256), verified by openssl too.
build b2 builder "$WORK/image.eif"
request "$WORK/b2.proof" "$SHA" > "$WORK/b2.req"
expect_exit 0 "build b2 is signed with the SoftHSM2 P-256 key" -- sign builder hsm "$WORK/b2.req"
cp "$WORK/stdout" "$WORK/b2.env"
pae "$WORK/b2.env" > "$WORK/b2.pae"
jq -r '.signatures[0].sig' "$WORK/b2.env" | base64 -d > "$WORK/b2.sig"
if openssl dgst -sha256 -verify "$WORK/hsm.pub" -signature "$WORK/b2.sig" "$WORK/b2.pae" >/dev/null 2>&1; then
  pass "openssl verifies the token's ECDSA P-256 signature over the PAE"; else fail "openssl rejects the P-256 signature"; fi
expect_exit 0 "verify-artifact with the token's key and the ledger" -- "$VIGIL" verify-artifact "$WORK/image.eif" --envelope "$WORK/b2.env" --key "$WORK/hsm.pub" --ledger "$URL" --ledger-key "$WORK/vkey"

# Refusals: each with its reason, nothing signed, nothing appended.
refused() {  # refused WHAT EXIT CALLER KEY REQUEST PATTERN
  local what=$1 code=$2 caller=$3 key=$4 req=$5 pattern=$6 before_size
  before_size=$(size)
  expect_exit "$code" "$what is refused" -- sign "$caller" "$key" "$req"
  if [ ! -s "$WORK/stdout" ] && grep -q -- "$pattern" "$WORK/stderr" && [ "$(size)" = "$before_size" ]; then
    pass "$what: '$pattern', no envelope, nothing appended"; else fail "$what: stdout $(wc -c < "$WORK/stdout") bytes, stderr $(cat "$WORK/stderr"), size $before_size -> $(size)"; fi
}
printf '{"digests":["%s"]}' "$SHA" > "$WORK/noreceipt.req"
refused "a request without a receipt" 2 builder release "$WORK/noreceipt.req" "carries no receipt"
# A forged checkpoint: the tree size changed after the ledger signed it.
build b3 builder "$WORK/image.eif"
request "$WORK/b3.proof" "$SHA" > "$WORK/b3.req"
sed '/^vigil.test\/ledger$/{n;s/^[0-9]*$/99/}' "$WORK/b3.proof" > "$WORK/forged.proof"
request "$WORK/forged.proof" "$SHA" > "$WORK/forged.req"
refused "a forged checkpoint" 1 builder release "$WORK/forged.req" "refused (checkpoint)"
# A foreign checkpoint: another log with the same origin, holding a perfect-looking entry.
"$VIGIL" log init "$WORK/foreign" --origin vigil.test/ledger >/dev/null
sed -n 's/^extra //p' "$WORK/b3.proof" | base64 -d > "$WORK/b3.entry"
"$VIGIL" log add "$WORK/foreign" "$WORK/b3.entry" >/dev/null
"$VIGIL" log prove "$WORK/foreign" --index 0 > "$WORK/foreign.proof"
request "$WORK/foreign.proof" "$SHA" > "$WORK/foreign.req"
refused "a foreign ledger's receipt" 1 builder release "$WORK/foreign.req" "refused (checkpoint)"
# Another builder's build.
build b4 builder2 "$WORK/image.eif"
request "$WORK/b4.proof" "$SHA" > "$WORK/b4.req"
refused "a receipt from another builder" 1 builder release "$WORK/b4.req" "refused (builder)"
# A digest the build did not declare.
request "$WORK/b3.proof" "$SHA" "$OTHER_SHA" > "$WORK/undeclared.req"
refused "a digest the build did not declare" 1 builder release "$WORK/undeclared.req" "refused (digests)"
# A replayed receipt.
refused "a replayed receipt" 1 builder release "$WORK/b1.req" "already signed"
# A key the caller may not use, and a stranger.
refused "a key the caller may not use" 1 builder spare "$WORK/b3.req" "denied"
refused "a caller outside the policy" 1 stranger release "$WORK/b3.req" "denied"
refused "an unknown key" 2 signer nokey "$WORK/b3.req" "no key named"
# A truncated build: its entry can only be proved from the log itself.
build b5 builder "$WORK/image.eif" open
kill -TERM $ledger; wait $ledger 2>/dev/null || true
index=$(jq -r '.[] | select(.build_id == "b5") | .index' < <(start_ledger >/dev/null; curl -sf "$URL/builds"; kill -TERM $ledger; wait $ledger 2>/dev/null))
"$VIGIL" log prove "$LOG" --index "$index" > "$WORK/b5.proof"
start_ledger || fail "the ledger did not restart"
request "$WORK/b5.proof" "$SHA" > "$WORK/b5.req"
refused "a truncated build" 1 builder release "$WORK/b5.req" "refused (entry)"
# The refusals did not use up b3: it still signs.
expect_exit 0 "b3, refused above for other reasons, still signs" -- sign builder release "$WORK/b3.req"

# Replay protection survives a restart.
stop_signer
start_signer || fail "the signer did not restart"
refused "a replay after a restart" 1 builder release "$WORK/b3.req" "already signed"

# No envelope unless the ledger took the record: with the ledger down, refused and retryable.
build b6 builder "$WORK/image.eif"
request "$WORK/b6.proof" "$SHA" > "$WORK/b6.req"
kill -TERM $ledger; wait $ledger 2>/dev/null || true
expect_exit 3 "signing while the ledger is down is refused (missing environment)" -- sign builder release "$WORK/b6.req"
if [ ! -s "$WORK/stdout" ] && grep -q "ledger did not take" "$WORK/stderr"; then
  pass "no envelope without the ledger's record"; else fail "ledger down: $(cat "$WORK/stderr")"; fi
start_ledger || fail "the ledger did not restart"
expect_exit 0 "once the ledger is back, b6 signs" -- sign builder release "$WORK/b6.req"

# A stale receipt: a signer that accepts checkpoints at most 1 s old.
build b7 builder "$WORK/image.eif"
request "$WORK/b7.proof" "$SHA" > "$WORK/b7.req"
stop_signer
write_config 1
start_signer || fail "the signer did not restart"
sleep 2.2
refused "a stale receipt" 1 builder release "$WORK/b7.req" "refused (freshness)"

# The audit log has every decision.
granted=$(grep -c '"decision":"granted"' "$WORK/signer-audit.log" || true)
refusals=$(grep -c '"decision":"refused"' "$WORK/signer-audit.log" || true)
if [ "$granted" = 4 ] && [ "$refusals" -ge 10 ] && grep -q '"check":"freshness"' "$WORK/signer-audit.log" \
   && grep -q '"check":"builder"' "$WORK/signer-audit.log" && grep -q '"decision":"deny"' "$WORK/signer-audit.log"; then
  pass "the audit log records $granted grants, $refusals refusals and the policy denials"; else fail "audit: granted $granted refused $refusals"; fi

# verify-artifact refuses what does not verify.
expect_exit 1 "verify-artifact: a file that is not a subject" -- "$VIGIL" verify-artifact "$WORK/other.bin" --envelope "$WORK/b1.env" --key "$WORK/release.pub"
expect_exit 1 "verify-artifact: another key" -- "$VIGIL" verify-artifact "$WORK/image.eif" --envelope "$WORK/b1.env" --key "$WORK/spare.pub"
jq -c '.payload |= (@base64d | sub("builder"; "bu1lder") | @base64)' "$WORK/b1.env" > "$WORK/tampered.env"
expect_exit 1 "verify-artifact: a tampered payload" -- "$VIGIL" verify-artifact "$WORK/image.eif" --envelope "$WORK/tampered.env" --key "$WORK/release.pub"
printf '{"payload":"e30=","payloadType":"x"}' > "$WORK/malformed.env"
expect_exit 2 "verify-artifact: a malformed envelope" -- "$VIGIL" verify-artifact "$WORK/image.eif" --envelope "$WORK/malformed.env" --key "$WORK/release.pub"
# Strict JSON (D21): a second "payload" (the last one would win) or bytes after a NUL.
sed 's/^{/{"payload":"e30=",/' "$WORK/b1.env" > "$WORK/dupkey.env"
expect_exit 2 "verify-artifact: an envelope with two payload keys" -- "$VIGIL" verify-artifact "$WORK/image.eif" --envelope "$WORK/dupkey.env" --key "$WORK/release.pub"
expect_stderr 'the envelope: the key "payload" appears twice in the object at $' "the repeated key is named"
{ tr -d '\n' < "$WORK/b1.env"; printf '\0junk'; } > "$WORK/nul.env"
expect_exit 2 "verify-artifact: an envelope followed by a NUL" -- "$VIGIL" verify-artifact "$WORK/image.eif" --envelope "$WORK/nul.env" --key "$WORK/release.pub"
expect_stderr "the envelope holds a NUL byte at byte" "the NUL is named"
# Re-indented: still the signed payload, but not the bytes the ledger logged (D22).
jq . "$WORK/b1.env" > "$WORK/reindented.env"
expect_exit 0 "verify-artifact: a re-indented envelope verifies offline" -- "$VIGIL" verify-artifact "$WORK/image.eif" --envelope "$WORK/reindented.env" --key "$WORK/release.pub"
expect_exit 1 "verify-artifact --ledger: a re-indented envelope" -- "$VIGIL" verify-artifact "$WORK/image.eif" --envelope "$WORK/reindented.env" --key "$WORK/release.pub" --ledger "$URL" --ledger-key "$WORK/vkey"
expect_stderr "the envelope's bytes differ from what the ledger logged (entry 1): it is the logged envelope re-encoded" "the changed bytes are named, not a lost record"
expect_exit 2 "verify-artifact: --ledger without --ledger-key" -- "$VIGIL" verify-artifact "$WORK/image.eif" --envelope "$WORK/b1.env" --key "$WORK/release.pub" --ledger "$URL"
expect_exit 2 "verify-artifact: --ledger-key without --ledger (it would check nothing)" -- "$VIGIL" verify-artifact "$WORK/image.eif" --envelope "$WORK/b1.env" --key "$WORK/release.pub" --ledger-key "$WORK/vkey"
expect_stderr "--ledger-key needs --ledger" "it says what is missing"
"$VIGIL" log init "$WORK/other-log" --origin vigil.test/ledger > "$WORK/other.vkey"
expect_exit 1 "verify-artifact: the ledger checked with another key" -- "$VIGIL" verify-artifact "$WORK/image.eif" --envelope "$WORK/b1.env" --key "$WORK/release.pub" --ledger "$URL" --ledger-key "$WORK/other.vkey"
expect_exit 2 "verify-artifact: an unusable --ledger URL is refused before anything is read" -- "$VIGIL" verify-artifact "$WORK/image.eif" --envelope "$WORK/b1.env" --key "$WORK/release.pub" --ledger http://127.0.0.1:99999 --ledger-key "$WORK/vkey"

# Hostile ledgers (finding D4; tests/hostile_peers.sh does the same for log verify): a
# valid envelope, then a server that never ends its headers, drips its body or sends too
# much. Each fails within the deadline and the limits, and says why.
for mode in headers drip huge; do
  rm -f "$WORK/evil.$mode"
  python3 "$ROOT/tests/evil_http.py" "$mode" "$WORK/evil.$mode" &
  evil_pid=$!
  for _ in $(seq 100); do [ -s "$WORK/evil.$mode" ] && break; sleep 0.05; done
  start=$(date +%s%N)
  expect_exit "$([ $mode = drip ] && echo 3 || echo 1)" "verify-artifact against a '$mode' ledger fails" -- "$VIGIL" verify-artifact "$WORK/image.eif" \
    --envelope "$WORK/b1.env" --key "$WORK/release.pub" --ledger "http://127.0.0.1:$(cat "$WORK/evil.$mode")" --ledger-key "$WORK/vkey" --timeout 3
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  if [ "$elapsed_ms" -lt 6000 ]; then pass "'$mode': it ended after $elapsed_ms ms"; else fail "'$mode': it took $elapsed_ms ms"; fi
  case $mode in
    headers) expect_stderr "head is over 16384 bytes" "'headers': the message says the head is too large" ;;
    drip) expect_stderr "did not answer within 3 s" "'drip': the message names the deadline" ;;
    huge) expect_stderr "over the limit of" "'huge': the message names the size limit" ;;
  esac
  kill "$evil_pid" 2>/dev/null || true
  wait "$evil_pid" 2>/dev/null || true
done

finish
