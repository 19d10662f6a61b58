# Shared helpers for the integration tests: usage `. lib.sh BIN_DIR`.
set -euo pipefail
BIN=$(cd "${1:?usage: $0 BIN_DIR}" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VIGIL="$BIN/vigil"
# Our kernel (scripts/build-kernel, run by make test), pinned as the example spec pins it.
KERNEL="$ROOT/build/kernel/vigil/bzImage"
KERNEL_SHA256=$(awk '/^\[kernel\]/ {k=1} k && /^sha256 = / {gsub(/"/, "", $3); print $3; exit}' "$ROOT/examples/hello/image.toml")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-it.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "ok: $*"; }
# free_port: a TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice), for a
# server given its port on the command line: random ports collided with other suites'.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# write_spec FILE [ARGS_TOML] [EXTRA_TOP_TOML] [EXTRA_END_TOML]: the example spec with
# absolute paths to this build's binaries.
write_spec() {
  local file=$1 args=${2:-'["world"]'} top=${3:-} end=${4:-}
  cat > "$file" <<SPEC
name = "hello"
version = "0.1.0"
source_date_epoch = 1700000000
compression = "gzip"
outputs = ["generic", "aws"]
$top
[kernel]
path = "$KERNEL"
sha256 = "$KERNEL_SHA256"
cmdline = "console=ttyS0 panic=-1 quiet loglevel=3"

[init]
path = "$BIN/vigil-init"

[target]
path = "$BIN/hello"
args = $args
$end
SPEC
}

# flip_byte FILE OFFSET: inverts the lowest bit of one byte in place, so the file always
# changes (writing a constant would not when the byte already held it).
flip_byte() {
  local byte
  byte=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "\\x$(printf %02x $((byte ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# expect_exit CODE DESCRIPTION -- COMMAND...: runs COMMAND, checks its exit code, keeps
# its stderr in $WORK/stderr.
expect_exit() {
  local want=$1 what=$2
  shift 3
  local got=0
  "$@" >"$WORK/stdout" 2>"$WORK/stderr" || got=$?
  if [ "$got" -eq "$want" ]; then
    pass "$what (exit $got)"
  else
    fail "$what: exit $got, wanted $want; stderr: $(head -c 400 "$WORK/stderr")"
  fi
}

# expect_stderr TEXT DESCRIPTION: the last command's stderr contains TEXT.
expect_stderr() {
  if grep -qF -- "$1" "$WORK/stderr"; then pass "$2"; else fail "$2: stderr lacks '$1': $(head -c 400 "$WORK/stderr")"; fi
}

# expect_stdout TEXT DESCRIPTION: the last command's stdout contains TEXT.
expect_stdout() {
  if grep -qF -- "$1" "$WORK/stdout"; then pass "$2"; else fail "$2: stdout lacks '$1': $(head -c 400 "$WORK/stdout")"; fi
}

# quorum_envelope NAME NONCE CHALLENGE PIVOT_HASH PCR0 PCR1 PCR2 PCR3: an approved manifest
# envelope at $WORK/NAME.json for the boot-e2e users (2-of-3 sets; users 1 and 2 approve, with
# their keys installed in $WORK/keys), namespace quit-coding-to-vape, the pivot's arguments
# --challenge CHALLENGE, the mock NSM's root as the attestation root.
quorum_envelope() {
  local e2e="$ROOT/tests/data/qos/boot-e2e" members n
  members=$(jq -c -n --arg k1 "$(tr -d '\n' < "$e2e/user1.pub")" --arg k2 "$(tr -d '\n' < "$e2e/user2.pub")" --arg k3 "$(tr -d '\n' < "$e2e/user3.pub")" \
    '[{alias: "user1", pubKey: $k1}, {alias: "user2", pubKey: $k2}, {alias: "user3", pubKey: $k3}]')
  jq -c --argjson m "$members" --arg q "$(tr -d '\n' < "$e2e/quorum_key.pub")" --argjson nonce "$2" --arg c "$3" --arg h "$4" \
    --arg p0 "$5" --arg p1 "$6" --arg p2 "$7" --arg p3 "$8" --arg root "$(xxd -p "$ROOT/tests/data/nitro/mock_pki/root.der" | tr -d '\n')" \
    '.namespace = {name: "quit-coding-to-vape", nonce: $nonce, quorumKey: $q}
     | .pivot = {hash: $h, restart: "Never", bridgeConfig: [], debugMode: true, args: ["--challenge", $c]}
     | .manifestSet = {threshold: 2, members: $m} | .shareSet = {threshold: 2, members: $m}
     | .enclave = {pcr0: $p0, pcr1: $p1, pcr2: $p2, pcr3: $p3, awsRootCertificate: $root, qosCommit: ""}' \
    "$ROOT/tests/data/qos/golden/manifest.json" > "$WORK/$1.manifest.json"
  mkdir -p "$WORK/$1.approvals"
  for n in 1 2; do
    "$VIGIL" quorum approve-manifest --secret-path "$WORK/keys/user$n.secret" --alias user$n --manifest-path "$WORK/$1.manifest.json" \
      --manifest-approvals-dir "$WORK/$1.approvals" --yes > /dev/null
  done
  "$VIGIL" quorum generate-manifest-envelope --manifest-approvals-dir "$WORK/$1.approvals" --manifest-path "$WORK/$1.manifest.json" \
    --manifest-envelope-path "$WORK/$1.json" > /dev/null
}

# github_gateway DIR REPOSITORY COMPONENT: DIR/gateway.toml for a vigil-gateway with one
# GitHub hook (its secret in DIR/secret) and one repository; more tables may be appended.
github_gateway() {
  mkdir -p "$1"
  printf 'secret-of-the-github-hook' > "$1/secret"
  printf '[gateway]\nlisten_port = 0\nstate_dir = "state"\naudit_log = "audit.jsonl"\n[secrets]\ngithub = "secret"\n' > "$1/gateway.toml"
  printf '[[repository]]\nprovider = "github"\nname = "%s"\ncomponent = "%s"\n' "$2" "$3" >> "$1/gateway.toml"
}

# tufjs_setup: tuf-js 4 (npm, pinned by tests/tuf-js's package-lock.json), installed once
# per lock file outside the clone; defines tufjs URL ROOT TARGET OUT STATE. Fails (with a
# failed check) without Node.js >= 20.
tufjs_setup() {
  local node_major lock_hash
  node_major=$(node --version 2>/dev/null | sed -n 's/^v\([0-9]*\)\..*/\1/p')
  if [ -z "$node_major" ] || [ "$node_major" -lt 20 ]; then
    fail "tuf-js 4 needs Node.js >= 20 (found ${node_major:-none}); see scripts/setup"
    return 1
  fi
  lock_hash=$(sha256sum "$ROOT/tests/tuf-js/package-lock.json" | cut -c1-16)
  TUFJS="${XDG_CACHE_HOME:-$HOME/.cache}/vigil/tuf-js-$lock_hash"
  if [ ! -d "$TUFJS/node_modules/tuf-js" ]; then
    mkdir -p "$TUFJS"
    cp "$ROOT/tests/tuf-js/package.json" "$ROOT/tests/tuf-js/package-lock.json" "$TUFJS/"
    (cd "$TUFJS" && npm ci --no-audit --no-fund >/dev/null 2>&1) || { fail "npm ci of tuf-js"; return 1; }
  fi
  cp "$ROOT/tests/tuf-js/verify.mjs" "$TUFJS/verify.mjs"
}
tufjs() { node "$TUFJS/verify.mjs" "$@"; }
