#!/bin/bash
# The folder-to-folder include edges of src/ (production code) are exactly those allowed
# by docs/ARCHITECTURE.md's `edges` block, and that list is a DAG. A new edge is a reviewed
# change to the document, never an accident.
. "$(dirname "$0")/lib.sh"
DOC="$ROOT/docs/ARCHITECTURE.md"
sed -n '/^```edges$/,/^```$/p' "$DOC" | grep -E '^[a-z_]+ -> [a-z_]+$' | sort -u > "$WORK/allowed"
if [ -s "$WORK/allowed" ]; then pass "ARCHITECTURE.md lists $(wc -l < "$WORK/allowed") allowed edges"; else
  fail "no edges block in $DOC"; finish; exit 1; fi

# Every include of another folder's header, as FROM -> TO with the file and line.
: > "$WORK/used"
while IFS= read -r file; do
  from=$(cut -d/ -f2 <<<"$file")
  { grep -n '^#include "[a-z_]*/' "$ROOT/$file" || true; } | while IFS= read -r line; do
    to=$(sed 's/^[0-9]*:#include "\([a-z_]*\)\/.*/\1/' <<<"$line")
    [ "$to" = "$from" ] || echo "$from -> $to $file:${line%%:*}"
  done >> "$WORK/used"
done < <(cd "$ROOT" && git ls-files 'src/*.cc' 'src/*.h' | grep -v -e '_test\.cc$' -e '/test_util\.h$')

violations=$(awk '{print $1" -> "$3}' "$WORK/used" | sort -u | comm -23 - "$WORK/allowed")
if [ -z "$violations" ]; then pass "every include edge in src/ is allowed ($(awk '{print $1" -> "$3}' "$WORK/used" | sort -u | wc -l) in use)"; else
  while IFS= read -r edge; do
    fail "edge not in ARCHITECTURE.md: $edge, at $(grep -F "$edge " "$WORK/used" | awk '{print $4}' | head -3 | paste -sd' ')"
  done <<<"$violations"
fi

# Third-party types stay inside: a header includes asio, OpenSSL, toml++, nlohmann, CLI11,
# SQLite, libgit2, httplib or libpqxx only where ARCHITECTURE.md's third-party block allows it.
sed -n '/^```third-party$/,/^```$/p' "$DOC" | grep -E '^[a-z_*/.]+ [a-zA-Z0-9+]+$' > "$WORK/third_party"
leaks=0
while IFS= read -r file; do
  header=${file#src/}
  for library in $(grep -oE '^#include <(asio|openssl|toml\+\+|nlohmann|CLI|sqlite3|git2|httplib|pqxx)[^>]*>' "$ROOT/$file" |
                   sed -E 's/^#include <([^/.>]*).*/\1/' | sort -u); do
    if ! grep -qxF "$header $library" "$WORK/third_party" && ! grep -qxF "${header%%/*}/* $library" "$WORK/third_party"; then
      fail "$file includes $library, which ARCHITECTURE.md's third-party block does not allow there"
      leaks=$((leaks + 1))
    fi
  done
done < <(cd "$ROOT" && git ls-files 'src/*.h' | grep -v '/test_util\.h$')
if [ "$leaks" = 0 ]; then pass "third-party includes in headers are only those ARCHITECTURE.md allows ($(wc -l < "$WORK/third_party") listed)"; fi

# ...nor through a header that carries them: a header that includes an allowed carrier
# (base/sqlite.h, crypto/pem_files.h, ...) must be allowed the same library itself.
relays=0
while read -r carrier library; do
  case "$carrier" in *'*'*) continue ;; esac
  while IFS= read -r file; do
    header=${file#src/}
    [ "$header" = "$carrier" ] && continue
    if ! grep -qxF "$header $library" "$WORK/third_party" && ! grep -qxF "${header%%/*}/* $library" "$WORK/third_party"; then
      fail "$file includes $carrier, which carries $library types into a header not allowed them (include it from the .cc)"
      relays=$((relays + 1))
    fi
  done < <(cd "$ROOT" && git grep -lF "#include \"$carrier\"" -- 'src/*.h' | grep -v '/test_util\.h$' || true)
done < "$WORK/third_party"
if [ "$relays" = 0 ]; then pass "no header passes a third-party type on by including a header that carries it"; fi

# rpc's transport headers (Asio's sockets and OpenSSL's SSL) are internal to rpc/.
outside=$(cd "$ROOT" && git grep -lE '#include "rpc/(connection|tls|service_host_impl)\.h"' -- src bench | grep -v '^src/rpc/' || true)
if [ -z "$outside" ]; then pass "rpc's transport headers are included only inside rpc/"; else
  fail "rpc's transport headers included outside rpc/: $(paste -sd' ' <<<"$outside") (use rpc/tls_context.h, rpc/call_limits.h)"; fi

# pg's libpqxx headers (the session and the epoch fence) are internal to pg/.
outside=$(cd "$ROOT" && git grep -lE '#include "pg/(session|lease_fence)\.h"' -- src bench | grep -v '^src/pg/' || true)
if [ -z "$outside" ]; then pass "pg's libpqxx headers are included only inside pg/"; else
  fail "pg's libpqxx headers included outside pg/: $(paste -sd' ' <<<"$outside") (use pg/connection.h and pg's stores)"; fi

# The allowed edges form a DAG (tsort reports a cycle on stderr).
if awk '{print $1, $3}' "$WORK/allowed" | tsort > /dev/null 2> "$WORK/tsort.err"; then pass "the allowed edges have no cycle"; else
  fail "the allowed edges have a cycle: $(cat "$WORK/tsort.err")"; fi
finish
