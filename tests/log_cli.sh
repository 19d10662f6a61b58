#!/bin/bash
# vigil log: the offline commands over a log directory. Receipts and consistency proofs
# printed by one command verify with the others; bad input changes nothing.
. "$(dirname "$0")/lib.sh"
LOG="$WORK/log"

expect_exit 0 "log init" -- "$VIGIL" log init "$LOG" --origin example.com/vigil-test
VKEY=$(cat "$WORK/stdout")
case "$VKEY" in example.com/vigil-test+????????+*) pass "init prints the verifier key";; *) fail "vkey: $VKEY";; esac
if [ "$(stat -c %a "$LOG/log.key")" = 600 ]; then pass "the checkpoint key is 0600"; else fail "log.key mode"; fi
expect_exit 0 "log vkey" -- "$VIGIL" log vkey "$LOG"
if [ "$(cat "$WORK/stdout")" = "$VKEY" ]; then pass "vkey prints the same key"; else fail "vkey differs"; fi
expect_exit 2 "init over an existing log" -- "$VIGIL" log init "$LOG" --origin other
expect_stderr "not empty" "the error names the problem"
expect_exit 2 "init with a 5000-byte origin" -- "$VIGIL" log init "$WORK/long-origin" --origin "$(printf 'o%.0s' $(seq 5000))"
expect_stderr "the origin is 5000 bytes; at most 1024" "the origin's length is named"
if [ ! -e "$WORK/long-origin" ]; then pass "nothing written for a long origin"; else fail "left $(ls -A "$WORK/long-origin")"; fi

for i in $(seq 1 300); do echo "entry $i" > "$WORK/e$i"; done
expect_exit 0 "add 300 entries" -- "$VIGIL" log add "$LOG" $(for i in $(seq 1 300); do echo "$WORK/e$i"; done)
if [ "$(head -1 "$WORK/stdout")" = 0 ] && [ "$(tail -1 "$WORK/stdout")" = 299 ]; then pass "add prints indexes 0..299"; else fail "indexes: $(head -3 "$WORK/stdout")"; fi
expect_exit 0 "checkpoint" -- "$VIGIL" log checkpoint "$LOG"
if [ "$(sed -n 1p "$WORK/stdout")" = example.com/vigil-test ] && [ "$(sed -n 2p "$WORK/stdout")" = 300 ] && grep -q "^— example.com/vigil-test " "$WORK/stdout"; then
  pass "the checkpoint names origin, size and is signed"; else fail "checkpoint: $(cat "$WORK/stdout")"; fi
cp "$WORK/stdout" "$WORK/checkpoint.300"
if [ -f "$LOG/tile/0/000" ] && [ -f "$LOG/tile/0/001.p/44" ] && [ -f "$LOG/tile/entries/000" ] && [ -f "$LOG/tile/1/000.p/1" ]; then
  pass "tiles follow the tlog-tiles layout"; else fail "tiles: $(cd "$LOG" && find tile | head)"; fi

expect_exit 0 "prove an entry" -- "$VIGIL" log prove "$LOG" --index 257
if [ "$(head -1 "$WORK/stdout")" = "c2sp.org/tlog-proof@v1" ] && grep -q "^index 257$" "$WORK/stdout" \
   && grep -q "^extra $(printf 'entry 258\n' | base64 -w0)$" "$WORK/stdout"; then
  pass "the receipt is a tlog-proof carrying the entry"; else fail "receipt: $(head -5 "$WORK/stdout")"; fi
expect_exit 2 "prove beyond the log" -- "$VIGIL" log prove "$LOG" --index 300

expect_exit 0 "consistency 100 -> 300" -- "$VIGIL" log consistency "$LOG" --from 100 --to 300
if [ "$(wc -l < "$WORK/stdout")" -ge 1 ] && ! grep -qv '^[A-Za-z0-9+/]\{43\}=$' "$WORK/stdout"; then
  pass "one base64 hash a line"; else fail "consistency: $(cat "$WORK/stdout")"; fi
expect_exit 2 "consistency with --from > --to" -- "$VIGIL" log consistency "$LOG" --from 5 --to 4

# An entry over the limit: nothing is appended, not even the good file before it.
head -c 70000 /dev/zero > "$WORK/big"
expect_exit 2 "an entry over 64 KiB" -- "$VIGIL" log add "$LOG" "$WORK/e1" "$WORK/big"
"$VIGIL" log checkpoint "$LOG" > "$WORK/after"
if cmp -s "$WORK/after" "$WORK/checkpoint.300"; then pass "nothing was appended"; else fail "the log changed"; fi
expect_exit 2 "a directory that is not a log" -- "$VIGIL" log checkpoint "$WORK"
expect_stderr "vigil log init" "the error says how to make one"

# Crash consistency: a batch whose tiles were written but whose checkpoint was not is
# ignored on the next open.
cp -a "$LOG" "$WORK/crashed"
"$VIGIL" log add "$LOG" "$WORK/e1" "$WORK/e2" > /dev/null
cp -a "$LOG/tile/." "$WORK/crashed/tile/"
expect_exit 0 "open after an interrupted batch" -- "$VIGIL" log checkpoint "$WORK/crashed"
if [ "$(sed -n 2p "$WORK/stdout")" = 300 ]; then pass "the interrupted batch is not in the tree"; else fail "size $(sed -n 2p "$WORK/stdout")"; fi
# expect_no_stdout DESCRIPTION: the last command printed nothing (a refused command leaves
# no output that could be mistaken for a result).
expect_no_stdout() {
  if [ ! -s "$WORK/stdout" ]; then pass "$1"; else fail "$1: printed $(head -c 200 "$WORK/stdout")"; fi
}
# expect_not_stderr TEXT DESCRIPTION: the last command's stderr does not contain TEXT.
expect_not_stderr() {
  if ! grep -qF -- "$1" "$WORK/stderr"; then pass "$2"; else fail "$2: stderr has '$1': $(head -c 400 "$WORK/stderr")"; fi
}
# fresh_copy NAME: a copy of the intact log (302 entries: tile/0/000 and tile/entries/000 full).
fresh_copy() { rm -rf "$WORK/$1"; cp -a "$LOG" "$WORK/$1"; echo "$WORK/$1"; }

# Integer options (D21): digits only, no wrap-around, no clamping.
expect_exit 2 "prove --index -1" -- "$VIGIL" log prove "$LOG" --index -1
expect_stderr "not a non-negative integer" "the error says -1 is not a non-negative integer"
expect_exit 2 "prove --index 2^64" -- "$VIGIL" log prove "$LOG" --index 18446744073709551616
expect_stderr "too large: at most 18446744073709551615" "2^64 is refused, not clamped"
expect_exit 2 "prove --index 2^64-1 (beyond the log)" -- "$VIGIL" log prove "$LOG" --index 18446744073709551615
expect_stderr "is not in the log (size 302)" "2^64-1 is read as itself"
expect_exit 2 "prove --index 0x10" -- "$VIGIL" log prove "$LOG" --index 0x10
expect_exit 2 "consistency --from -1" -- "$VIGIL" log consistency "$LOG" --from -1 --to 5
expect_exit 0 "prove --index 010 (decimal, not octal)" -- "$VIGIL" log prove "$LOG" --index 010
if grep -q "^index 10$" "$WORK/stdout"; then pass "010 is ten"; else fail "010: $(grep ^index "$WORK/stdout")"; fi

# fsck of the intact log.
expect_exit 0 "fsck of an intact log" -- "$VIGIL" log fsck "$LOG"
expect_stdout_has() { if grep -qF -- "$1" "$WORK/stdout"; then pass "$2"; else fail "$2: stdout lacks '$1': $(head -c 400 "$WORK/stdout")"; fi; }
expect_stdout_has "302 entries in 2 bundles and 3 hash tiles verified" "fsck counts what it verified"
expect_exit 0 "fsck --json" -- "$VIGIL" log fsck "$LOG" --json
expect_stdout_has '"size": 302' "fsck --json gives the size"
"$VIGIL" log prove "$LOG" --index 5 > "$WORK/p5.good"
"$VIGIL" log consistency "$LOG" --from 10 --to 302 > "$WORK/c10.good"

# D9: a flipped bit in a full hash tile. Nothing is printed, the file is named, exit 1.
C=$(fresh_copy bad-tile)
flip_byte "$C/tile/0/000" 200
expect_exit 1 "prove over a damaged hash tile" -- "$VIGIL" log prove "$C" --index 5
expect_stderr "tile/0/000 does not hash to its hash in tile/1/000.p/1" "prove names the damaged tile"
expect_no_stdout "prove prints no receipt over a damaged tile"
expect_exit 1 "consistency over a damaged hash tile" -- "$VIGIL" log consistency "$C" --from 10 --to 302
expect_stderr "tile/0/000 does not hash" "consistency names the damaged tile"
expect_no_stdout "consistency prints no proof over a damaged tile"
expect_exit 1 "fsck of a damaged hash tile" -- "$VIGIL" log fsck "$C"
expect_stderr "is damaged: tile/0/000 does not hash" "fsck names the damaged tile"
expect_no_stdout "fsck prints no success line"
cp "$C/checkpoint" "$WORK/checkpoint.before"
expect_exit 1 "add to a log with a damaged tile" -- "$VIGIL" log add "$C" "$WORK/e1"
expect_stderr "tile/0/000 does not hash" "add names the damaged tile"
if cmp -s "$C/checkpoint" "$WORK/checkpoint.before"; then pass "add appended nothing"; else fail "add changed the checkpoint"; fi
# A proof that does not touch the damaged tile is still served, and is the intact log's.
expect_exit 0 "prove an entry whose proof avoids the damaged tile" -- "$VIGIL" log prove "$C" --index 301

# D9: a flipped bit in an entry bundle.
C=$(fresh_copy bad-bundle)
flip_byte "$C/tile/entries/000" 3
expect_exit 1 "prove an entry from a damaged bundle" -- "$VIGIL" log prove "$C" --index 0
expect_stderr "tile/entries/000 holds entry 0 with bytes that do not match its leaf hash in tile/0/000" "prove names the damaged bundle"
expect_no_stdout "no receipt for a damaged entry"
expect_exit 1 "fsck of a damaged bundle" -- "$VIGIL" log fsck "$C"
expect_stderr "tile/entries/000 holds entry 0" "fsck names the damaged bundle"
expect_exit 1 "add to a log with a damaged last bundle" -- "$VIGIL" log add "$C" "$WORK/e1"
expect_stderr "tile/entries/000" "add names the damaged bundle"

# The right edge: the partial tile and the partial bundle are checked at every open.
C=$(fresh_copy bad-edge)
flip_byte "$C/tile/0/001.p/46" 40
expect_exit 1 "prove over a damaged partial tile" -- "$VIGIL" log prove "$C" --index 0
expect_stderr "tile/0/001.p/46" "the right edge's files are named"
expect_no_stdout "nothing printed over a damaged right edge"
expect_exit 1 "add over a damaged partial tile" -- "$VIGIL" log add "$C" "$WORK/e1"
C=$(fresh_copy bad-partial-bundle)
flip_byte "$C/tile/entries/001.p/46" 5
expect_exit 1 "prove over a damaged partial bundle" -- "$VIGIL" log prove "$C" --index 0
expect_stderr "tile/entries/001.p/46 holds entry 256" "the partial bundle is named"
expect_exit 1 "add over a damaged partial bundle" -- "$VIGIL" log add "$C" "$WORK/e1"

# Truncated and missing files: damage too (exit 1), and no advice to fetch a local file again.
C=$(fresh_copy truncated)
truncate -s 100 "$C/tile/entries/000"
expect_exit 1 "prove from a truncated bundle" -- "$VIGIL" log prove "$C" --index 3
expect_stderr "tile/entries/000 is malformed: entry bundle is truncated" "the truncated bundle is named"
expect_not_stderr "fetch it again" "a local file is not to be fetched again"
rm "$C/tile/0/000"
expect_exit 1 "fsck with a missing tile" -- "$VIGIL" log fsck "$C"
expect_stderr "tile/0/000 is missing" "the missing tile is named"

# D18: a mirror (tile/, checkpoint, log.vkey only) is read without the key, lock or index.
M="$WORK/mirror"
mkdir "$M" && cp -r "$LOG/tile" "$LOG/checkpoint" "$LOG/log.vkey" "$M/"
expect_exit 0 "prove on a mirror" -- "$VIGIL" log prove "$M" --index 5
if cmp -s "$WORK/stdout" "$WORK/p5.good"; then pass "the mirror's receipt is the log's"; else fail "receipts differ"; fi
expect_exit 0 "consistency on a mirror" -- "$VIGIL" log consistency "$M" --from 10 --to 302
if cmp -s "$WORK/stdout" "$WORK/c10.good"; then pass "the mirror's proof is the log's"; else fail "proofs differ"; fi
expect_exit 0 "fsck of a mirror" -- "$VIGIL" log fsck "$M"
expect_exit 0 "checkpoint of a mirror" -- "$VIGIL" log checkpoint "$M"
expect_exit 0 "vkey of a mirror" -- "$VIGIL" log vkey "$M"
if [ "$(ls -A "$M" | tr '\n' ' ')" = "checkpoint log.vkey tile " ]; then pass "reading wrote nothing into the mirror"; else fail "mirror now holds: $(ls -A "$M")"; fi
expect_exit 2 "add to a mirror" -- "$VIGIL" log add "$M" "$WORK/e1"
expect_stderr "has no log.key" "add says a mirror has no private key"
# A mirror whose partial tiles were completed (and deleted) after its checkpoint was copied.
M2="$WORK/mirror2"
mkdir "$M2" && cp -r "$LOG/tile" "$LOG/log.vkey" "$M2/" && cp "$LOG/checkpoint" "$M2/"
C=$(fresh_copy grown)
"$VIGIL" log add "$C" $(for i in $(seq 1 220); do echo "$WORK/e$i"; done) > /dev/null
rm -rf "$M2/tile" && cp -r "$C/tile" "$M2/"
if [ ! -e "$M2/tile/0/001.p/46" ] && [ -e "$M2/tile/0/001" ]; then
  expect_exit 0 "prove on a mirror whose partial tile became full" -- "$VIGIL" log prove "$M2" --index 300
  expect_exit 0 "fsck on a mirror whose partial tile became full" -- "$VIGIL" log fsck "$M2"
else fail "the grown log kept its partial tile"; fi

# D18: read commands beside a writer holding the lock, and on a read-only directory.
expect_exit 0 "prove while the write lock is held" -- flock "$LOG/lock" "$VIGIL" log prove "$LOG" --index 5
expect_exit 1 "add while the write lock is held" -- flock "$LOG/lock" "$VIGIL" log add "$LOG" "$WORK/e1"
expect_stderr "in use by another process" "add says the log is in use"
RO="$WORK/ro"
mkdir "$RO"
if unshare -m true 2>/dev/null; then
  ro() { unshare -m sh -c 'mount --bind "$1" "$2" && mount -o remount,bind,ro "$2" && shift 2 && exec "$@"' ro "$@"; }
  expect_exit 0 "prove on a read-only log" -- ro "$LOG" "$RO" "$VIGIL" log prove "$RO" --index 5
  if cmp -s "$WORK/stdout" "$WORK/p5.good"; then pass "the read-only log's receipt is the log's"; else fail "receipts differ"; fi
  expect_exit 0 "consistency on a read-only log" -- ro "$LOG" "$RO" "$VIGIL" log consistency "$RO" --from 10 --to 302
  expect_exit 0 "fsck on a read-only mirror" -- ro "$M" "$RO" "$VIGIL" log fsck "$RO"
  expect_exit 1 "add to a read-only log" -- ro "$LOG" "$RO" "$VIGIL" log add "$RO" "$WORK/e1"
  expect_stderr "Read-only file system" "add says why"
else
  echo "skip: unshare -m is not permitted here; the read-only mount cases did not run"
fi

# D22: messages that say what is wrong and what to do.
C=$(fresh_copy no-checkpoint)
rm "$C/checkpoint"
expect_exit 2 "a log directory without checkpoint" -- "$VIGIL" log prove "$C" --index 1
expect_stderr "is not a log directory (no checkpoint): create one with \`vigil log init" "a missing checkpoint: not a log, run log init"
expect_not_stderr "check the path" "not 'check the path'"
C=$(fresh_copy bad-index)
head -c 4096 /dev/urandom > "$C/index.db"
rm -f "$C/index.db-wal" "$C/index.db-shm"
expect_exit 1 "add with a garbage index.db" -- "$VIGIL" log add "$C" "$WORK/e1"
expect_stderr "it is derived data; delete it" "a garbage index: derived data, delete it"
rm -f "$C/index.db"
expect_exit 0 "add once the garbage index is deleted (rebuilt)" -- "$VIGIL" log add "$C" "$WORK/e1"
if [ "$(cat "$WORK/stdout")" = 302 ]; then pass "the rebuilt log appends at 302"; else fail "index $(cat "$WORK/stdout")"; fi
expect_exit 2 "log verify --trusted with the private key" -- "$VIGIL" log verify --ledger http://127.0.0.1:9 --trusted "$LOG/log.key"
expect_stderr "holds a private key: --trusted wants the ledger's public verifier key (its log.vkey" "the private key is recognised"
if ! grep -qF "$(cut -d+ -f5- "$LOG/log.key" | head -c 20)" "$WORK/stderr"; then pass "the private key is not printed"; else fail "the key leaked into stderr"; fi
finish
