#!/bin/bash
# The channels' TUF repository against an independent client: vigil repo writes it (keygen,
# init, add to testing, promote to current), tuf-js 4 (npm, pinned by tests/tuf-js's
# package-lock.json) fetches and verifies targets over HTTP, and so does vigil repo fetch;
# then tampered bytes, expired metadata, a rollback and a wrong root are refused by both;
# a root rotation (new root and timestamp keys) is followed by both, and the old key refused.
. "$(dirname "$0")/lib.sh"
tufjs_setup || { finish; exit 1; }
cd "$WORK"
expect_exit 0 "repo keygen" -- "$VIGIL" repo keygen --keys-dir keys
if [ "$(stat -c %a keys/root.secret)" = 600 ]; then pass "role secrets are 0600"; else fail "mode $(stat -c %a keys/root.secret)"; fi
expect_exit 0 "repo init" -- "$VIGIL" repo init repo --keys-dir keys
expect_exit 2 "init refuses a directory that holds a repository" -- "$VIGIL" repo init repo --keys-dir keys
printf 'an image' > hello.eif
printf 'its provenance' > hello.dsse.json
expect_exit 0 "repo add: a build to testing" -- "$VIGIL" repo add repo --keys-dir keys --channel testing \
  --target testing/hello/7/hello.eif=hello.eif --target testing/hello/7/hello.dsse.json=hello.dsse.json --custom commit=0123abcd
expect_exit 2 "a path outside the channel's pattern is refused" -- "$VIGIL" repo add repo --keys-dir keys --channel testing --target current/hello/7/hello.eif=hello.eif
printf 'another image' > other.eif
expect_exit 2 "a path already listed with other bytes is refused" -- "$VIGIL" repo add repo --keys-dir keys --channel testing --target testing/hello/7/hello.eif=other.eif
expect_exit 2 "a target whose file is missing refuses the whole add" -- "$VIGIL" repo add repo --keys-dir keys --channel testing --target testing/hello/8/other.eif=other.eif --target testing/hello/8/gone.eif=gone.eif
if [ "$(find repo/targets -type f | wc -l)" = 2 ] && [ ! -e repo/metadata/3.testing.json ]; then pass "refused adds wrote no target file and no metadata"; else fail "after refused adds: $(find repo -type f | sort)"; fi

port=$(free_port)
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$WORK/repo" > http.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/metadata/timestamp.json" >/dev/null && break; sleep 0.1; done
URL="http://127.0.0.1:$port"

expect_exit 0 "tuf-js verifies a testing target" -- tufjs "$URL" repo/metadata/1.root.json testing/hello/7/hello.eif out/tufjs/hello.eif state/tufjs
expect_stdout "verified testing/hello/7/hello.eif 8" "tuf-js names the target and its length"
if [ "$(cat out/tufjs/hello.eif)" = "an image" ]; then pass "tuf-js wrote the image"; else fail "tuf-js's file"; fi
expect_exit 1 "tuf-js: nothing in current yet" -- tufjs "$URL" repo/metadata/1.root.json current/hello/7/hello.eif out/tufjs/current.eif state/tufjs
expect_exit 0 "vigil repo fetch over HTTP: the newest testing build" -- "$VIGIL" repo fetch "$URL" hello --channel testing --root repo/metadata/1.root.json --out out/vigil --state state/vigil
expect_stdout "hello build 7 from testing: 2 files verified" "both files"
if cmp -s out/vigil/hello.eif hello.eif && cmp -s out/vigil/hello.dsse.json hello.dsse.json; then pass "the files are the build's"; else fail "fetched files differ"; fi

# Promotion: current lists the same bytes.
expect_exit 0 "repo add: the build to current" -- "$VIGIL" repo add repo --keys-dir keys --channel current \
  --target current/hello/7/hello.eif=hello.eif --target current/hello/7/hello.dsse.json=hello.dsse.json --custom commit=0123abcd
expect_exit 0 "tuf-js verifies the current target" -- tufjs "$URL" repo/metadata/1.root.json current/hello/7/hello.eif out/tufjs/current.eif state/tufjs
expect_exit 0 "vigil repo fetch from the directory: current" -- "$VIGIL" repo fetch repo hello --channel current --root repo/metadata/1.root.json --out out/current --state state/vigil
expect_exit 2 "fetch never writes over a file" -- "$VIGIL" repo fetch repo hello --channel current --root repo/metadata/1.root.json --out out/current
expect_exit 1 "a component with no build in the channel" -- "$VIGIL" repo fetch repo nothing --channel current --root repo/metadata/1.root.json --out out/nothing
expect_stderr "nothing has no build in current" "it says so"

# Refusals, by both clients.
cp repo/metadata/timestamp.json old-timestamp.json
expect_exit 0 "timestamp re-signed" -- "$VIGIL" repo timestamp repo --keys-dir keys
"$VIGIL" repo fetch "$URL" hello --channel current --root repo/metadata/1.root.json --out out/seen --state state/vigil >/dev/null
tufjs "$URL" repo/metadata/1.root.json current/hello/7/hello.eif out/tufjs/seen.eif state/tufjs >/dev/null
cp repo/metadata/timestamp.json new-timestamp.json
cp old-timestamp.json repo/metadata/timestamp.json
expect_exit 1 "vigil: a rolled-back timestamp is refused" -- "$VIGIL" repo fetch "$URL" hello --channel current --root repo/metadata/1.root.json --out out/rolled --state state/vigil
expect_stderr "rollback: timestamp version" "named rollback"
expect_exit 1 "tuf-js: the same rollback is refused" -- tufjs "$URL" repo/metadata/1.root.json current/hello/7/hello.eif out/tufjs/rolled.eif state/tufjs
cp new-timestamp.json repo/metadata/timestamp.json
later=$(( $(date +%s) + 3 * 86400 ))
expect_exit 1 "vigil: past the timestamp's expiry (a freeze) is refused" -- "$VIGIL" repo fetch "$URL" hello --channel current --root repo/metadata/1.root.json --out out/frozen --time "$later"
expect_stderr "freeze: timestamp expired" "named freeze"
"$VIGIL" repo timestamp repo --keys-dir keys --now $(( $(date +%s) - 2 * 86400 )) >/dev/null 2>&1 || true
expect_exit 1 "tuf-js: an expired timestamp is refused" -- tufjs "$URL" repo/metadata/1.root.json current/hello/7/hello.eif out/tufjs/expired.eif state/tufjs-fresh
expect_stdout "xpired" "tuf-js says expired"
"$VIGIL" repo timestamp repo --keys-dir keys >/dev/null
for f in repo/targets/current/hello/7/*.hello.eif; do printf 'an imagE' > "$f"; done
expect_exit 1 "vigil: changed target bytes are refused" -- "$VIGIL" repo fetch "$URL" hello --channel current --root repo/metadata/1.root.json --out out/changed
expect_stderr "hashes" "named hashes"
if [ ! -e out/changed/hello.eif ] && [ ! -e out/changed/hello.dsse.json ]; then pass "nothing written"; else fail "files written"; fi
expect_exit 1 "tuf-js: changed target bytes are refused" -- tufjs "$URL" repo/metadata/1.root.json current/hello/7/hello.eif out/tufjs/changed.eif state/tufjs-changed
mkdir -p other && "$VIGIL" repo keygen --keys-dir other/keys >/dev/null && "$VIGIL" repo init other/repo --keys-dir other/keys >/dev/null
expect_exit 1 "vigil: another repository's root does not verify this one" -- "$VIGIL" repo fetch "$URL" hello --channel testing --root other/repo/metadata/1.root.json --out out/other
expect_stderr "threshold: timestamp" "named threshold"

# Key rotation: a new root key and a new timestamp key (the online key a thief would hold).
"$VIGIL" repo keygen --keys-dir new >/dev/null
rm new/targets.* new/snapshot.* new/testing.* new/current.*
expect_exit 2 "rotate-root needs a new key" -- "$VIGIL" repo rotate-root repo --keys-dir keys --new-keys-dir other
expect_exit 0 "rotate-root: root v2 trusts the new root and timestamp keys" -- "$VIGIL" repo rotate-root repo --keys-dir keys --new-keys-dir new
if [ -e repo/metadata/2.root.json ] && [ ! -e repo/metadata/3.root.json ]; then pass "one new root version"; else fail "roots: $(ls repo/metadata)"; fi
expect_exit 0 "vigil repo fetch follows the chain from root v1" -- "$VIGIL" repo fetch "$URL" hello --channel testing --root repo/metadata/1.root.json --out out/rotated --state state/vigil
expect_stdout "(root v2)" "it trusts root v2 now"
expect_exit 0 "tuf-js follows it too" -- tufjs "$URL" repo/metadata/1.root.json testing/hello/7/hello.eif out/tufjs/rotated.eif state/tufjs
"$VIGIL" repo timestamp repo --keys-dir keys >/dev/null
expect_exit 1 "vigil: a timestamp signed by the rotated-out key is refused" -- "$VIGIL" repo fetch "$URL" hello --channel testing --root repo/metadata/1.root.json --out out/old-key --state state/vigil
expect_stderr "threshold: timestamp" "named threshold"
expect_exit 1 "tuf-js: the same" -- tufjs "$URL" repo/metadata/1.root.json testing/hello/7/hello.eif out/tufjs/old-key.eif state/tufjs
expect_exit 0 "re-signed with the new key, it is served again" -- "$VIGIL" repo timestamp repo --keys-dir new
expect_exit 0 "vigil accepts it" -- "$VIGIL" repo fetch "$URL" hello --channel testing --root repo/metadata/1.root.json --out out/new-key --state state/vigil
finish
