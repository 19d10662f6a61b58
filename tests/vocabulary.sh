#!/bin/bash
# The shared vocabulary of src/ (production code) has one owner each: decimal parsing in
# base/strict_number, UTC formatting in base/time, UTF-8 decoding in base/utf8 and the
# SHA-256 hex-digest check in crypto/hash (IsSha256Hex). A second copy, or a call to the
# C library's lax parsers (std::stoi and its kind accept spaces, signs and trailing text),
# fails here; the fix is to call the owner.
. "$(dirname "$0")/lib.sh"

# Production sources, as paths relative to the repository.
cd "$ROOT"
git ls-files 'src/*.cc' 'src/*.h' | grep -v -e '_test\.cc$' -e '/test_util\.h$' > "$WORK/files"
# Untracked sources count too (a new file is checked before it is committed).
git ls-files --others --exclude-standard 'src/*.cc' 'src/*.h' |
  grep -v -e '_test\.cc$' -e '/test_util\.h$' >> "$WORK/files" || true
if [ -s "$WORK/files" ]; then pass "$(wc -l < "$WORK/files") production sources to read"; else
  fail "no sources under src/"; finish; exit 1; fi

# check NAME OWNER_REGEX ERE: fails with every FILE:LINE outside OWNER that matches ERE.
# Comment lines (starting with //) are skipped, so the owners' documentation may name what
# they replace.
check() {
  local name=$1 owner=$2 pattern=$3 hits
  hits=$(grep -v -E "$owner" "$WORK/files" | while IFS= read -r file; do
    [ -f "$file" ] || continue
    grep -n -E "$pattern" "$file" | grep -v -E '^[0-9]+:[[:space:]]*//' | sed "s|^|$file:|" || true
  done)
  if [ -z "$hits" ]; then pass "$name"; else
    fail "$name; found:"
    sed 's/^/    /' <<<"$hits"
  fi
}

check "decimal parsing only in base/strict_number (no stoi/stol/stoul/stoull/strtol/strtoul/strtoull/atoi)" \
  '^src/base/strict_number\.' \
  '(^|[^A-Za-z0-9_])(std::)?(stoi|stol|stoll|stoul|stoull|strtol|strtoll|strtoul|strtoull|strtoimax|strtoumax|atoi|atol|atoll)[[:space:]]*\('

check "UTC formatting only in base/time (no gmtime_r/gmtime/strftime/put_time)" \
  '^src/base/time\.' \
  '(^|[^A-Za-z0-9_])(std::)?(gmtime_r|gmtime|strftime|put_time)[[:space:]]*\('

# A UTF-8 decoder tests the lead byte of a 4-byte sequence (0xF0 with the mask 0xF8, or
# the range 0xF0..0xF4), checks continuation bytes against 0xC0, or bounds code points by
# U+10FFFF; any of these outside the owner is a second decoder.
check "UTF-8 decoding only in base/utf8 (no 0xF8/0xF4 lead masks, & 0xC0 continuation checks, 0x10FFFF bounds)" \
  '^src/base/utf8\.' \
  '0[xX][fF]8|0[xX][fF]4|&[[:space:]]*0[xX][cC]0[^0-9a-fA-F]|0[xX]10[fF]{4}'

# The hex-digest check: one function (IsSha256Hex in crypto/hash.cc), no other function
# named like one (IsLowerHex, IsHexDigest, ...) defined anywhere, and no hand-written
# 64-digit lowercase-hex test (a size of 64 within three lines of a lowercase hex alphabet).
definitions=$(grep -n -E '^[^/]*bool[[:space:]]+Is[A-Za-z0-9]*(Hex|Digest)[A-Za-z0-9]*[[:space:]]*\([^;]*$' \
  $(cat "$WORK/files") 2>/dev/null || true)
if [ "$definitions" = "$(grep '^src/crypto/hash\.cc:[0-9]*:bool IsSha256Hex(' <<<"$definitions")" ] &&
  [ "$(grep -c . <<<"$definitions")" -eq 1 ]; then
  pass "the hex-digest check is defined once: crypto::IsSha256Hex in crypto/hash.cc"
else
  fail "the hex-digest check must be defined once, as IsSha256Hex in src/crypto/hash.cc; found:"
  sed 's/^/    /' <<<"${definitions:-none}"
fi
hex_alphabet="0123456789abcdef\"|'a' && c <= 'f'|'a' <= c && c <= 'f'|\\[0-9a-f\\]"
copies=$(grep -v '^src/crypto/hash\.cc$' "$WORK/files" | while IFS= read -r file; do
  [ -f "$file" ] || continue
  grep -n -E -A3 -B3 "$hex_alphabet" "$file" | grep -E '(==|!=|size\(\) *[<>]=?) *64([^0-9]|$)|\b64 *(==|!=)' |
    sed "s|^|$file:|" || true
done)
if [ -z "$copies" ]; then pass "no second 64-lowercase-hex-digit check (use crypto::IsSha256Hex)"; else
  fail "a second 64-lowercase-hex-digit check (use crypto::IsSha256Hex):"
  sed 's/^/    /' <<<"$copies"
fi
# The (name, SHA-256) pair: one struct (crypto::NamedDigest) holds a name and a sha256; the
# image's files, SHA256SUMS entries, logged and published artifacts and statement subjects
# are it (aliases or a derived type with more members), never a second struct.
pairs=$(while IFS= read -r file; do
  [ -f "$file" ] || continue
  awk -v file="$file" '
    /^[[:space:]]*struct [A-Za-z0-9_]+[^;]*\{[[:space:]]*$/ { name = $2; line = NR; has_name = 0; has_sha = 0; depth = 1; next }
    depth > 0 && /^[[:space:]]+[A-Za-z_:<>]+[[:space:]]+name( = [^;]*)?;/ { has_name = 1 }
    depth > 0 && /^[[:space:]]+[A-Za-z_:<>0-9]+[[:space:]]+sha256(\{\}| = [^;]*)?;/ { has_sha = 1 }
    depth > 0 && /^[[:space:]]*\};/ { if (has_name && has_sha) print file ":" line ": struct " name; depth = 0 }
  ' "$file"
done < "$WORK/files")
if [ "$pairs" = "src/crypto/named_digest.h:$(grep -n '^struct NamedDigest {' src/crypto/named_digest.h | cut -d: -f1): struct NamedDigest" ]; then
  pass "the (name, sha256) pair is defined once: crypto::NamedDigest"
else
  fail "the (name, sha256) pair must be defined once, as crypto::NamedDigest; found:"
  sed 's/^/    /' <<<"${pairs:-none}"
fi
finish
