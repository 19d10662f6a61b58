#!/bin/bash
# vigil-gateway under load and crashes: 100 clients send 2,000 signed deliveries while the
# gateway is SIGKILLed and restarted three times; each client retries an unanswered delivery
# with the same id. Afterwards every delivery id is recorded exactly once, none lost, none
# doubled, and every one was answered; and each verdict is in the ledger (a real
# vigil-ledger over mutual TLS) exactly once.
. "$(dirname "$0")/lib.sh"
GATEWAY="$BIN/vigil-gateway"
COUNT=${GATEWAY_DELIVERIES:-2000}
cd "$WORK"
github_gateway . example/hello hello
CA="$WORK/ca" LOG="$WORK/log" SOCK="$WORK/ledger.sock"
"$VIGIL" ca init "$CA" >/dev/null
"$VIGIL" ca issue "$CA" ledger --tag log >/dev/null
"$VIGIL" ca issue "$CA" gateway --tag gateway >/dev/null
mkdir policy
printf 'vigil.Append +gateway-verdict @tag:gateway @any allow\n' > policy/10-ledger.policy
"$VIGIL" log init "$LOG" --origin vigil.test/ledger > vkey
. "$ROOT/tests/ledger_lib.sh"
start_ledger || { fail "the ledger did not start: $(cat ledger.err)"; finish; exit 1; }
printf '[ledger]\naddress = "unix:%s"\ncertificate = "ca/gateway.crt"\nkey = "ca/gateway.key"\nca = "ca/ca.crt"\nverifier_key = "%s"\n' \
  "$SOCK" "$(cat vkey)" >> gateway.toml
start_gateway() {
  rm -f port.next
  "$GATEWAY" --config gateway.toml > port.next 2>> gateway.log &
  gateway_pid=$!
  for _ in $(seq 200); do [ -s port.next ] && break; sleep 0.02; done
  mv port.next port
}
start_gateway
trap 'kill -9 $gateway_pid $ledger 2>/dev/null; rm -rf "$WORK"' EXIT
python3 "$ROOT/tests/gateway_deliveries.py" port secret "$COUNT" 100 > clients.out 2>&1 &
clients=$!
# Each crash comes while deliveries are in flight: after a quarter, a half, three quarters.
for round in 1 2 3; do
  for _ in $(seq 1000); do
    n=$(sqlite3 state/deliveries.db "SELECT COUNT(*) FROM deliveries" 2>/dev/null || echo 0)
    [ "${n:-0}" -ge $((COUNT * round / 4)) ] && break
    sleep 0.01
  done
  kill -9 $gateway_pid; wait $gateway_pid 2>/dev/null || true
  rm -f port  # clients wait for the new port
  start_gateway
  pass "round $round: SIGKILLed and restarted (pid $gateway_pid)"
done
if wait $clients; then pass "every client finished: $(head -1 clients.out)"; else fail "clients: $(cat clients.out)"; fi
if grep -qx "answered $COUNT" clients.out; then pass "all $COUNT deliveries answered ($(sed -n 2p clients.out) of them as repeats after a crash)"; else fail "$(cat clients.out)"; fi
rows=$(sqlite3 state/deliveries.db "SELECT COUNT(*), COUNT(DISTINCT delivery_id) FROM deliveries")
if [ "$rows" = "$COUNT|$COUNT" ]; then pass "each of the $COUNT delivery ids recorded exactly once"; else fail "rows|distinct: $rows"; fi
missing=$(sqlite3 state/deliveries.db "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $COUNT - 1)
  SELECT COUNT(*) FROM n WHERE printf('delivery-%06d', i) NOT IN (SELECT delivery_id FROM deliveries)")
if [ "$missing" = 0 ]; then pass "none lost"; else fail "$missing lost"; fi
queued=$(sqlite3 state/deliveries.db "SELECT COUNT(*) FROM deliveries WHERE queued = 1 AND verdict = 'queued'")
if [ "$queued" = "$COUNT" ]; then pass "each queued once for its build"; else fail "queued: $queued"; fi
# The verdicts reach the ledger once the recorder catches up; each exactly once.
for _ in $(seq 600); do
  [ "$(sqlite3 state/deliveries.db "SELECT COUNT(*) FROM records WHERE ledger_index IS NULL")" = 0 ] && break
  sleep 0.2
done
python3 "$ROOT/tests/ledger_entries.py" "$LOG" > entries
in_ledger=$(jq -r 'select(.type == "gateway-verdict") | .delivery' entries | sort | uniq -c | awk '$1 == 1' | wc -l)
total=$(jq -r 'select(.type == "gateway-verdict") | .delivery' entries | wc -l)
if [ "$in_ledger" = "$COUNT" ] && [ "$total" = "$COUNT" ]; then pass "each of the $COUNT verdicts is in the ledger exactly once"; else fail "ledger: $total verdict entries, $in_ledger distinct delivery ids appearing once"; fi
if [ "$(jq -r 'select(.type == "gateway-verdict") | .submitter.name' entries | sort -u)" = gateway ]; then pass "the ledger names the gateway as their submitter"; else fail "submitters: $(jq -r .submitter.name entries | sort -u)"; fi
indexes=$(sqlite3 state/deliveries.db "SELECT COUNT(DISTINCT ledger_index) FROM records")
if [ "$indexes" = "$COUNT" ]; then pass "the gateway holds a verified ledger index for each"; else fail "distinct ledger indexes: $indexes"; fi
expect_exit 0 "the ledger's tiles check out" -- "$VIGIL" log fsck "$LOG"
finish
