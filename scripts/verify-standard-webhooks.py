"""An independent check of Hookline's signatures: a receiver written with the Standard
Webhooks library from PyPI verifies a ping, a delivery, and a delivery after a secret
rotation (which carries two signatures) sent by a running hookline-local.

Usage: verify-standard-webhooks.py <path to the hookline-local binary>
"""
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from standardwebhooks.webhooks import Webhook

received = []


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        received.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, key, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("authorization", f"Bearer {key}")
    request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def wait_for(predicate, what):
    deadline = time.time() + 30
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


def main():
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook_url = f"http://127.0.0.1:{receiver.server_port}/hook"

    port = free_port()
    key = "python_check_key_0123456789"
    env = dict(os.environ, HOOKLINE_LOG_LEVEL="warn")
    server = subprocess.Popen(
        [sys.argv[1], "--listen", f"127.0.0.1:{port}", "--api-key", f"{key}=py:webhooks:add,webhooks:edit,webhooks:view,events:publish"],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    passed = 0
    try:
        wait_for(lambda: _healthy(base), "hookline-local")
        created = call(base, key, "POST", "/v1/webhooks", {"url": hook_url, "event_types": ["*"]})
        secret = created["secret"]
        headers, body = received[0]
        Webhook(secret).verify(body, headers)
        print("ok: the verification ping verifies")
        passed += 1

        call(base, key, "POST", "/v1/events", {"event_type": "task.completed", "data": {"n": 1, "text": "héllo"}})
        wait_for(lambda: len(received) >= 2, "the delivery")
        headers, body = received[1]
        payload = Webhook(secret).verify(body, headers)
        assert payload["data"] == {"n": 1, "text": "héllo"}, payload
        print("ok: a delivery verifies and carries the event")
        passed += 1

        rotated = call(base, key, "POST", f"/v1/webhooks/{created['id']}/secret/rotate", {})
        call(base, key, "POST", "/v1/events", {"event_type": "task.completed", "data": {"n": 2}})
        wait_for(lambda: len(received) >= 3, "the delivery after rotation")
        headers, body = received[2]
        Webhook(rotated["secret"]).verify(body, headers)
        Webhook(secret).verify(body, headers)
        print("ok: after a rotation, both the new and the old secret verify")
        passed += 1

        forged = dict(headers, **{"webhook-signature": "v1,AAAA"})
        try:
            Webhook(secret).verify(body, forged)
            raise SystemExit("a forged signature verified")
        except SystemExit:
            raise
        except Exception:
            print("ok: a forged signature does not verify")
            passed += 1
    finally:
        server.terminate()
        server.wait(timeout=10)
        receiver.shutdown()
    print(f"standard-webhooks: {passed} passed, 0 failed")


def _healthy(base):
    try:
        with urllib.request.urlopen(base + "/health", timeout=1):
            return True
    except Exception:
        return False


if __name__ == "__main__":
    main()
