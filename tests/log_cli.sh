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
finish
