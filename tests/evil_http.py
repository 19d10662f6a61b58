#!/usr/bin/env python3
"""A hostile HTTP server, for tests/hostile_peers.sh.

usage: evil_http.py MODE PORTFILE
Listens on 127.0.0.1 (any free port, written to PORTFILE) and answers every request:
  headers  a status line, then header lines without end
  drip     Content-Length 100000, then one byte every 0.5 s
  huge     a chunked body without end
  length   Content-Length of 10 GB, then bytes without end
"""
import socketserver
import sys
import time


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        mode = self.server.mode
        s = self.request
        try:
            s.recv(65536)
            if mode == "headers":
                s.sendall(b"HTTP/1.1 200 OK\r\n")
                line = b"X-A: " + b"b" * 1000 + b"\r\n"
                while True:
                    s.sendall(line)
            elif mode == "drip":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                while True:
                    s.sendall(b"A")
                    time.sleep(0.5)
            elif mode == "huge":
                s.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
                while True:
                    s.sendall(chunk)
            elif mode == "length":
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n")
                while True:
                    s.sendall(b"x" * 65536)
        except OSError:
            pass


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    mode, portfile = sys.argv[1], sys.argv[2]
    server = Server(("127.0.0.1", 0), Handler)
    server.mode = mode
    with open(portfile + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.rename(portfile + ".tmp", portfile)
    server.serve_forever()


if __name__ == "__main__":
    main()
