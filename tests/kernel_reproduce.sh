#!/bin/bash
# vigil reproduce on a kernel output directory: our kernel (build/kernel/vigil, from make
# test's scripts/build-kernel) rebuilt from its kernel.toml without the cache, in another
# directory, as another user, on another host name, later, is identical. This is make
# test's one cold kernel rebuild. Tampering is refused before anything is built.
. "$(dirname "$0")/lib.sh"
DIR="$ROOT/build/kernel/vigil"

# Bad input first (fast): a release that does not match its SHA256SUMS, a fragment that
# changed since the build, fragments looked for in the wrong place.
cp -r "$DIR" "$WORK/tampered" && printf 'x' >> "$WORK/tampered/config"
expect_exit 1 "a kernel directory that no longer matches SHA256SUMS is refused" -- "$VIGIL" reproduce "$WORK/tampered" --spec-dir "$ROOT/kernel"
expect_stderr "config" "the changed file is named"
mkdir -p "$WORK/spec" && cp -r "$ROOT/kernel/fragments" "$WORK/spec/"
echo "# changed" >> "$WORK/spec/fragments/base.config"
expect_exit 2 "a fragment changed since the build is refused" -- "$VIGIL" reproduce "$DIR" --spec-dir "$WORK/spec"
expect_stderr "no longer matches the SHA-256 the build recorded" "it says the fragment changed"
expect_exit 2 "fragments not under --spec-dir are refused" -- "$VIGIL" reproduce "$DIR" --spec-dir "$WORK"
expect_stderr "pass the kernel spec's directory as --spec-dir" "it says where to point --spec-dir"

expect_exit 0 "the kernel rebuilt from scratch elsewhere is identical" -- "$VIGIL" reproduce "$DIR" --spec-dir "$ROOT/kernel" --json
if jq -e '.identical and (.differences | length) == 0' "$WORK/stdout" >/dev/null; then pass "--json: identical, no differences"; else fail "--json: $(cat "$WORK/stdout") $(tail -5 "$WORK/stderr")"; fi
for v in "build path" "no cache" "user nobody" "hostname vigil-reproduce"; do
  if jq -e --arg v "$v" '[.variations[] | startswith($v)] | any' "$WORK/stdout" >/dev/null; then pass "varied: $v"; else fail "not varied: $v ($(jq -c .variations "$WORK/stdout"))"; fi
done
finish
