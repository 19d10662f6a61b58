#!/bin/bash
# The image commands' interface: help and version, JSON output, describe, and every
# kind of bad input (clear message, documented exit code, nothing left behind).
. "$(dirname "$0")/lib.sh"

for cmd in "" "image" "image build" "image describe" "image run"; do
  # shellcheck disable=SC2086
  expect_exit 0 "vigil $cmd --help" -- "$VIGIL" $cmd --help
done
expect_exit 0 "vigil --version" -- "$VIGIL" --version
if grep -q "^vigil [0-9]" "$WORK/stdout"; then pass "version printed"; else fail "no version"; fi
expect_exit 2 "unknown subcommand is bad usage" -- "$VIGIL" image frobnicate
expect_exit 2 "missing --out is bad usage" -- "$VIGIL" image build x.toml

write_spec "$WORK/hello.toml"
expect_exit 0 "build --json" -- "$VIGIL" image build "$WORK/hello.toml" --out "$WORK/dist" --json
cp "$WORK/stdout" "$WORK/build.json"
pcr0=$(awk '$2=="PCR0"{print $1}' "$WORK/dist/hello.pcrs")
if jq -e --arg p "$pcr0" '.Measurements.PCR0 == $p and (.files | length) == 7' "$WORK/build.json" >/dev/null; then
  pass "build --json lists 7 files and PCR0"
else
  fail "build --json: $(head -c 300 "$WORK/build.json")"
fi

expect_exit 0 "describe --json" -- "$VIGIL" image describe "$WORK/dist/hello.eif" --json
if jq -e --arg p "$pcr0" '.Measurements.HashAlgorithm and .Measurements.PCR0 == $p and .EifVersion == 4' "$WORK/stdout" >/dev/null; then
  pass "describe reports the same PCR0 as the build, nitro-cli style keys"
else
  fail "describe --json: $(head -c 300 "$WORK/stdout")"
fi
expect_exit 0 "describe (text)" -- "$VIGIL" image describe "$WORK/dist/hello.eif"

# describe: not an EIF, truncated, bad CRC.
expect_exit 2 "describe a non-EIF" -- "$VIGIL" image describe "$WORK/hello.toml"
expect_stderr "not an EIF" "a small non-EIF is called what it is, not a truncated EIF"
head -c 100000 "$WORK/dist/hello.eif" > "$WORK/truncated.eif"
expect_exit 2 "describe a truncated EIF" -- "$VIGIL" image describe "$WORK/truncated.eif"
expect_stderr "damaged: build it again or copy it again" "a truncated EIF is called damaged, with what to do"
head -c 100 "$WORK/dist/hello.eif" > "$WORK/header-cut.eif"
expect_exit 2 "describe an EIF cut inside its header" -- "$VIGIL" image describe "$WORK/header-cut.eif"
expect_stderr "truncated EIF" "an EIF cut inside its header is called truncated"
cp "$WORK/dist/hello.eif" "$WORK/flipped.eif"
size=$(stat -c %s "$WORK/flipped.eif")
flip_byte "$WORK/flipped.eif" $((size - 100))
expect_exit 1 "describe an EIF with a flipped byte fails verification" -- "$VIGIL" image describe "$WORK/flipped.eif"
expect_stderr "CRC" "the CRC mismatch is named"
# Hostile EIFs: a command line that forges PCR lines and hides the real ones (ESC[8m), shown
# escaped so the only PCR lines are the real ones (D1); metadata and section layouts refused
# (exit 2) saying what is wrong (D21, D22).
python3 - "$WORK" <<'PY'
import os, struct, sys, zlib
def build(sections):
    offs = [0] * 32; sizes = [0] * 32; body = b''; o = 548
    for i, (t, data) in enumerate(sections):
        offs[i] = o; sizes[i] = len(data); body += struct.pack('>HHQ', t, 0, len(data)) + data; o += 12 + len(data)
    h = bytearray(548); h[0:4] = b'.eif'; h[4:6] = struct.pack('>H', 4); h[8:16] = struct.pack('>Q', 1 << 30)
    h[16:24] = struct.pack('>Q', 2); h[26:28] = struct.pack('>H', len(sections))
    h[28:284] = struct.pack('>32Q', *offs); h[284:540] = struct.pack('>32Q', *sizes)
    h[544:548] = struct.pack('>I', zlib.crc32(bytes(h[:544]) + body)); return bytes(h) + body
K, C, R = (1, b'K' * 100), (2, b'console=ttyS0'), (3, b'R' * 50)
cases = {
    'meta-dupkeys': [K, C, (5, b'{"ImageName":"x","ImageName":"y"}'), R],
    'meta-utf8': [K, C, (5, b'{"ImageName":"\xff"}'), R],
    'meta-nul': [K, C, (5, b'{"ImageName":"x"}\x00'), R],
    'meta-type': [K, C, (5, b'{"ImageName":5}'), R],
    'sig-middle': [K, C, (4, b'sig'), R],
    'two-cmdlines': [K, C, C, R],
    # A command line that forges PCR lines and hides the real ones (ESC[8m).
    'spoof': [K, (2, b'console=ttyS0\n' + b'0' * 96 + b' PCR0\n' + b'0' * 96 + b' PCR1\x1b[8m'), R],
}
for name, sections in cases.items():
    open(os.path.join(sys.argv[1], name + '.eif'), 'wb').write(build(sections))
PY
expect_exit 0 "describe an EIF whose command line holds newlines and an escape" -- "$VIGIL" image describe "$WORK/spoof.eif"
if [ "$(grep -cE '^[0-9a-f]{96} PCR0$' "$WORK/stdout")" -eq 1 ] && ! grep -q $'\x1b' "$WORK/stdout" &&
   grep -qF 'cmdline: console=ttyS0\x0a000' "$WORK/stdout"; then
  pass "the command line is escaped: one PCR0 line, no escape byte"; else fail "describe printed: $(cat -v "$WORK/stdout")"; fi
describe_refused() {  # describe_refused NAME STDERR_TEXT DESCRIPTION
  expect_exit 2 "describe: $3" -- "$VIGIL" image describe "$WORK/$1.eif"
  expect_stderr "$2" "describe: $3: named"
}
describe_refused meta-dupkeys 'EIF metadata: the key "ImageName" appears twice in the object at $' "metadata with a duplicate key"
describe_refused meta-utf8 "EIF metadata: invalid JSON near byte 15: parsing value - invalid string: ill-formed UTF-8 byte" "metadata that is not UTF-8"
describe_refused meta-nul "EIF metadata holds a NUL byte at byte 17" "metadata with a NUL"
describe_refused meta-type "EIF metadata field ImageName must be a string" '"ImageName":5'
describe_refused sig-middle "EIF section 2 (Signature) is out of order" "a Signature before the Ramdisk"
describe_refused two-cmdlines "EIF section 2 (Cmdline) is out of order" "two Cmdline sections"
expect_exit 2 "describe a missing file" -- "$VIGIL" image describe "$WORK/none.eif"
expect_stderr "does not exist; check the path" "a missing file is named, with what to do"
expect_exit 2 "run a missing directory" -- "$VIGIL" image run "$WORK/none"
expect_stderr "is not a directory; give the --out directory" "run names the missing directory"

# A file-size limit fails the build cleanly: nothing left behind (finding D11).
mkdir "$WORK/fsz"
expect_exit 1 "build under ulimit -f fails" -- bash -c "ulimit -f 1000; '$VIGIL' image build '$WORK/hello.toml' --out '$WORK/fsz/out'"
expect_stderr "File too large" "the error is the write's own"
if [ -z "$(ls -A "$WORK/fsz")" ]; then pass "ulimit -f: nothing left behind"; else fail "ulimit -f left $(ls -A "$WORK/fsz")"; fi

# build: bad inputs; after each, nothing new in $WORK/bad.
mkdir -p "$WORK/bad"
bad_build() {  # bad_build DESCRIPTION STDERR_TEXT SPEC_FILE [CODE]
  expect_exit "${4:-2}" "$1" -- "$VIGIL" image build "$3" --out "$WORK/bad/out"
  expect_stderr "$2" "$1: message names the problem"
  if [ -z "$(ls -A "$WORK/bad")" ]; then pass "$1: nothing left behind"; else fail "$1: left $(ls -A "$WORK/bad")"; fi
}
bad_build "missing spec" "does not exist" "$WORK/nope.toml"
printf 'name = "x"\n[kernel\n' > "$WORK/s1.toml"
bad_build "bad TOML" "invalid TOML" "$WORK/s1.toml"
write_spec "$WORK/s2.toml" '["a"]' 'colour = "blue"'
bad_build "unknown key" "unknown key 'colour'" "$WORK/s2.toml"
write_spec "$WORK/s3.toml"
sed -i "s/$KERNEL_SHA256/$(printf '0%.0s' $(seq 64))/" "$WORK/s3.toml"
bad_build "kernel hash mismatch" "but the spec pins" "$WORK/s3.toml"
write_spec "$WORK/s4.toml" '["a"]' '' $'[[files]]\nsource = "/etc/hostname"\ndestination = "/../../etc/passwd"'
bad_build "destination escaping /" "'.' or '..' component" "$WORK/s4.toml"
write_spec "$WORK/s4n.toml" '["a"]' '' $'[[files]]\nsource = "/etc/hostname"\ndestination = "/bin/he\\nllo"'
bad_build "destination with a newline" "contains a control character" "$WORK/s4n.toml"
write_spec "$WORK/s4l.toml" '["a"]' '' "$(printf '[[files]]\nsource = "/etc/hostname"\ndestination = "/%s"' "$(printf 'a%.0s' $(seq 1000))")"
bad_build "a 1000-byte name" "at most 255" "$WORK/s4l.toml"
write_spec "$WORK/s4x.toml" '["a"]' '' "$(printf '[[files]]\nsource = "/etc/hostname"\ndestination = "%s"' "$(for _ in $(seq 20); do printf '/%s' "$(printf 'a%.0s' $(seq 250))"; done)")"
bad_build "a 5000-byte path" "longer than 4095 bytes" "$WORK/s4x.toml"
write_spec "$WORK/s5.toml" '["a"]' '' $'[[files]]\nsource = "/etc/hostname"\ndestination = "/bin/hello"'
bad_build "colliding destinations" "two inputs have the destination" "$WORK/s5.toml"
ln -s /etc/hostname "$WORK/link"
write_spec "$WORK/s6.toml" '["a"]' '' $'[[files]]\nsource = "'"$WORK"$'/link"\ndestination = "/etc/x"'
bad_build "symlinked source" "symbolic link" "$WORK/s6.toml"
write_spec "$WORK/s7.toml" '["a"]' '' $'[[files]]\nsource = "'"$WORK"$'/absent"\ndestination = "/etc/x"'
bad_build "missing input" "does not exist" "$WORK/s7.toml"
mkfifo "$WORK/fifo"
write_spec "$WORK/s9.toml" '["a"]' '' $'[[files]]\nsource = "'"$WORK"$'/fifo"\ndestination = "/etc/x"'
bad_build "a FIFO as input (refused, not waited on)" "not a regular file" "$WORK/s9.toml"
write_spec "$WORK/s10.toml" '["a"]' '' $'[[files]]\nsource = "/etc/hostname"\ndestination = "/proc/x"'
bad_build "a destination under a mount point" "mounts a filesystem" "$WORK/s10.toml"
write_spec "$WORK/s11.toml" '["a"]' '' $'[[files]]\nsource = "/etc/hostname"\ndestination = "/init/x"'
bad_build "a destination under /init" "reserved" "$WORK/s11.toml"
write_spec "$WORK/s12.toml" '["a"]' '' $'[[files]]\nsource = "/etc/hostname"\ndestination = "/etc/x"\nmode = "4755"'
bad_build "a setuid mode" "setuid" "$WORK/s12.toml"
# Messages that say what is really wrong (finding D22).
write_spec "$WORK/s13.toml" '["a"]' '' $'[[files]]\nsource = "/etc/hostname"\ndestination = "/etc/x"\nmode = "04755"'
bad_build "mode 04755" 'files.mode "04755" sets setuid, setgid or sticky bits; a mode is at most 0777' "$WORK/s13.toml"
write_spec "$WORK/s14.toml" '["a"]' '' $'[[files]]\nsource = "/etc/hostname"\ndestination = "/bin/hello/x"'
bad_build "a file under the target" "destination '/bin/hello/x' needs /bin/hello to be a directory, but another input is placed at /bin/hello as a file" "$WORK/s14.toml"
# Two 512 MiB inputs (sparse): each within its own limit, together past the 1 GiB total.
truncate -s 512M "$WORK/half1" "$WORK/half2"
write_spec "$WORK/s15.toml" '["a"]' '' $'[[files]]\nsource = "'"$WORK"$'/half1"\ndestination = "/etc/h1"\n[[files]]\nsource = "'"$WORK"$'/half2"\ndestination = "/etc/h2"'
bad_build "inputs past the 1 GiB total" "bytes (1 GiB) all initramfs inputs may add up to; make the inputs smaller or place fewer of them" "$WORK/s15.toml"
expect_stderr "file for /etc/h2: $WORK/half2 is 536870912 bytes, more than the " "the input past the total is named"
rm -f "$WORK/half1" "$WORK/half2"
for epoch in 99999999999999999999 4294967296; do
  SOURCE_DATE_EPOCH=$epoch expect_exit 2 "SOURCE_DATE_EPOCH=$epoch" -- "$VIGIL" image build "$WORK/hello.toml" --out "$WORK/bad/out"
  expect_stderr "SOURCE_DATE_EPOCH is beyond 2106 (the cpio format's 32-bit time)" "SOURCE_DATE_EPOCH=$epoch: out of range, not 'not decimal'"
done
SOURCE_DATE_EPOCH=0001700000000 expect_exit 2 "SOURCE_DATE_EPOCH with leading zeros" -- "$VIGIL" image build "$WORK/hello.toml" --out "$WORK/bad/out"
expect_stderr "SOURCE_DATE_EPOCH must have no leading zeros, got '0001700000000'" "leading zeros are named"
expect_exit 2 "--out in /proc" -- "$VIGIL" image build "$WORK/hello.toml" --out /proc/x
expect_stderr "cannot create a directory in /proc: it exists but refuses new entries" "/proc is not said not to exist"

# An interrupted build leaves nothing: SIGTERM while a large input is being compressed.
head -c $((96 * 1024 * 1024)) /dev/urandom > "$WORK/big"
write_spec "$WORK/big.toml" '["a"]' '' $'[[files]]\nsource = "'"$WORK"$'/big"\ndestination = "/etc/big"'
"$VIGIL" image build "$WORK/big.toml" --out "$WORK/bad/out" >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -TERM "$pid"
code=0; wait "$pid" || code=$?
if [ "$code" -eq 143 ]; then pass "SIGTERM ends the build (exit 143)"; else fail "SIGTERM: exit $code"; fi
if [ -z "$(ls -A "$WORK/bad")" ]; then pass "an interrupted build leaves nothing"; else fail "interrupted build left $(ls -A "$WORK/bad")"; fi
rm -f "$WORK/big"

expect_exit 0 "--out with a trailing slash names the directory" -- "$VIGIL" image build "$WORK/hello.toml" --out "$WORK/slash/"
if [ -f "$WORK/slash/SHA256SUMS" ]; then pass "trailing-slash output written"; else fail "no $WORK/slash/SHA256SUMS"; fi

# A vigil without vigil-init beside it: a missing installation (exit 3), not bad input.
mkdir "$WORK/lonely"
cp "$VIGIL" "$WORK/lonely/vigil"
sed '/^\[init\]/,/^path/d' "$WORK/hello.toml" > "$WORK/default-init.toml"
expect_exit 3 "no vigil-init beside vigil is a missing environment" -- "$WORK/lonely/vigil" image build "$WORK/default-init.toml" --out "$WORK/bad/out"
expect_stderr "vigil-init is not installed beside vigil" "the missing vigil-init is named, with what to do"
if [ -z "$(ls -A "$WORK/bad")" ]; then pass "no vigil-init: nothing left behind"; else fail "no vigil-init: left $(ls -A "$WORK/bad")"; fi

SOURCE_DATE_EPOCH=yesterday expect_exit 2 "bad SOURCE_DATE_EPOCH" -- "$VIGIL" image build "$WORK/hello.toml" --out "$WORK/bad/out"
expect_stderr "SOURCE_DATE_EPOCH" "bad SOURCE_DATE_EPOCH is named"
expect_exit 2 "existing output directory is refused" -- "$VIGIL" image build "$WORK/hello.toml" --out "$WORK/dist"
if (cd "$WORK/dist" && sha256sum --quiet -c SHA256SUMS); then pass "existing output untouched"; else fail "existing output modified"; fi
finish
