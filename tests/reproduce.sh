#!/bin/bash
# vigil reproduce: a fresh build reproduces; a release whose bytes depended on something
# its spec does not record is caught, with the member and field named; bad input refused.
. "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/spec" "$WORK/inputs"
cp "$KERNEL" "$BIN/hello" "$BIN/vigil-init" "$WORK/inputs/"
# Relative input paths, as in examples/: reproduce must find them from --spec-dir. They
# climb out of it, so the tests name the tree that holds them with --inputs-root.
write_spec "$WORK/spec/image.toml"
sed -i "s#path = \"$KERNEL\"#path = \"../inputs/bzImage\"#; s#path = \"$BIN/hello\"#path = \"../inputs/hello\"#; s#path = \"$BIN/vigil-init\"#path = \"../inputs/vigil-init\"#" "$WORK/spec/image.toml"
"$VIGIL" image build "$WORK/spec/image.toml" --out "$WORK/dist" >/dev/null
before=$(cd "$WORK/dist" && sha256sum ./* | sort)

expect_exit 0 "a fresh build reproduces" -- "$VIGIL" reproduce "$WORK/dist" --spec-dir "$WORK/spec" --inputs-root "$WORK"
if grep -q "^REPRODUCED: identical; varied: build path" "$WORK/stdout"; then pass "the closing line lists the variations"; else fail "closing line: $(tail -2 "$WORK/stdout")"; fi
for v in "TZ=" "locale fr_FR.UTF-8" "umask 0002" "HOME" "PATH suffix" "extra environment variable" "input files created in reverse order" \
         "wall clock +1000 days" "hostname vigil-reproduce"; do
  if grep -q "$v" "$WORK/stdout"; then pass "varied: $v"; else fail "not varied: $v"; fi
done
# The umask is the other of 0022 and 0002 from the caller's; the locale is not the caller's.
caller_umask=$(umask); umask 0002
# glibc's own spelling of the same locale: still the caller's, so another is chosen.
LC_ALL=fr_FR.utf8 expect_exit 0 "reproduce from umask 0002 and a French locale" -- "$VIGIL" reproduce "$WORK/dist" --spec-dir "$WORK/spec" --inputs-root "$WORK"
umask "$caller_umask"
if grep -q "umask 0022" "$WORK/stdout" && grep -q "locale C.UTF-8" "$WORK/stdout"; then pass "umask and locale vary from the caller's"; else fail "closing line: $(tail -1 "$WORK/stdout")"; fi
expect_exit 0 "reproduce --json" -- "$VIGIL" reproduce "$WORK/dist" --spec-dir "$WORK/spec" --inputs-root "$WORK" --json
if jq -e '.identical == true and (.variations | length) >= 9' "$WORK/stdout" >/dev/null; then pass "JSON says identical"; else fail "json: $(head -c 300 "$WORK/stdout")"; fi

# A release whose initramfs depended on an unrecorded clock: built at another epoch, but
# carrying the spec (and sums) of the recorded one.
SOURCE_DATE_EPOCH=1700000099 "$VIGIL" image build "$WORK/spec/image.toml" --out "$WORK/drifted" >/dev/null
cp "$WORK/dist/hello.resolved.toml" "$WORK/drifted/hello.resolved.toml"
(cd "$WORK/drifted" && sha256sum $(ls | grep -v SHA256SUMS) > SHA256SUMS)
expect_exit 1 "a release that does not reproduce is caught" -- "$VIGIL" reproduce "$WORK/drifted" --spec-dir "$WORK/spec" --inputs-root "$WORK"
if grep -q "^DIFFERS initramfs.cpio.gz" "$WORK/stdout"; then pass "the initramfs is named"; else fail "no initramfs line: $(head -5 "$WORK/stdout")"; fi
if grep -q "^  init: mtime 1700000099 vs 1700000000" "$WORK/stdout"; then pass "the member and field are named (init: mtime)"; else fail "no member/field: $(head -8 "$WORK/stdout")"; fi
if grep -q "^DIFFERS hello.eif" "$WORK/stdout" && grep -q "(Ramdisk): " "$WORK/stdout"; then pass "the EIF section is named"; else fail "no EIF section line"; fi
if grep -q "^NOT REPRODUCED" "$WORK/stdout"; then pass "verdict NOT REPRODUCED"; else fail "no verdict"; fi
expect_exit 1 "reproduce --keep keeps the rebuild to compare" -- "$VIGIL" reproduce "$WORK/drifted" --spec-dir "$WORK/spec" --inputs-root "$WORK" --keep
kept=$(awk '$1=="kept"{print $2}' "$WORK/stdout")
if [ -n "$kept" ] && [ -f "$kept/out/initramfs.cpio.gz" ]; then pass "the kept tree holds the rebuilt files"; else fail "kept: '$kept'"; fi
[ -n "$kept" ] && rm -rf "$kept"

# A release that does not match its own SHA256SUMS is refused before anything is rebuilt.
cp -r "$WORK/dist" "$WORK/extra"; printf 'x' > "$WORK/extra/unlisted"
expect_exit 1 "an extra file in DIST" -- "$VIGIL" reproduce "$WORK/extra" --spec-dir "$WORK/spec" --inputs-root "$WORK"
expect_stderr "extra file 'unlisted'" "the extra file is named"
cp -r "$WORK/dist" "$WORK/missing"; rm "$WORK/missing/hello.eif"
expect_exit 1 "a listed file missing from DIST" -- "$VIGIL" reproduce "$WORK/missing" --spec-dir "$WORK/spec" --inputs-root "$WORK"
expect_stderr "missing file 'hello.eif'" "the missing file is named"

# The release is untrusted: its spec reads nothing outside the inputs root (finding D20).
expect_exit 2 "inputs outside --spec-dir, without --inputs-root" -- "$VIGIL" reproduce "$WORK/dist" --spec-dir "$WORK/spec"
expect_stderr "init: the recorded spec's path '../inputs/vigil-init' leads to $WORK/inputs/vigil-init, outside --spec-dir '$WORK/spec' (the default --inputs-root)" "the path and the root are named"
expect_stderr "pass --inputs-root with a directory that holds them" "the way to allow it is said"
# evil_dist NAME PATH: the release with its target's path replaced, its sums remade.
evil_dist() {
  cp -r "$WORK/dist" "$WORK/$1"
  sed -i "s|^path = \"../inputs/hello\"|path = \"$2\"|" "$WORK/$1/hello.resolved.toml"
  (cd "$WORK/$1" && sha256sum $(ls | grep -v SHA256SUMS) > SHA256SUMS)
}
passwd_sha=$(sha256sum /etc/passwd | cut -d' ' -f1)
evil_dist evil-abs /etc/passwd
expect_exit 2 "an absolute input path in an untrusted release" -- "$VIGIL" reproduce "$WORK/evil-abs" --spec-dir "$WORK/spec" --inputs-root "$WORK"
expect_stderr "target: the recorded spec names the absolute path '/etc/passwd'; reproduce reads inputs only by paths relative to --spec-dir that stay under --inputs-root '$WORK'" "the absolute path and the rule are named"
if ! grep -q "$passwd_sha" "$WORK/stdout" "$WORK/stderr"; then pass "the file's hash is not printed"; else fail "the hash of /etc/passwd was printed"; fi
evil_dist evil-climb ../../../../../../../../../../etc/passwd
expect_exit 2 "a relative path climbing out of the inputs root" -- "$VIGIL" reproduce "$WORK/evil-climb" --spec-dir "$WORK/spec" --inputs-root "$WORK"
expect_stderr "leads to /etc/passwd, outside --inputs-root '$WORK'" "the climbing path is refused, naming where it leads"
ln -s /etc/passwd "$WORK/inputs/escape"
evil_dist evil-link ../inputs/escape
expect_exit 2 "a symlink under the root leading out of it" -- "$VIGIL" reproduce "$WORK/evil-link" --spec-dir "$WORK/spec" --inputs-root "$WORK"
expect_stderr "the recorded spec's path '../inputs/escape' leads to /etc/passwd, outside" "the symlink's target is judged"
if ! grep -q "$passwd_sha" "$WORK/stdout" "$WORK/stderr"; then pass "no hash printed for the symlinked file"; else fail "the hash of /etc/passwd was printed"; fi
expect_exit 2 "a missing --inputs-root" -- "$VIGIL" reproduce "$WORK/dist" --spec-dir "$WORK/spec" --inputs-root "$WORK/nowhere"
expect_stderr "--inputs-root '$WORK/nowhere': No such file or directory" "the missing root is named"

# Bad input.
mkdir -p "$WORK/nospec"; cp "$WORK/dist/vmlinuz" "$WORK/nospec/"; (cd "$WORK/nospec" && sha256sum vmlinuz > SHA256SUMS)
expect_exit 2 "a directory without a recorded spec" -- "$VIGIL" reproduce "$WORK/nospec" --spec-dir "$WORK/spec" --inputs-root "$WORK"
expect_stderr "no recorded spec" "the missing spec is named"
cp -r "$WORK/dist" "$WORK/twospecs" && cp "$WORK/twospecs/hello.resolved.toml" "$WORK/twospecs/other.resolved.toml"
(cd "$WORK/twospecs" && sha256sum $(ls | grep -v SHA256SUMS) > SHA256SUMS)
expect_exit 2 "a directory with two recorded specs" -- "$VIGIL" reproduce "$WORK/twospecs" --spec-dir "$WORK/spec" --inputs-root "$WORK"
expect_stderr "holds 2 recorded specs" "the two specs are counted (finding D22)"
printf 'x' >> "$WORK/inputs/hello"
expect_exit 2 "an input that changed since the release" -- "$VIGIL" reproduce "$WORK/dist" --spec-dir "$WORK/spec" --inputs-root "$WORK"
expect_stderr "reproduce needs the exact inputs" "the changed input is named"
after=$(cd "$WORK/dist" && sha256sum ./* | sort)
if [ "$before" = "$after" ]; then pass "reproduce modified nothing in DIST"; else fail "DIST modified"; fi
if ! ls -d /tmp/vigil-reproduce-* >/dev/null 2>&1 || [ -z "$(find /tmp -maxdepth 1 -name 'vigil-reproduce-*' -newer "$WORK/spec/image.toml")" ]; then pass "no rebuild tree left behind"; else fail "rebuild trees left: $(ls -d /tmp/vigil-reproduce-*)"; fi
finish
