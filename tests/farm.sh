#!/bin/bash
# The farm end to end: make run's flow (vigil farm up, our kernel built as its own component
# from a pinned input, the example image against it from a signed tag, ledger entry,
# receipt, signature, boot of the published image), the kernel again from the builder's
# cache, pinned inputs from a URL and wrong or missing ones, then every bad source (unsigned
# tag, unknown key, unpinned key, too few maintainers), an unknown component, a config with
# mistakes, a build reaching for the network, builds over their limits, the ledger killed
# mid-build (truncated, nothing signed or published), and two components built at once.
. "$(dirname "$0")/lib.sh"
FARM="$WORK/farm"
SRC="$FARM-sources"
listener=""
server=""
gateway=""
trap '"$VIGIL" farm down "$FARM" >/dev/null 2>&1 || true; for p in $listener $server $gateway; do kill $p 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

# make run's flow, on this build's binaries. The kernel's source package is already in
# make's kernel cache (scripts/build-kernel): the builder's input store is seeded with it
# (content-addressed, and verified again before use), so the test does not download it.
DEB_SHA256=$(awk '/^\[source\]/ {s=1} s && $1 == "sha256" {gsub(/"/, "", $3); print $3; exit}' "$ROOT/kernel/vigil.toml")
DEB=$(ls "${XDG_CACHE_HOME:-$HOME/.cache}"/vigil/debs/linux-source-*.deb 2>/dev/null | head -1 || true)
if [ -n "$DEB" ]; then mkdir -p "$FARM/work/inputs" && cp "$DEB" "$FARM/work/inputs/$DEB_SHA256"; fi
# The quorum image's own binaries are static: the release build's (make test builds them).
if VIGIL_BIN="$BIN" VIGIL_ENCLAVE_BIN="$ROOT/build/bin" VIGIL_FARM_DIR="$FARM" bash "$ROOT/scripts/run-example" > "$WORK/run.out" 2>&1; then
  pass "make run's flow: farm up, build, entry, receipt, signature, boot"; else fail "run-example: $(tail -20 "$WORK/run.out")"; fi
for want in "started ledger" "started signer" "started gateway" "started builder" "the ledger's web page is http://" \
            "tag v0.1.0 signed by" "build-log entry [0-9]" "the gateway's dispatch: built: build hello-" \
            "signature record (entry [0-9]*)" "waiting for 1 more" "accepted: promoted hello-" \
            "promoted by 2 maintainers" "hello from vigil: world"; do
  if grep -q "$want" "$WORK/run.out"; then pass "make run shows: $want"; else fail "make run lacks '$want'"; fi
done
expect_exit 0 "vigil farm status: every role runs" -- "$VIGIL" farm status "$FARM"
URL=$(cat "$FARM/run/ledger.url")
FPR=$(head -c 40 < <(gpg --with-colons --import-options show-only --import "$SRC/maintainers.gpg" 2>/dev/null | awk -F: '/^fpr:/ {print $10; exit}'))
build_id() { sed -n 's/^build \([^ ]*\) (live.*/\1/p' "$WORK/stdout" | head -1; }
published() { [ -d "$FARM/repo/testing/$1" ]; }
granted() { grep -c "\"build_id\":\"$1\".*\"decision\":\"granted\"\|\"decision\":\"granted\".*\"build_id\":\"$1\"" "$FARM/logs/signer-audit.log" || true; }
log_of() { curl -sf "$URL/builds/$1/log"; }
status_of() { curl -sf "$URL/builds" | jq -r --arg id "$1" '.[] | select(.build_id == $id) | .status'; }
index_of() { jq -r ".components[\"$1\"].$2" "$FARM/repo/testing/index.json"; }

# Our kernel, built by the farm as its own component.
KERNEL_ID=$(index_of kernel build_id)
KDIR="$FARM/repo/testing/$(index_of kernel path)"
# Published builds are readable by other users (the gateway runs as its own user).
if [ "$(stat -c %a "$KDIR")" = 755 ]; then pass "a published build's directory is 0755"; else fail "published build mode $(stat -c %a "$KDIR")"; fi
for want in "input: linux-source-6.12.deb from debian:linux-source-6.12=" "cache: miss: building" \
            "artifact: bzImage sha256 $KERNEL_SHA256" "VIGIL-INIT: kernel ipv4=absent modules=absent"; do
  if grep -q "$want" "$WORK/run.out"; then pass "make run shows: $want"; else fail "make run lacks '$want'"; fi
done
if [ "$(sha256sum < "$KDIR/bzImage" | cut -d' ' -f1)" = "$KERNEL_SHA256" ]; then
  pass "the farm's sandboxed kernel build has the bytes of make's direct build and of the example's pin"; else fail "farm kernel: $(sha256sum "$KDIR/bzImage")"; fi
log_of "$KERNEL_ID" > "$WORK/kernel.log" || true
compiled=$(grep -c "  CC  " "$WORK/kernel.log" || true)
if grep -q "input: linux-source-6.12.deb from debian:.* sha256 $DEB_SHA256 .*verified), read-only at /inputs/" "$WORK/kernel.log" && [ "$compiled" -gt 300 ]; then
  pass "the kernel's ledger log names its pinned input and holds the whole compile ($compiled files)"; else fail "kernel log: $compiled files; $(grep input: "$WORK/kernel.log")"; fi
expect_exit 0 "the farm's kernel verifies against its signed provenance and the ledger" -- "$VIGIL" verify-artifact "$KDIR/bzImage" \
  --envelope "$KDIR/provenance.dsse.json" --key "$FARM/release.pub" --ledger "$URL" --ledger-key "$FARM/ledger/log.vkey"

# The same inputs again: a cache hit logs a new entry naming the cached build, and its
# signed artifacts are published again; nothing is built or signed.
first_index=$(index_of kernel ledger_index)
expect_exit 0 "the kernel again" -- "$VIGIL" build kernel --farm "$FARM"
AGAIN=$(build_id)
again_index=$(sed -n 's/^built kernel .*: ledger entry \([0-9]*\), signed artifacts in \(.*\)$/\1/p' "$WORK/stdout")
if grep -q "^cache: hit: build $KERNEL_ID (ledger entry $first_index, " "$WORK/stdout" && ! grep -q "^build: " "$WORK/stdout" \
   && [ "${again_index:-0}" -gt "$first_index" ] && grep -q "signed artifacts in $KDIR$" "$WORK/stdout" \
   && [ "$(index_of kernel build_id)" = "$KERNEL_ID" ] && [ "$(granted "$AGAIN")" = 0 ]; then
  pass "a cache hit: new ledger entry, the first build published again, no sandbox, no signature"; else fail "cache hit: $(tail -5 "$WORK/stdout")"; fi
if [ "$(status_of "$AGAIN")" = closed ] && log_of "$AGAIN" | grep -q "cache: hit: build $KERNEL_ID"; then
  pass "the hit's own log is closed in the ledger and names the cached build"; else fail "hit log: $(status_of "$AGAIN")"; fi

component() {  # component NAME REPO [EXTRA_TOML]
  printf '\n[components.%s]\nrepository = "%s"\nbranch = "main"\nspec = "image.toml"\nkeyring = "%s"\nmaintainers = ["%s"]\nthreshold = 1\nkey = "release"\n%s\n' \
    "$1" "$2" "$SRC/maintainers.gpg" "$FPR" "${3:-}" >> "$FARM/builder.toml"
}
refused_build() {  # refused_build NAME EXIT PATTERN WHAT [after-log]: after-log: the reason
  # comes after the log was closed, so only the terminal has it
  expect_exit "$2" "$4: vigil build $1 fails" -- "$VIGIL" build "$1" --farm "$FARM"
  local id; id=$(build_id)
  if grep -q -- "$3" "$WORK/stdout" "$WORK/stderr" && ! published "$1" && [ "$(granted "${id:-none}")" = 0 ]; then
    pass "$4: '$3' in the terminal, nothing signed, nothing published"; else fail "$4: $(cat "$WORK/stdout" "$WORK/stderr" | tail -5)"; fi
  if [ -n "$id" ] && [ "${5:-}" != after-log ]; then
    if log_of "$id" | grep -q -- "$3"; then pass "$4: the reason is in the ledger's log of $id"; else fail "$4: the ledger's log lacks it"; fi
  fi
}

# Pinned inputs from a URL: fetched outside the sandbox, verified, mounted read-only.
mkdir -p "$WORK/served" && echo "pinned data" > "$WORK/served/data.txt"
DATA_SHA256=$(sha256sum < "$WORK/served/data.txt" | cut -d' ' -f1)
python3 -m http.server --bind 127.0.0.1 --directory "$WORK/served" 0 > "$WORK/http.out" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q "port" "$WORK/http.out" && break; sleep 0.1; done
HTTP_PORT=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$WORK/http.out" | head -1)
input_component() {  # input_component NAME SOURCE_TOML SHA256 COMMAND
  component "$1" "$SRC/hello" "command = $4"
  printf '[components.%s.inputs."data.txt"]\n%s\nsha256 = "%s"\n' "$1" "$2" "$3" >> "$FARM/builder.toml"
}
input_component urlinput "url = \"http://127.0.0.1:$HTTP_PORT/data.txt\"" "$DATA_SHA256" \
  '["sh", "-c", "cat /inputs/data.txt; if echo x >> /inputs/data.txt; then exit 9; fi; mkdir -p /out/dist; cp /inputs/data.txt /out/dist/"]'
expect_exit 0 "a component with a pinned URL input" -- "$VIGIL" build urlinput --farm "$FARM"
if grep -q "input: data.txt from http://127.0.0.1:$HTTP_PORT/data.txt sha256 $DATA_SHA256 (fetched, verified), read-only at /inputs/data.txt" "$WORK/stdout" \
   && grep -q "^pinned data$" "$WORK/stdout" && [ "$(cat "$FARM/repo/testing/$(index_of urlinput path)/data.txt")" = "pinned data" ]; then
  pass "the URL input was fetched, verified, logged and read (read-only) in the sandbox"; else fail "urlinput: $(tail -5 "$WORK/stdout")"; fi
input_component badpin "url = \"http://127.0.0.1:$HTTP_PORT/data.txt\"" "$(printf '%064d' 0)" '["sh", "-c", "echo SANDBOX RAN"]'
refused_build badpin 2 "but the component pins 0000" "an input that does not match its pin"
if ! grep -q "SANDBOX RAN" "$WORK/stdout"; then pass "a wrong pin: the sandbox never ran"; else fail "badpin: the sandbox ran"; fi
# (Another digest than the kernel's: the store is content-addressed, so that one is there.)
input_component noversion 'debian = "linux-source-6.12=0.0-not-in-the-archive"' "$(printf '%064d' 1)" '["sh", "-c", "echo SANDBOX RAN"]'
refused_build noversion 3 "apt-get could not download linux-source-6.12=0.0-not-in-the-archive" "a pinned Debian version not in the archive"
kill $server 2>/dev/null || true

# Bad sources, each in its own clone of the example repository.
clone() { git clone -q "$SRC/hello" "$WORK/$1"; git -C "$WORK/$1" tag -d v0.1.0 >/dev/null; git -C "$WORK/$1" config user.email m@example.org; git -C "$WORK/$1" config user.name M; }
clone unsigned; git -C "$WORK/unsigned" tag -a v1 -m "not signed"
component unsigned "$WORK/unsigned"
refused_build unsigned 1 "tag v1: not signed" "an unsigned tag"

export GNUPGHOME="$WORK/stranger-gnupg"; mkdir -m 700 "$GNUPGHOME"
gpg --batch --passphrase '' --quick-gen-key "Stranger <s@example.org>" ed25519 sign never 2>/dev/null
STRANGER=$(gpg --batch --with-colons --list-secret-keys 2>/dev/null | awk -F: '/^fpr:/ {print $10; exit}')
clone unknown; git -C "$WORK/unknown" tag -s -u "$STRANGER" -m "by a stranger" v1 2>/dev/null
component unknown "$WORK/unknown"
refused_build unknown 1 "is not in the keyring" "a tag signed by an unknown key"
# The stranger's key in the keyring, but not pinned as a maintainer.
gpg --batch --export "$STRANGER" > "$WORK/both.gpg" 2>/dev/null; cat "$SRC/maintainers.gpg" >> "$WORK/both.gpg"
component unpinned "$WORK/unknown" ""
sed -i "/^\[components.unpinned\]/,/^key = / s|^keyring = .*|keyring = \"$WORK/both.gpg\"|" "$FARM/builder.toml"
refused_build unpinned 1 "is not a pinned maintainer" "a tag signed by a key that is not pinned"
unset GNUPGHOME
# Two maintainers required, one signed.
component toofew "$SRC/hello"
sed -i "/^\[components.toofew\]/,/^key = / { s|^keyring = .*|keyring = \"$WORK/both.gpg\"|; s|^maintainers = .*|maintainers = [\"$FPR\", \"$STRANGER\"]|; s|^threshold = 1|threshold = 2| }" "$FARM/builder.toml"
refused_build toofew 1 "signed by 1 of the 2" "too few maintainers"
refused_build nosuch 2 "unknown component 'nosuch'" "an unknown component"
component norepo "$WORK/no-such-repo"
refused_build norepo 2 "the repository $WORK/no-such-repo does not exist (a local path: no such directory)" "a local repository that does not exist (finding D22)"

# A pinned commit is the alternative to signed tags.
COMMIT=$(git -C "$SRC/hello" rev-parse HEAD)
printf '\n[components.pinned]\nrepository = "%s"\nspec = "image.toml"\ncommit = "%s"\nkey = "release"\n' "$SRC/hello" "$COMMIT" >> "$FARM/builder.toml"
expect_exit 0 "a pinned commit builds without a signed tag" -- "$VIGIL" build pinned --farm "$FARM"
if grep -q "pinned in the builder's configuration" "$WORK/stdout" && published pinned; then pass "the pinned build is logged as such and published"; else fail "pinned: $(tail -3 "$WORK/stdout")"; fi
# A build request can name the commit it wants (the gateway's pushes do): built only if
# the source rule approves exactly that commit.
expect_exit 1 "a requested commit the source rule does not approve is refused" -- "$VIGIL" build pinned --farm "$FARM" --commit "$(printf 'ab%.0s' $(seq 20))"
expect_stderr "is not the commit the source rule approves ($COMMIT); nothing was built" "it names both commits"
expect_exit 2 "a malformed --commit is bad input" -- "$VIGIL" build pinned --farm "$FARM" --commit "${COMMIT:0:39}"
expect_exit 0 "the approved commit, requested, builds" -- "$VIGIL" build pinned --farm "$FARM" --commit "$COMMIT"

# The gateway hands a pushed commit to the builder: a signed GitHub push of the approved
# commit is built; a push of another commit is refused by the builder, and both outcomes
# are recorded with the delivery.
GW="$WORK/gateway"
github_gateway "$GW" example/pinned pinned
cat >> "$GW/gateway.toml" <<TOML
[builder]
address = "unix:$FARM/run/builder.sock"
certificate = "$FARM/ca/operator.crt"
key = "$FARM/ca/operator.key"
ca = "$FARM/ca/ca.crt"
TOML
"$BIN/vigil-gateway" --config "$GW/gateway.toml" > "$GW/port" 2> "$GW/log" &
gateway=$!
for _ in $(seq 100); do [ -s "$GW/port" ] && break; sleep 0.05; done
gateway_push() {  # DELIVERY COMMIT
  local body
  body=$(printf '{"ref":"refs/heads/main","after":"%s","repository":{"full_name":"example/pinned"}}' "$2")
  curl -s -X POST "http://127.0.0.1:$(cat "$GW/port")/hooks/github" -H 'X-GitHub-Event: push' -H "X-GitHub-Delivery: $1" \
    -H "X-Hub-Signature-256: sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$(cat "$GW/secret")" -hex | sed 's/.*= //')" --data-binary "$body"
}
outcome_of() {
  for _ in $(seq 600); do
    out=$(sqlite3 "$GW/state/deliveries.db" "SELECT outcome FROM deliveries WHERE delivery_id = '$1' AND outcome IS NOT NULL")
    [ -n "$out" ] && { printf '%s' "$out"; return; }
    sleep 0.2
  done
}
if gateway_push push-approved "$COMMIT" | grep -q '"verdict":"queued"'; then pass "the gateway queues a signed push"; else fail "push not queued: $(cat "$GW/log")"; fi
out=$(outcome_of push-approved)
if [[ "$out" == "built: build pinned-"* ]]; then pass "the gateway's dispatch built the pushed commit: $out"; else fail "dispatch: $out"; fi
gateway_push push-other "$(printf 'cd%.0s' $(seq 20))" > /dev/null
out=$(outcome_of push-other)
if [[ "$out" == *"is not the commit the source rule approves ($COMMIT)"* ]]; then pass "a pushed commit the source rule does not approve is refused by the builder, and recorded"; else fail "dispatch of another commit: $out"; fi
if grep -q '"event":"build dispatched"' "$GW/audit.jsonl"; then pass "dispatches are audited"; else fail "no dispatch in the audit log"; fi
kill $gateway 2>/dev/null; wait $gateway 2>/dev/null || true; gateway=""

# The network: a build that connects to a server on the host's loopback.
python3 -c 'import socket,sys
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(5); print(s.getsockname()[1], flush=True)
c,_=s.accept(); print("CONNECTED", flush=True)' > "$WORK/listener.out" &
listener=$!
for _ in $(seq 50); do [ -s "$WORK/listener.out" ] && break; sleep 0.1; done
PORT=$(head -1 "$WORK/listener.out")
component network "$SRC/hello" "command = [\"bash\", \"-c\", \"echo reaching out; exec 3<>/dev/tcp/127.0.0.1/$PORT || exit 7; mkdir -p /out/dist; echo x > /out/dist/x\"]"
refused_build network 1 "exited with status 7" "a build that tries to reach the network"
if grep -q CONNECTED "$WORK/listener.out"; then fail "the sandboxed build reached the host's loopback"; else pass "the host's listener saw no connection"; fi

# Limits: time and log volume (the [limits] table applies to the builds that follow).
printf '\n[limits]\nbuild_seconds = 15\nmax_log_lines = 500\n' >> "$FARM/builder.toml"
component slow "$SRC/hello" 'command = ["sh", "-c", "echo sleeping; sleep 60"]'
refused_build slow 1 "exceeded its time limit of 15 s" "a build over its time limit"
component chatty "$SRC/hello" 'command = ["sh", "-c", "i=0; while [ $i -lt 100000 ]; do echo line $i; i=$((i+1)); done"]'
refused_build chatty 1 "more than 500 log lines" "a build over its log limit"

# The ledger killed mid-build: the entry is truncated, nothing is signed or published.
component killed "$SRC/hello" 'command = ["sh", "-c", "i=0; while [ $i -lt 60 ]; do echo line $i; i=$((i+1)); sleep 0.2; done; mkdir -p /out/dist; echo x > /out/dist/x"]'
"$VIGIL" build killed --farm "$FARM" > "$WORK/killed.out" 2> "$WORK/killed.err" &
builder_call=$!
for _ in $(seq 100); do grep -q "^line 3$" "$WORK/killed.out" && break; sleep 0.1; done
kill -9 "$(cat "$FARM/run/ledger.pid")"
code=0; wait $builder_call || code=$?
KILLED=$(sed -n "s/^build \([^ ]*\) (live.*/\1/p" "$WORK/killed.out" | head -1)
if [ "$code" = 3 ] && grep -q "ledger connection broke" "$WORK/killed.err"; then pass "the build fails with exit 3 (its environment, not the build) when the ledger dies mid-build"; else fail "killed: exit $code, $(cat "$WORK/killed.err")"; fi
"$VIGIL" farm up "$FARM" > /dev/null
URL=$(cat "$FARM/run/ledger.url")
if [ "$(status_of "$KILLED")" = truncated ] && ! published killed && [ "$(granted "$KILLED")" = 0 ]; then
  pass "the interrupted build is logged truncated; nothing signed or published"; else fail "killed $KILLED: status $(status_of "$KILLED"); builds: $(curl -s "$URL/builds" | jq -c "[.[] | [.build_id, .status]]"); ledger: $(tail -3 "$FARM/logs/ledger.log")"; fi

# A quiet build: silent for longer than the ledger's idle timeout, kept open by the
# builder's keepalive syncs. The farm's ledger is restarted by hand with a 7 s timeout.
ledger_pid=$(cat "$FARM/run/ledger.pid"); kill -TERM "$ledger_pid"
for _ in $(seq 200); do kill -0 "$ledger_pid" 2>/dev/null || break; sleep 0.05; done
"$BIN/vigil-ledger" --dir "$FARM/ledger" --listen "unix:$FARM/run/ledger.sock" --http 127.0.0.1:0 \
  --cert "$FARM/ca/ledger.crt" --key "$FARM/ca/ledger.key" --ca "$FARM/ca/ca.crt" \
  --policy "$FARM/policy/ledger" --audit-log "$FARM/logs/ledger-audit.log" --idle-timeout 7 \
  > "$WORK/quiet-ledger.out" 2>&1 &
echo $! > "$FARM/run/ledger.pid"
for _ in $(seq 200); do grep -q " on http://" "$WORK/quiet-ledger.out" && break; sleep 0.05; done
URL=$(sed -n 's/.* on \(http:.*\)$/\1/p' "$WORK/quiet-ledger.out"); echo "$URL" > "$FARM/run/ledger.url"
component quiet "$SRC/hello" 'command = ["sh", "-c", "echo start; sleep 12; echo done; mkdir -p /out/dist; echo x > /out/dist/x"]'
expect_exit 0 "a build silent for 12 s, past the ledger's 7 s idle timeout, completes" -- "$VIGIL" build quiet --farm "$FARM"
QUIET=$(build_id)
if [ "$(status_of "$QUIET")" = closed ] && log_of "$QUIET" | grep -q " done$" && published quiet; then
  pass "the quiet build's log stayed open (keepalive syncs): closed, whole, published"; else fail "quiet: $(status_of "$QUIET"); $(tail -3 "$WORK/stderr")"; fi

# The signer down: the build fails after logging, and nothing is published.
signer_pid=$(cat "$FARM/run/signer.pid"); kill -TERM "$signer_pid"
for _ in $(seq 200); do kill -0 "$signer_pid" 2>/dev/null || break; sleep 0.05; done
component nosigner "$SRC/hello"
refused_build nosigner 1 "the signer did not sign" "a build while the signer is down" after-log
"$VIGIL" farm up "$FARM" > /dev/null

# Two components at once.
component twin-a "$SRC/hello"; component twin-b "$SRC/hello"
"$VIGIL" build twin-a --farm "$FARM" --json > "$WORK/a.json" 2>&1 & a=$!
"$VIGIL" build twin-b --farm "$FARM" --json > "$WORK/b.json" 2>&1 & b=$!
ca=0; wait $a || ca=$?; cb=0; wait $b || cb=$?
if [ $ca = 0 ] && [ $cb = 0 ] && published twin-a && published twin-b \
   && [ "$(jq -r .ledger_index "$WORK/a.json")" != "$(jq -r .ledger_index "$WORK/b.json")" ]; then
  pass "two components build at once, each logged, signed and published"; else fail "twins: $ca $cb $(cat "$WORK/a.json" "$WORK/b.json" | tail -4)"; fi
if [ "$(jq -r '.components | keys | length' "$FARM/repo/testing/index.json")" -ge 4 ]; then pass "the testing index lists every published component"; else fail "index: $(cat "$FARM/repo/testing/index.json")"; fi

# A config with mistakes: refused with file and line, nothing built.
printf '\n[components.typo]\nrepository = "%s"\nbranhc = "main"\n' "$SRC/hello" >> "$FARM/builder.toml"
expect_exit 2 "a component config with a mistake" -- "$VIGIL" build hello --farm "$FARM"
if grep -q "builder.toml:[0-9]*: unknown key 'branhc'" "$WORK/stderr"; then pass "the mistake is named with its file and line"; else fail "typo: $(cat "$WORK/stderr")"; fi

# A directory that merely holds a builder.toml is not taken for a farm (finding D22).
mkdir "$WORK/notafarm"; printf 'broken = \n' > "$WORK/notafarm/builder.toml"
expect_exit 2 "farm up on a directory holding a broken builder.toml" -- "$VIGIL" farm up "$WORK/notafarm"
expect_stderr "$WORK/notafarm holds a builder.toml but is not a farm made by \`vigil farm up\`: it has no file signer.toml; give \`vigil farm up\` a new or empty directory" "what is missing and what to do are said"
if [ ! -e "$WORK/notafarm/run" ]; then pass "nothing started or written there"; else fail "farm up wrote into $WORK/notafarm"; fi

expect_exit 0 "vigil farm down" -- "$VIGIL" farm down "$FARM"
expect_exit 1 "vigil farm status after down" -- "$VIGIL" farm status "$FARM"
finish
