#!/usr/bin/python3
"""Checks the ledger's web page in headless Chromium over the DevTools protocol.

Usage: ledger_web.py URL BUILD_ID

URL is the ledger's HTTP base (e.g. http://127.0.0.1:8080) and BUILD_ID a build that is
streaming now. Opens URL/#build=BUILD_ID and requires that the lines in #log grow at least
twice while #status says "running", that #status then becomes "closed", and that the page
shows as many lines as /builds/BUILD_ID/log has.

Prints "ok: ..." lines and exits 0, or prints "FAIL: ..." and exits 1 (3 when chromium or
python3-websocket is missing). Needs only Debian packages: chromium, python3-websocket.
"""

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

try:
    import websocket  # websocket-client (Debian: python3-websocket)
except ImportError:
    # Another python3 (e.g. pyenv) first on PATH: use Debian's copy of the pure-Python module.
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import websocket
    except ImportError:
        print("FAIL: the websocket-client module is missing: apt-get install python3-websocket")
        sys.exit(3)

STARTUP_TIMEOUT = 30.0  # seconds for chromium to open its DevTools port
TEST_TIMEOUT = 60.0  # seconds for the build to be followed until #status is "closed"
POLL_INTERVAL = 0.1

STATE_JS = """JSON.stringify({
  lines: document.querySelectorAll('#log .line').length,
  status: (document.getElementById('status') || {textContent: '(no #status)'}).textContent,
})"""


class Failure(Exception):
    pass


class DevTools:
    """A CDP connection to the browser, with one attached page session (flat mode)."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=10, suppress_origin=True)
        self.next_id = 0
        self.session = None

    def call(self, method, params=None, session=True, timeout=10.0):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Failure(f"no answer to {method} within {timeout:.0f} s")
            self.ws.settimeout(remaining)
            try:
                reply = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                continue
            if reply.get("id") != self.next_id:
                continue  # an event, or a late answer
            if "error" in reply:
                raise Failure(f"{method} failed: {reply['error']}")
            return reply.get("result", {})

    def close(self):
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


def start_chromium(profile, started):
    """Starts chromium (appended to `started` at once) and returns its DevTools URL."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if not binary:
        print("FAIL: chromium is missing: apt-get install chromium")
        sys.exit(3)
    proc = subprocess.Popen(
        [binary, "--headless=new", "--no-sandbox", "--disable-gpu",
         "--remote-debugging-port=0", f"--user-data-dir={profile}",
         "--no-first-run", "--no-default-browser-check", "--disable-dev-shm-usage",
         "--disable-background-networking", "about:blank"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True)  # its own process group, so all of it is killed at the end
    started.append(proc)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    seen = []
    buffered = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.5)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        chunk = os.read(proc.stderr.fileno(), 65536)
        if not chunk:
            break
        buffered += chunk
        while b"\n" in buffered:
            line, buffered = buffered.split(b"\n", 1)
            text = line.decode(errors="replace").strip()
            seen.append(text)
            if text.startswith("DevTools listening on "):
                # Keep draining stderr so that chromium never blocks on a full pipe.
                threading.Thread(target=drain, args=(proc.stderr,), daemon=True).start()
                return text[len("DevTools listening on "):]
    tail = "\n  ".join(seen[-10:]) or "(nothing)"
    raise Failure(f"chromium did not open its DevTools port within {STARTUP_TIMEOUT:.0f} s; "
                  f"its last output:\n  {tail}")


def drain(stream):
    try:
        while stream.read(65536):
            pass
    except (OSError, ValueError):
        pass


def stop_chromium(proc):
    """Ends chromium's whole process group (its own session) and waits until it is gone."""
    group = proc.pid
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            proc.poll()  # reap the main process
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            continue  # still there: escalate
        break
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def page_state(devtools):
    result = devtools.call("Runtime.evaluate", {"expression": STATE_JS, "returnByValue": True})
    if "exceptionDetails" in result:
        raise Failure(f"the page's state cannot be read: {result['exceptionDetails']}")
    return json.loads(result["result"]["value"])


def logged_line_count(base, build_id):
    url = f"{base}/builds/{urllib.parse.quote(build_id, safe='')}/log"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().count(b"\n")
    except (urllib.error.URLError, OSError) as error:
        raise Failure(f"GET {url}: {error}") from error


def run(base, build_id, devtools):
    target = devtools.call("Target.createTarget", {"url": "about:blank"}, session=False)
    attached = devtools.call("Target.attachToTarget",
                             {"targetId": target["targetId"], "flatten": True}, session=False)
    devtools.session = attached["sessionId"]
    devtools.call("Page.enable")
    page_url = f"{base}/#build={urllib.parse.quote(build_id, safe='')}"
    navigated = devtools.call("Page.navigate", {"url": page_url})
    if navigated.get("errorText"):
        raise Failure(f"cannot open {page_url}: {navigated['errorText']}")
    print(f"ok: opened {page_url}")

    deadline = time.monotonic() + TEST_TIMEOUT
    running_counts = []  # line counts seen while #status said "running"
    growths = 0
    state = {"lines": 0, "status": ""}
    while time.monotonic() < deadline:
        try:
            state = page_state(devtools)
        except Failure:
            time.sleep(POLL_INTERVAL)  # the page may still be loading
            continue
        status = state["status"]
        if status == "running":
            if running_counts and state["lines"] > running_counts[-1]:
                growths += 1
                if growths <= 2:
                    print(f"ok: #log grew to {state['lines']} lines while running")
            running_counts.append(state["lines"])
        elif status in ("closed", "truncated", "unknown", "no such build", "invalid build id"):
            break
        time.sleep(POLL_INTERVAL)
    else:
        raise Failure(f"#status did not become \"closed\" within {TEST_TIMEOUT:.0f} s "
                      f"(last: {state['status']!r} with {state['lines']} lines)")

    if state["status"] != "closed":
        raise Failure(f"#status became {state['status']!r}, not \"closed\" "
                      f"(#log grew {growths} time(s) while running)")
    if growths < 2:
        raise Failure(f"#log grew {growths} time(s) while #status was \"running\" (need 2); "
                      f"counts seen: {running_counts[:20]}; was the build streaming?")
    print(f"ok: #status became closed with {state['lines']} lines")

    # The end event comes after every line, so the page must show the whole log.
    expected = logged_line_count(base, build_id)
    state = page_state(devtools)
    if state["lines"] != expected:
        raise Failure(f"the page shows {state['lines']} lines but the log has {expected}")
    print(f"ok: the page shows all {expected} lines of the log")


def main():
    if len(sys.argv) != 3:
        print(f"usage: {sys.argv[0]} URL BUILD_ID (e.g. http://127.0.0.1:8080 b1)",
              file=sys.stderr)
        return 2
    sys.stdout.reconfigure(line_buffering=True)  # each result line as it happens
    base = sys.argv[1].rstrip("/")
    build_id = sys.argv[2]
    # Cleanup runs on SIGTERM and SIGINT too (e.g. a timeout in the calling test).
    def interrupted(signum, _frame):
        raise Failure(f"interrupted by signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)

    profile = tempfile.mkdtemp(prefix="ledger_web.")
    started = []
    devtools = None
    try:
        ws_url = start_chromium(profile, started)
        devtools = DevTools(ws_url)
        run(base, build_id, devtools)
        return 0
    except Failure as failure:
        print(f"FAIL: {failure}")
        return 1
    except (websocket.WebSocketException, OSError) as error:
        print(f"FAIL: the DevTools connection failed: {error!r}")
        return 1
    finally:
        # A second signal must not cut the cleanup short.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if devtools:
            devtools.close()
        for proc in started:
            stop_chromium(proc)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
