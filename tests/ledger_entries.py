#!/usr/bin/env python3
"""Prints every entry of a ledger directory, one per line, read from its C2SP tlog-tiles
entry bundles (tile/entries/N[.p/W]: uint16 big-endian length, then the bytes) up to the
size in its checkpoint. Usage: ledger_entries.py LOG_DIR"""
import os
import struct
import sys


def tile_path(n):
    groups = []
    while True:
        groups.append(n % 1000)
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join(("x%03d" % g) for g in groups[:-1]) + ("/" if len(groups) > 1 else "") + "%03d" % groups[-1]


def main():
    log = sys.argv[1]
    with open(os.path.join(log, "checkpoint"), "rb") as f:
        size = int(f.read().split(b"\n")[1])
    out = sys.stdout.buffer
    for n in range((size + 255) // 256):
        width = min(256, size - n * 256)
        path = os.path.join(log, "tile", "entries", tile_path(n))
        if width < 256:
            path += ".p/%d" % width
        with open(path, "rb") as f:
            data = f.read()
        at = 0
        for _ in range(width):
            (length,) = struct.unpack(">H", data[at:at + 2])
            out.write(data[at + 2:at + 2 + length] + b"\n")
            at += 2 + length


main()
