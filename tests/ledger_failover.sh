#!/bin/bash
# Two vigil-ledger processes sharing one log in a private PostgreSQL 15 cluster
# (docs/SPEC-ledger.md, "Several ledgers"): one sequences, the other waits as a standby
# and takes over when the sequencer is killed; clients that list both addresses follow;
# every acknowledged entry survives; a sequencer frozen past its lease (a partition with
# its session alive) is fenced when it wakes and appends nothing; PostgreSQL restarted
# under the appends loses nothing that was acknowledged. `make bench` runs it with
# LEDGER_FAILOVER_ROUNDS=N (and the default lease, LEDGER_LEASE_SECONDS=2) to time N
# failovers: from the SIGKILL of the sequencer to the next acknowledged append.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postgres_lib.sh"
CA="$WORK/ca"
"$VIGIL" ca init "$CA" >/dev/null
"$VIGIL" ca issue "$CA" ledger --tag log >/dev/null
"$VIGIL" ca issue "$CA" signer --tag sign >/dev/null
"$VIGIL" ca issue "$CA" builder-1 --tag build >/dev/null
mkdir "$WORK/policy"
printf 'vigil.Append +signature @tag:sign @any allow\nvigil.BuildLog * @tag:build @any allow\n' > "$WORK/policy/10-ledger.policy"
pg_start
DB=$(pg_createdb ledger)
"$VIGIL" log init "$WORK/seed" --origin vigil.test/ledger > /dev/null 2>&1
"$VIGIL" log migrate --from "$WORK/seed" --to "$DB" --key-dir "$WORK/a" > /dev/null
cp -r "$WORK/a" "$WORK/b"  # each ledger host has the log's key

declare -A pid
cleanup() {
  set +e
  for p in "${pid[@]}"; do kill -9 "$p" 2> /dev/null; wait "$p" 2> /dev/null; done
  pg_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
# start NAME: a ledger on unix:WORK/NAME.sock with its own directory and HTTP port.
start() {
  rm -f "$WORK/$1.out"
  "$BIN/vigil-ledger" --dir "$WORK/$1" --database "$DB" --lease-seconds "${LEDGER_LEASE_SECONDS:-1}" --listen "unix:$WORK/$1.sock" \
    --http 127.0.0.1:0 --cert "$CA/ledger.crt" --key "$CA/ledger.key" --ca "$CA/ca.crt" \
    --policy "$WORK/policy" --audit-log "$WORK/$1-audit.log" > "$WORK/$1.out" 2>> "$WORK/$1.err" &
  pid[$1]=$!
}
# serving NAME: whether it is sequencing (it prints its HTTP address once it is).
serving() { grep -q " on http://" "$WORK/$1.out" 2> /dev/null; }
wait_serving() { for _ in $(seq 300); do serving "$1" && return 0; sleep 0.1; done; return 1; }
url() { sed -n 's/.* on \(http:.*\)$/\1/p' "$WORK/$1.out"; }
BOTH="unix:$WORK/a.sock,unix:$WORK/b.sock"
n=0
# append: one signature record through whichever ledger sequences; its receipt kept.
append() {
  n=$((n + 1))
  printf '{"record_id":"r%s","type":"signature"}' "$n" |
    "$VIGIL" call "$BOTH" vigil.Append+signature --cert "$CA/signer.crt" --key "$CA/signer.key" \
      --ca "$CA/ca.crt" > "$WORK/receipt.$n" 2> "$WORK/append.err"
}

# A database without a log: refused before anything starts, saying how to put one there.
EMPTY=$(pg_createdb empty)
expect_exit 2 "a ledger given a database that holds no log is refused" -- "$BIN/vigil-ledger" --dir "$WORK/a" \
  --database "$EMPTY" --listen "unix:$WORK/empty.sock" --cert "$CA/ledger.crt" --key "$CA/ledger.key" \
  --ca "$CA/ca.crt" --policy "$WORK/policy" --audit-log "$WORK/empty-audit.log"
expect_stderr "holds no log: put one there first with \`vigil log migrate" "the error says how to put a log there"

start a
if wait_serving a && grep -q "sequencing as" "$WORK/a.err"; then pass "ledger a takes the lease and sequences"; else fail "a: $(cat "$WORK/a.err")"; fi
start b
for _ in $(seq 50); do grep -q "standby" "$WORK/b.err" 2> /dev/null && break; sleep 0.1; done
if grep -q "standby: the sequencer lease is held by" "$WORK/b.err" && ! serving b; then pass "ledger b waits as a standby"; else fail "b: $(cat "$WORK/b.err")"; fi
acked=0
for _ in $(seq 5); do append && acked=$((acked + 1)); done
if [ "$acked" = 5 ]; then pass "5 appends through a are acknowledged"; else fail "appends: $acked of 5: $(cat "$WORK/append.err")"; fi
# The standby serves the read API from the database, following the sequencer.
standby=$(sed -n 's/.*standby: serving reads of .* at \(http:.*\)$/\1/p' "$WORK/b.err" | tail -1)
echo "$("$VIGIL" log vkey "$WORK/seed")" > "$WORK/trusted"
if [ -n "$standby" ] && [ "$(curl -sf "$standby/checkpoint")" = "$(curl -sf "$(url a)/checkpoint")" ] &&
  "$VIGIL" log verify --ledger "$standby" --trusted "$WORK/trusted" --proof "$WORK/receipt.5" > "$WORK/verify.out" 2>&1; then
  pass "standby b serves a's checkpoint, and a receipt from a verifies against b"; else fail "standby reads at '$standby': $(cat "$WORK/verify.out" 2> /dev/null)"; fi
if [ "$(curl -s -o /dev/null -w '%{http_code}' "$standby/healthz")" = 503 ]; then
  pass "the standby's /healthz answers 503 (health-checked proxies route to the sequencer)"; else fail "standby healthz"; fi

# A build streams its log through a; two lines are acknowledged when a is killed.
mkfifo "$WORK/stream"
"$VIGIL" call "unix:$WORK/a.sock" vigil.BuildLog+cut-1 --cert "$CA/builder-1.crt" --key "$CA/builder-1.key" \
  --ca "$CA/ca.crt" < "$WORK/stream" > "$WORK/stream.out" 2> "$WORK/stream.err" &
streamer=$!
exec 7> "$WORK/stream"
printf 'log compiling\nlog linking\nsync\n' >&7
for _ in $(seq 100); do grep -q "^ack 2$" "$WORK/stream.out" 2> /dev/null && break; sleep 0.05; done
if grep -q "^ack 2$" "$WORK/stream.out"; then pass "a build streaming through a has 2 lines acknowledged"; else fail "stream: $(cat "$WORK/stream.out" "$WORK/stream.err")"; fi

kill -9 "${pid[a]}"; wait "${pid[a]}" 2> /dev/null || true
exec 7>&-
wait "$streamer" && stream_rc=0 || stream_rc=$?
if wait_serving b && grep -q "sequencing as" "$WORK/b.err"; then pass "a killed: b takes over"; else fail "b did not take over: $(cat "$WORK/b.err")"; fi
if [ "$stream_rc" != 0 ]; then pass "the build's stream broke with a (exit $stream_rc)"; else fail "the stream to a dead ledger succeeded"; fi
# b closes the cut build as truncated, from the text a had stored in PostgreSQL.
cut=$(curl -sf "$(url b)/builds" | jq -c '.[] | select(.build_id == "cut-1")')
if [ "$(echo "$cut" | jq -r '.status + " " + (.lines | tostring)')" = "truncated 2" ] &&
  grep -q "logged 1 interrupted builds as truncated" "$WORK/b.err"; then
  pass "b logs the build a left streaming as truncated, with its 2 acknowledged lines: $cut"; else fail "cut build on b: '$cut' $(cat "$WORK/b.err")"; fi
log=$(curl -sf "$(url b)/builds/cut-1/log")
if [[ "$log" == *"Z compiling"*"Z linking"* ]] && [ "$(printf '%s\n' "$log" | sha256sum | cut -d' ' -f1)" = "$(echo "$cut" | jq -r .log_sha256)" ]; then
  pass "b serves its text, which hashes to the entry's log_sha256"; else fail "cut-1 log on b: '$log'"; fi
if append; then pass "clients listing both addresses reach b"; else fail "append after failover: $(cat "$WORK/append.err")"; fi
# Every acknowledged entry survives, at the index its receipt gave, in b's tree.
ok=0
for i in $(seq "$n"); do
  "$VIGIL" log verify --ledger "$(url b)" --trusted "$WORK/trusted" --proof "$WORK/receipt.$i" > /dev/null 2>&1 && ok=$((ok + 1))
done
if [ "$ok" = "$n" ]; then pass "all $n acknowledged entries are in b's log, proven against its checkpoint"; else fail "$ok of $n receipts verify"; fi

# A split brain attempted: b frozen (its session alive) past its lease while a takes over.
start a
for _ in $(seq 50); do grep -q "standby" "$WORK/a.err" 2> /dev/null && break; sleep 0.1; done
kill -STOP "${pid[b]}"
for _ in $(seq 100); do grep -q "sequencing as" <(tail -n 1 "$WORK/a.err") && break; sleep 0.1; done
if wait_serving a; then pass "b frozen: a takes over after b's lease expires"; else fail "a: $(cat "$WORK/a.err")"; fi
size_before=$(curl -sf "$(url a)/checkpoint" | sed -n 2p)
# A call that reaches the frozen b: it is served when b wakes, and must not be appended.
printf '{"record_id":"split","type":"signature"}' | "$VIGIL" call "unix:$WORK/b.sock" vigil.Append+signature \
  --cert "$CA/signer.crt" --key "$CA/signer.key" --ca "$CA/ca.crt" > "$WORK/split.out" 2>&1 &
split=$!
sleep 0.5
kill -CONT "${pid[b]}"
wait "$split" && split_rc=0 || split_rc=$?
for _ in $(seq 50); do kill -0 "${pid[b]}" 2> /dev/null || break; sleep 0.1; done
if [ "$split_rc" != 0 ] && ! kill -0 "${pid[b]}" 2> /dev/null && grep -q "lost the sequencer lease" "$WORK/b.err"; then
  pass "b wakes fenced: its append is refused and it stops"; else fail "split brain: rc $split_rc, $(cat "$WORK/split.out"; tail -3 "$WORK/b.err")"; fi
rows=$("$PG_BIN/psql" -X -At -d "$DB" -c "SELECT count(*) FROM log_entries" 2>&1)
if [ "$(curl -sf "$(url a)/checkpoint" | sed -n 2p)" = "$size_before" ] && [ "$rows" = "$size_before" ]; then
  pass "nothing was appended by the fenced b (size $size_before)"; else fail "size $(curl -sf "$(url a)/checkpoint" | sed -n 2p) rows $rows, was $size_before"; fi

# PostgreSQL restarted under the appends: failures are errors, acknowledged entries stay.
start b
first=$((n + 1))
( sleep 0.3; pg_crash ) &
crasher=$!
# Acknowledged: the call ended with status 0 (a ledger that stops mid-answer leaves a partial
# receipt and a failed call, which acknowledged nothing).
acked_calls=" "
for _ in $(seq 30); do append && acked_calls="$acked_calls$n "; sleep 0.05; done
wait "$crasher"
resumed=no
for _ in $(seq 100); do append && { resumed=yes; acked_calls="$acked_calls$n "; break; }; sleep 0.2; done
if [ "$resumed" = yes ]; then pass "appends resume after PostgreSQL restarts"; else fail "no append after the restart: $(cat "$WORK/append.err")"; fi
for name in a b; do
  if kill -0 "${pid[$name]}" 2> /dev/null && serving "$name"; then sequencer=$name; fi
done
ok=0 acked=0
for i in $(seq "$first" "$n"); do
  [[ "$acked_calls" == *" $i "* ]] || continue
  acked=$((acked + 1))
  if "$VIGIL" log verify --ledger "$(url "$sequencer")" --trusted "$WORK/trusted" --proof "$WORK/receipt.$i" > "$WORK/verify.out" 2>&1; then
    ok=$((ok + 1))
  else
    echo "receipt $i: $(cat "$WORK/verify.out")"
  fi
done
if [ "$acked" -gt 0 ] && [ "$ok" = "$acked" ]; then
  pass "the $acked of $((n - first + 1)) appends acknowledged around the restart all verify on $sequencer"
else fail "after the restart: $ok of $acked verify"; fi
# The benchmark's rounds: both ledgers up, the sequencer killed, clients appending at once.
rounds=${LEDGER_FAILOVER_ROUNDS:-0}
times=""
for round in $(seq "$rounds"); do
  for name in a b; do kill -0 "${pid[$name]}" 2> /dev/null || start "$name"; done
  for _ in $(seq 300); do serving a || serving b && break; sleep 0.05; done
  sequencer=b; serving a && sequencer=a
  append || fail "round $round: no append before the kill"
  sleep 0.5  # the other one is a standby by now
  start_ns=$(date +%s%N)
  kill -9 "${pid[$sequencer]}"
  until append; do sleep 0.01; done
  ms=$((($(date +%s%N) - start_ns) / 1000000))
  echo "failover round $round: $ms ms"
  times="$times $ms"
  wait "${pid[$sequencer]}" 2> /dev/null || true
  start "$sequencer"
done
if [ "$rounds" -gt 0 ]; then
  echo "$times" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk -v lease="${LEDGER_LEASE_SECONDS:-1}" '
    { t[NR] = $1 } END { printf "failover (lease %s s, %d rounds): p50 %d ms, max %d ms (goal < 5000 ms: %s)\n",
      lease, NR, t[int((NR + 1) / 2)], t[NR], (t[NR] < 5000 ? "goal met" : "goal NOT met") }'
fi
finish
