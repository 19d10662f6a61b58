#!/bin/bash
# vigil log migrate: a log moved from a directory into a private PostgreSQL 15 cluster and
# back, the same root proven each way, and a failed move that leaves nothing behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/postgres_lib.sh"
pg_start
DB=$(pg_createdb ledger)
OTHER=$(pg_createdb other)

"$VIGIL" log init "$WORK/log" --origin example.com/migrate > /dev/null
for i in $(seq 1 300); do echo "{\"type\":\"build-log\",\"build_id\":\"b$i\"}" > "$WORK/e$i"; done
"$VIGIL" log add "$WORK/log" $(for i in $(seq 1 300); do echo "$WORK/e$i"; done) > /dev/null
root=$(sed -n 3p "$WORK/log/checkpoint")

if "$VIGIL" log migrate --from "$WORK/log" --to "$DB" --key-dir "$WORK/key" --json > "$WORK/out.json"; then
  pass "a directory log moves into PostgreSQL"
else fail "migrate into PostgreSQL: $(cat "$WORK/out.json")"; fi
if [ "$(jq -r .root "$WORK/out.json")" = "$root" ] && [ "$(jq -r .size "$WORK/out.json")" = 300 ]; then
  pass "the copy's root is the source checkpoint's ($root)"
else fail "the copy's root: $(cat "$WORK/out.json"), want $root"; fi
if [ -f "$WORK/key/log.key" ] && [ "$(stat -c %a "$WORK/key/log.key")" = 600 ] && [ ! -e "$WORK/key/checkpoint" ]; then
  pass "the key moves with the log (log.key 0600), the checkpoint lives in the database"
else fail "the key directory: $(ls -l "$WORK/key")"; fi
labels=$("$PG_BIN/psql" -X -At -d "$DB" -c "SELECT count(*) FROM log_entries WHERE kind = 'build-log' AND key = 'b7'")
if [ "$labels" = 1 ]; then pass "the copied entries are filed in the database's index"; else
  fail "index rows for b7: $labels"; fi

if "$VIGIL" log migrate --from "$DB" --from-key-dir "$WORK/key" --to "$WORK/back" > "$WORK/out" 2>&1 &&
   [ "$(sed -n 3p "$WORK/back/checkpoint")" = "$root" ] && "$VIGIL" log fsck "$WORK/back" > /dev/null; then
  pass "and back into a directory, with the same root, fsck clean"
else fail "migrate back: $(cat "$WORK/out")"; fi
"$VIGIL" log prove "$WORK/back" --index 299 > /dev/null && pass "the moved-back log proves its entries" || fail "prove after the move back"
if "$VIGIL" log add "$WORK/back" "$WORK/e1" > /dev/null; then pass "the moved-back log is appendable with its own key"; else
  fail "append after the move back"; fi

expect_exit 2 "a database that holds a log is refused" -- \
  "$VIGIL" log migrate --from "$WORK/log" --to "$DB" --key-dir "$WORK/key2"
if [ ! -e "$WORK/key2" ]; then pass "and no key directory is left behind"; else fail "key2 left behind"; fi
expect_exit 2 "an existing directory is refused" -- \
  "$VIGIL" log migrate --from "$DB" --from-key-dir "$WORK/key" --to "$WORK/back"
# A source whose entries do not match its checkpoint: the copy is refused, nothing is kept.
cp -r "$WORK/log" "$WORK/damaged"
flip_byte "$WORK/damaged/tile/entries/000" 10
expect_exit 1 "a damaged source is refused" -- \
  "$VIGIL" log migrate --from "$WORK/damaged" --to "$OTHER" --key-dir "$WORK/key3"
cat "$WORK/stderr"
tables=$("$PG_BIN/psql" -X -At -d "$OTHER" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" = 0 ] && [ ! -e "$WORK/key3" ]; then pass "and it leaves no tables and no key behind"; else
  fail "left behind: $tables tables, key3 $(ls "$WORK/key3" 2>&1)"; fi
finish
