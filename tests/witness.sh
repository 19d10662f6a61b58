#!/bin/bash
# vigil-witness (docs/SPEC-witness.md), a C2SP tlog-witness over HTTP, in front of a real
# log made with `vigil log`: its key file, each answer the spec names (200 with a
# cosignature, 409 with the size held, 422, 404, 403, 400), and its state kept across a
# restart before it answers.
. "$(dirname "$0")/lib.sh"
W="$BIN/vigil-witness"
expect_exit 0 "a cosigning key is generated" -- "$W" --generate-key witness.test --key "$WORK/w.key"
if [[ "$(cat "$WORK/stdout")" =~ ^witness\.test\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$ ]]; then pass "its verifier key is printed"; else fail "vkey: $(cat "$WORK/stdout")"; fi
if [ "$(stat -c %a "$WORK/w.key")" = 600 ] && grep -q '^PRIVATE+KEY+witness.test+' "$WORK/w.key"; then pass "the key file is private"; else fail "key file: $(stat -c %a "$WORK/w.key")"; fi
expect_exit 2 "an existing key file is never overwritten" -- "$W" --generate-key witness.test --key "$WORK/w.key"
expect_exit 2 "serving needs a state directory and a log" -- "$W" --key "$WORK/w.key"

"$VIGIL" log init "$WORK/log" --origin test.example/log > /dev/null 2>&1
"$VIGIL" log init "$WORK/impostor" --origin test.example/log > /dev/null 2>&1
"$VIGIL" log init "$WORK/other" --origin other.example/log > /dev/null 2>&1
expect_exit 2 "a log key that does not parse is refused" -- "$W" --key "$WORK/w.key" --state-dir "$WORK/state" --log "test.example/log=nonsense"

witness_pid=""
start_witness() {
  rm -f "$WORK/port"  # the redirection below truncates it only once the job runs
  "$W" --key "$WORK/w.key" --state-dir "$WORK/state" --log "test.example/log=$("$VIGIL" log vkey "$WORK/log")" \
    --log "other.example/log=$("$VIGIL" log vkey "$WORK/other")" \
    > "$WORK/port" 2> "$WORK/witness.log" &
  witness_pid=$!
  for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
  [ -s "$WORK/port" ] || { fail "the witness did not start: $(cat "$WORK/witness.log")"; finish; exit 1; }
  URL="http://127.0.0.1:$(cat "$WORK/port")/add-checkpoint"
}
trap 'if [ -n "$witness_pid" ]; then kill "$witness_pid" 2>/dev/null; wait "$witness_pid" 2>/dev/null; fi; rm -rf "$WORK"' EXIT
start_witness

# add_checkpoint OLD PROOF_FILE LOG_DIR: POSTs and leaves the status in $code, the body in $WORK/body.
add_checkpoint() {
  { printf 'old %s\n' "$1"; cat "$2"; printf '\n'; "$VIGIL" log checkpoint "$3"; } > "$WORK/request"
  code=$(curl -s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' --data-binary @"$WORK/request" "$URL" || true)
}
: > "$WORK/none"
printf 'a\n' > "$WORK/a"; printf 'b\n' > "$WORK/b"; printf 'c\n' > "$WORK/c"
"$VIGIL" log add "$WORK/log" "$WORK/a" "$WORK/b" > /dev/null
add_checkpoint 0 "$WORK/none" "$WORK/log"
if [ "$code" = 200 ] && grep -q '^— witness.test [A-Za-z0-9+/=]*$' "$WORK/body"; then pass "the first checkpoint is cosigned"; else fail "first: $code $(cat "$WORK/body")"; fi
"$VIGIL" log add "$WORK/log" "$WORK/c" > /dev/null
add_checkpoint 0 "$WORK/none" "$WORK/log"
if [ "$code" = 409 ] && [ "$(cat "$WORK/body")" = 2 ] && grep -qi '^content-type: text/x.tlog.size' "$WORK/headers"; then pass "a stale old size gets 409 and the size held"; else fail "409: $code $(cat "$WORK/body")"; fi
"$VIGIL" log consistency "$WORK/log" --from 2 --to 3 > "$WORK/proof"
cp "$WORK/proof" "$WORK/bad-proof"; sed -i '1s/^./A/; 1s/^AA/BA/' "$WORK/bad-proof"
add_checkpoint 2 "$WORK/bad-proof" "$WORK/log"
if [ "$code" = 422 ]; then pass "a proof that does not hold gets 422"; else fail "bad proof: $code $(cat "$WORK/body")"; fi
add_checkpoint 2 "$WORK/proof" "$WORK/log"
if [ "$code" = 200 ]; then pass "proved from the size held, it is cosigned"; else fail "proved: $code $(cat "$WORK/body")"; fi
"$VIGIL" log add "$WORK/other" "$WORK/a" > /dev/null
add_checkpoint 0 "$WORK/none" "$WORK/other"
if [ "$code" = 200 ]; then pass "a second log is witnessed on its own"; else fail "second log: $code $(cat "$WORK/body")"; fi
"$VIGIL" log add "$WORK/impostor" "$WORK/a" > /dev/null
add_checkpoint 0 "$WORK/none" "$WORK/impostor"
if [ "$code" = 403 ]; then pass "an impostor of the same origin gets 403"; else fail "impostor: $code $(cat "$WORK/body")"; fi
{ printf 'old 0\n\n'; "$VIGIL" log checkpoint "$WORK/log" | sed 's/^test\.example\/log$/unknown.example\/log/'; } > "$WORK/request"
code=$(curl -s -o "$WORK/body" -w '%{http_code}' --data-binary @"$WORK/request" "$URL" || true)
if [ "$code" = 404 ]; then pass "an unknown origin gets 404"; else fail "unknown: $code $(cat "$WORK/body")"; fi
code=$(curl -s -o "$WORK/body" -w '%{http_code}' --data-binary 'old three' "$URL" || true)
if [ "$code" = 400 ]; then pass "a malformed request gets 400"; else fail "malformed: $code"; fi

kill "$witness_pid"; wait "$witness_pid" 2>/dev/null || true
start_witness
add_checkpoint 0 "$WORK/none" "$WORK/log"
if [ "$code" = 409 ] && [ "$(cat "$WORK/body")" = 3 ]; then pass "after a restart it still holds size 3"; else fail "restart: $code $(cat "$WORK/body")"; fi
finish
