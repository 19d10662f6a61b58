#!/bin/bash
# Release signatures: a temporary GNUPGHOME with generated keys signs a hand-made DIST;
# threshold verification against a pinned keyring (distinct primary keys only), tampered,
# extra and missing files, keys outside the keyring, malformed, revoked and expired keys,
# --json, and verify leaving DIST untouched.
. "$(dirname "$0")/lib.sh"
command -v gpg >/dev/null || { echo "gpg is not installed"; exit 1; }
# Short path: gpg-agent's socket must fit in sun_path.
export GNUPGHOME=$(mktemp -d /tmp/vigil-gpg.XXXXXX)
OTHER_HOME=$(mktemp -d /tmp/vigil-gpg.XXXXXX)
cleanup() {
  gpgconf --homedir "$GNUPGHOME" --kill all 2>/dev/null || true
  gpgconf --homedir "$OTHER_HOME" --kill all 2>/dev/null || true
  rm -rf "$GNUPGHOME" "$OTHER_HOME" "$WORK"
}
trap cleanup EXIT
G=(gpg --batch --pinentry-mode loopback --passphrase '' --quiet)

genkey() {  # genkey HOME NAME: prints the new primary fingerprint
  "${G[@]}" --homedir "$1" --quick-gen-key "$2 <$2@example.org>" ed25519 sign 1y 2>/dev/null
  gpg --homedir "$1" --with-colons --list-keys "$2@example.org" 2>/dev/null | awk -F: '/^fpr:/ {print $10; exit}'
}
A=$(genkey "$GNUPGHOME" alice)
B=$(genkey "$GNUPGHOME" bob)
C=$(genkey "$GNUPGHOME" carol)
R=$(genkey "$GNUPGHOME" revoked)
E=$(genkey "$GNUPGHOME" expired)
X=$(genkey "$OTHER_HOME" mallory)
gpg --batch --export --armor "$A" "$B" "$C" > "$WORK/keyring.asc"
gpg --batch --export "$A" "$B" "$C" > "$WORK/keyring.gpg"

make_dist() {  # make_dist DIR: a few files and their SHA256SUMS
  mkdir -p "$1"
  printf 'kernel' > "$1/vmlinuz"; printf 'initramfs' > "$1/initramfs.cpio.gz"
  printf 'console=ttyS0\n' > "$1/cmdline"
  (cd "$1" && sha256sum cmdline initramfs.cpio.gz vmlinuz > SHA256SUMS)
}
D="$WORK/dist"
make_dist "$D"
verify() { "$VIGIL" release verify "$@"; }

# Signing.
expect_exit 0 "alice signs" -- "$VIGIL" release sign "$D" --key "$A"
if [ -f "$D/signatures/$A.asc" ] && grep -q 'BEGIN PGP SIGNATURE' "$D/signatures/$A.asc"; then pass "armoured signature at signatures/<FPR>.asc"; else fail "no $D/signatures/$A.asc"; fi
if gpg --batch --verify "$D/signatures/$A.asc" "$D/SHA256SUMS" 2>/dev/null; then pass "gpg verifies the detached signature"; else fail "gpg rejects it"; fi
lower=$(printf '%s' "$B" | tr A-F a-f)
expect_exit 0 "bob signs with --gnupg-home and a lowercase fingerprint" -- "$VIGIL" release sign "$D" --key "$lower" --gnupg-home "$GNUPGHOME"
if [ -f "$D/signatures/$B.asc" ]; then pass "file named by the uppercase fingerprint"; else fail "no $B.asc: $(ls "$D/signatures")"; fi
expect_exit 2 "a short key id is refused" -- "$VIGIL" release sign "$D" --key "${A:24}"
expect_exit 2 "a key without a secret is refused" -- "$VIGIL" release sign "$D" --key "$X"
expect_stderr "no secret key $X in the default GnuPG home" "the missing secret key is named, with the home searched"
expect_stderr "import it there, or give --gnupg-home" "what to do is said (not GPGME's 'End of file')"
expect_exit 2 "a --gnupg-home that does not exist (finding D22)" -- "$VIGIL" release sign "$D" --key "$A" --gnupg-home "$WORK/no-such-home"
expect_stderr "--gnupg-home $WORK/no-such-home is not a directory; give the GnuPG home that holds the keys" "the missing home is named"
mkdir "$WORK/empty-home"; chmod 700 "$WORK/empty-home"
expect_exit 2 "a --gnupg-home without the key" -- "$VIGIL" release sign "$D" --key "$A" --gnupg-home "$WORK/empty-home"
expect_stderr "no secret key $A in --gnupg-home $WORK/empty-home; import it there" "the home without the key is named"
gpgconf --homedir "$WORK/empty-home" --kill all 2>/dev/null || true
cp -r "$D" "$WORK/dist-extra"; printf 'x' > "$WORK/dist-extra/extra"
expect_exit 1 "signing refuses a DIST with an extra file" -- "$VIGIL" release sign "$WORK/dist-extra" --key "$C"
expect_stderr "extra" "the extra file is named when signing"
if [ ! -e "$WORK/dist-extra/signatures/$C.asc" ]; then pass "nothing signed for a bad DIST"; else fail "signed a bad DIST"; fi
# CRLF line endings: malformed input (exit 2) named as such, not files missing and extra.
cp -r "$D" "$WORK/dist-crlf"; rm -rf "$WORK/dist-crlf/signatures"; sed -i 's/$/\r/' "$WORK/dist-crlf/SHA256SUMS"
expect_exit 2 "signing a DIST whose SHA256SUMS has CRLF line endings (finding D22)" -- "$VIGIL" release sign "$WORK/dist-crlf" --key "$C"
expect_stderr "SHA256SUMS line 1: ends with a carriage return (CRLF line endings)" "the CRLF is named"
expect_exit 2 "verifying a DIST whose SHA256SUMS has CRLF line endings" -- verify "$WORK/dist-crlf" --keyring "$WORK/keyring.asc" --threshold 1
expect_stderr "ends with a carriage return (CRLF line endings); SHA256SUMS lines end with a line feed only, as sha256sum writes them (remove the carriage returns" "verify names the CRLF and the fix"

# Threshold with distinct signers.
sums_of() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
before=$(sums_of "$D")
expect_exit 0 "threshold 2 with two signers" -- verify "$D" --keyring "$WORK/keyring.asc" --threshold 2
if grep -q "signed by $A alice <alice@example.org>" "$WORK/stdout" && grep -q "signed by $B" "$WORK/stdout"; then pass "who signed is printed"; else fail "stdout: $(cat "$WORK/stdout")"; fi
expect_exit 0 "a binary keyring works too" -- verify "$D" --keyring "$WORK/keyring.gpg" --threshold 2
expect_exit 1 "threshold 3 with two signers fails" -- verify "$D" --keyring "$WORK/keyring.asc" --threshold 3
expect_exit 2 "threshold 0 is bad input" -- verify "$D" --keyring "$WORK/keyring.asc" --threshold 0
expect_exit 2 "an empty keyring is bad input" -- verify "$D" --keyring /dev/null --threshold 1

# One signer, and one key signing twice.
D1="$WORK/one"; make_dist "$D1"
"$VIGIL" release sign "$D1" --key "$A" >/dev/null
expect_exit 1 "threshold 2 with one signer fails" -- verify "$D1" --keyring "$WORK/keyring.asc" --threshold 2
cp "$D1/signatures/$A.asc" "$D1/signatures/copy.asc"
expect_exit 1 "one key signing twice counts once" -- verify "$D1" --keyring "$WORK/keyring.asc" --threshold 2
if grep -q "already counted" "$WORK/stdout"; then pass "the repeated key is reported"; else fail "stdout: $(cat "$WORK/stdout")"; fi
"${G[@]}" --detach-sign --armor -u "$A" -o "$D1/signatures/again.asc" "$D1/SHA256SUMS"
expect_exit 1 "a second, separate signature by the same key counts once" -- verify "$D1" --keyring "$WORK/keyring.asc" --threshold 2

# A key whose primary only certifies and whose signing subkey signs: counted once, under
# the primary fingerprint, whether vigil or gpg (with the subkey named) made the signature.
"${G[@]}" --quick-gen-key "dave <dave@example.org>" ed25519 cert 1y 2>/dev/null
DAVE=$(gpg --with-colons --list-keys dave@example.org 2>/dev/null | awk -F: '/^fpr:/ {print $10; exit}')
"${G[@]}" --quick-add-key "$DAVE" ed25519 sign 1y 2>/dev/null
DAVE_SUB=$(gpg --with-colons --list-keys dave@example.org 2>/dev/null | awk -F: '/^fpr:/ {n++; if (n == 2) print $10}')
gpg --batch --export --armor "$A" "$DAVE" > "$WORK/keyring-dave.asc"
DS="$WORK/subkey"; make_dist "$DS"
expect_exit 0 "a key that signs with a subkey signs" -- "$VIGIL" release sign "$DS" --key "$DAVE"
expect_exit 2 "a subkey fingerprint is refused as --key" -- "$VIGIL" release sign "$DS" --key "$DAVE_SUB"
"${G[@]}" --detach-sign --armor -u "$DAVE_SUB!" -o "$DS/signatures/by-subkey.asc" "$DS/SHA256SUMS"
expect_exit 1 "two signatures by one key's subkey count once" -- verify "$DS" --keyring "$WORK/keyring-dave.asc" --threshold 2
if grep -q "signed by $DAVE dave" "$WORK/stdout" && ! grep -q "signed by $DAVE_SUB" "$WORK/stdout"; then pass "the subkey's signature counts under the primary fingerprint"; else fail "stdout: $(cat "$WORK/stdout")"; fi
"$VIGIL" release sign "$DS" --key "$A" >/dev/null
expect_exit 0 "alice and dave's subkey make 2 of 2" -- verify "$DS" --keyring "$WORK/keyring-dave.asc" --threshold 2

# A key outside the keyring, a malformed file, a revoked and an expired key.
D2="$WORK/others"; make_dist "$D2"
"$VIGIL" release sign "$D2" --key "$A" >/dev/null
"$VIGIL" release sign "$D2" --key "$X" --gnupg-home "$OTHER_HOME" >/dev/null
"$VIGIL" release sign "$D2" --key "$R" >/dev/null
"$VIGIL" release sign "$D2" --key "$E" >/dev/null
printf -- '-----BEGIN PGP SIGNATURE-----\n\nnot base64 at all\n-----END PGP SIGNATURE-----\n' > "$D2/signatures/broken.asc"
printf 'hello' > "$D2/signatures/notes.txt"
"${G[@]}" --quick-set-expire "$E" seconds=1 2>/dev/null
# gpg keeps a revocation certificate for each new key, its armour guarded by a ':'.
sed 's/^:-----BEGIN/-----BEGIN/' "$GNUPGHOME/openpgp-revocs.d/$R.rev" > "$WORK/rev.asc"
"${G[@]}" --import "$WORK/rev.asc" 2>/dev/null
sleep 2
gpg --batch --export --armor "$A" "$B" "$C" "$R" "$E" > "$WORK/keyring5.asc"
expect_exit 1 "only alice counts among the others" -- verify "$D2" --keyring "$WORK/keyring5.asc" --threshold 2
out=$(cat "$WORK/stdout")
check() { if grep -qF -- "$1" <<< "$out"; then pass "$2"; else fail "$2: stdout: $out"; fi; }
check "signed by $A" "alice counts"
check "signatures/$X.asc: key" "the outside key is reported"
check "not in the keyring" "…as not in the keyring"
check "signatures/broken.asc: malformed" "the malformed file is reported"
check "signatures/$R.asc" "the revoked key is reported"
check "is revoked" "…as revoked"
check "signatures/$E.asc" "the expired key is reported"
check "expired" "…as expired"
check "signatures/notes.txt: not a .asc" "a stray file is reported"
expect_exit 0 "threshold 1 passes with alice alone" -- verify "$D2" --keyring "$WORK/keyring5.asc" --threshold 1
"$VIGIL" release sign "$D2" --key "$R" >/dev/null 2>&1 && fail "signed with a revoked key" || pass "revoked key refused for signing"
"$VIGIL" release sign "$D2" --key "$E" >/dev/null 2>&1 && fail "signed with an expired key" || pass "expired key refused for signing"

# --json.
expect_exit 1 "--json" -- verify "$D2" --keyring "$WORK/keyring5.asc" --threshold 2 --json
if jq -e --arg a "$A" '.threshold == 2 and .ok == false and (.valid | length) == 1 and .valid[0].fingerprint == $a and .valid[0].uid == "alice <alice@example.org>" and .valid[0].file == "signatures/\($a).asc" and (.invalid | length) == 5 and all(.invalid[]; has("file") and has("reason"))' "$WORK/stdout" >/dev/null; then pass "JSON shape"; else fail "JSON: $(cat "$WORK/stdout")"; fi
expect_exit 0 "--json ok" -- verify "$D" --keyring "$WORK/keyring.asc" --threshold 2 --json
if jq -e '.ok == true and (.valid | length) == 2 and .invalid == []' "$WORK/stdout" >/dev/null; then pass "JSON ok"; else fail "JSON: $(cat "$WORK/stdout")"; fi

# Nothing in DIST modified by verify.
if [ "$(sums_of "$D")" = "$before" ]; then pass "verify modified nothing in DIST"; else fail "DIST changed"; fi

# Tampered, extra and missing files.
printf 'evil' >> "$D/vmlinuz"
expect_exit 1 "a tampered file fails" -- verify "$D" --keyring "$WORK/keyring.asc" --threshold 2
expect_stderr "vmlinuz" "the tampered file is named"
printf 'x' > "$D1/extra"; rm "$D1/cmdline"
expect_exit 1 "extra and missing files fail" -- verify "$D1" --keyring "$WORK/keyring.asc" --threshold 1
expect_stderr "extra file 'extra'" "the extra file is named"
expect_stderr "missing file 'cmdline'" "the missing file is named"
D3="$WORK/link"; make_dist "$D3"; ln -s vmlinuz "$D3/alias"
expect_exit 1 "a symlink fails" -- verify "$D3" --keyring "$WORK/keyring.asc" --threshold 1
D4="$WORK/sub"; make_dist "$D4"; mkdir "$D4/more"
expect_exit 1 "a subdirectory fails" -- verify "$D4" --keyring "$WORK/keyring.asc" --threshold 1
D5="$WORK/sig-after"; make_dist "$D5"
"$VIGIL" release sign "$D5" --key "$A" >/dev/null; "$VIGIL" release sign "$D5" --key "$C" >/dev/null
printf 'x' >> "$D5/cmdline"; (cd "$D5" && sha256sum cmdline initramfs.cpio.gz vmlinuz > SHA256SUMS)
expect_exit 1 "SHA256SUMS rewritten after signing: bad signatures" -- verify "$D5" --keyring "$WORK/keyring.asc" --threshold 1
if grep -q "bad signature" "$WORK/stdout"; then pass "reported as bad signatures"; else fail "stdout: $(cat "$WORK/stdout")"; fi
# --git: signatures over a commit's tree hash, kept in the note refs/notes/signatures.
GIT=(git -c user.name=maintainer -c user.email=m@example.org -c init.defaultBranch=main)
R="$WORK/repo"; mkdir -p "$R"; "${GIT[@]}" -C "$R" init -q
printf 'source\n' > "$R/file"; "${GIT[@]}" -C "$R" add file; "${GIT[@]}" -C "$R" commit -qm one
expect_exit 0 "alice signs HEAD's tree" -- "$VIGIL" release sign --git HEAD --repo "$R" --key "$A"
tree=$(git -C "$R" rev-parse 'HEAD^{tree}')
if grep -q "signed tree $tree of commit" "$WORK/stdout"; then pass "the signed tree is printed"; else fail "stdout: $(cat "$WORK/stdout")"; fi
(cd "$R" && "$VIGIL" release sign --git HEAD --key "$B") >/dev/null
expect_exit 0 "git: threshold 2 with two signers" -- verify --git HEAD --repo "$R" --keyring "$WORK/keyring.asc" --threshold 2
if grep -q "signed by $A" "$WORK/stdout" && grep -q "signed by $B" "$WORK/stdout" && grep -q "(note:" "$WORK/stdout"; then pass "git: who signed is printed"; else fail "stdout: $(cat "$WORK/stdout")"; fi
# The note holds plain armoured signatures over the documented payload: gpg checks one alone.
git -C "$R" notes --ref=signatures show HEAD | awk '/BEGIN PGP/{n++} n==1' | sed '/END PGP/q' > "$WORK/first.asc"
printf 'vigil-release-tree-v1\ntree %s\n' "$tree" > "$WORK/payload"
if gpg --batch --verify "$WORK/first.asc" "$WORK/payload" 2>/dev/null; then pass "gpg verifies a note's signature over the tree payload"; else fail "gpg rejects the note's signature"; fi
(cd "$R" && "$VIGIL" release sign --git HEAD --key "$A") >/dev/null
expect_exit 1 "git: a key signing twice counts once" -- verify --git HEAD --repo "$R" --keyring "$WORK/keyring.asc" --threshold 3
if grep -q "already counted" "$WORK/stdout"; then pass "git: the repeated key is reported"; else fail "stdout: $(cat "$WORK/stdout")"; fi
expect_exit 1 "git: a key outside the keyring does not count" -- verify --git HEAD --repo "$R" --keyring "$WORK/keyring-dave.asc" --threshold 2
# The signatures travel with the repository.
git clone -q "$R" "$WORK/clone"; git -C "$WORK/clone" fetch -q origin refs/notes/signatures:refs/notes/signatures
expect_exit 0 "git: a clone with the notes verifies" -- verify --git HEAD --repo "$WORK/clone" --keyring "$WORK/keyring.asc" --threshold 2
# Another tree is not signed: a new commit, or a commit given the old note by hand.
printf 'changed\n' > "$R/file"; "${GIT[@]}" -C "$R" commit -qam two
expect_exit 1 "git: a new commit has no signatures" -- verify --git HEAD --repo "$R" --keyring "$WORK/keyring.asc" --threshold 1
git -C "$R" notes --ref=signatures show HEAD~1 > "$WORK/old-note"
"${GIT[@]}" -C "$R" notes --ref=signatures add -f -F "$WORK/old-note" HEAD
expect_exit 1 "git: signatures copied onto another tree do not count" -- verify --git HEAD --repo "$R" --keyring "$WORK/keyring.asc" --threshold 1
if grep -q "bad signature" "$WORK/stdout"; then pass "git: copied signatures are reported as bad"; else fail "stdout: $(cat "$WORK/stdout")"; fi
printf 'garbage\n-----BEGIN PGP SIGNATURE-----\nnot base64\n' > "$WORK/bad-note"
"${GIT[@]}" -C "$R" notes --ref=signatures add -f -F "$WORK/bad-note" HEAD
expect_exit 1 "git: a malformed note counts nothing" -- verify --git HEAD --repo "$R" --keyring "$WORK/keyring.asc" --threshold 1
if grep -q "text outside a signature block" "$WORK/stdout" && grep -q "without its END line" "$WORK/stdout"; then pass "git: the malformed parts are named"; else fail "stdout: $(cat "$WORK/stdout")"; fi
expect_exit 2 "git: an unknown revision" -- verify --git nosuchrev --repo "$R" --keyring "$WORK/keyring.asc" --threshold 1
expect_stderr "unknown revision 'nosuchrev'" "git: the unknown revision is named"
expect_exit 2 "git: not a repository" -- "$VIGIL" release sign --git HEAD --repo / --key "$A"
expect_stderr "no git repository" "git: the missing repository is named"
expect_exit 2 "DIST and --git together" -- verify "$D" --git HEAD --repo "$R" --keyring "$WORK/keyring.asc" --threshold 1
expect_exit 2 "neither DIST nor --git" -- "$VIGIL" release sign --key "$A"
expect_exit 2 "--repo without --git" -- verify "$D" --repo "$R" --keyring "$WORK/keyring.asc" --threshold 1
expect_stderr "requires --git" "--repo alone is refused, not ignored"

if ls /tmp | grep -q '^vigil-gnupg\.'; then fail "temporary GNUPGHOME left behind: $(ls /tmp | grep vigil-gnupg)"; else pass "temporary GNUPGHOMEs removed"; fi
finish
