#!/bin/bash
# vigil call against echo-service (the service host API in a binary): real mutual TLS over
# a Unix socket and loopback TCP, policy decisions with their rules in the audit log,
# refusals for strangers, other CAs and expired certificates, policy reload on SIGHUP.
. "$(dirname "$0")/lib.sh"
HOST_BIN="$BIN/echo-service"
CA="$WORK/ca"
"$VIGIL" ca init "$CA" >/dev/null
"$VIGIL" ca issue "$CA" ledger --tag log >/dev/null
"$VIGIL" ca issue "$CA" builder --tag build >/dev/null
"$VIGIL" ca issue "$CA" stranger >/dev/null
# Issued 400 days ago for 30 days: expired. (ASan must let libfaketime load first.)
ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" faketime -f '-400d' \
  "$VIGIL" ca issue "$CA" retired --tag build --days 30 >/dev/null
"$VIGIL" ca init "$WORK/other" >/dev/null
"$VIGIL" ca issue "$WORK/other" builder --tag build >/dev/null
mkdir "$WORK/policy"
cat > "$WORK/policy/10-echo.policy" <<'POLICY'
vigil.Echo +secret @any @any deny
vigil.Echo * @tag:build @any allow
vigil.Ping * @any @any allow
POLICY

SOCK="$WORK/echo.sock"
AUDIT="$WORK/audit.log"
"$HOST_BIN" --listen "unix:$SOCK" --listen tcp:127.0.0.1:0 --cert "$CA/ledger.crt" \
  --key "$CA/ledger.key" --ca "$CA/ca.crt" --policy "$WORK/policy" --audit-log "$AUDIT" \
  > "$WORK/host.out" 2> "$WORK/host.err" &
host=$!
trap 'kill $host 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q "listening on tcp:" "$WORK/host.out" && break; sleep 0.1; done
TCP=$(sed -n 's/.*listening on \(tcp:.*\)$/\1/p' "$WORK/host.out")
if [ -S "$SOCK" ] && [ -n "$TCP" ]; then pass "echo-service listens on $TCP and a Unix socket"; else fail "host did not start: $(cat "$WORK/host.err")"; fi

audit_has() {  # audit_has [jq args...] CONDITION: some audit record satisfies CONDITION
  local condition=${*: -1}
  jq -s -e "${@:1:$#-1}" "any(.[]; $condition)" "$AUDIT" >/dev/null
}

as() {  # as ROLE [CA_DIR]: the TLS options for a role
  local dir=${2:-$CA}
  echo "--cert $dir/$1.crt --key $dir/$1.key --ca $CA/ca.crt"
}

head -c 3000000 /dev/urandom > "$WORK/data"
# shellcheck disable=SC2046
expect_exit 0 "an allowed call over the Unix socket" -- "$VIGIL" call "unix:$SOCK" vigil.Echo+x $(as builder) < "$WORK/data"
if cmp -s "$WORK/stdout" "$WORK/data"; then pass "3 MB echoed back intact (unix)"; else fail "echo differs (unix)"; fi
# shellcheck disable=SC2046
expect_exit 0 "an allowed call over TCP" -- "$VIGIL" call "$TCP" vigil.Echo $(as builder) --service-name ledger < "$WORK/data"
if cmp -s "$WORK/stdout" "$WORK/data"; then pass "3 MB echoed back intact (tcp)"; else fail "echo differs (tcp)"; fi
# shellcheck disable=SC2046
expect_exit 0 "vigil.Ping for anyone the CA knows" -- "$VIGIL" call "$TCP" vigil.Ping $(as stranger) < /dev/null
if [ "$(cat "$WORK/stdout")" = pong ]; then pass "ping answers pong"; else fail "ping said: $(cat "$WORK/stdout")"; fi

# shellcheck disable=SC2046
expect_exit 1 "a caller without a rule is denied" -- "$VIGIL" call "unix:$SOCK" vigil.Echo $(as stranger) < "$WORK/data"
expect_stderr "denied" "the caller is told it was denied"
expect_stderr "vigil: error: vigil.Echo: " "the call is named as it was typed (no '+' for the empty argument)"
# shellcheck disable=SC2046
expect_exit 1 "an explicit deny rule wins over a later allow" -- "$VIGIL" call "unix:$SOCK" vigil.Echo+secret $(as builder) < /dev/null
if [ ! -s "$WORK/stdout" ]; then pass "a denied call produces no output"; else fail "denied call printed output"; fi
# shellcheck disable=SC2046
expect_exit 1 "a certificate from another CA is refused" -- "$VIGIL" call "$TCP" vigil.Echo $(as builder "$WORK/other") < /dev/null
# shellcheck disable=SC2046
expect_exit 1 "an expired certificate is refused" -- "$VIGIL" call "$TCP" vigil.Echo $(as retired) < /dev/null
# shellcheck disable=SC2046
expect_exit 1 "the service must be the role we name" -- "$VIGIL" call "$TCP" vigil.Ping $(as builder) --service-name signer < /dev/null
expect_stderr "is 'ledger', not 'signer'" "the wrong service is named"
expect_exit 1 "the CA's own certificate is no caller's" -- "$VIGIL" call "$TCP" vigil.Ping --cert "$CA/ca.crt" --key "$CA/ca.key" --ca "$CA/ca.crt"
expect_stderr "a CA certificate cannot be used as a caller's" "the caller is told why, not only 'sslv3 alert'"

if audit_has '.event == "call" and .decision == "deny" and .rule == null and .caller.name == "stranger"'; then pass "audit: default deny for the stranger"; else fail "audit lacks the default deny"; fi
if audit_has --arg r "$WORK/policy/10-echo.policy:1" '.decision == "deny" and .rule == $r and .argument == "secret"'; then pass "audit: the explicit deny names its file:line"; else fail "audit lacks the rule: $(tail -3 "$AUDIT")"; fi
if audit_has '.event == "handshake" and (.reason | test("unable to get local issuer"))'; then pass "audit: the other CA's handshake refused"; else fail "audit lacks the other CA: $(grep handshake "$AUDIT")"; fi
if audit_has '.event == "handshake" and (.reason | test("certificate has expired"))'; then pass "audit: the expired certificate refused"; else fail "audit lacks the expired certificate: $(grep handshake "$AUDIT")"; fi
allowed=$(jq -s '[.[] | select(.event == "call" and .decision == "allow")] | length' "$AUDIT")
ended=$(jq -s '[.[] | select(.event == "end")] | length' "$AUDIT")
if [ "$allowed" = 3 ] && [ "$ended" = 3 ]; then pass "handlers ran only for the 3 allowed calls"; else fail "allowed $allowed, handlers ended $ended"; fi

# A typo makes the whole policy invalid: everything is denied, the error names file:line.
echo "vigil.Ping * @any @any alow" > "$WORK/policy/20-typo.policy"
kill -HUP $host
for _ in $(seq 100); do grep -q "20-typo.policy:1" "$WORK/host.err" && break; sleep 0.1; done
if grep -q "20-typo.policy:1: unknown action 'alow'" "$WORK/host.err"; then pass "the host reports the typo with file:line"; else fail "host stderr: $(cat "$WORK/host.err")"; fi
# shellcheck disable=SC2046
expect_exit 1 "with an invalid policy even an allowed caller is denied" -- "$VIGIL" call "unix:$SOCK" vigil.Echo $(as builder) < /dev/null
expect_stderr "policy is invalid" "the denial says the policy is invalid"
rm "$WORK/policy/20-typo.policy"
kill -HUP $host
for _ in $(seq 100); do [ "$(jq -s '[.[] | select(.event == "policy" and .result == "loaded")] | length' "$AUDIT")" = 2 ] && break; sleep 0.1; done
# shellcheck disable=SC2046
expect_exit 0 "after the fix and SIGHUP calls are allowed again" -- "$VIGIL" call "unix:$SOCK" vigil.Echo $(as builder) < "$WORK/data"

# Bad usage changes nothing and says what to do.
# shellcheck disable=SC2046
expect_exit 2 "a malformed address" -- "$VIGIL" call "http://x" vigil.Ping $(as builder)
expect_stderr "unix:/path/to.sock or tcp:HOST:PORT" "the address error shows the forms"
# shellcheck disable=SC2046
expect_exit 2 "a malformed service name" -- "$VIGIL" call "unix:$SOCK" "vigil Echo" $(as builder)
# shellcheck disable=SC2046
expect_exit 2 "a zero timeout" -- "$VIGIL" call "unix:$SOCK" vigil.Ping $(as builder) --timeout 0
# shellcheck disable=SC2046
expect_exit 3 "nothing listening" -- "$VIGIL" call "unix:$WORK/none.sock" vigil.Ping $(as builder)
chmod 644 "$CA/builder.key"
# shellcheck disable=SC2046
expect_exit 2 "a key file others can read is refused" -- "$VIGIL" call "unix:$SOCK" vigil.Ping $(as builder)
expect_stderr "chmod 600" "the key error says how to fix it"
chmod 600 "$CA/builder.key"
# Callers send 1 MiB frames without asking: a host that would accept less does not start.
expect_exit 2 "a host maximum frame below the protocol's 1 MiB is refused" -- "$HOST_BIN" \
  --listen "unix:$WORK/small.sock" --cert "$CA/ledger.crt" --key "$CA/ledger.key" \
  --ca "$CA/ca.crt" --policy "$WORK/policy" --audit-log "$WORK/small.log" --max-frame 65536
expect_stderr "must be 1 MiB to 16 MiB" "the frame size error gives the range"
# A host whose own certificate another CA issued does not start (finding D19): every
# caller's handshake would fail.
"$VIGIL" ca init "$WORK/other-ca" >/dev/null && "$VIGIL" ca issue "$WORK/other-ca" ledger >/dev/null
expect_exit 2 "a host certificate its own --ca did not issue is refused at start" -- timeout 20 "$HOST_BIN" \
  --listen "unix:$WORK/foreign.sock" --cert "$WORK/other-ca/ledger.crt" --key "$WORK/other-ca/ledger.key" \
  --ca "$CA/ca.crt" --policy "$WORK/policy" --audit-log "$WORK/foreign.log"
expect_stderr "does not verify against the CA" "the error names the CA"
if [ ! -e "$WORK/foreign.sock" ]; then pass "nothing listens"; else fail "foreign.sock exists"; fi

kill -TERM $host
status=0
wait $host || status=$?
if [ "$status" -eq 0 ]; then pass "SIGTERM stops the host cleanly"; else fail "host exited $status"; fi
if [ ! -e "$SOCK" ]; then pass "the Unix socket is removed"; else fail "socket left behind"; fi
finish
