#!/bin/bash
# vigil-ledger end to end: builds stream their logs over mutual TLS, receipts verify with
# `vigil log verify`, the HTTP read API serves tiles, builds and live logs (followed in
# headless Chromium), bad input and strangers change nothing, a fork is detected, and the
# ledger survives SIGKILL with every acknowledged line and entry intact.
. "$(dirname "$0")/lib.sh"
CA="$WORK/ca"
"$VIGIL" ca init "$CA" >/dev/null
for role in "ledger --tag log" "builder --tag build" "signer --tag sign" "stranger"; do
  # shellcheck disable=SC2086
  "$VIGIL" ca issue "$CA" $role >/dev/null
done
mkdir "$WORK/policy"
cat > "$WORK/policy/10-ledger.policy" <<'POLICY'
vigil.BuildLog * @tag:build @any allow
vigil.Append +signature @tag:sign @any allow
vigil.Ping * @any @any allow
POLICY
LOG="$WORK/log"
"$VIGIL" log init "$LOG" --origin vigil.test/ledger > "$WORK/vkey"
SOCK="$WORK/ledger.sock"
ledger=""
trap '[ -n "$ledger" ] && kill -9 $ledger 2>/dev/null || true; rm -rf "$WORK"' EXIT

. "$(dirname "$0")/ledger_lib.sh"

if start_ledger; then pass "vigil-ledger serves calls and HTTP on $URL"; else fail "ledger did not start: $(cat "$WORK/ledger.err")"; finish; exit 1; fi

# A second ledger on the port in use must fail, not share it (finding D7: with SO_REUSEPORT
# it started and answered a share of the requests from another log).
"$VIGIL" log init "$WORK/log2" --origin vigil.test/other > /dev/null
expect_exit 1 "a second ledger on the HTTP port in use does not start" -- timeout 20 "$BIN/vigil-ledger" \
  --dir "$WORK/log2" --listen "unix:$WORK/ledger2.sock" --http "${URL#http://}" --cert "$CA/ledger.crt" \
  --key "$CA/ledger.key" --ca "$CA/ca.crt" --policy "$WORK/policy" --audit-log "$WORK/audit2.log"
expect_stderr "${URL##*:}" "the error names the port"
origins=$(for _ in $(seq 10); do curl -sf "$URL/checkpoint" | head -1; done | sort -u)
if [ "$origins" = "vigil.test/ledger" ]; then pass "every request is answered by the one log"; else fail "origins: $origins"; fi

# Many byte ranges would amplify a small request (finding D8): more than one is refused.
ranges="bytes=$(for _ in $(seq 0 1000); do printf '0-,'; done)0-"
read -r code size < <(curl -s -o /dev/null -w '%{http_code} %{size_download}\n' -H "Range: $ranges" "$URL/")
if [ "$code" = 416 ] && [ "$size" -lt 1000 ]; then pass "1001 ranges: 416, $size bytes"; else fail "many ranges: $code $size"; fi
read -r code size < <(curl -s -o /dev/null -w '%{http_code} %{size_download}\n' -H "Range: bytes=0-9" "$URL/checkpoint")
if [ "$code" = 206 ] && [ "$size" = 10 ]; then pass "one range is still served (206, 10 bytes)"; else fail "one range: $code $size"; fi

# A build streams its log, declares an artifact, closes, and gets a receipt.
SHA=$(printf 'the artifact' | sha256sum | cut -d' ' -f1)
printf 'log hello\nlog \033[31mred\001\nsync\nartifact %s hello.eif\nclose\n' "$SHA" > "$WORK/stream"
# shellcheck disable=SC2046
expect_exit 0 "a builder streams build b1" -- "$VIGIL" call "unix:$SOCK" vigil.BuildLog+b1 $(as builder) < "$WORK/stream"
if grep -q "^ack 2$" "$WORK/stdout"; then pass "sync answers ack 2"; else fail "no ack: $(cat "$WORK/stdout")"; fi
sed -n '/^receipt$/,$p' "$WORK/stdout" | tail -n +2 > "$WORK/b1.proof"
if [ "$(head -1 "$WORK/b1.proof")" = "c2sp.org/tlog-proof@v1" ]; then pass "the builder gets a tlog-proof receipt"; else fail "receipt: $(cat "$WORK/stdout")"; fi
ENTRY=$(sed -n 's/^extra //p' "$WORK/b1.proof" | base64 -d)
if [ "$(jq -r '.status' <<<"$ENTRY")" = closed ] && [ "$(jq -r '.builder.name' <<<"$ENTRY")" = builder ] \
   && [ "$(jq -r '.artifacts[0].sha256' <<<"$ENTRY")" = "$SHA" ] && [ "$(jq -r '.lines' <<<"$ENTRY")" = 2 ]; then
  pass "the build-log entry: closed, builder, artifact, 2 lines"; else fail "entry: $ENTRY"; fi
curl -sf "$URL/builds/b1/log" > "$WORK/b1.log"
if [ "$(jq -r '.log_sha256' <<<"$ENTRY")" = "$(sha256sum < "$WORK/b1.log" | cut -d' ' -f1)" ]; then
  pass "the entry commits to the served log text"; else fail "log hash differs"; fi
if grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z hello$' "$WORK/b1.log" && grep -q ' \.\[31mred\.$' "$WORK/b1.log"; then
  pass "lines are stamped (UTC, microseconds) and sanitised"; else fail "log: $(cat -v "$WORK/b1.log")"; fi
if [ "$(curl -sf "$URL/builds" | jq -r '.[] | select(.build_id == "b1") | .status')" = closed ]; then pass "/builds lists b1 as closed"; else fail "/builds: $(curl -s "$URL/builds")"; fi

echo "$(cat "$WORK/vkey")" > "$WORK/trusted"
expect_exit 0 "vigil log verify checks the receipt" -- "$VIGIL" log verify --ledger "$URL" --trusted "$WORK/trusted" --proof "$WORK/b1.proof"
expect_exit 0 "vigil.Append of a signature record" -- sh -c "printf '{\"build_id\":\"b1\",\"type\":\"signature\"}' | \"$VIGIL\" call unix:$SOCK vigil.Append+signature $(as signer)"
if [ "$(head -1 "$WORK/stdout")" = "c2sp.org/tlog-proof@v1" ]; then pass "the append answers a receipt"; else fail "append: $(cat "$WORK/stdout")"; fi
# A record with a record_id is appended once: the retry gets the first one's receipt.
rec='{"record_id":"sig-1","type":"signature"}'
r1=$(printf '%s' "$rec" | "$VIGIL" call "unix:$SOCK" vigil.Append+signature $(as signer) | sed -n 3p)
size_once=$(size)
r2=$(printf '%s' "$rec" | "$VIGIL" call "unix:$SOCK" vigil.Append+signature $(as signer) | sed -n 3p)
if [ -n "$r1" ] && [ "$r1" = "$r2" ] && [ "$(size)" = "$size_once" ]; then pass "a repeated record_id is answered with the first entry, nothing appended"; else fail "record_id: '$r1' vs '$r2', size $size_once -> $(size)"; fi
expect_exit 2 "a record_id that is not a string" -- sh -c "printf '{\"record_id\":7,\"type\":\"signature\"}' | \"$VIGIL\" call unix:$SOCK vigil.Append+signature $(as signer)"
expect_exit 0 "verify again: consistent with the trusted checkpoint" -- "$VIGIL" log verify --ledger "$URL" --trusted "$WORK/trusted"
if grep -q "consistent with the trusted size 1" "$WORK/stdout"; then pass "the trusted size moved from 1"; else fail "verify said: $(cat "$WORK/stdout")"; fi

# Bad input and strangers: clear errors, nothing appended.
before=$(size)
# shellcheck disable=SC2046
expect_exit 1 "a stranger may not stream a build" -- "$VIGIL" call "unix:$SOCK" vigil.BuildLog+b2 $(as stranger) < "$WORK/stream"
# shellcheck disable=SC2046
expect_exit 1 "a build id is used once" -- "$VIGIL" call "unix:$SOCK" vigil.BuildLog+b1 $(as builder) < "$WORK/stream"
expect_stderr "used once" "the duplicate is named"
# shellcheck disable=SC2046
expect_exit 2 "an invalid build id" -- "$VIGIL" call "unix:$SOCK" "vigil.BuildLog+..x" $(as builder) < "$WORK/stream"
# shellcheck disable=SC2046
expect_exit 1 "the builder may not append signature records" -- sh -c "printf '{\"type\":\"signature\"}' | \"$VIGIL\" call unix:$SOCK vigil.Append+signature $(as builder)"
# shellcheck disable=SC2046
expect_exit 2 "a record that is not canonical JSON" -- sh -c "printf '{ \"type\": \"signature\" }' | \"$VIGIL\" call unix:$SOCK vigil.Append+signature $(as signer)"
if [ "$(size)" = "$before" ]; then pass "nothing was appended"; else fail "size $before -> $(size)"; fi
head -c 3000 /dev/urandom > "$WORK/junk"
# shellcheck disable=SC2046
expect_exit 2 "binary junk instead of the protocol" -- "$VIGIL" call "unix:$SOCK" vigil.BuildLog+junk $(as builder) < "$WORK/junk"
printf 'log started\nlog %s\n' "$(head -c 100000 /dev/zero | tr '\0' x)" > "$WORK/unclosed"
# shellcheck disable=SC2046
expect_exit 1 "a stream that ends without close" -- "$VIGIL" call "unix:$SOCK" vigil.BuildLog+b3 $(as builder) < "$WORK/unclosed"
if [ "$(curl -sf "$URL/builds" | jq -r '.[] | select(.build_id == "b3") | .status')" = truncated ]; then pass "it is logged as truncated"; else fail "b3 not truncated"; fi
if grep -q "line cut, 95904 more bytes dropped" <(curl -sf "$URL/builds/b3/log"); then pass "the oversize line was cut and marked"; else fail "no cut mark"; fi
# The largest build the limits allow fits one entry (finding D14): 128 artifacts with names
# of 255 bytes close as usual; a 129th artifact line is refused at once and the build is
# logged as truncated, never left without an entry.
python3 -c "
for i in range(128): print('artifact %064x %s' % (i, ('n%03d' % i) + 'x' * 251))
print('close')" > "$WORK/art128"
# shellcheck disable=SC2046
expect_exit 0 "128 artifacts with 255-byte names close" -- "$VIGIL" call "unix:$SOCK" vigil.BuildLog+art128 $(as builder) < "$WORK/art128"
if [ "$(curl -sf "$URL/builds" | jq -r '.[] | select(.build_id == "art128") | "\(.status) \(.artifacts | length)"')" = "closed 128" ]; then
  pass "art128 is logged, closed, with its 128 artifacts"; else fail "art128: $(curl -sf "$URL/builds" | jq -c '.[] | select(.build_id == "art128") | .status')"; fi
python3 -c "
for i in range(129): print('artifact %064x %s' % (i, ('n%03d' % i) + 'x' * 251))
print('close')" > "$WORK/art129"
# shellcheck disable=SC2046
expect_exit 2 "a 129th artifact is refused" -- "$VIGIL" call "unix:$SOCK" vigil.BuildLog+art129 $(as builder) < "$WORK/art129"
expect_stderr "more than 128 artifacts" "the limit is named"
if [ "$(curl -sf "$URL/builds" | jq -r '.[] | select(.build_id == "art129") | .status')" = truncated ]; then
  pass "art129 is logged as truncated at once"; else fail "art129 has no entry"; fi

# The read API: tiles, limits, unknown paths.
code() { curl -s -o /dev/null -w '%{http_code}' "$URL$1"; }
n=$(size)
if [ "$(code "/tile/0/000.p/$n")" = 200 ] && [ "$(code "/tile/entries/000.p/$n")" = 200 ]; then pass "tiles of the current tree are served"; else fail "tile codes"; fi
if [ "$(code "/tile/0/000.p/$((n + 1))")" = 404 ] && [ "$(code /tile/0/001)" = 404 ]; then pass "tiles beyond the tree are 404"; else fail "beyond: $(code "/tile/0/000.p/$((n + 1))")"; fi
if [ "$(code /tile/0/../../log.key)" = 400 ] || [ "$(code /tile/0/../../log.key)" = 404 ]; then pass "no path escapes the tiles"; else fail "escape: $(code /tile/0/../../log.key)"; fi
if [ "$(code /builds/nope/log)" = 404 ] && [ "$(code /nothing)" = 404 ] && [ "$(code /healthz)" = 200 ]; then pass "unknown builds and paths are 404, /healthz 200"; else fail "codes"; fi

# A live build followed in headless Chromium: lines appear while it streams.
( for i in $(seq 1 40); do echo "log line $i"; sleep 0.25; done; echo close ) \
  | "$VIGIL" call "unix:$SOCK" vigil.BuildLog+live $(as builder) > "$WORK/live.out" 2>&1 &
streamer=$!
sleep 1
if python3 "$ROOT/tests/ledger_web.py" "$URL" live > "$WORK/web.out" 2>&1; then
  pass "Chromium shows the live log growing, then closed"; else fail "web: $(tail -5 "$WORK/web.out")"; fi
wait $streamer || fail "the live build's call failed: $(cat "$WORK/live.out")"

# Crash safety: SIGKILL while builds stream and records are appended; after each restart
# every acknowledged line and entry is there and the tree extends every checkpoint seen.
ROUNDS=${LEDGER_KILL_ROUNDS:-3}
# For a failure after a restart: whether the ledger still runs, and the end of its stderr
# (a rare "connection refused" under heavy load is not yet explained).
ledger_state() {
  if kill -0 "$ledger" 2>/dev/null; then echo "the ledger runs"; else
    echo "the ledger has exited: $(tail -3 "$WORK/ledger.err" | tr '\n' ' ')"; fi
}
mkdir "$WORK/acked"
for round in $(seq 1 "$ROUNDS"); do
  # An endless build: it is still streaming when the ledger is killed.
  ( i=0; while :; do i=$((i + 1)); echo "log round $round line $i"; [ $((i % 50)) != 0 ] || echo sync; done ) 2>/dev/null \
    | "$VIGIL" call "unix:$SOCK" "vigil.BuildLog+kill$round" $(as builder) > "$WORK/acked/build$round" 2>/dev/null &
  appender_pids=()
  for a in 1 2; do
    ( for i in $(seq 1 1000); do
        rec="{\"build_id\":\"r${round}a${a}n$i\",\"type\":\"signature\"}"
        out=$(printf '%s' "$rec" | "$VIGIL" call "unix:$SOCK" vigil.Append+signature $(as signer) 2>/dev/null) || break
        echo "$(sed -n 's/^index //p' <<<"$out") $rec"
      done > "$WORK/acked/append$round.$a" ) &
    appender_pids+=($!)
  done
  # Kill at a random moment once appends are being acknowledged.
  for _ in $(seq 80); do
    [ "$(cat "$WORK/acked/append$round".* 2>/dev/null | wc -l)" -ge 2 ] && break
    sleep 0.1
  done
  sleep "0.$((RANDOM % 8 + 1))"
  curl -sf "$URL/checkpoint" > "$WORK/seen.$round" || true
  kill -9 $ledger; wait $ledger 2>/dev/null || true
  wait "${appender_pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  # Check the acknowledged appends offline first: opening the log recovers it as the
  # restarted ledger will.
  lost=0
  for a in 1 2; do
    while read -r index rec; do
      [ -z "$index" ] && continue
      got=$("$VIGIL" log prove "$LOG" --index "$index" 2>/dev/null | sed -n 's/^extra //p' | base64 -d 2>/dev/null || true)
      [ "$(jq -r .build_id <<<"$got" 2>/dev/null)" = "$(jq -r .build_id <<<"$rec")" ] || lost=$((lost + 1))
    done < "$WORK/acked/append$round.$a"
  done
  if ! start_ledger; then fail "round $round: the ledger did not restart: $(tail -3 "$WORK/ledger.err")"; break; fi
  acked=$(grep -c '^ack' "$WORK/acked/build$round" || true)
  last_ack=$(grep '^ack' "$WORK/acked/build$round" | tail -1 | cut -d' ' -f2 || true)
  logged=$(curl -sf "$URL/builds/kill$round/log" | wc -l || true)
  appended=$(cat "$WORK/acked/append$round".* | grep -c . || true)
  if [ "$lost" = 0 ] && [ "${last_ack:-0}" -le "$logged" ]; then
    pass "round $round: $appended acknowledged appends and $((${last_ack:-0})) acknowledged lines ($acked acks) survived SIGKILL"
  else fail "round $round: $lost appends lost, last ack ${last_ack:-0} > $logged lines ($(ledger_state))"; fi
  if [ "$(curl -sf "$URL/builds" | jq -r ".[] | select(.build_id == \"kill$round\") | .status")" = truncated ]; then
    pass "round $round: the interrupted build is logged as truncated"; else fail "round $round: kill$round not truncated ($(ledger_state))"; fi
  expect_exit 0 "round $round: the tree extends every checkpoint seen" -- "$VIGIL" log verify --ledger "$URL" --trusted "$WORK/trusted"
done
for seen in "$WORK"/seen.*; do
  [ -s "$seen" ] || continue
  { cat "$WORK/vkey"; cat "$seen"; } > "$WORK/trusted.seen"
  "$VIGIL" log verify --ledger "$URL" --trusted "$WORK/trusted.seen" > /dev/null 2>&1 || fail "not consistent with $(basename "$seen")"
done
pass "consistency holds from every checkpoint published before the kills"

# A fork: another history under the same key is detected.
kill -TERM $ledger; wait $ledger || true
cp -a "$LOG" "$WORK/fork"
rm -f "$WORK/fork/lock"
echo "a different entry" > "$WORK/other"
"$VIGIL" log add "$LOG" "$WORK/other" > /dev/null
echo "yet another entry" > "$WORK/other2"
"$VIGIL" log add "$WORK/fork" "$WORK/other2" > /dev/null
start_ledger
expect_exit 0 "verify the real history" -- "$VIGIL" log verify --ledger "$URL" --trusted "$WORK/trusted"
kill -TERM $ledger; wait $ledger || true
LOG="$WORK/fork"
start_ledger || true
expect_exit 1 "a forked ledger is reported" -- "$VIGIL" log verify --ledger "$URL" --trusted "$WORK/trusted"
expect_stderr "fork" "the error says fork"
kill -TERM $ledger; status=0; wait $ledger || status=$?
if [ "$status" = 0 ]; then pass "SIGTERM stops the ledger cleanly"; else fail "ledger exited $status"; fi
ledger=""

# The same [service] table as the signer's and the builder's; a flag given overrides the
# file (here --http over the file's unusable port).
LOG="$WORK/log"
cat > "$WORK/ledger.toml" <<TOML
[service]
listen = ["unix:$SOCK"]
cert = "ca/ledger.crt"
key = "ca/ledger.key"
ca = "ca/ca.crt"
policy = "policy"
audit_log = "audit.log"
dir = "log"
http = "127.0.0.1:1"
idle_timeout_seconds = 30
TOML
if start_ledger --config "$WORK/ledger.toml" --http 127.0.0.1:0 &&
  [ "$(curl -sf "$URL/checkpoint" | head -1)" = vigil.test/ledger ]; then
  pass "vigil-ledger starts from --config FILE, --http overriding the file"
else fail "config start: $(tail -3 "$WORK/ledger.err")"; fi
# shellcheck disable=SC2046
expect_exit 0 "a call reaches the ledger started from its file" -- "$VIGIL" call "unix:$SOCK" vigil.Ping $(as builder)
kill -TERM $ledger; wait $ledger || true
ledger=""
sed -i '/^dir = /d' "$WORK/ledger.toml"
expect_exit 2 "a file without dir is refused" -- "$BIN/vigil-ledger" --config "$WORK/ledger.toml"
expect_stderr "ledger.toml" "the error names the file"
expect_stderr "service.dir" "and the missing key"
expect_exit 2 "no file and no flags: refused" -- "$BIN/vigil-ledger"
expect_stderr "missing --dir (service.dir), --listen (service.listen)" "the error names what is missing"
finish
