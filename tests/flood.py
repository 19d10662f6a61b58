#!/usr/bin/env python3
"""A connection flood from one source address, for tests/hostile_peers.sh.

usage: flood.py HOST PORT SOURCE COUNT SECONDS MODE

Keeps COUNT connections from SOURCE to HOST:PORT open for SECONDS, reopening any the
server closes (pacing itself at 10 rounds a second). MODE:
  idle  connects and sends nothing (an unauthenticated TLS connection, an empty HTTP one)
  slow  sends a request head one line at a time, a line every 0.5 s, never finishing it
        (slowloris; for TLS ports the bytes are a ClientHello that never completes)
Prints one line: opened=N closed_by_server=N.
"""
import errno
import socket
import sys
import time


def main():
    host, port, source, count, seconds, mode = sys.argv[1:7]
    port, count, seconds = int(port), int(count), float(seconds)
    conns = {}
    opened = closed = 0
    end = time.time() + seconds
    next_drip = 0.0

    def connect():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((source, 0))
        s.setblocking(False)
        try:
            s.connect((host, port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            return None
        return s

    while time.time() < end:
        while len(conns) < count:
            s = connect()
            if s is None:
                break
            conns[s] = 0
            opened += 1
        now = time.time()
        drip = mode == "slow" and now >= next_drip
        if drip:
            next_drip = now + 0.5
        for s in list(conns):
            try:
                data = s.recv(4096)
                if data == b"":
                    raise ConnectionResetError()
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                conns.pop(s)
                s.close()
                closed += 1
                continue
            if drip:
                line = b"GET /checkpoint HTTP/1.1\r\n" if conns[s] == 0 else b"X-a: b\r\n"
                try:
                    s.send(line)
                    conns[s] += 1
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError as e:
                    if e.errno not in (errno.ENOTCONN,):
                        conns.pop(s)
                        s.close()
                        closed += 1
        time.sleep(0.1)
    for s in conns:
        s.close()
    print(f"opened={opened} closed_by_server={closed}")


if __name__ == "__main__":
    main()
