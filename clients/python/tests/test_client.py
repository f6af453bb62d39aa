"""The Python client against a running local server (HOOKLINE_LOCAL_BIN, or the debug build),
as a product team would call it: webhooks, pages, pings, secrets, publishing, history,
recovery, an operator acting for a tenant, and every problem typed."""

from __future__ import annotations

import datetime
import http.server
import json
import os
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import standardwebhooks

from hookline_api.api.event_types import create_event_type, get_event_type
from hookline_api.api.events import get_event
from hookline_api.api.executions import get_execution, list_executions, recover_webhook
from hookline_api.api.secrets import get_webhook_secret, rotate_webhook_secret
from hookline_api.api.tenants import revoke_tenant_key
from hookline_api.api.webhooks import (
    create_webhook,
    delete_webhook,
    get_webhook,
    list_webhooks,
    patch_webhook,
    ping_webhook,
)
from hookline_api.models import (
    EventTypeCreate,
    PingFailed,
    Problem,
    RecoverRequest,
    RotateWebhookSecretBody,
    Webhook,
    WebhookCreate,
    WebhookPatch,
    WebhookWithSecret,
)
from hookline_client import HooklineError, connect, each, publish, unwrap

ROOT = Path(__file__).resolve().parents[3]
KEY = "py_client_key_tenant_a"
VIEW_KEY = "py_client_key_tenant_a_view"
FLOOD_KEY = "py_client_key_tenant_flood"
OPERATOR = "py_client_operator_key"
ALL = "webhooks:view,webhooks:add,webhooks:edit,webhooks:remove,events:publish"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver(http.server.ThreadingHTTPServer):
    """Records every POST; `/down` answers 500 until `up` is set."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.up = False
        super().__init__(("127.0.0.1", 0), ReceiverHandler)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def events_on(self, path: str) -> list[tuple[dict[str, str], bytes]]:
        return [
            (headers, body)
            for p, headers, body in self.received
            if p == path and json.loads(body)["type"] != "webhook.ping"
        ]


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        self.server.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        status = 500 if self.path == "/down" and not self.server.up else 200
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    binary = os.environ.get("HOOKLINE_LOCAL_BIN", str(ROOT / "target/debug/hookline-local"))
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--listen", f"127.0.0.1:{port}",
            "--api-key", f"{KEY}=tenant-a:{ALL}",
            "--api-key", f"{VIEW_KEY}=tenant-a:webhooks:view",
            "--api-key", f"{FLOOD_KEY}=flood:{ALL}",
            "--operator-key", OPERATOR,
            "--retry-schedule", "1s",
            "--tenant-events-per-second", "2",
            "--log-level", "warn",
        ],
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)


def eventually(check, within: float = 15.0):
    deadline = time.monotonic() + within
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("not within the time")
        time.sleep(0.1)


def new_webhook(client, url: str, types: list[str], **fields) -> WebhookWithSecret:
    created = unwrap(create_webhook.sync_detailed(client=client, body=WebhookCreate(url=url, event_types=types, **fields)))
    assert isinstance(created, WebhookWithSecret)
    return created


def test_create_list_every_page_update_and_delete(base_url: str) -> None:
    client = connect(base_url, KEY)
    tag = uuid.uuid4().hex[:8]
    made = [
        new_webhook(client, f"https://hooks.example.com/{tag}/{i}", [f"pages.{tag}"], verify=False)
        for i in range(5)
    ]
    listed = [w.id for w in each(list_webhooks, client, limit=2, event_type=f"pages.{tag}")]
    assert listed == [w.id for w in made]

    changed = unwrap(
        patch_webhook.sync_detailed(
            str(made[0].id), client=client, body=WebhookPatch(description="changed", verify=False)
        )
    )
    assert isinstance(changed, Webhook) and changed.description == "changed"
    assert unwrap(get_webhook.sync_detailed(str(made[0].id), client=client)).description == "changed"
    assert unwrap(delete_webhook.sync_detailed(str(made[0].id), client=client)) is None
    with pytest.raises(HooklineError) as gone:
        unwrap(get_webhook.sync_detailed(str(made[0].id), client=client))
    assert gone.value.status == 404 and gone.value.type == "webhook_not_found"


def test_ping_rotate_and_read_the_secret(base_url: str, receiver: Receiver) -> None:
    client = connect(base_url, KEY)
    webhook = new_webhook(client, receiver.url("/ping"), ["ping.test"])
    execution = unwrap(ping_webhook.sync_detailed(str(webhook.id), client=client))
    assert execution.trigger.value == "ping" and execution.response_status == 200
    rotated = unwrap(
        rotate_webhook_secret.sync_detailed(str(webhook.id), client=client, body=RotateWebhookSecretBody(grace="0s"))
    )
    assert rotated.secret != webhook.secret
    read = unwrap(get_webhook_secret.sync_detailed(str(webhook.id), client=client))
    assert read.secret == rotated.secret


def test_publish_with_an_idempotency_key_delivers_once(base_url: str, receiver: Receiver) -> None:
    client = connect(base_url, KEY)
    webhook = new_webhook(client, receiver.url("/once"), ["order.paid"])
    key = f"order-{uuid.uuid4()}"
    first = publish(client, "order.paid", {"order_id": 42, "lines": [1, 2]}, idempotency_key=key)
    again = publish(client, "order.paid", {"order_id": 42, "lines": [1, 2]}, idempotency_key=key)
    assert again.id == first.id
    (headers, body), *more = eventually(lambda: receiver.events_on("/once"))
    time.sleep(0.5)
    assert len(receiver.events_on("/once")) == 1, "delivered twice"
    standardwebhooks.Webhook(webhook.secret).verify(body, headers)
    assert json.loads(body)["data"] == {"order_id": 42, "lines": [1, 2]}
    event = unwrap(get_event.sync_detailed(str(first.id), client=client))
    assert event.data.additional_properties == {"order_id": 42, "lines": [1, 2]}


def test_executions_are_read_and_a_window_recovered(base_url: str, receiver: Receiver) -> None:
    client = connect(base_url, KEY)
    webhook = new_webhook(client, receiver.url("/down"), ["task.done"], verify=False)
    publish(client, "task.done", {"task": 1})
    # The first attempt and its one retry fail: the delivery ends failed.
    failed = eventually(lambda: len(list(each(list_executions, client, id=str(webhook.id)))) >= 2 and list(each(list_executions, client, id=str(webhook.id))))
    one = unwrap(get_execution.sync_detailed(str(webhook.id), str(failed[0].id), client=client))
    assert one.response_status == 500
    receiver.up = True
    since = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)

    def queued() -> int:
        answer = unwrap(recover_webhook.sync_detailed(str(webhook.id), client=client, body=RecoverRequest(since=since)))
        return answer.queued

    assert eventually(queued) >= 1
    eventually(lambda: any(e.response_status == 200 for e in each(list_executions, client, id=str(webhook.id))))


def test_an_operator_acts_for_the_tenant_it_names(base_url: str) -> None:
    tenant_client = connect(base_url, KEY)
    webhook = new_webhook(tenant_client, f"https://hooks.example.com/{uuid.uuid4()}", ["op.test"], verify=False)
    operator = connect(base_url, OPERATOR, tenant="tenant-a")
    seen = unwrap(get_webhook.sync_detailed(str(webhook.id), client=operator))
    assert seen.id == webhook.id
    with pytest.raises(HooklineError) as unnamed:
        unwrap(get_webhook.sync_detailed(str(webhook.id), client=connect(base_url, OPERATOR)))
    assert unnamed.value.type == "tenant_required"


def problem_of(call) -> HooklineError:
    with pytest.raises(HooklineError) as raised:
        call()
    assert isinstance(raised.value.problem, (Problem, PingFailed))
    return raised.value


def test_each_problem_is_typed(base_url: str, receiver: Receiver) -> None:
    client = connect(base_url, KEY)
    missing = str(uuid.uuid4())

    bad = problem_of(lambda: new_webhook(client, "not a url", ["a"], verify=False))
    assert (bad.status, bad.type) == (400, "validation_error")
    assert [e.field for e in bad.problem.errors] == ["url"]
    assert problem_of(lambda: unwrap(get_webhook.sync_detailed(missing, client=connect(base_url, "wrong")))).type == "unauthenticated"
    assert problem_of(lambda: new_webhook(connect(base_url, VIEW_KEY), "https://hooks.example.com/v", ["a"])).type == "forbidden"
    assert problem_of(lambda: unwrap(get_webhook.sync_detailed(missing, client=client))).type == "webhook_not_found"
    assert problem_of(lambda: unwrap(get_event.sync_detailed(missing, client=client))).type == "event_not_found"
    operator = connect(base_url, OPERATOR)
    assert problem_of(lambda: unwrap(revoke_tenant_key.sync_detailed("tenant-a", missing, client=operator))).type == "key_not_found"
    name = f"typed.{uuid.uuid4().hex[:8]}"
    assert problem_of(lambda: unwrap(get_event_type.sync_detailed(name, client=client))).type == "event_type_not_found"
    made = EventTypeCreate(name=name, description="typed")
    unwrap(create_event_type.sync_detailed(client=operator, body=made))
    assert problem_of(lambda: unwrap(create_event_type.sync_detailed(client=operator, body=made))).type == "event_type_conflict"

    url = f"https://hooks.example.com/{uuid.uuid4()}"
    webhook = new_webhook(client, url, ["dup"], verify=False)
    assert problem_of(lambda: new_webhook(client, url, ["dup"], verify=False)).type == "webhook_conflict"
    assert problem_of(lambda: unwrap(get_execution.sync_detailed(str(webhook.id), missing, client=client))).type == "execution_not_found"

    refused = problem_of(lambda: new_webhook(client, "http://127.0.0.1:9/closed", ["a"]))
    assert refused.type == "endpoint_verification_failed"
    down = new_webhook(client, receiver.url("/down"), ["down.ping"], verify=False)
    receiver.up = False
    try:
        failed = problem_of(lambda: unwrap(ping_webhook.sync_detailed(str(down.id), client=client)))
    finally:
        receiver.up = True
    assert failed.type == "ping_failed" and isinstance(failed.problem, PingFailed)
    assert failed.problem.execution.response_status == 500

    flood = connect(base_url, FLOOD_KEY)
    limited = problem_of(lambda: [publish(flood, "flood.test", {"n": n}, attempts=1) for n in range(25)])
    assert limited.type == "rate_limited" and limited.retry_after is not None

    too_big = problem_of(lambda: publish(client, "big.test", {"blob": "x" * (300 * 1024)}, attempts=1))
    assert (too_big.status, too_big.type) == (413, "payload_too_large")
