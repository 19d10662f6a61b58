#!/bin/bash
# A ledger with witnesses (docs/SPEC-witness.md): vigil-ledger sends each new checkpoint to
# two real vigil-witness processes and publishes it only once its policy (both) is met;
# builds' receipts carry the cosignatures and `vigil log verify --witness-policy` requires
# them; with a witness away, appends fail with "witness policy not met" and nothing new is
# published until it is back; a fork of the log (the same key, another history) is refused
# by the witnesses and by verifiers.
. "$(dirname "$0")/lib.sh"
CA="$WORK/ca"
"$VIGIL" ca init "$CA" >/dev/null
"$VIGIL" ca issue "$CA" ledger --tag log >/dev/null
"$VIGIL" ca issue "$CA" builder --tag build >/dev/null
mkdir "$WORK/policy"
echo 'vigil.BuildLog * @tag:build @any allow' > "$WORK/policy/10-ledger.policy"
LOG="$WORK/log"
VKEY=$("$VIGIL" log init "$LOG" --origin vigil.test/ledger 2> /dev/null)
SOCK="$WORK/ledger.sock"
ledger="" fork_ledger=""
declare -A witness_pid witness_port
trap 'for p in $ledger $fork_ledger ${witness_pid[*]}; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$WORK"' EXIT
. "$(dirname "$0")/ledger_lib.sh"

# start_witness NAME [PORT]: a witness of the ledger's log, on PORT (default: any).
start_witness() {
  rm -f "$WORK/$1.port"
  "$BIN/vigil-witness" --key "$WORK/$1.key" --state-dir "$WORK/$1.state" \
    --log "vigil.test/ledger=$VKEY" --listen "127.0.0.1:${2:-0}" > "$WORK/$1.port" 2>> "$WORK/$1.err" &
  witness_pid[$1]=$!
  for _ in $(seq 100); do [ -s "$WORK/$1.port" ] && break; sleep 0.05; done
  witness_port[$1]=$(cat "$WORK/$1.port")
}
for w in w1 w2; do
  "$BIN/vigil-witness" --generate-key "$w.test" --key "$WORK/$w.key" > "$WORK/$w.vkey"
  start_witness "$w"
done
cat > "$WORK/witnesses" <<POLICY
log $VKEY
witness w1.test $(cat "$WORK/w1.vkey") http://127.0.0.1:${witness_port[w1]}
witness w2.test $(cat "$WORK/w2.vkey") http://127.0.0.1:${witness_port[w2]}
group both all w1.test w2.test
quorum both
POLICY

ledger_args() {
  echo --dir "$1" --listen "unix:$2" --http 127.0.0.1:0 --cert "$CA/ledger.crt" --key "$CA/ledger.key" \
    --ca "$CA/ca.crt" --policy "$WORK/policy" --audit-log "$WORK/audit.log" \
    --witness-policy "$WORK/witnesses" --witness-wait 1
}
# shellcheck disable=SC2046
if start_ledger $(ledger_args "$LOG" "$SOCK"); then pass "vigil-ledger starts with two witnesses"; else fail "ledger: $(cat "$WORK/ledger.err")"; finish; exit 1; fi
curl -sf "$URL/checkpoint" > "$WORK/cp0"
if grep -q '^— w1.test ' "$WORK/cp0" && grep -q '^— w2.test ' "$WORK/cp0"; then pass "its checkpoint is published cosigned by both"; else fail "checkpoint: $(cat "$WORK/cp0")"; fi

# build ID: streams a short build log; its output in $WORK/stdout.
build() {
  printf 'log building %s\nclose\n' "$1" > "$WORK/stream"
  # shellcheck disable=SC2046
  "$VIGIL" call "unix:$SOCK" "vigil.BuildLog+$1" $(as builder) < "$WORK/stream" > "$WORK/stdout" 2> "$WORK/stderr"
}
if build b1 && grep -q '^receipt$' "$WORK/stdout"; then pass "build b1 gets its receipt"; else fail "b1: $(cat "$WORK/stdout" "$WORK/stderr")"; fi
sed -n '/^receipt$/,$p' "$WORK/stdout" | tail -n +2 > "$WORK/b1.proof"
if grep -q '^— w1.test ' "$WORK/b1.proof" && grep -q '^— w2.test ' "$WORK/b1.proof"; then pass "the receipt's checkpoint carries both cosignatures"; else fail "receipt: $(cat "$WORK/b1.proof")"; fi
echo "$VKEY" > "$WORK/trusted"
expect_exit 0 "vigil log verify --witness-policy accepts the ledger and the receipt" -- \
  "$VIGIL" log verify --ledger "$URL" --trusted "$WORK/trusted" --proof "$WORK/b1.proof" --witness-policy "$WORK/witnesses"
"$BIN/vigil-witness" --generate-key w3.test --key "$WORK/w3.key" > "$WORK/w3.vkey"
printf 'witness w3.test %s\nquorum w3.test\n' "$(cat "$WORK/w3.vkey")" > "$WORK/w3-policy"
expect_exit 1 "a policy needing a witness that never cosigned is not met" -- \
  "$VIGIL" log verify --ledger "$URL" --trusted "$WORK/trusted" --witness-policy "$WORK/w3-policy"
expect_stderr "witness policy not met" "the error says so"

size_before=$(size)
kill "${witness_pid[w2]}"; wait "${witness_pid[w2]}" 2>/dev/null || true
if ! build b2 && grep -q "witness policy not met" "$WORK/stdout" "$WORK/stderr"; then pass "with w2 away, build b2 fails: witness policy not met"; else fail "b2: $(cat "$WORK/stdout" "$WORK/stderr")"; fi
if [ "$(size)" = "$size_before" ]; then pass "nothing new is published (size $size_before)"; else fail "size $(size), was $size_before"; fi
expect_exit 0 "verifiers still accept the last published checkpoint" -- \
  "$VIGIL" log verify --ledger "$URL" --trusted "$WORK/trusted" --witness-policy "$WORK/witnesses"
start_witness w2 "${witness_port[w2]}"
for _ in $(seq 100); do [ "$(size)" != "$size_before" ] && break; sleep 0.1; done
if [ "$(size)" -gt "$size_before" ]; then pass "w2 back: the idle ledger publishes the waiting checkpoint (size $(size))"; else fail "still size $(size): $(cat "$WORK/ledger.err")"; fi
expect_exit 0 "and it meets the policy" -- \
  "$VIGIL" log verify --ledger "$URL" --trusted "$WORK/trusted" --witness-policy "$WORK/witnesses"

# A fork: a copy of the log, grown with another entry under the same key.
kill "$ledger"; wait "$ledger" 2>/dev/null || true
cp -r "$LOG" "$WORK/fork"; rm -f "$WORK/fork/lock"
printf 'not what the witnesses saw\n' > "$WORK/other-entry"
"$VIGIL" log add "$WORK/fork" "$WORK/other-entry" > /dev/null
# shellcheck disable=SC2046
start_ledger $(ledger_args "$LOG" "$SOCK") || fail "the ledger did not restart: $(cat "$WORK/ledger.err")"
if build b3; then pass "the real log grows by b3"; else fail "b3: $(cat "$WORK/stdout" "$WORK/stderr")"; fi
real_url=$URL real_ledger=$ledger
: > "$WORK/ledger.err"
# shellcheck disable=SC2046
start_ledger $(ledger_args "$WORK/fork" "$WORK/fork.sock")
fork_ledger=$ledger fork_url=$URL ledger=$real_ledger URL=$real_url
if grep -q "witness policy not met" "$WORK/ledger.err" && grep -Eq "422|forked" "$WORK/ledger.err"; then
  pass "the witnesses refuse the fork's checkpoint (422)"; else fail "fork start: $(cat "$WORK/ledger.err")"; fi
cp "$WORK/trusted" "$WORK/trusted-fork"
expect_exit 1 "vigil log verify --witness-policy refuses the fork" -- \
  "$VIGIL" log verify --ledger "$fork_url" --trusted "$WORK/trusted-fork" --witness-policy "$WORK/witnesses"
expect_stderr "witness policy not met" "naming the unmet policy"
finish
