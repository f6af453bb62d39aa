// The customer portal: one tenant's webhooks, through the public API, with the session token
// from the URL fragment. Every text from the API goes into the page as text, never as HTML.

const STRINGS = {
  en: {
    title: "Webhooks", language: "Language", loading: "Loading…",
    ended: "This session has ended or is not valid. Open the webhooks page again from the product to get a new one.",
    noToken: "This page needs a session link. Open it from the product.",
    back: "Go back", retryLoad: "Try again",
    newWebhook: "New webhook", noWebhooks: "No webhooks yet. Create one to receive events.",
    url: "Endpoint URL", status: "Status", lastSuccess: "Last success", lastFailure: "Last failure",
    failures: "Consecutive failures", never: "never", description: "Description", eventTypes: "Event types",
    active: "Active", failing: "Failing", disabled: "Disabled", paused: "Paused",
    open: "Open", backToList: "All webhooks", create: "Create", save: "Save", cancel: "Cancel",
    edit: "Edit", pause: "Pause", resume: "Resume", delete: "Delete", sendTest: "Send test",
    confirmDelete: "Delete this webhook? Deliveries still queued for it are dropped. This cannot be undone.",
    deleted: "The webhook was deleted.", saved: "Saved.", created: "The webhook was created and its endpoint answered.",
    secret: "Signing secret", reveal: "Reveal", hide: "Hide", copy: "Copy", copied: "Copied.",
    rotate: "Rotate", confirmRotate: "Rotate the secret? The old one keeps signing for 24 hours.",
    rotated: "The secret was rotated.", attempts: "Attempts", noAttempts: "No attempts yet.",
    when: "When", code: "Response", duration: "Duration", error: "Error", body: "Response body",
    retry: "Retry", retried: "Queued again.", more: "Load more", trigger: "Trigger",
    recover: "Recover failed deliveries", since: "Since", recoverGo: "Recover",
    recovered: (n) => `${n} failed deliveries queued again.`,
    testOk: (s, ms) => `The endpoint answered ${s} in ${ms} ms.`,
    testFailed: "The test failed.", verification: "Verification",
    customType: "Other event type (one per line)", examplePayload: "Example payload",
    disabledWhy: "Why it was disabled", lastAnswer: "Last failure's answer",
    pickType: "Pick at least one event type.", problem: "Something went wrong.",
    success: "success", failure: "error",
  },
  ja: {
    title: "Webhook", language: "言語", loading: "読み込み中…",
    ended: "このセッションは終了したか、無効です。製品から Webhook のページを開き直して、新しいセッションを取得してください。",
    noToken: "このページにはセッションのリンクが必要です。製品から開いてください。",
    back: "戻る", retryLoad: "再試行",
    newWebhook: "新しい Webhook", noWebhooks: "まだ Webhook がありません。イベントを受け取るには作成してください。",
    url: "エンドポイント URL", status: "状態", lastSuccess: "最後の成功", lastFailure: "最後の失敗",
    failures: "連続失敗回数", never: "なし", description: "説明", eventTypes: "イベントの種類",
    active: "有効", failing: "失敗中", disabled: "無効化済み", paused: "一時停止中",
    open: "開く", backToList: "すべての Webhook", create: "作成", save: "保存", cancel: "キャンセル",
    edit: "編集", pause: "一時停止", resume: "再開", delete: "削除", sendTest: "テスト送信",
    confirmDelete: "この Webhook を削除しますか？キューにある配信は破棄されます。元に戻せません。",
    deleted: "Webhook を削除しました。", saved: "保存しました。", created: "Webhook を作成しました。エンドポイントは応答しました。",
    secret: "署名シークレット", reveal: "表示", hide: "隠す", copy: "コピー", copied: "コピーしました。",
    rotate: "ローテーション", confirmRotate: "シークレットをローテーションしますか？古いシークレットも 24 時間は署名に使われます。",
    rotated: "シークレットをローテーションしました。", attempts: "配信試行", noAttempts: "まだ試行はありません。",
    when: "日時", code: "応答", duration: "所要時間", error: "エラー", body: "応答本文",
    retry: "再送", retried: "再送をキューに入れました。", more: "さらに読み込む", trigger: "契機",
    recover: "失敗した配信の回復", since: "開始日時", recoverGo: "回復",
    recovered: (n) => `失敗した配信 ${n} 件を再びキューに入れました。`,
    testOk: (s, ms) => `エンドポイントは ${ms} ms で ${s} を返しました。`,
    testFailed: "テストは失敗しました。", verification: "検証",
    customType: "その他のイベントの種類（1 行に 1 つ）", examplePayload: "ペイロードの例",
    disabledWhy: "無効化の理由", lastAnswer: "最後の失敗の応答",
    pickType: "イベントの種類を 1 つ以上選んでください。", problem: "問題が発生しました。",
    success: "成功", failure: "エラー",
  },
};

// The token lives in this module's memory only: it is taken from the fragment, which is
// then cleared from the address bar, and is never written to storage, a cookie or a URL.
const session = { token: null, lang: "en" };
const main = () => document.getElementById("main");
const t = (key, ...args) => {
  const value = STRINGS[session.lang][key] ?? STRINGS.en[key];
  return typeof value === "function" ? value(...args) : value;
};

/** An element with attributes and children; strings become text nodes, never markup. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

class Problem extends Error {
  constructor(status, body) {
    super(body?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${session.token}`, "Accept-Language": session.lang };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer",
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (response.status === 401) {
    showEnded();
    throw new Problem(401, parsed);
  }
  if (!response.ok) throw new Problem(response.status, parsed);
  return parsed;
}

function notice(kind, message, details = []) {
  return el("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" },
    el("div", {}, message),
    details.length ? el("ul", {}, details.map((d) => el("li", {}, d))) : null);
}

/** A problem's own words (in the person's language: the API answers in it). */
function problemNotice(error) {
  if (!(error instanceof Problem)) return notice("error", t("problem"), [String(error.message ?? error)]);
  const details = (error.body?.errors ?? []).map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
  return notice("error", error.body?.detail ?? t("problem"), details);
}

function render(...children) {
  const root = main();
  root.replaceChildren(...children);
  root.focus();
}

function showEnded() {
  render(notice("error", t("ended")),
    el("div", { class: "row" }, el("button", { type: "button", onclick: () => history.back() }, t("back"))));
  session.token = null;
}

const when = (ts) => (ts ? new Date(ts).toLocaleString(session.lang) : t("never"));

function health(w) {
  if (!w.active && w.failed) return el("span", { class: "badge bad" }, t("disabled"));
  if (!w.active) return el("span", { class: "badge off" }, t("paused"));
  if (w.consecutive_failures > 0) return el("span", { class: "badge warn" }, t("failing"));
  return el("span", { class: "badge ok" }, t("active"));
}

async function showList(message) {
  render(el("p", { class: "muted" }, t("loading")));
  let page;
  try {
    page = await api("GET", "/v1/webhooks?limit=100");
  } catch (error) {
    if (session.token) render(problemNotice(error), el("button", { type: "button", onclick: () => showList() }, t("retryLoad")));
    return;
  }
  const head = el("div", { class: "row spread" }, el("h2", {}, t("title")),
    el("button", { type: "button", class: "primary", onclick: () => showForm() }, t("newWebhook")));
  if (!page.data.length) {
    render(message ?? "", head, el("div", { class: "card muted" }, t("noWebhooks")));
    return;
  }
  const rows = page.data.map((w) => el("tr", {},
    el("td", {}, el("a", { href: "#", class: "mono", onclick: (e) => { e.preventDefault(); showWebhook(w.id); } }, w.url),
      w.description ? el("div", { class: "muted" }, w.description) : null),
    el("td", {}, health(w)),
    el("td", { class: "hide-narrow" }, when(w.last_success_at)),
    el("td", { class: "hide-narrow" }, when(w.last_failure_at)),
    el("td", { class: "hide-narrow" }, String(w.consecutive_failures))));
  render(message ?? "", head, el("div", { class: "card" }, el("table", { class: "list" },
    el("thead", {}, el("tr", {}, el("th", {}, t("url")), el("th", {}, t("status")),
      el("th", { class: "hide-narrow" }, t("lastSuccess")), el("th", { class: "hide-narrow" }, t("lastFailure")),
      el("th", { class: "hide-narrow" }, t("failures")))),
    el("tbody", {}, rows))));
}

async function catalog() {
  try {
    return (await api("GET", "/v1/event-types?limit=100")).data.filter((e) => !e.archived);
  } catch {
    return [];
  }
}

async function showForm(existing) {
  render(el("p", { class: "muted" }, t("loading")));
  const types = await catalog();
  const chosen = new Set(existing?.event_types ?? []);
  const known = new Set(types.map((e) => e.name));
  const status = el("div");
  const url = el("input", { type: "url", id: "f-url", required: true, value: existing?.url ?? "", placeholder: "https://" });
  const description = el("input", { type: "text", id: "f-description", value: existing?.description ?? "" });
  const boxes = types.map((e) => {
    const box = el("input", { type: "checkbox", value: e.name, checked: chosen.has(e.name) });
    return { box, row: el("div", {}, el("label", {}, box, el("span", {}, el("span", { class: "mono" }, e.name), " — ", e.description)),
      e.example ? el("details", {}, el("summary", {}, t("examplePayload")), el("pre", {}, JSON.stringify(e.example, null, 2))) : null) };
  });
  const others = el("textarea", { id: "f-other", rows: 2 },
    [...chosen].filter((name) => !known.has(name)).join("\n"));
  const save = el("button", { type: "submit", class: "primary" }, existing ? t("save") : t("create"));
  const form = el("form", { class: "card", novalidate: true },
    el("label", { for: "f-url" }, t("url")), url,
    el("label", { for: "f-description" }, t("description")), description,
    el("fieldset", { class: "types" }, el("legend", {}, t("eventTypes")), boxes.map((b) => b.row)),
    el("label", { for: "f-other" }, t("customType")), others,
    el("div", { class: "row" }, save,
      el("button", { type: "button", onclick: () => (existing ? showWebhook(existing.id) : showList()) }, t("cancel"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const eventTypes = [...boxes.filter((b) => b.box.checked).map((b) => b.box.value),
      ...others.value.split("\n").map((s) => s.trim()).filter(Boolean)];
    if (!eventTypes.length) { status.replaceChildren(notice("error", t("pickType"))); return; }
    const body = { url: url.value.trim(), event_types: eventTypes, description: description.value.trim() || null };
    save.disabled = true;
    try {
      if (existing) {
        await api("PATCH", `/v1/webhooks/${encodeURIComponent(existing.id)}`, body);
        await showWebhook(existing.id, notice("ok", t("saved")));
      } else {
        if (body.description === null) delete body.description;
        const made = await api("POST", "/v1/webhooks", body);
        await showWebhook(made.id, notice("ok", t("created")));
      }
    } catch (error) {
      if (session.token) status.replaceChildren(problemNotice(error));
      save.disabled = false;
    }
  });
  render(el("h2", {}, existing ? t("edit") : t("newWebhook")), status, form);
  url.focus();
}

async function showWebhook(id, message) {
  render(el("p", { class: "muted" }, t("loading")));
  let w;
  try {
    w = await api("GET", `/v1/webhooks/${encodeURIComponent(id)}`);
  } catch (error) {
    if (session.token) render(problemNotice(error), el("button", { type: "button", onclick: () => showList() }, t("backToList")));
    return;
  }
  const status = el("div", {}, message ?? "");
  const act = (label, handler, cls) => el("button", { type: "button", class: cls, onclick: async (e) => {
    const button = e.currentTarget;
    button.disabled = true;
    try { await handler(button); } catch (error) { if (session.token) status.replaceChildren(problemNotice(error)); }
    button.disabled = false;
  } }, label);
  const actions = el("div", { class: "row" },
    act(t("sendTest"), async () => {
      try {
        const ex = await api("POST", `/v1/webhooks/${encodeURIComponent(w.id)}/ping`);
        status.replaceChildren(notice("ok", t("testOk", ex.response_status, ex.duration_ms)));
      } catch (error) {
        const ex = error.body?.execution;
        status.replaceChildren(problemNotice(error), ex ? attemptCard(ex) : "");
      }
      await loadAttempts(w.id, attempts, null, true);
    }),
    act(t("edit"), () => showForm(w)),
    act(w.active ? t("pause") : t("resume"), async () => {
      await api("PATCH", `/v1/webhooks/${encodeURIComponent(w.id)}`, { active: !w.active });
      await showWebhook(w.id, notice("ok", t("saved")));
    }),
    act(t("delete"), async () => {
      if (!confirm(t("confirmDelete"))) return;
      await api("DELETE", `/v1/webhooks/${encodeURIComponent(w.id)}`);
      await showList(notice("ok", t("deleted")));
    }, "danger"));
  const secretText = el("span", { class: "mono" }, "••••••••••••");
  let revealed = null;
  const secret = el("div", { class: "row" }, secretText,
    act(t("reveal"), async (button) => {
      if (revealed) {
        revealed = null;
        secretText.textContent = "••••••••••••";
        button.textContent = t("reveal");
        return;
      }
      revealed = (await api("GET", `/v1/webhooks/${encodeURIComponent(w.id)}/secret`)).secret;
      secretText.textContent = revealed;
      button.textContent = t("hide");
    }),
    act(t("copy"), async () => {
      const value = revealed ?? (await api("GET", `/v1/webhooks/${encodeURIComponent(w.id)}/secret`)).secret;
      await navigator.clipboard.writeText(value);
      status.replaceChildren(notice("ok", t("copied")));
    }),
    act(t("rotate"), async () => {
      if (!confirm(t("confirmRotate"))) return;
      revealed = (await api("POST", `/v1/webhooks/${encodeURIComponent(w.id)}/secret/rotate`)).secret;
      secretText.textContent = revealed;
      status.replaceChildren(notice("ok", t("rotated")));
    }));
  const since = el("input", { type: "datetime-local", id: "f-since",
    value: localInput(new Date(Date.now() - 24 * 3600 * 1000)) });
  const recover = el("form", { class: "row" },
    el("label", { for: "f-since" }, t("since")), since,
    el("button", { type: "submit" }, t("recoverGo")));
  recover.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const answer = await api("POST", `/v1/webhooks/${encodeURIComponent(w.id)}/recover`,
        { since: new Date(since.value).toISOString() });
      status.replaceChildren(notice("ok", t("recovered", answer.queued)));
    } catch (error) {
      if (session.token) status.replaceChildren(problemNotice(error));
    }
  });
  const attempts = el("div");
  render(
    el("div", { class: "row" }, el("button", { type: "button", onclick: () => showList() }, t("backToList"))),
    el("h2", { class: "mono" }, w.url), status,
    el("div", { class: "card" }, el("dl", {},
      el("dt", {}, t("status")), el("dd", {}, health(w)),
      w.disabled_reason ? [el("dt", {}, t("disabledWhy")), el("dd", {}, w.disabled_reason)] : null,
      el("dt", {}, t("description")), el("dd", {}, w.description ?? ""),
      el("dt", {}, t("eventTypes")), el("dd", { class: "mono" }, w.event_types.join(", ")),
      el("dt", {}, t("lastSuccess")), el("dd", {}, when(w.last_success_at)),
      el("dt", {}, t("lastFailure")), el("dd", {}, when(w.last_failure_at)),
      w.last_failure_content ? [el("dt", {}, t("lastAnswer")), el("dd", { class: "mono" }, w.last_failure_content)] : null,
      el("dt", {}, t("failures")), el("dd", {}, String(w.consecutive_failures)),
      el("dt", {}, t("secret")), el("dd", {}, secret)),
      el("div", { class: "row" }, actions)),
    el("div", { class: "card" }, el("h2", {}, t("recover")), recover),
    el("div", { class: "card" }, el("h2", {}, t("attempts")), attempts));
  await loadAttempts(w.id, attempts, null, true);
}

function localInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function attemptCard(ex, onRetry) {
  const ok = ex.request_status === "success";
  return el("div", { class: "card attempt" },
    el("div", { class: "row spread" },
      el("span", {}, el("span", { class: `badge ${ok ? "ok" : "bad"}` }, ok ? t("success") : t("failure")), " ",
        ex.response_status ? `HTTP ${ex.response_status}` : "", " · ", `${ex.duration_ms} ms`, " · ",
        when(ex.created_at), " · ", `${t("trigger")}: ${ex.trigger}`, " · ", `#${ex.attempt}`),
      onRetry && ex.trigger !== "ping" ? el("button", { type: "button", onclick: onRetry }, t("retry")) : null),
    ex.error_message ? el("div", { class: "mono" }, `${t("error")}: ${ex.error_message}`) : null,
    ex.response_body ? el("details", {}, el("summary", {}, t("body")), el("pre", {}, ex.response_body)) : null);
}

async function loadAttempts(id, into, cursor, fresh) {
  if (fresh) into.replaceChildren(el("p", { class: "muted" }, t("loading")));
  let page;
  try {
    const query = cursor ? `?limit=20&cursor=${encodeURIComponent(cursor)}` : "?limit=20";
    page = await api("GET", `/v1/webhooks/${encodeURIComponent(id)}/executions${query}`);
  } catch (error) {
    if (session.token) into.replaceChildren(problemNotice(error));
    return;
  }
  if (fresh) into.replaceChildren();
  into.querySelector(".more")?.remove();
  if (fresh && !page.data.length) into.append(el("p", { class: "muted" }, t("noAttempts")));
  for (const ex of page.data) {
    const card = attemptCard(ex, async (e) => {
      e.target.disabled = true;
      try {
        await api("POST", `/v1/webhooks/${encodeURIComponent(id)}/executions/${encodeURIComponent(ex.id)}/retry`);
        card.append(notice("ok", t("retried")));
      } catch (error) {
        if (session.token) card.append(problemNotice(error));
        e.target.disabled = false;
      }
    });
    into.append(card);
  }
  if (page.next_cursor) {
    into.append(el("button", { type: "button", class: "more", onclick: () => loadAttempts(id, into, page.next_cursor, false) }, t("more")));
  }
}

function applyLanguage() {
  document.documentElement.lang = session.lang;
  document.title = t("title");
  document.getElementById("title").textContent = t("title");
  document.getElementById("lang-label").textContent = t("language");
  document.getElementById("lang").value = session.lang;
}

function start() {
  const preferred = (navigator.languages ?? [navigator.language]).find((l) => /^(ja|en)\b/i.test(l)) ?? "en";
  session.lang = preferred.toLowerCase().startsWith("ja") ? "ja" : "en";
  applyLanguage();
  document.getElementById("lang").addEventListener("change", (event) => {
    session.lang = event.target.value === "ja" ? "ja" : "en";
    applyLanguage();
    if (session.token) showList();
  });
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  // The token leaves the address bar (and so the history and any copied link) at once.
  history.replaceState(null, "", location.pathname);
  if (!token) {
    render(notice("error", t("noToken")));
    return;
  }
  session.token = token;
  showList();
}

start();
