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
