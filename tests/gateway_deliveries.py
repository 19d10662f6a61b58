#!/usr/bin/env python3
"""Signed GitHub deliveries to vigil-gateway from many clients at once, each retried with
the same delivery id until the gateway answers it (202, or 200 for a repeat).

usage: gateway_deliveries.py PORT_FILE SECRET_FILE COUNT CLIENTS
Prints "answered N" and the number of 200 (repeat) answers; exits 1 if any delivery got
another answer."""
import hashlib
import hmac
import http.client
import json
import sys
import threading
import time

port_file, secret_file, count, clients = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
secret = open(secret_file, 'rb').read()
lock = threading.Lock()
answers = {}
errors = []


def port():
    while True:
        try:
            text = open(port_file).read().strip()
            if text:
                return int(text)
        except OSError:
            pass
        time.sleep(0.05)


def deliver(conn_box, delivery_id, body, headers):
    while True:
        try:
            if conn_box[0] is None:
                conn_box[0] = http.client.HTTPConnection('127.0.0.1', port(), timeout=10)
            conn_box[0].request('POST', '/hooks/github', body=body, headers=headers)
            reply = conn_box[0].getresponse()
            data = reply.read()
            if reply.status in (202, 200):
                return reply.status
            if reply.status == 503:
                raise OSError('not recorded')
            errors.append(f'{delivery_id}: HTTP {reply.status} {data[:200]!r}')
            return reply.status
        except (OSError, http.client.HTTPException):
            # Unanswered: the gateway may be down; retry the same id.
            if conn_box[0] is not None:
                conn_box[0].close()
            conn_box[0] = None
            time.sleep(0.05)


def client(index):
    conn_box = [None]
    for n in range(index, count, clients):
        delivery_id = f'delivery-{n:06d}'
        body = json.dumps({'ref': 'refs/heads/main', 'after': f'{n + 1:040x}',
                           'repository': {'full_name': 'example/hello'}}).encode()
        mac = hmac.new(secret, body, hashlib.sha256).hexdigest()
        headers = {'Content-Type': 'application/json', 'X-GitHub-Event': 'push',
                   'X-GitHub-Delivery': delivery_id, 'X-Hub-Signature-256': 'sha256=' + mac}
        status = deliver(conn_box, delivery_id, body, headers)
        with lock:
            answers[delivery_id] = status


threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f'answered {len(answers)}')
print(f'repeats {sum(1 for s in answers.values() if s == 200)}')
for e in errors[:5]:
    print('error', e)
sys.exit(1 if errors else 0)
