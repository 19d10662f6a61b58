#!/bin/bash
# vigil-gateway's channels and signed commands, against a real ledger and signer: a build
# logged and signed there is published to testing through vigil.Publish (TUF metadata the
# gateway signs with its online keys); maintainers' clear-signed commands (real gpg keys)
# promote it to current only when two allowed maintainers signed the same line, the first
# answered "waiting for 1 more"; every bad command is refused with its reason and changes
# nothing; every verdict reaches the ledger; vigil repo fetch gets the build from current,
# proving the envelope, the ledger entries and the promotion's signatures; a gateway gone
# rogue cannot promote alone; the status page, the Atom feed and Standard Webhooks
# notifications (retried with the same id) show every event.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ledger_lib.sh"
cd "$WORK"
CA="$WORK/ca" LOG="$WORK/log" SOCK="$WORK/ledger.sock"
"$VIGIL" ca init "$CA" >/dev/null
for role in "ledger --tag log" "signer --tag sign" "builder --tag build" "gateway --tag gateway"; do
  # shellcheck disable=SC2086
  "$VIGIL" ca issue "$CA" $role >/dev/null
done
mkdir policy signer-policy gateway-policy
printf 'vigil.BuildLog * @tag:build @any allow\nvigil.Append +signature @tag:sign @any allow\nvigil.Append +gateway-verdict @tag:gateway @any allow\n' > policy/10.policy
printf 'vigil.Sign +release @tag:build @any allow\n' > signer-policy/10.policy
printf 'vigil.Publish * @tag:build @any allow\n' > gateway-policy/10.policy
"$VIGIL" log init "$LOG" --origin vigil.test/ledger > vkey
ledger="" signer="" gateway=""
receiver=""
DB=""
# With VIGIL_GATEWAY_DATABASE=postgres (the CTest gateway_commands_postgres), the gateway's
# deliveries, queue and verdict records are in a private PostgreSQL ([gateway] database); the
# commands' approvals stay in state/deliveries.db and their records are moved to it.
if [ "${VIGIL_GATEWAY_DATABASE:-}" = postgres ]; then
  . "$ROOT/tests/postgres_lib.sh"
  cd / && pg_start && cd "$WORK"  # the server's user cannot enter $WORK
  DB=$(pg_createdb gateway)
fi
trap 'kill -9 $ledger $signer $gateway $receiver 2>/dev/null; gpgconf --homedir "$WORK/gpg" --kill all 2>/dev/null; [ -z "$DB" ] || pg_stop; rm -rf "$WORK"' EXIT
# outbox_count [WHERE]: the verdict records the ledger recorder reads (in PostgreSQL with
# $DB), and records_staged: the commands' records not yet moved there (none without $DB).
outbox_count() {
  if [ -n "$DB" ]; then "$PG_BIN/psql" -X -At -d "$DB" -c "SELECT COUNT(*) FROM gateway_records ${1:-}"
  else sqlite3 state/deliveries.db "SELECT COUNT(*) FROM records ${1:-}"; fi
}
records_staged() {
  if [ -n "$DB" ] && [ -e state/deliveries.db ]; then sqlite3 state/deliveries.db "SELECT COUNT(*) FROM records"; else echo 0; fi
}
start_ledger || { fail "ledger: $(cat ledger.err)"; finish; exit 1; }
cat > signer.toml <<CONFIG
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
verifier_key = "$(cat vkey)"
name = "ledger"
[keys.release]
algorithm = "ed25519"
file = "release.key"
CONFIG
"$BIN/vigil-signer" --config signer.toml --init-key release > release.pub 2>/dev/null
"$BIN/vigil-signer" --config signer.toml > signer.out 2> signer.err &
signer=$!
for _ in $(seq 200); do grep -q "listening on" signer.out && break; sleep 0.05; done

# make_build ID: a build as the builder leaves it: logged (receipt), signed (envelope), in
# its testing directory.
make_build() {
  local dir="source/testing/hello/$1" sha
  mkdir -p "$dir"
  printf 'the hello image of %s\n' "$1" > "$dir/hello.eif"
  sha=$(sha256sum < "$dir/hello.eif" | cut -d' ' -f1)
  printf 'log building\nartifact %s hello.eif\nclose\n' "$sha" > stream
  # shellcheck disable=SC2046
  "$VIGIL" call "unix:$SOCK" "vigil.BuildLog+$1" $(as builder) < stream | sed -n '/^receipt$/,$p' | tail -n +2 > "$dir/build.tlog-proof"
  jq -cn --rawfile r "$dir/build.tlog-proof" --arg d "$sha" '{digests: [$d], receipt: $r}' > sign.req
  # shellcheck disable=SC2046
  "$VIGIL" call "unix:$WORK/signer.sock" vigil.Sign+release $(as builder) < sign.req > "$dir/provenance.dsse.json"
  [ -s "$dir/provenance.dsse.json" ]
}
B=hello-20261205T000000Z-0000000a
if make_build "$B"; then pass "the build is logged and signed"; else fail "signing: $(cat signer.err)"; fi

# The channels' repository: offline root and targets keys; the gateway gets the online ones.
"$VIGIL" repo keygen --keys-dir keys >/dev/null
"$VIGIL" repo init tuf --keys-dir keys >/dev/null
mkdir online && cp keys/testing.secret keys/current.secret keys/snapshot.secret keys/timestamp.secret online/

# Maintainers: alice and bob may promote hello to current; carol only testing; mallory is
# not in the keyring.
export GNUPGHOME="$WORK/gpg"
mkdir -m 700 "$GNUPGHOME"
for who in alice bob carol mallory; do
  gpg --batch --quiet --passphrase '' --quick-gen-key "$who <$who@example.org>" ed25519 sign never 2>/dev/null
done
fpr() { gpg --with-colons --list-keys "$1@example.org" | awk -F: '/^fpr:/ {print $10; exit}'; }
gpg --armor --export alice@example.org bob@example.org carol@example.org > keyring.asc 2>/dev/null
printf 'whsec_%s\n' "$(head -c 32 /dev/urandom | base64)" > notify.secret
python3 "$ROOT/tests/webhook_receiver.py" notify.secret receiver.port received.jsonl &
receiver=$!
for _ in $(seq 100); do [ -s receiver.port ] && break; sleep 0.05; done
github_gateway . example/hello hello
if [ -n "$DB" ]; then
  awk -v db="$DB" '{ print } /^state_dir = / { print "database = \"" db "\"" }' gateway.toml > gateway.pg && mv gateway.pg gateway.toml
fi
cat >> gateway.toml <<TOML
[[notify]]
url = "http://127.0.0.1:$(cat receiver.port)"
path = "/vigil-events"
secret = "notify.secret"
[ledger]
address = "unix:$SOCK"
certificate = "ca/gateway.crt"
key = "ca/gateway.key"
ca = "ca/ca.crt"
verifier_key = "$(cat vkey)"
[service]
listen = ["unix:$WORK/gateway.sock"]
cert = "ca/gateway.crt"
key = "ca/gateway.key"
ca = "ca/ca.crt"
policy = "gateway-policy"
audit_log = "gateway-calls.log"
[channels]
repository = "tuf"
keys = "online"
source = "source"
release_key = "release.pub"
[commands]
keyring = "keyring.asc"
threshold = 2
min_testing_seconds = 0
[[maintainer]]
fingerprint = "$(fpr alice)"
components = ["hello"]
channels = ["testing", "current"]
[[maintainer]]
fingerprint = "$(fpr bob)"
components = ["hello"]
channels = ["testing", "current"]
[[maintainer]]
fingerprint = "$(fpr carol)"
components = ["hello"]
channels = ["testing"]
TOML
start_gateway() {
  : > gateway.out  # now: a restart must not read the port of the gateway before it
  "$BIN/vigil-gateway" --config gateway.toml > gateway.out 2>> gateway.err &
  gateway=$!
  for _ in $(seq 200); do [ "$(wc -l < gateway.out)" -ge 2 ] && break; sleep 0.05; done
  GW="http://127.0.0.1:$(tail -1 gateway.out)"
}
start_gateway
if curl -sf "$GW/healthz" >/dev/null; then pass "the gateway runs with channels and commands"; else fail "gateway: $(cat gateway.err)"; finish; exit 1; fi

# Publishing: the builder's call; a stranger's build id or a tampered build is refused.
publish() {  # BUILD_ID COMMIT
  # shellcheck disable=SC2046
  printf 'build %s\ncommit %s\n' "$1" "$2" | "$VIGIL" call "unix:$WORK/gateway.sock" vigil.Publish+hello $(as builder)
}
COMMIT=$(printf 'ab%.0s' $(seq 20))
expect_exit 2 "publishing a build that is not there is refused" -- publish hello-20261205T000000Z-0000000b "$COMMIT"
cp -r "source/testing/hello/$B" "source/testing/hello/$B.bak"
printf 'tampered\n' > "source/testing/hello/$B/hello.eif"
expect_exit 2 "a build whose artifact is not what its envelope names is refused" -- publish "$B" "$COMMIT"
expect_stderr "not what its envelope names" "the refusal names the artifact"
rm -r "source/testing/hello/$B" && mv "source/testing/hello/$B.bak" "source/testing/hello/$B"
expect_exit 0 "the builder publishes the build to testing" -- publish "$B" "$COMMIT"
expect_exit 0 "vigil repo fetch gets it from testing" -- "$VIGIL" repo fetch tuf hello --channel testing --root tuf/metadata/1.root.json --out fetched-testing --state state-testing
if cmp -s fetched-testing/hello.eif "source/testing/hello/$B/hello.eif" 2>/dev/null || cmp -s "$(find fetched-testing -name hello.eif | head -1)" "source/testing/hello/$B/hello.eif"; then
  pass "the fetched artifact is the build's"; else fail "fetched: $(find fetched-testing)"; fi

# Commands.
NOT_AFTER=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
LINE="Promote hello $B testing current $NOT_AFTER"
sign() {  # WHO LINE FILE
  "$VIGIL" command sign "$2" --key "$(fpr "$1")" --out "$3"
}
submit() { "$VIGIL" command submit "$1" --gateway "$GW"; }
expect_exit 0 "alice signs the promotion" -- sign alice "$LINE" alice.asc
if head -1 alice.asc | grep -q "BEGIN PGP SIGNED MESSAGE" && grep -qx "$LINE" alice.asc; then pass "the signed text is a clear-signed message of the line"; else fail "$(cat alice.asc)"; fi
expect_exit 2 "a line outside the grammar is not signed" -- sign alice "Upload-component hello $B current" bad.asc
expect_exit 0 "alice's signature is counted" -- submit alice.asc
expect_stdout "waiting for 1 more" "the first is answered: waiting for 1 more"
expect_exit 1 "alice twice is refused" -- submit alice.asc
expect_stdout "has signed this command already" "the reason names the repeat"
# Code hosts pad comments and use CRLF: the normalised text is the same message.
sed 's/$/  \r/' alice.asc > padded.asc
expect_exit 1 "a padded copy of alice's is still alice's, refused as a repeat" -- submit padded.asc
expect_stdout "has signed this command already" "padding does not make a new signature"
sign carol "$LINE" carol.asc
expect_exit 1 "carol may not promote to current" -- submit carol.asc
expect_stdout "may not act on hello in current" "the reason names the right she lacks"
sign mallory "$LINE" mallory.asc
expect_exit 1 "a key outside the keyring is refused" -- submit mallory.asc
expect_stdout "does not count" "the reason says the signature does not count"
sed "s/^Promote hello .*/Promote hello $B testing current $(date -u -d '+2 day' +%Y-%m-%dT%H:%M:%SZ)/" alice.asc > changed.asc
expect_exit 1 "a changed line under alice's signature is refused" -- submit changed.asc
sign bob "Promote hello $B testing current 2020-01-01T00:00:00Z" expired.asc
expect_exit 1 "a command past its NOT_AFTER is refused" -- submit expired.asc
expect_stdout "expired" "the reason says expired"
sign bob "Promote hello $B testing current $(date -u -d '+30 day' +%Y-%m-%dT%H:%M:%SZ)" far.asc
expect_exit 1 "a NOT_AFTER too far ahead is refused" -- submit far.asc
printf 'not a signed message\n' > junk.asc
expect_exit 1 "junk is refused" -- submit junk.asc
if [ -z "$(find tuf/metadata -name '*.current.json' -newer alice.asc)" ]; then pass "nothing was promoted so far"; else fail "current changed"; fi

sign bob "$LINE" bob.asc
expect_exit 0 "bob's signature reaches the threshold" -- submit bob.asc
expect_stdout "accepted: promoted $B to current" "the verdict says promoted"
expect_exit 1 "a replay after use is refused" -- submit bob.asc
expect_stdout "used already" "the reason says used"
expect_exit 0 "vigil repo fetch gets it from current" -- "$VIGIL" repo fetch tuf hello --channel current --root tuf/metadata/1.root.json --out fetched-current --state state-current
# An independent TUF client agrees: tuf-js checks the metadata the gateway signed.
tufjs_setup
python3 -m http.server 0 --bind 127.0.0.1 --directory "$WORK/tuf" > tuf-http.log 2>&1 &
tuf_server=$!
for _ in $(seq 100); do grep -q "port" tuf-http.log && break; sleep 0.05; done
TUF_URL="http://127.0.0.1:$(sed -n 's/.*port \([0-9]*\).*/\1/p' tuf-http.log | head -1)"
expect_exit 0 "tuf-js verifies the promoted build in current" -- tufjs "$TUF_URL" tuf/metadata/1.root.json "current/hello/$B/hello.eif" tufjs-out/hello.eif tufjs-state
if cmp -s tufjs-out/hello.eif "source/testing/hello/$B/hello.eif"; then pass "tuf-js wrote the build's bytes"; else fail "tuf-js's file differs"; fi
kill $tuf_server 2>/dev/null || true

# Beyond TUF: the envelope and the ledger, and the promotion's signatures in the ledger.
BEYOND=(--ledger "$URL" --ledger-key vkey --release-key release.pub)
expect_exit 0 "repo fetch checks the build's envelope and ledger entry, and the promotion's signatures" -- \
  "$VIGIL" repo fetch tuf hello --channel current --root tuf/metadata/1.root.json --out checked-current "${BEYOND[@]}" --maintainers keyring.asc
expect_stdout "promoted by 2 maintainers" "it says who promoted it"
expect_exit 1 "a threshold the promotion does not reach is refused" -- \
  "$VIGIL" repo fetch tuf hello --channel current --root tuf/metadata/1.root.json --out checked-3 "${BEYOND[@]}" --maintainers keyring.asc --threshold 3
expect_stderr "3 are needed" "the refusal counts the signatures"
if [ ! -e checked-3 ] || [ -z "$(ls -A checked-3)" ]; then pass "nothing was written"; else fail "checked-3: $(ls checked-3)"; fi
gpg --armor --export alice@example.org > alice-only.asc 2>/dev/null
expect_exit 1 "a keyring pinning only alice does not accept the promotion" -- \
  "$VIGIL" repo fetch tuf hello --channel current --root tuf/metadata/1.root.json --out checked-alice "${BEYOND[@]}" --maintainers alice-only.asc
expect_exit 0 "repo fetch of testing checks the envelope and the ledger" -- \
  "$VIGIL" repo fetch tuf hello --channel testing --root tuf/metadata/1.root.json --out checked-testing "${BEYOND[@]}"
expect_stdout "1 signed artifact(s) logged in the ledger" "it says what it proved"
expect_exit 2 "current with --ledger but no --maintainers is bad input" -- \
  "$VIGIL" repo fetch tuf hello --channel current --root tuf/metadata/1.root.json --out x "${BEYOND[@]}"
current=$(ls tuf/metadata/*.current.json | sort -V | tail -1)
if jq -e --arg b "$B" '.signed.targets | to_entries[] | select(.key == "current/hello/\($b)/hello.eif") | .value.custom.promotion_index' "$current" >/dev/null; then
  pass "current's target carries the promotion's ledger index"; else fail "current: $(cat "$current")"; fi

# Withdrawal from current: two maintainers again.
W="Withdraw hello $B current $NOT_AFTER"
sign alice "$W" w-alice.asc; sign bob "$W" w-bob.asc
submit w-alice.asc >/dev/null
expect_exit 0 "a withdrawal signed by two maintainers is accepted" -- submit w-bob.asc
expect_exit 1 "current no longer serves the build" -- "$VIGIL" repo fetch tuf hello --channel current --root tuf/metadata/1.root.json --out fetched-after --state state-current

# A gateway that went rogue holds the online current key: it can sign current, but not a
# promotion record with the maintainers' signatures.
expect_exit 0 "the current key alone puts the build back into current" -- "$VIGIL" repo add tuf --keys-dir online --channel current \
  --target "current/hello/$B/hello.eif=source/testing/hello/$B/hello.eif" \
  --target "current/hello/$B/provenance.dsse.json=source/testing/hello/$B/provenance.dsse.json" \
  --target "current/hello/$B/build.tlog-proof=source/testing/hello/$B/build.tlog-proof" --custom promotion_index=2
expect_exit 0 "plain TUF accepts it (the key is the current role's)" -- "$VIGIL" repo fetch tuf hello --channel current --root tuf/metadata/1.root.json --out rogue-tuf
expect_exit 1 "repo fetch with the maintainers' keyring refuses it" -- \
  "$VIGIL" repo fetch tuf hello --channel current --root tuf/metadata/1.root.json --out rogue "${BEYOND[@]}" --maintainers keyring.asc
expect_stderr "not a promotion record" "the refusal says the named entry is no promotion"

# Promotions the build's state refuses, each with its reason, nothing promoted: too young
# (the gateway restarted with an hour's minimum age), withdrawn from testing, a file that
# changed since publication; and a revoked maintainer key.
promote_both() {  # BUILD: alice and bob sign and submit; the second's verdict in stdout
  local line="Promote hello $1 testing current $NOT_AFTER"
  sign alice "$line" p-alice.asc; sign bob "$line" p-bob.asc
  submit p-alice.asc >/dev/null
  expect_exit 1 "$2" -- submit p-bob.asc
}
B2=hello-20261205T000000Z-0000000b B3=hello-20261205T000000Z-0000000c B4=hello-20261205T000000Z-0000000d
for build in "$B2" "$B3" "$B4"; do make_build "$build" && publish "$build" "$COMMIT" >/dev/null; done
kill $gateway; wait $gateway 2>/dev/null || true
sed -i 's/^min_testing_seconds = 0$/min_testing_seconds = 3600/' gateway.toml
start_gateway
promote_both "$B2" "a build younger than the minimum age is not promoted"
expect_stdout "promotion needs 3600 s" "the reason gives the minimum age"
kill $gateway; wait $gateway 2>/dev/null || true
sed -i 's/^min_testing_seconds = 3600$/min_testing_seconds = 0/' gateway.toml
start_gateway
W3="Withdraw hello $B3 testing $NOT_AFTER"
sign alice "$W3" w3-alice.asc; sign bob "$W3" w3-bob.asc
submit w3-alice.asc >/dev/null; submit w3-bob.asc >/dev/null
promote_both "$B3" "a build withdrawn from testing is not promoted"
expect_stdout "not in testing" "the reason says it is not in testing"
for f in tuf/targets/testing/hello/"$B4"/*.hello.eif; do printf 'changed' > "$f"; done
promote_both "$B4" "a build whose file changed since publication is not promoted"
expect_stdout "changed since it was published" "the reason names the change"
if ! grep -q "$B2\|$B3\|$B4" "$(ls tuf/metadata/*.current.json | sort -V | tail -1)"; then pass "none of them reached current"; else fail "current lists a refused build"; fi
# A command as an issue comment: GitHub's webhook, the signed text among other words and
# padded the way code hosts pad; a redelivery submits nothing again.
W2="Withdraw hello $B2 testing $NOT_AFTER"
sign alice "$W2" w2-alice.asc; sign bob "$W2" w2-bob.asc
jq -cn --rawfile c <(printf 'Please withdraw it:\r\n\r\n'; sed 's/$/  \r/' w2-alice.asc; printf '\r\nThanks') \
  '{action: "created", comment: {body: $c}, repository: {full_name: "example/hello"}}' > comment.json
comment() {  # DELIVERY
  curl -s -X POST "$GW/hooks/github" -H 'X-GitHub-Event: issue_comment' -H "X-GitHub-Delivery: $1" \
    -H "X-Hub-Signature-256: sha256=$(openssl dgst -sha256 -hmac "$(cat secret)" -hex < comment.json | sed 's/.*= //')" \
    --data-binary @comment.json
}
if comment comment-1 | jq -e '.verdict == "command: waiting for 1 more"' >/dev/null; then
  pass "a signed command in an issue comment counts, answered with its verdict"; else fail "comment: $(comment comment-1)"; fi
if comment comment-1 | jq -e '.duplicate and .verdict == "command: waiting for 1 more"' >/dev/null; then
  pass "its redelivery is answered from the store, nothing submitted again"; else fail "redelivery: $(comment comment-1)"; fi
expect_exit 0 "bob's signature over the same line completes it" -- submit w2-bob.asc
expect_stdout "withdrew $B2 from testing" "the withdrawal took effect"

# bob's key revoked (gpg's own revocation certificate, made with the key): a command he
# signed before is refused once the keyring the gateway pins carries the revocation.
sign bob "Withdraw hello $B4 testing $NOT_AFTER" r-bob.asc
sed 's/^:-----BEGIN/-----BEGIN/' "$GNUPGHOME/openpgp-revocs.d/$(fpr bob).rev" > bob.rev
gpg --batch --import bob.rev 2>/dev/null
gpg --armor --export alice@example.org bob@example.org carol@example.org > keyring.asc 2>/dev/null
kill $gateway; wait $gateway 2>/dev/null || true
start_gateway
expect_exit 1 "a command signed by a key revoked since is refused" -- submit r-bob.asc
expect_stdout "does not count" "the reason says the signature does not count"

# Every verdict is in the ledger.
for _ in $(seq 100); do
  [ "$(outbox_count "WHERE ledger_index IS NULL")" = 0 ] && [ "$(records_staged)" = 0 ] && break
  sleep 0.1
done
python3 "$ROOT/tests/ledger_entries.py" "$LOG" > entries
commands=$(jq -r 'select(.type == "gateway-verdict" and .kind == "command") | .verdict' entries)
if [ "$(grep -c . <<< "$commands")" = "$(grep -c '"event":"command"' audit.jsonl)" ] && grep -q "^rejected: .*may not act" <<< "$commands"; then
  pass "every command verdict, rejections included, is in the ledger ($(grep -c . <<< "$commands"))"; else fail "ledger verdicts: $commands"; fi
if jq -s -e 'any(.[]; .kind == "promotion" and (.approvals | length) == 2)' entries >/dev/null; then pass "the promotion record carries both signed commands"; else fail "no promotion record"; fi
if jq -s -e 'any(.[]; .kind == "publish" and (.verdict | startswith("accepted")))' entries >/dev/null; then pass "the publication is in the ledger"; else fail "no publish record"; fi

# What anyone can see: the status page and the Atom feed.
if [ "$(curl -sf "$GW/status.json" | jq -r .components.hello.testing.version)" = "$B4" ]; then
  pass "status.json shows the newest build in testing"; else fail "status: $(curl -s "$GW/status.json")"; fi
if curl -sf "$GW/status" | grep -q "<pre>"; then pass "the status page is served"; else fail "no status page"; fi
curl -sf "$GW/feed.atom" > feed.atom
if python3 -c '
import sys, xml.etree.ElementTree as ET
ns = {"a": "http://www.w3.org/2005/Atom"}
feed = ET.parse("feed.atom").getroot()
entries = feed.findall("a:entry", ns)
assert feed.find("a:id", ns) is not None and feed.find("a:updated", ns) is not None
assert all(e.find("a:id", ns) is not None and e.find("a:updated", ns) is not None for e in entries)
assert any("rejected" in e.find("a:title", ns).text for e in entries)
assert any("promotion" in e.find("a:title", ns).text for e in entries)
print(len(entries))' > feed.count; then pass "the Atom feed parses, with rejections and the promotion ($(cat feed.count) entries)"; else fail "feed: $(head -c 600 feed.atom)"; fi

# Outbound notifications: every record, signed, the first retried with the same id.
records=$(outbox_count)
for _ in $(seq 150); do
  [ "$(jq -r .id received.jsonl 2>/dev/null | sort -u | wc -l)" -ge "$records" ] && break
  sleep 0.2
done
if [ "$(jq -r .id received.jsonl | sort -u | wc -l)" = "$records" ]; then pass "every one of the $records records was notified"; else fail "notified $(jq -r .id received.jsonl | sort -u | wc -l) of $records"; fi
first=$(head -1 received.jsonl | jq -r .id)
if [ "$(jq -r .id received.jsonl | grep -cxF "$first")" -ge 2 ]; then pass "the refused first notification was retried with the same webhook-id"; else fail "no retry of $first"; fi
if [ "$(jq -r .valid received.jsonl | sort -u)" = true ]; then pass "every webhook-signature verifies"; else fail "bad signatures: $(jq -c 'select(.valid != true)' received.jsonl | head -2)"; fi
finish
