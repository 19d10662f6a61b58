#!/bin/bash
# No function in src/ (production code: not *_test.cc, not fuzz targets) is longer than 80
# lines, as clang-tidy's readability-function-size counts them (whitespace and comments
# included). A longer function is split into named steps; this names each one with its
# file:line. Reads the compile_commands.json of the build the test runs from (the bin
# directory's build tree, e.g. build/asan for build/asan/bin), so the flags are the build's.
. "$(dirname "$0")/lib.sh"
THRESHOLD=80

# The build tree: the nearest directory at or above BIN that holds compile_commands.json.
db_dir=$BIN
while [ ! -f "$db_dir/compile_commands.json" ] && [ "$db_dir" != / ]; do db_dir=$(dirname "$db_dir"); done
if [ -f "$db_dir/compile_commands.json" ]; then pass "compile commands: $db_dir/compile_commands.json"; else
  fail "no compile_commands.json in $BIN or above it; configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON"
  finish
  exit 1
fi
if ! command -v clang-tidy > /dev/null; then
  fail "clang-tidy is not installed (scripts/setup test installs it)"
  finish
  exit 1
fi

# Production sources, tracked or new, that the build compiles; one it does not compile would
# escape the check, so it fails (the build tree is older than the source tree: rebuild).
cd "$ROOT"
{ git ls-files 'src/*.cc'; git ls-files --others --exclude-standard 'src/*.cc'; } |
  grep -v -e '_test\.cc$' -e '_fuzz\.cc$' | sort -u > "$WORK/sources"
jq -r '.[].file' "$db_dir/compile_commands.json" | sort -u > "$WORK/compiled"
: > "$WORK/files"
while IFS= read -r file; do
  [ -f "$file" ] || continue
  if grep -qxF "$ROOT/$file" "$WORK/compiled"; then echo "$ROOT/$file" >> "$WORK/files"; else
    fail "$file is not in $db_dir/compile_commands.json (reconfigure and rebuild that tree)"; fi
done < "$WORK/sources"
if [ -s "$WORK/files" ]; then pass "$(wc -l < "$WORK/files") production sources to check"; else
  fail "no sources to check"; finish; exit 1; fi

# One clang-tidy per file, as many at once as there are CPUs; each writes its own output.
# The build's own warnings are not this check's business (GCC's flags are not all clang's),
# only readability-function-size is. Asio enables co_await under clang only with libc++'s
# <experimental/coroutine>; with libstdc++ (what GCC builds with) it must be told, or every
# file using asio::awaitable fails to parse.
mkdir -p "$WORK/tidy"
export DB_DIR=$db_dir OUT=$WORK/tidy THRESHOLD ROOT
tidy_one() {
  local out
  out="$OUT/$(tr / _ <<<"${1#"$ROOT"/}")"
  clang-tidy -p "$DB_DIR" --quiet --checks='-*,readability-function-size' \
    --config="{CheckOptions: [{key: readability-function-size.LineThreshold, value: $THRESHOLD}]}" \
    --header-filter="^$ROOT/src/" \
    --extra-arg=-Wno-unknown-warning-option --extra-arg=-Wno-error \
    --extra-arg=-DASIO_HAS_CO_AWAIT=1 "$1" > "$out.txt" 2> "$out.err" ||
    echo "$? ${1#"$ROOT"/}" > "$out.rc"
}
export -f tidy_one
xargs -P "$(nproc)" -n 1 bash -c 'tidy_one "$0"' < "$WORK/files"

# A file clang-tidy could not read (a compile error under clang) is not checked: say so.
for rc in "$WORK"/tidy/*.rc; do
  [ -e "$rc" ] || continue
  base=${rc%.rc}
  read -r code file < "$rc"
  fail "clang-tidy could not check $file (exit $code): $(grep -m1 -h 'error:' "$base.txt" "$base.err" || head -c 300 "$base.err")"
done

# "FILE:LINE:COL: warning: function 'NAME' exceeds ..." then "note: N lines including ...".
awk -v root="$ROOT/" -v threshold="$THRESHOLD" '
  function flush(size) {
    if (pending != "") print pending " is " size " (at most " threshold ")"
    pending = ""
  }
  /warning: function .* exceeds recommended size\/complexity thresholds \[readability-function-size\]/ {
    flush("over a size threshold")
    split($0, at, ":"); file = at[1]
    if (index(file, root) == 1) file = substr(file, length(root) + 1)
    name = $0; sub(/^.*warning: function /, "", name); sub(/ exceeds.*$/, "", name)
    pending = file ":" at[2] ": " name; next
  }
  pending != "" && /note: [0-9]+ lines including whitespace and comments/ {
    size = $0; sub(/^.*note: /, "", size); sub(/ including.*$/, "", size)
    flush(size)
  }
  END { flush("over a size threshold") }' "$WORK"/tidy/*.txt | sort -u > "$WORK/long"
if [ -s "$WORK/long" ]; then
  fail "$(wc -l < "$WORK/long") functions are longer than $THRESHOLD lines; split each into named steps:"
  sed 's/^/    /' "$WORK/long"
else
  pass "no function in src/ is longer than $THRESHOLD lines"
fi
finish
