#!/usr/bin/env python3
"""A legitimate client's view during a flood, for tests/hostile_peers.sh.

usage: probe.py SECONDS -- COMMAND...
Runs COMMAND again and again for SECONDS (each attempt limited to 10 s) and prints
"attempts=N ok=N p99_ms=N max_ms=N" over the attempts.
"""
import subprocess
import sys
import time


def main():
    seconds = float(sys.argv[1])
    command = sys.argv[sys.argv.index("--") + 1:]
    latencies, ok = [], 0
    end = time.time() + seconds
    while time.time() < end:
        start = time.time()
        try:
            done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  stdin=subprocess.DEVNULL, timeout=10)
            ok += done.returncode == 0
        except subprocess.TimeoutExpired:
            pass
        latencies.append((time.time() - start) * 1000)
        time.sleep(0.05)
    if not latencies:
        print("attempts=0 ok=0 p99_ms=0 max_ms=0")
        return
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"attempts={len(latencies)} ok={ok} p99_ms={p99:.0f} max_ms={latencies[-1]:.0f}")


if __name__ == "__main__":
    main()
