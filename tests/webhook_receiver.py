#!/usr/bin/env python3
"""A Standard Webhooks receiver for tests: answers 500 to the first request (so the sender
must retry) and 204 afterwards; checks every request's signature with the secret and
prints one JSON line per request: id, timestamp, valid (signature), body.
Usage: webhook_receiver.py SECRET_FILE PORT_FILE LOG_FILE"""
import base64
import hashlib
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

secret_file, port_file, log_file = sys.argv[1:4]
key = base64.b64decode(open(secret_file).read().strip()[len("whsec_"):])
seen = {"count": 0}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        msg_id = self.headers.get("webhook-id", "")
        stamp = self.headers.get("webhook-timestamp", "")
        expected = base64.b64encode(hmac.new(key, f"{msg_id}.{stamp}.".encode() + body,
                                             hashlib.sha256).digest()).decode()
        given = [s.split(",", 1)[1] for s in self.headers.get("webhook-signature", "").split()
                 if s.startswith("v1,")]
        with open(log_file, "a") as log:
            log.write(json.dumps({"id": msg_id, "timestamp": stamp,
                                  "valid": expected in given,
                                  "type": self.headers.get("Content-Type"),
                                  "body": body.decode()}) + "\n")
        seen["count"] += 1
        self.send_response(500 if seen["count"] == 1 else 204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
with open(port_file, "w") as f:
    f.write(str(server.server_port))
server.serve_forever()
