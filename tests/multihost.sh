#!/bin/bash
# Roles on separate hosts (issue 21): `vigil farm hosts` lays out a deployment, and each host
# is a network namespace of this machine (ip netns, a veth pair into a bridge in a namespace
# of its own, 10.77.0.0/24): ledger, signer, builder-1, builder-2, gateway, ledger-2 and
# postgres (a PostgreSQL 15 server holding the log both ledgers share). Every call is TCP
# with mutual TLS across hosts; nftables in the signer's namespace enforce what the call
# policies say (the signer reachable only from the builders, reaching only the ledgers), and
# in the postgres namespace let only the ledger hosts reach 5432.
# Checks: every role up, one ledger sequencing and the other a standby serving reads; builds through the
# gateway's signed webhook on whichever builder is free, two at once on both; a builder
# killed mid-build (its log truncated, the build retried on the other); the signer cut off
# from the ledgers signs nothing; certificates of the wrong role or CA refused; the signer
# unreachable from the gateway host; the sequencing ledger killed while a build streams its
# log (the standby takes over and logs the cut build truncated from the lines stored in
# PostgreSQL, the gateway starts the build again under a new id, a build after it is signed
# with the new sequencer's receipt, the log verifies). Builds are `sh` commands in the builder's sandbox (seconds each): what
# is tested is the deployment, not the image.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postgres_lib.sh"  # PG_BIN, pg_as_server
for tool in ip nft bwrap sqlite3; do
  command -v "$tool" > /dev/null || { fail "$tool is not installed (scripts/setup test)"; finish; exit 1; }
done
[ "$(id -u)" = 0 ] || { fail "network namespaces need root"; finish; exit 1; }
[ -x "$PG_BIN/postgres" ] || { fail "PostgreSQL 15 is not installed ($PG_BIN): scripts/setup test"; finish; exit 1; }

P="vmh$$"                   # every namespace this test makes starts with it
NET="10.77.0"
HOSTS=(ledger signer builder-1 builder-2 gateway ledger-2 postgres)
declare -A ADDR=([ledger]=$NET.2 [signer]=$NET.3 [builder-1]=$NET.4 [builder-2]=$NET.5 [gateway]=$NET.6
                 [ledger-2]=$NET.7 [postgres]=$NET.8)
declare -A PID=()
OUT="$WORK/deployment"
# The PostgreSQL cluster's directory: the postgres user must enter it (WORK is root's).
PGD=$(mktemp -d "${TMPDIR:-/tmp}/vigil-mh-pg.XXXXXX")
chmod 755 "$PGD" && chown postgres: "$PGD"
DB="postgresql://vigil@${ADDR[postgres]}:5432/vigil"
cleanup() {
  for pid in "${PID[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for pid in "${PID[@]}"; do wait "$pid" 2>/dev/null || true; done
  # A namespace's deletion ends no process in it: the server is stopped first.
  [ -f "$PGD/data/postmaster.pid" ] && pg_as_server "$PG_BIN/pg_ctl" -D "$PGD/data" -m immediate -w stop > /dev/null 2>&1
  rm -rf "$PGD"
  # Deleting a namespace deletes its veth ends (and so their peers) and its nftables.
  for ns in $(ip netns list | awk -v p="$P-" 'index($1, p) == 1 {print $1}'); do ip netns delete "$ns" || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
in_ns() { local host=$1; shift; ip netns exec "$P-$host" "$@"; }
started=$(date +%s)

# --- The network: one namespace per host, each with eth0 on a bridge of its own namespace.
ip netns add "$P-net"
ip -n "$P-net" link add br0 type bridge
ip -n "$P-net" link set br0 up
for host in "${HOSTS[@]}"; do
  ip netns add "$P-$host"
  ip link add eth0 netns "$P-$host" type veth peer name "v-$host" netns "$P-net"
  ip -n "$P-net" link set "v-$host" master br0 up
  ip -n "$P-$host" addr add "${ADDR[$host]}/24" dev eth0
  ip -n "$P-$host" link set eth0 up
  ip -n "$P-$host" link set lo up
done
# --- The layout: vigil farm hosts, from the plan below (the postgres host runs no role of
# Vigil's: the plan names its database, which makes room for the second ledger).
{
  echo 'origin = "vigil.test/multihost"'
  echo "database = \"$DB\""
  for host in "${HOSTS[@]}"; do
    [ "$host" = postgres ] && continue
    role=${host%-[0-9]}
    printf '[[host]]\nname = "%s"\naddress = "%s"\nroles = ["%s"]\n' "$host" "${ADDR[$host]}" "$role"
  done
} > "$WORK/hosts.toml"
grep -v '^database' "$WORK/hosts.toml" > "$WORK/no-db-hosts.toml"
expect_exit 2 "two ledgers without a database are refused" -- "$VIGIL" farm hosts "$WORK/no-db-hosts.toml" --out "$WORK/bad"
expect_stderr "the ledger is on hosts ledger and ledger-2: several ledgers share one log in PostgreSQL: name it with a top-level database" "the error says what to add"
expect_exit 0 "vigil farm hosts lays out six hosts, two ledgers on one database" -- "$VIGIL" farm hosts "$WORK/hosts.toml" --out "$OUT"
expect_stdout "$OUT/builder-2: builder at $NET.5" "it names each host's directory, roles and address"
# A plan with a mistake writes nothing.
sed 's/^roles = \["signer"\]/roles = ["signer", "compiler"]/' "$WORK/hosts.toml" > "$WORK/bad-hosts.toml"
expect_exit 2 "a plan naming an unknown role is refused" -- "$VIGIL" farm hosts "$WORK/bad-hosts.toml" --out "$WORK/bad"
expect_stderr "bad-hosts.toml:10: unknown role 'compiler' on host signer" "the error names the file, line and role"
if [ ! -e "$WORK/bad" ] && [ -z "$(ls -A "$WORK" | grep '^\.bad')" ]; then pass "nothing was written for it"; else fail "a refused plan left files: $(ls -a "$WORK")"; fi

# The build: one repository, two components run by the sandbox as sh commands.
SRC="$WORK/src"
git init -q -b main "$SRC" && echo "multihost" > "$SRC/README" && git -C "$SRC" add README
git -C "$SRC" -c user.email=t@example.org -c user.name=T commit -q -m one
COMMIT=$(git -C "$SRC" rev-parse HEAD)
component() {  # component NAME LINES: prints LINES lines, 0.2 s apart, then one artifact
  printf '\n[components.%s]\nrepository = "%s"\nspec = "unused"\ncommit = "%s"\nkey = "release"\n' "$1" "$SRC" "$COMMIT"
  printf 'command = ["sh", "-c", "i=0; while [ $i -lt %s ]; do echo line $i; i=$((i+1)); sleep 0.2; done; mkdir -p /out/dist; echo %s > /out/dist/%s.txt"]\n' "$2" "$1" "$1"
}
for b in builder-1 builder-2; do { component quick 15; component slow 40; } >> "$OUT/$b/builder.toml"; done
for c in quick slow; do printf '\n[[repository]]\nprovider = "github"\nname = "example/%s"\ncomponent = "%s"\n' "$c" "$c" >> "$OUT/gateway/gateway.toml"; done
# The signer makes its key on its own host.
in_ns signer "$BIN/vigil-signer" --config "$OUT/signer/signer.toml" --init-key release > "$OUT/signer/release.pub" 2> /dev/null

# --- PostgreSQL 15 on the postgres host, listening on its address. A throwaway test
# cluster: trust authentication for the whole test network (pg_hba.conf), never a
# production setting; nftables below narrow who may connect to the ledger hosts.
pg_as_server "$PG_BIN/initdb" -D "$PGD/data" -A trust -U postgres -E UTF8 --locale=C --no-sync > "$PGD/initdb.log"
echo "host all all $NET.0/24 trust" >> "$PGD/data/pg_hba.conf"
if in_ns postgres runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGD/data" -l "$PGD/server.log" -w -t 60 \
  -o "-c listen_addresses=${ADDR[postgres]} -c unix_socket_directories=$PGD -p 5432 -c fsync=on" start > /dev/null &&
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "postgresql:///postgres?host=$PGD&port=5432&user=postgres" \
    -c "CREATE ROLE vigil LOGIN" -c "CREATE DATABASE vigil OWNER vigil"; then
  pass "PostgreSQL 15 listens on ${ADDR[postgres]}:5432 in the postgres namespace, database vigil made"
else fail "PostgreSQL: $(tail -5 "$PGD/server.log" 2>/dev/null)"; fi
in_ns postgres nft -f - <<NFT
table inet vigil {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    ip saddr { ${ADDR[ledger]}, ${ADDR[ledger-2]} } tcp dport 5432 accept
  }
}
NFT
reaches_pg() { in_ns "$1" timeout -s KILL 3 bash -c "exec 3<>/dev/tcp/${ADDR[postgres]}/5432" 2>/dev/null; }
if reaches_pg ledger-2 && ! reaches_pg gateway && ! reaches_pg builder-1; then
  pass "the postgres host's nftables: ledger-2 reaches 5432, the gateway and builder-1 do not"; else fail "nftables on the postgres host"; fi
# The empty log into the database, from the first ledger host (its README's command).
if in_ns ledger "$VIGIL" log migrate --from "$OUT/ledger/ledger-seed" --to "$DB" --key-dir "$OUT/ledger/ledger-log" > "$WORK/migrate.out" 2>&1 &&
  cmp -s "$OUT/ledger/ledger-log/log.key" "$OUT/ledger-2/ledger-log/log.key"; then
  pass "vigil log migrate put the log in PostgreSQL over TCP; both ledger hosts hold the same key"
else fail "migrate: $(cat "$WORK/migrate.out")"; fi

# --- nftables on the signer's host: in from the builders only, out to the ledgers only.
signer_firewall() {  # signer_firewall [cut]: cut: not even to the ledgers
  local to_ledger="ip daddr { ${ADDR[ledger]}, ${ADDR[ledger-2]} } tcp dport 7001 accept"
  [ "${1:-}" = cut ] && to_ledger="ip daddr { ${ADDR[ledger]}, ${ADDR[ledger-2]} } drop"
  in_ns signer nft -f - <<NFT
flush ruleset
table inet vigil {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    ip saddr { ${ADDR[builder-1]}, ${ADDR[builder-2]} } tcp dport 7002 accept
  }
  chain output {
    type filter hook output priority 0; policy drop;
    oif lo accept
    ct state established,related accept
    $to_ledger
  }
}
NFT
}
if signer_firewall; then pass "nftables rules loaded in the signer's namespace"; else fail "nft on the signer's host"; fi

# --- Every role, each in its host's namespace.
start() {  # start HOST BINARY CONFIG (ip netns exec execs the binary: $! is its pid)
  ip netns exec "$P-$1" "$BIN/$2" --config "$OUT/$1/$3" > "$WORK/$1.out" 2> "$WORK/$1.err" &
  PID[$1]=$!
}
# call FROM TO_HOST PORT NAME [SERVICE] [CERT_BASENAME]: a call from FROM's namespace with its
# certificate (or CERT_BASENAME's, in FROM's directory or the CA's), requiring NAME.
call() {
  local cert=${6:-$1} dir="$OUT/$1"
  [ -e "$dir/$cert.crt" ] || dir="$OUT/ca"
  in_ns "$1" "$VIGIL" call "tcp:${ADDR[$2]}:$3" "${5:-vigil.Ping}" --cert "$dir/$cert.crt" --key "$dir/$cert.key" \
    --ca "$OUT/ca/ca.crt" --service-name "$4" --connect-timeout 3 < /dev/null > "$WORK/call.out" 2> "$WORK/call.err"
}
await() {  # await WHAT COMMAND...: polls COMMAND for up to 30 s
  local what=$1; shift
  for _ in $(seq 150); do "$@" && return 0; sleep 0.2; done
  fail "$what did not happen within 30 s"; return 1
}
start ledger vigil-ledger ledger.toml
await "the first ledger sequencing" grep -q "sequencing as" "$WORK/ledger.err"
start ledger-2 vigil-ledger ledger.toml
if await "the second ledger waiting" grep -qs "standby: the sequencer lease is held by" "$WORK/ledger-2.err" &&
  ! grep -q " on http://" "$WORK/ledger-2.out"; then pass "ledger sequences, ledger-2 waits as a standby (one log in PostgreSQL)"
else fail "ledgers: $(cat "$WORK/ledger.err" "$WORK/ledger-2.err")"; fi
start signer vigil-signer signer.toml
start builder-1 vigil-builder builder.toml
start builder-2 vigil-builder builder.toml
await "the ledger answering the builder" call builder-1 ledger 7001 ledger && pass "builder-1 -> ledger: TCP, mutual TLS, across hosts"
await "the signer answering builder-1" call builder-1 signer 7002 signer && pass "builder-1 -> signer: TCP, mutual TLS"
await "builder-1 answering the gateway's host" call gateway builder-1 7003 builder-1 "" gateway && pass "gateway -> builder-1: TCP, mutual TLS"
await "builder-2 answering the gateway's host" call gateway builder-2 7003 builder-2 "" gateway && pass "gateway -> builder-2: TCP, mutual TLS"
if call signer ledger 7001 ledger; then pass "signer -> ledger: allowed by its firewall, TCP, mutual TLS"; else fail "signer -> ledger: $(cat "$WORK/call.err")"; fi
start gateway vigil-gateway gateway.toml
await "the gateway's port" test -s "$WORK/gateway.out" && pass "the gateway listens on ${ADDR[gateway]}:$(cat "$WORK/gateway.out")"
LEDGER_URL="http://${ADDR[ledger]}:8081"
GATEWAY_URL="http://${ADDR[gateway]}:8080"

# --- Builds through the gateway.
push() {  # push DELIVERY COMPONENT: a signed GitHub push of the pinned commit
  local body
  body=$(printf '{"ref":"refs/heads/main","after":"%s","repository":{"full_name":"example/%s"}}' "$COMMIT" "$2")
  in_ns gateway curl -s -X POST "$GATEWAY_URL/hooks/github" -H 'X-GitHub-Event: push' -H "X-GitHub-Delivery: $1" \
    -H "X-Hub-Signature-256: sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$(cat "$OUT/gateway/gateway-secrets/github")" -hex | sed 's/.*= //')" \
    --data-binary "$body"
}
outcome() { sqlite3 "$OUT/gateway/gateway-state/deliveries.db" "SELECT outcome FROM deliveries WHERE delivery_id = '$1'"; }
final_outcome() {  # final_outcome DELIVERY: waits up to 120 s for an outcome that is not `retrying`
  local out
  for _ in $(seq 600); do
    out=$(outcome "$1")
    [[ "$out" == retrying:* ]] && printf '%s\n' "$out" >> "$WORK/retrying.$1"
    if [ -n "$out" ] && [[ "$out" != retrying:* ]]; then printf '%s' "$out"; return; fi
    sleep 0.2
  done
  printf 'none after 120 s (last: %s)' "$out"
}
builds() { in_ns ledger curl -sf "$LEDGER_URL/builds"; }

if push first quick | grep -q '"verdict":"queued"'; then pass "the gateway queues a signed push"; else fail "push: $(cat "$WORK/gateway.err")"; fi
out=$(final_outcome first)
if [[ "$out" =~ ^built:\ build\ quick-.*\(builder\ builder-[12]\)$ ]]; then pass "built on a free builder, named in the outcome: $out"; else fail "first build: $out"; fi

push twin-a quick > /dev/null; push twin-b quick > /dev/null
a=$(final_outcome twin-a); b=$(final_outcome twin-b)
if [[ "$a" == built:* ]] && [[ "$b" == built:* ]] && [ "${a##*(builder }" != "${b##*(builder }" ]; then
  pass "two builds at once went to both builders: ${a##*(} and ${b##*(}"; else fail "two at once: '$a' and '$b'"; fi

# The standby serves the read API from the database: the same checkpoint, and the logs of
# builds the sequencer took, which it reads from PostgreSQL.
first_id=$(echo "$a" | grep -o 'quick-[0-9TZ]*-[0-9a-f]*' | head -1 || true)
if [ "$(in_ns gateway curl -sf "http://${ADDR[ledger-2]}:8081/checkpoint")" = "$(in_ns gateway curl -sf "$LEDGER_URL/checkpoint")" ] &&
  [ -n "$first_id" ] && [ "$(in_ns gateway curl -sf "http://${ADDR[ledger-2]}:8081/builds/$first_id/log" | sha256sum)" = "$(in_ns gateway curl -sf "$LEDGER_URL/builds/$first_id/log" | sha256sum)" ]; then
  pass "standby ledger-2 serves the sequencer's checkpoint and the log of $first_id, read from PostgreSQL"
else fail "standby reads: $(in_ns gateway curl -s "http://${ADDR[ledger-2]}:8081/checkpoint")"; fi

# --- A builder killed mid-build: its log truncated, the build retried on the other one.
push killed slow > /dev/null
running() {
  id=$(builds | jq -r '.[] | select(.status == "running" and (.build_id | startswith("slow-")) and .lines >= 5) | .build_id' | head -1)
  [ -n "$id" ]
}
victim=""
if await "a running slow build" running; then
  for b in builder-1 builder-2; do [ -d "$OUT/$b/work/$id" ] && victim=$b; done
fi
if [ -n "$victim" ]; then
  kill -9 "${PID[$victim]}"; wait "${PID[$victim]}" 2>/dev/null || true
  other=builder-1; [ "$victim" = builder-1 ] && other=builder-2
  out=$(final_outcome killed)
  if [[ "$out" =~ ^built:\ build\ slow-.*\(builder\ $other\)$ ]]; then pass "the build killed on $victim was retried and built on $other: $out"; else fail "after killing $victim: $out"; fi
  if grep -q "build handed back" "$OUT/gateway/logs/gateway-hooks-audit.log" && grep -q "(builder $victim)" "$WORK/retrying.killed"; then
    pass "meanwhile the outcome read $(head -1 "$WORK/retrying.killed" | cut -c1-60)..., and the gateway audited the hand-back"
  else fail "no hand-back: $(cat "$WORK/retrying.killed" 2>/dev/null); $(grep -c "handed back" "$OUT/gateway/logs/gateway-hooks-audit.log")"; fi
  status=$(builds | jq -r --arg id "$id" '.[] | select(.build_id == $id) | .status')
  if [ "$status" = truncated ]; then pass "the killed build $id is a truncated build-log entry in the ledger"; else fail "killed build $id: status '$status'"; fi
  start "$victim" vigil-builder builder.toml
  if await "$victim back" call gateway "$victim" 7003 "$victim" "" gateway; then pass "$victim restarted"; else echo "$victim: $(tail -3 "$WORK/$victim.err")"; fi
else
  fail "no slow build found running on a builder: $(builds)"
fi

# --- The signer cut off from the ledgers signs nothing.
signer_firewall cut
appended() { grep -c '"vigil.Append".*"signature"\|"signature".*"vigil.Append"' "$OUT/ledger/logs/ledger-audit.log" || true; }
before=$(appended)
push cut quick > /dev/null
# (The signer's connect timeout, 10 s per ledger address, ends its call while its own
# nftables drop the SYNs.)
out=$(final_outcome cut)
id=$(echo "$out" | grep -o 'quick-[0-9TZ]*-[0-9a-f]*' | head -1 || true)
if [[ "$out" == failed* ]] && [[ "$out" == *sign* ]]; then pass "the sign step fails while the signer cannot reach the ledgers: $out"; else fail "signer cut off: $out"; fi
[ -n "$id" ] || id=$(builds | jq -r '[.[] | select(.build_id | startswith("quick-"))] | max_by(.index) | .build_id')
sigs=$(in_ns ledger curl -sf "$LEDGER_URL/builds/$id/signatures" | jq 'length' 2>/dev/null || echo "?")
if [ "$(appended)" = "$before" ] && [ "$sigs" = 0 ] && ! grep -q "\"build_id\":\"$id\".*\"granted\"" "$OUT/signer/logs/signer-audit.log"; then
  pass "no signature record for $id in the ledger, nothing granted by the signer"; else fail "cut: appends $before -> $(appended), signatures of $id: $sigs"; fi
signer_firewall

# --- Certificates of the wrong role, or not from the deployment's CA.
if ! call builder-1 ledger 7001 ledger vigil.Append+signature && grep -qi "denied\|refused\|not allowed" "$WORK/call.err"; then
  pass "builder-1's certificate cannot append a signature record (the ledger's policy names the signer)"; else fail "builder-1 as signer: $(cat "$WORK/call.err")"; fi
if ! call builder-1 signer 7002 ledger && grep -q "signer" "$WORK/call.err"; then
  pass "a host presenting the signer's certificate where the ledger is expected is refused: $(head -1 "$WORK/call.err")"; else fail "wrong server name: $(cat "$WORK/call.err")"; fi
"$VIGIL" ca issue "$OUT/ca" builder-3 --tag build > /dev/null
if ! call builder-1 ledger 7001 ledger vigil.BuildLog+x builder-3; then
  pass "a CA-issued builder the plan does not name is refused by the ledger"; else fail "builder-3 streamed a log"; fi
"$VIGIL" ca init "$WORK/stranger-ca" > /dev/null && "$VIGIL" ca issue "$WORK/stranger-ca" signer --tag sign > /dev/null
cp "$WORK/stranger-ca/signer.crt" "$OUT/ca/stranger.crt"; cp "$WORK/stranger-ca/signer.key" "$OUT/ca/stranger.key"
if ! call signer ledger 7001 ledger vigil.Append+signature stranger; then
  pass "a certificate named signer from another CA is refused by the ledger: $(head -1 "$WORK/call.err")"; else fail "a stranger's certificate was accepted"; fi

# --- The signer's firewall: from the builders only.
if ! call gateway signer 7002 signer "" gateway; then pass "the signer is unreachable from the gateway's host: $(head -1 "$WORK/call.err")"; else fail "the gateway reached the signer"; fi
if call builder-2 signer 7002 signer; then pass "and reachable from builder-2"; else fail "builder-2 -> signer: $(cat "$WORK/call.err")"; fi
if ! in_ns signer timeout -s KILL 5 bash -c "exec 3<>/dev/tcp/${ADDR[gateway]}/8080" 2>/dev/null; then
  pass "the signer cannot open a connection to the gateway's host"; else fail "the signer reached the gateway"; fi

# --- The sequencing ledger killed while a build streams its log: the standby takes over.
push failover slow > /dev/null
if await "a slow build streaming its log" running; then
  streaming=$id
  written=$(builds | jq -r --arg id "$id" '.[] | select(.build_id == $id) | .lines')
  kill -9 "${PID[ledger]}"; wait "${PID[ledger]}" 2>/dev/null || true
  killed=$(date +%s%N)
  if await "ledger-2 taking over" grep -q "sequencing as" "$WORK/ledger-2.err"; then
    pass "ledger killed while $streaming streamed: ledger-2 sequences after $((($(date +%s%N) - killed) / 1000000)) ms"
  else fail "ledger-2: $(cat "$WORK/ledger-2.err")"; fi
  LEDGER_URL="http://${ADDR[ledger-2]}:8081"
  # ledger-2 closes the cut build as truncated, from the lines ledger had stored in
  # PostgreSQL; its builder answers exit 3 (the ledger went away, not the build), and the
  # gateway starts the request again, as a new build logged by ledger-2.
  cut=$(builds | jq -c --arg id "$streaming" '.[] | select(.build_id == $id) | {status, lines}')
  # Lines count once stored (within about 50 ms): the last ones ledger wrote may be lost,
  # never one it acknowledged.
  stored=$(echo "$cut" | jq -r .lines)
  if [ "$(echo "$cut" | jq -r .status)" = truncated ] && [ "$stored" -ge 1 ] 2> /dev/null && [ "$stored" -le "$written" ] &&
    grep -q "logged 1 interrupted builds as truncated" "$WORK/ledger-2.err"; then
    pass "ledger-2 logs the build cut by the failover as truncated, with the $stored lines stored of the $written ledger had written"; else fail "cut build on ledger-2: '$cut', $written written"; fi
  out=$(final_outcome failover)
  retried=$(echo "$out" | grep -o 'slow-[0-9TZ]*-[0-9a-f]*' | head -1 || true)
  if [[ "$out" == built:\ build\ slow-* ]] && [ -n "$retried" ] && [ "$retried" != "$streaming" ] &&
    grep -q "(exit 3): the ledger connection broke" "$WORK/retrying.failover" &&
    [ ! -e "$OUT/builder-1/repo/testing/slow/$streaming" ] && [ ! -e "$OUT/builder-2/repo/testing/slow/$streaming" ]; then
    pass "the cut build is retried as $retried and built, nothing published for $streaming: ${out:0:60}..."
  else fail "the cut build: '$out' (retrying: $(cat "$WORK/retrying.failover" 2> /dev/null | head -1))"; fi
  if [ "$(builds | jq -r --arg id "$retried" '.[] | select(.build_id == $id) | .status')" = closed ]; then
    pass "the retried build $retried is a closed entry in ledger-2's log"; else fail "retried build $retried: $(builds)"; fi
else fail "no slow build streaming: $(builds)"; fi
push after quick > /dev/null
out=$(final_outcome after)
id=$(echo "$out" | grep -o 'quick-[0-9TZ]*-[0-9a-f]*' | head -1 || true)
builder=${out##*(builder }; builder=${builder%)}
receipt="$OUT/$builder/repo/testing/quick/$id/build.tlog-proof"
sigs=$(in_ns ledger-2 curl -sf "$LEDGER_URL/builds/$id/signatures" | jq 'length' 2>/dev/null || echo "?")
if [[ "$out" == built:* ]] && [ -s "$receipt" ] && [ -s "$(dirname "$receipt")/provenance.dsse.json" ] && [ "$sigs" -ge 1 ] 2>/dev/null; then
  pass "a build after the failover is built, signed and logged by ledger-2: $out"; else fail "after the failover: '$out', receipt $receipt, signatures $sigs"; fi
cp "$OUT/ledger-2/ledger-log/log.vkey" "$WORK/trusted"
if in_ns ledger-2 "$VIGIL" log verify --ledger "$LEDGER_URL" --trusted "$WORK/trusted" --proof "$receipt" > "$WORK/verify.out" 2>&1; then
  pass "the log verifies on ledger-2, with the build's receipt proven against its checkpoint"; else fail "log verify: $(cat "$WORK/verify.out")"; fi

echo "multihost: $(($(date +%s) - started)) s"
finish
