"""The customer portal in a real browser: headless Chromium (Debian's chromium and
chromium-driver) driven over WebDriver by selenium, against a running hookline-local and a
real receiver on loopback. A person's path through the page: create a webhook, see its
delivery, break the receiver and see the failure with its answer, retry it from the page,
rotate the secret and check the next delivery with the new one, switch to Japanese, the XSS
string shown as text, and a revoked session. Screenshots go to target/portal-screens/.

Usage: portal-browser-test.py <path to the hookline-local binary>
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

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait
from standardwebhooks.webhooks import Webhook

OPERATOR = "op_key_portal_browser_test_0001"
TENANT_KEY = "tenant_key_portal_browser_test_01"
XSS = "Orders <img src=x onerror=alert(1)>"
SCREENS = os.path.join("target", "portal-screens")

received = []
receiver_down = threading.Event()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        received.append((dict(self.headers), body))
        down = receiver_down.is_set() and json.loads(body).get("type") != "webhook.ping"
        self.send_response(500 if down else 200)
        self.end_headers()
        self.wfile.write(b"upstream exploded" if down else b"ok")

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, key, method, path, body=None, tenant=None):
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    if tenant:
        headers["Hookline-Tenant"] = tenant
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def eventually(what, check, within=20):
    deadline = time.time() + within
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def main():
    binary = sys.argv[1]
    os.makedirs(SCREENS, exist_ok=True)
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook_url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [binary, "--listen", f"127.0.0.1:{port}", "--retry-schedule", "1s",
         "--operator-key", OPERATOR,
         "--api-key", f"{TENANT_KEY}=acme:webhooks:view,webhooks:add,webhooks:edit,webhooks:remove,events:publish"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1440,1000", "--lang=en-US"]:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        eventually("the server", lambda: call(base, TENANT_KEY, "GET", "/v1/webhooks")[0] == 200)
        run(browser, base, hook_url)
    finally:
        browser.quit()
        server.terminate()
    print("portal browser test: ok")


def run(browser, base, hook_url):
    wait = WebDriverWait(browser, 20)
    page_text = lambda: browser.find_element(By.ID, "main").text
    see = lambda text: wait.until(lambda _: text in page_text())
    button = lambda label: wait.until(EC.element_to_be_clickable(
        (By.XPATH, f"//button[normalize-space()='{label}']")))
    shot = lambda name: browser.save_screenshot(os.path.join(SCREENS, f"{name}.png"))

    status, _ = call(base, OPERATOR, "POST", "/v1/event-types", {
        "name": "order.paid", "description": "An order was paid",
        "example": {"order_id": "ord_123", "amount": 4200, "currency": "JPY"}})
    assert status == 201, status
    status, session = call(base, OPERATOR, "POST", "/v1/portal/sessions", {}, tenant="acme")
    assert status == 201, session
    browser.get(session["url"])
    see("No webhooks yet")
    assert "token" not in browser.current_url, "the token left the address bar"
    shot("empty")

    # Create a webhook in the page: verified against the receiver.
    button("New webhook").click()
    browser.find_element(By.ID, "f-url").send_keys(hook_url)
    browser.find_element(By.ID, "f-description").send_keys(XSS)
    browser.find_element(By.CSS_SELECTOR, "input[type=checkbox][value='order.paid']").click()
    shot("create")
    button("Create").click()
    see("The webhook was created")
    assert XSS in page_text(), "the description is shown as its characters"
    assert not browser.find_elements(By.CSS_SELECTOR, "main img"), "no element made of API text"

    # A published event shows as an attempt.
    call(base, TENANT_KEY, "POST", "/v1/events", {"event_type": "order.paid", "data": {"n": 1}})
    eventually("the delivery", lambda: any(json.loads(b).get("data", {}).get("n") == 1 for _, b in received))

    def reopen():
        button("All webhooks").click()
        wait.until(EC.element_to_be_clickable((By.LINK_TEXT, hook_url))).click()

    reopen()
    see("HTTP 200")

    # The receiver breaks: the failure and its answer show.
    receiver_down.set()
    call(base, TENANT_KEY, "POST", "/v1/events", {"event_type": "order.paid", "data": {"n": 2}})
    eventually("two failed attempts", lambda: sum(
        1 for _, b in received if json.loads(b).get("data", {}).get("n") == 2) >= 2)
    time.sleep(1)
    reopen()
    see("upstream exploded")
    shot("failure")

    # Retry it from the page once the receiver is back.
    receiver_down.clear()
    before = len(received)
    retry = wait.until(EC.element_to_be_clickable(
        (By.XPATH, "//div[contains(@class,'attempt')][.//text()[contains(.,'HTTP 500')]]//button[normalize-space()='Retry']")))
    retry.click()
    see("Queued again.")
    eventually("the retried delivery", lambda: any(
        json.loads(b).get("data", {}).get("n") == 2 for _, b in received[before:]))

    # Rotate the secret; the next delivery verifies with the new one.
    button("Rotate").click()
    browser.switch_to.alert.accept()
    see("The secret was rotated.")
    secret = next(w for w in page_text().split() if w.startswith("whsec_"))
    before = len(received)
    call(base, TENANT_KEY, "POST", "/v1/events", {"event_type": "order.paid", "data": {"n": 3}})
    headers, body = eventually("the delivery after rotation", lambda: next(
        (r for r in received[before:] if json.loads(r[1]).get("data", {}).get("n") == 3), None))
    lower = {k.lower(): v for k, v in headers.items()}
    Webhook(secret).verify(body, lower)
    shot("detail")

    # Japanese, from the page's switch.
    button("All webhooks").click()
    see(hook_url)
    Select(browser.find_element(By.ID, "lang")).select_by_value("ja")
    see("新しい Webhook")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"
    shot("list-ja")
    Select(browser.find_element(By.ID, "lang")).select_by_value("en")
    see("New webhook")

    # Narrow screens.
    browser.set_window_size(360, 800)
    see(hook_url)
    shot("list-360")
    browser.set_window_size(1440, 1000)

    # A revoked (or expired) session: a clear message, not a broken page.
    status, _ = call(base, OPERATOR, "DELETE", f"/v1/tenants/acme/keys/{session['id']}")
    assert status == 204, status
    wait.until(EC.element_to_be_clickable((By.LINK_TEXT, hook_url))).click()
    see("This session has ended")
    button("Go back")
    shot("ended")


if __name__ == "__main__":
    main()
