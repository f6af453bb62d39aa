"""The customer portal in a real browser: headless Chromium (Debian's chromium and
chromium-driver) driven over WebDriver by selenium, against a running hookline-local and a
real receiver on loopback. A person's path through the page: create a webhook (with a
filter and a custom header), see its delivery, break the receiver and see the failure with
its answer, retry it from the page, send a test, reveal and copy the secret, pause, resume
and edit, rotate the secret and check the next delivery with the
new one, page through attempts, recover a window, delete behind a confirmation, switch to
Japanese, the XSS string shown as text, keyboard use and labels, 360 px wide, framing by an
allowed and a refused site, and expired and revoked sessions. Screenshots go to
target/portal-screens/.

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
from datetime import datetime, timedelta, timezone

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait
from standardwebhooks.webhooks import Webhook

OPERATOR = "op_key_portal_browser_test_0001"
TENANT_KEY = "tenant_key_portal_browser_test_01"
XSS = "Orders <img src=x onerror=alert(1)>"
SCREENS = os.path.join("target", "portal-screens")

received = []
receiver_down = threading.Event()
framed_url = {}


class Framer(http.server.BaseHTTPRequestHandler):
    """A product's page on another origin that embeds the portal in an iframe."""

    def do_GET(self):
        page = f'<!doctype html><title>product</title><iframe id="portal" src="{framed_url["url"]}" width="900" height="600"></iframe>'
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.end_headers()
        self.wfile.write(page.encode())

    def log_message(self, *args):
        pass


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
    framers = []
    for _ in range(2):
        framer = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Framer)
        threading.Thread(target=framer.serve_forever, daemon=True).start()
        framers.append(f"http://127.0.0.1:{framer.server_address[1]}")
    server = subprocess.Popen(
        [binary, "--listen", f"127.0.0.1:{port}", "--retry-schedule", "1s",
         "--operator-key", OPERATOR, "--portal-frame-ancestors", framers[0],
         "--api-key", f"{TENANT_KEY}=acme:webhooks:view,webhooks:add,webhooks:edit,webhooks:remove,events:publish"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1440,1000", "--lang=en-US"]:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    # The console's messages, to hold the page to none at error level (a missing favicon is one).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        eventually("the server", lambda: call(base, TENANT_KEY, "GET", "/v1/webhooks")[0] == 200)
        run(browser, base, hook_url, framers)
    finally:
        browser.quit()
        server.terminate()
    print("portal browser test: ok")


def labelled_and_fits(browser, where):
    """Every control has a label (its own, an aria-label or a wrapping label) and the page
    does not scroll sideways."""
    unlabelled = browser.execute_script("""
        return [...document.querySelectorAll('input, select, textarea')].filter((c) =>
          !(c.labels && c.labels.length) && !c.getAttribute('aria-label')).map((c) => c.outerHTML);""")
    assert not unlabelled, f"{where}: controls without a label: {unlabelled}"
    nameless = browser.execute_script("""
        return [...document.querySelectorAll('button, a')].filter((b) =>
          !(b.textContent.trim() || b.getAttribute('aria-label'))).map((b) => b.outerHTML);""")
    assert not nameless, f"{where}: buttons or links without a name: {nameless}"
    wide = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{where}: the page scrolls sideways by {wide} px"


def narrow(browser, width):
    """The viewport `width` px wide, as a phone's: a headless window cannot be made narrower
    than about 500 px, so the device metrics are emulated."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": True})
    inner = browser.execute_script("return window.innerWidth")
    assert inner == width, f"the viewport is {inner} px wide, not {width}"


def fits_in(browser, width, where):
    scroll = browser.execute_script("return document.documentElement.scrollWidth")
    assert scroll <= width, f"{where}: scrollWidth {scroll} > {width}: the page scrolls sideways"


def no_console_errors(browser, where):
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, f"{where}: console errors: {errors}"


def run(browser, base, hook_url, framers):
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
    status, session = call(base, OPERATOR, "POST", "/v1/portal/sessions", {"tenant": "acme"})
    assert status == 201, session
    browser.get(session["url"])
    see("No webhooks yet")
    no_console_errors(browser, "the first load")
    assert "token" not in browser.current_url, "the token left the address bar"
    shot("empty")

    # Keyboard only: Tab reaches "New webhook", Enter opens the form with the focus in it.
    body = browser.find_element(By.TAG_NAME, "body")
    for _ in range(10):
        body = browser.switch_to.active_element
        if body.text == "New webhook":
            break
        body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "New webhook", "Tab reaches New webhook"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait.until(lambda _: browser.switch_to.active_element.get_attribute("id") == "f-url")

    # An endpoint that does not answer: the verification's failure is explained.
    browser.find_element(By.ID, "f-url").send_keys(f"http://127.0.0.1:{free_port()}/nothing")
    browser.find_element(By.CSS_SELECTOR, "input[type=checkbox][value='order.paid']").click()
    button("Create").click()
    wait.until(lambda _: browser.find_elements(By.CSS_SELECTOR, "#main .notice.error"))
    problem = browser.find_element(By.CSS_SELECTOR, "#main .notice.error").text
    assert "verif" in problem.lower(), problem
    shot("create-failed")

    # Create a webhook in the page: verified against the receiver, with a filter (only
    # events whose data.n is 1, 2, 3 or 4) and a custom header.
    browser.find_element(By.ID, "f-url").clear()
    browser.find_element(By.ID, "f-url").send_keys(hook_url)
    browser.find_element(By.ID, "f-description").send_keys(XSS)
    button("Add filter").click()
    browser.find_element(By.ID, "f-filter-1-a").send_keys("n")
    browser.find_element(By.ID, "f-filter-1-b").send_keys("1, 2, 3, 4")
    button("Add header").click()
    browser.find_element(By.ID, "f-header-1-a").send_keys("X-Api-Key")
    browser.find_element(By.ID, "f-header-1-b").send_keys("key-123")
    labelled_and_fits(browser, "the form")
    shot("create")
    button("Create").click()
    see("The webhook was created")
    assert XSS in page_text(), "the description is shown as its characters"
    assert not browser.find_elements(By.CSS_SELECTOR, "main img"), "no element made of API text"

    # A published event shows as an attempt.
    call(base, TENANT_KEY, "POST", "/v1/events", {"event_type": "order.paid", "data": {"n": 1}})
    headers, _ = eventually("the delivery", lambda: next(
        (r for r in received if json.loads(r[1]).get("data", {}).get("n") == 1), None))
    assert {k.lower(): v for k, v in headers.items()}.get("x-api-key") == "key-123", headers

    def reopen():
        button("All webhooks").click()
        wait.until(EC.element_to_be_clickable((By.LINK_TEXT, hook_url))).click()

    reopen()
    see("HTTP 200")
    see("n ∈ 1, 2, 3, 4")
    labelled_and_fits(browser, "the webhook")

    # Send a test and see its answer; reveal and copy the secret; pause, resume and edit.
    button("Send test").click()
    see("The endpoint answered 200")
    button("Reveal").click()
    wait.until(lambda _: "whsec_" in page_text())
    button("Hide").click()
    wait.until(lambda _: "whsec_" not in page_text())
    browser.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    button("Copy").click()
    see("Copied.")
    copied = browser.execute_async_script("navigator.clipboard.readText().then(arguments[0], () => arguments[0](null))")
    assert copied and copied.startswith("whsec_"), copied
    button("Pause").click()
    see("Paused")
    button("Resume").click()
    see("Active")
    button("Edit").click()
    description = wait.until(lambda b: b.find_element(By.ID, "f-description"))
    assert description.get_attribute("value") == XSS
    assert browser.find_element(By.ID, "f-filter-1-b").get_attribute("value") == "1, 2, 3, 4"
    description.send_keys(" (edited)")
    button("Save").click()
    see("Saved.")
    see(XSS + " (edited)")

    # The receiver breaks: the failure and its answer show.
    receiver_down.set()
    call(base, TENANT_KEY, "POST", "/v1/events", {"event_type": "order.paid", "data": {"n": 2}})
    eventually("two failed attempts", lambda: sum(
        1 for _, b in received if json.loads(b).get("data", {}).get("n") == 2) >= 2)
    time.sleep(1)
    reopen()
    see("upstream exploded")
    shot("failure")
    # The list at 360 px with a failing webhook (its badge, its last answer): cards, no
    # sideways scroll.
    button("All webhooks").click()
    see(hook_url)
    narrow(browser, 360)
    fits_in(browser, 360, "the list of a failing webhook at 360 px")
    shown_as = browser.execute_script(
        "return getComputedStyle(document.querySelector('table.list tbody tr')).display")
    assert shown_as == "block", f"the list at 360 px is a table ({shown_as}), not cards"
    shot("list-failing-360")
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    wait.until(EC.element_to_be_clickable((By.LINK_TEXT, hook_url))).click()
    see("upstream exploded")

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
    wait.until(EC.element_to_be_clickable((By.XPATH, "//dialog//button[normalize-space()='Rotate']"))).click()
    see("The secret was rotated.")
    secret = next(w for w in page_text().split() if w.startswith("whsec_"))
    before = len(received)
    call(base, TENANT_KEY, "POST", "/v1/events", {"event_type": "order.paid", "data": {"n": 3}})
    headers, body = eventually("the delivery after rotation", lambda: next(
        (r for r in received[before:] if json.loads(r[1]).get("data", {}).get("n") == 3), None))
    lower = {k.lower(): v for k, v in headers.items()}
    Webhook(secret).verify(body, lower)
    shot("detail")

    # Attempts page by 20: more appear with "Load more". An event the filter refuses is
    # not delivered.
    call(base, TENANT_KEY, "POST", "/v1/events", {"event_type": "order.paid", "data": {"n": 99}})
    for _ in range(20):
        call(base, TENANT_KEY, "POST", "/v1/events", {"event_type": "order.paid", "data": {"n": 1}})
    eventually("twenty more deliveries", lambda: sum(
        1 for _, b in received if json.loads(b).get("data", {}).get("n") == 1) >= 21)
    assert not any(json.loads(b).get("data", {}).get("n") == 99 for _, b in received), "the filter let n=99 through"
    reopen()
    see("HTTP 200")
    cards = lambda: len(browser.find_elements(By.CSS_SELECTOR, "#main .attempt"))
    assert cards() == 20, cards()
    button("Load more").click()
    wait.until(lambda _: cards() > 20)

    # Recover a window: a delivery that ended failed is sent again.
    receiver_down.set()
    call(base, TENANT_KEY, "POST", "/v1/events", {"event_type": "order.paid", "data": {"n": 4}})
    eventually("n=4 failing twice", lambda: sum(
        1 for _, b in received if json.loads(b).get("data", {}).get("n") == 4) >= 2)
    time.sleep(1.5)
    receiver_down.clear()
    reopen()
    button("Recover").click()
    see("1 failed delivery queued again.")
    eventually("the recovered delivery", lambda: sum(
        1 for _, b in received if json.loads(b).get("data", {}).get("n") == 4) >= 3)

    # Delete sits behind a confirmation: Escape keeps the webhook, the dialog's Delete removes it.
    status, doomed = call(base, TENANT_KEY, "POST", "/v1/webhooks",
                          {"url": hook_url + "/doomed", "event_types": ["order.paid"]})
    assert status == 201, doomed
    button("All webhooks").click()
    wait.until(EC.element_to_be_clickable((By.LINK_TEXT, hook_url + "/doomed"))).click()
    button("Delete").click()
    dialog_delete = wait.until(EC.element_to_be_clickable((By.XPATH, "//dialog//button[normalize-space()='Delete']")))
    assert browser.switch_to.active_element.text == "Cancel", "the dialog focuses Cancel first"
    shot("confirm-delete")
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait.until(lambda _: not browser.find_elements(By.TAG_NAME, "dialog"))
    assert call(base, TENANT_KEY, "GET", f"/v1/webhooks/{doomed['id']}")[0] == 200, "Escape deleted it"
    button("Delete").click()
    wait.until(EC.element_to_be_clickable((By.XPATH, "//dialog//button[normalize-space()='Delete']"))).click()
    see("The webhook was deleted.")
    assert call(base, TENANT_KEY, "GET", f"/v1/webhooks/{doomed['id']}")[0] == 404
    del dialog_delete

    # Japanese, from the page's switch (a paused webhook beside the first, for the picture).
    status, _ = call(base, TENANT_KEY, "POST", "/v1/webhooks", {
        "url": hook_url + "/billing", "event_types": ["order.*"], "description": "Billing system",
        "active": False, "verify": False})
    assert status == 201, status
    button("Refresh").click()
    see(hook_url + "/billing")
    see("Paused")
    shot("list")
    Select(browser.find_element(By.ID, "lang")).select_by_value("ja")
    see("新しい Webhook")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"
    shot("list-ja")
    wait.until(EC.element_to_be_clickable((By.LINK_TEXT, hook_url))).click()
    see("配信試行")
    shot("detail-ja")
    Select(browser.find_element(By.ID, "lang")).select_by_value("en")
    see("Attempts")
    button("All webhooks").click()
    see("New webhook")

    # Narrow screens: the list becomes cards. (The API's refusals above were console lines
    # of their own; from here on, none is expected.)
    browser.get_log("browser")
    narrow(browser, 360)
    see(hook_url)
    labelled_and_fits(browser, "the list at 360 px")
    fits_in(browser, 360, "the list at 360 px")
    shot("list-360")
    wait.until(EC.element_to_be_clickable((By.LINK_TEXT, hook_url))).click()
    see("Attempts")
    labelled_and_fits(browser, "the webhook at 360 px")
    fits_in(browser, 360, "the webhook at 360 px")
    shot("detail-360")
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    no_console_errors(browser, "the pages so far")

    # Framing is the deployment's choice: the allowed site shows the page, another does not.
    framed_url["url"] = session["url"]
    browser.get(framers[0])
    browser.switch_to.frame(wait.until(lambda b: b.find_element(By.ID, "portal")))
    wait.until(lambda b: hook_url in b.find_element(By.ID, "main").text)
    # A frame without clipboard-write: Copy leaves the secret selected, and says so.
    wait.until(EC.element_to_be_clickable((By.LINK_TEXT, hook_url))).click()
    button("Copy").click()
    see("press Ctrl+C")
    assert browser.execute_script("return String(window.getSelection())").startswith("whsec_")
    browser.switch_to.default_content()
    browser.get(framers[1])
    browser.switch_to.frame(wait.until(lambda b: b.find_element(By.ID, "portal")))
    time.sleep(1)
    assert not browser.find_elements(By.ID, "main"), "a site not allowed framed the page"
    browser.switch_to.default_content()

    # An expired session: the key expires two seconds after it is made.
    expires = (datetime.now(timezone.utc) + timedelta(seconds=2)).isoformat()
    status, short = call(base, OPERATOR, "POST", "/v1/tenants/acme/keys",
                         {"name": "short", "scopes": ["webhooks:view"], "expires_at": expires})
    assert status == 201, short
    time.sleep(2.5)
    browser.get(f"{base}/portal#token={short['key']}")
    see("This session has ended")
    button("Go back")
    shot("expired")
    browser.get(session["url"])
    see(hook_url)

    # A revoked (or expired) session: a clear message, not a broken page.
    status, _ = call(base, OPERATOR, "DELETE", f"/v1/tenants/acme/keys/{session['id']}")
    assert status == 204, status
    wait.until(EC.element_to_be_clickable((By.LINK_TEXT, hook_url))).click()
    see("This session has ended")
    button("Go back")
    shot("ended")


if __name__ == "__main__":
    main()
