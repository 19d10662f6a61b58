#!/bin/bash
# Builds the example twice under different conditions (working directory, TZ, umask,
# locale, wall-clock time) and requires byte-identical output directories.
. "$(dirname "$0")/lib.sh"

# Each varied condition must exist here, or the comparison proves nothing about it.
if locale -a | grep -qx 'fr_FR.utf8'; then pass "the fr_FR.UTF-8 locale exists"; else fail "fr_FR.UTF-8 is not generated (scripts/setup does it)"; fi
if [ -f /usr/share/zoneinfo/Pacific/Kiritimati ]; then pass "the Pacific/Kiritimati zone exists"; else fail "tzdata lacks Pacific/Kiritimati"; fi
if [ "$(faketime '2031-02-03 04:05:06' date +%Y)" = 2031 ]; then pass "faketime moves the clock"; else fail "faketime has no effect"; fi

mkdir -p "$WORK/specdir" "$WORK/cwd-a/deep/er" "$WORK/cwd-b"
write_spec "$WORK/specdir/hello.toml"

(cd "$WORK/cwd-a/deep/er" && umask 0022 && TZ=UTC LC_ALL=C \
  "$VIGIL" image build ../../../specdir/hello.toml --out "$WORK/out-a" >/dev/null)
# libfaketime is preloaded; an ASan build tolerates that with verify_asan_link_order=0.
(cd "$WORK/cwd-b" && umask 0002 && TZ=Pacific/Kiritimati LANG=fr_FR.UTF-8 LC_ALL=fr_FR.UTF-8 \
  ASAN_OPTIONS=verify_asan_link_order=0 faketime '2031-02-03 04:05:06' \
  "$VIGIL" image build "$WORK/specdir/hello.toml" --out out-b >/dev/null)

if diff -r "$WORK/out-a" "$WORK/cwd-b/out-b" >"$WORK/diff"; then
  pass "two builds under different cwd, TZ, umask, locale and clock are identical"
else
  fail "outputs differ: $(head -c 600 "$WORK/diff")"
fi
# One CPU instead of all: the parallel gzip cuts the same blocks whatever the thread count.
taskset -c 0 "$VIGIL" image build "$WORK/specdir/hello.toml" --out "$WORK/out-one-cpu" >/dev/null
if diff -r "$WORK/out-a" "$WORK/out-one-cpu" >/dev/null; then pass "a build on one CPU is identical"; else fail "the CPU count changed the output"; fi
modes_a=$(cd "$WORK/out-a" && stat -c '%a %n' * | sort)
modes_b=$(cd "$WORK/cwd-b/out-b" && stat -c '%a %n' * | sort)
if [ "$modes_a" = "$modes_b" ]; then pass "file modes do not depend on the umask"; else fail "file modes differ"; fi
if (cd "$WORK/out-a" && sha256sum --quiet -c SHA256SUMS); then pass "sha256sum -c accepts SHA256SUMS"; else fail "SHA256SUMS does not check"; fi

# SOURCE_DATE_EPOCH from the environment overrides the spec.
SOURCE_DATE_EPOCH=1600000000 "$VIGIL" image build "$WORK/specdir/hello.toml" --out "$WORK/out-c" >/dev/null
if ! cmp -s "$WORK/out-a/initramfs.cpio.gz" "$WORK/out-c/initramfs.cpio.gz" &&
   grep -q "source_date_epoch = 1600000000" "$WORK/out-c/hello.resolved.toml"; then
  pass "SOURCE_DATE_EPOCH overrides the spec's epoch"
else
  fail "SOURCE_DATE_EPOCH was not applied"
fi
mtime=$(zcat "$WORK/out-c/initramfs.cpio.gz" | cpio -tv --quiet 2>/dev/null | awk '$NF=="init"{print $6, $7, $8}')
if [ "$mtime" = "Sep 13 2020" ]; then pass "cpio mtimes are SOURCE_DATE_EPOCH"; else fail "cpio mtime is '$mtime'"; fi
finish
