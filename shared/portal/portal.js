// The customer portal: one tenant's webhooks, through the public API, with the session token
// from the URL fragment. Every text from the API goes into the page as text, never as HTML.

const STRINGS = {
  en: {
    title: "Webhooks", language: "Language", loading: "Loading…",
    ended: "This session has ended or is not valid. Open the webhooks page again from the product to get a new one.",
    noToken: "This page needs a session link. Open it from the product.",
    back: "Go back", retryLoad: "Try again", refresh: "Refresh",
    newWebhook: "New webhook", noWebhooks: "No webhooks yet. Create one to receive events.",
    url: "Endpoint URL", status: "Status", lastSuccess: "Last success", lastFailure: "Last failure",
    failures: "Consecutive failures", never: "never", description: "Description", eventTypes: "Event types",
    active: "Active", failing: "Failing", disabled: "Disabled", paused: "Paused",
    open: "Open", backToList: "All webhooks", create: "Create", save: "Save", cancel: "Cancel",
    edit: "Edit", pause: "Pause", resume: "Resume", delete: "Delete", sendTest: "Send test",
    confirmDelete: "Delete this webhook? Deliveries still queued for it are dropped. This cannot be undone.",
    deleted: "The webhook was deleted.", saved: "Saved.", created: "The webhook was created and its endpoint answered.",
    secret: "Signing secret", reveal: "Reveal", hide: "Hide", copy: "Copy", copied: "Copied.",
    copyByHand: "This page may not use the clipboard here: the secret is selected, press Ctrl+C (⌘C on a Mac) to copy it.",
    rotate: "Rotate", confirmRotate: "Rotate the secret? The old one keeps signing for 24 hours.",
    rotated: "The secret was rotated.", attempts: "Attempts", noAttempts: "No attempts yet.",
    when: "When", code: "Response", duration: "Duration", error: "Error", body: "Response body",
    retry: "Retry", retried: "Queued again.", more: "Load more", trigger: "Trigger",
    recover: "Recover failed deliveries", since: "Since", recoverGo: "Recover",
    recovered: (n) => (n === 1 ? "1 failed delivery queued again." : `${n} failed deliveries queued again.`),
    testOk: (s, ms) => `The endpoint answered ${s} in ${ms} ms.`,
    testFailed: "The test failed.", verification: "Verification",
    customType: "Other event type (one per line)", examplePayload: "Example payload",
    disabledWhy: "Why it was disabled", lastAnswer: "Last failure's answer",
    pickType: "Pick at least one event type.", problem: "Something went wrong.",
    success: "success", failure: "error",
    verifyHint: "When you save, a signed test event (webhook.ping) is sent to this URL; it must answer with a 2xx status within a few seconds.",
    filters: "Filters", filtersHint: "Only events whose data matches every filter are sent. Path: a dotted path into the event's data (resource.kind). Values: comma-separated; quote a value to keep it text (\"42\").",
    filterPath: "Path", filterValues: "Any of these values", addFilter: "Add filter",
    headers: "Custom headers", headersHint: "Sent with every delivery, for example the credentials your endpoint expects.",
    headerName: "Header name", headerValue: "Value", addHeader: "Add header", remove: "Remove",
    noneSet: "none",
    last24h: "Last 24 hours", statsLine: (s) => `${s.deliveries.succeeded} delivered · ${s.deliveries.failed} failed · ${s.deliveries.pending} pending`,
    recoverHint: "Sends again every delivery to this webhook that ended failed since the time below.",
  },
  ja: {
    title: "Webhook", language: "言語", loading: "読み込み中…",
    ended: "このセッションは終了したか、無効です。製品から Webhook のページを開き直して、新しいセッションを取得してください。",
    noToken: "このページにはセッションのリンクが必要です。製品から開いてください。",
    back: "戻る", retryLoad: "再試行", refresh: "更新",
    newWebhook: "新しい Webhook", noWebhooks: "まだ Webhook がありません。イベントを受け取るには作成してください。",
    url: "エンドポイント URL", status: "状態", lastSuccess: "最後の成功", lastFailure: "最後の失敗",
    failures: "連続失敗回数", never: "なし", description: "説明", eventTypes: "イベントの種類",
    active: "有効", failing: "失敗中", disabled: "無効化済み", paused: "一時停止中",
    open: "開く", backToList: "すべての Webhook", create: "作成", save: "保存", cancel: "キャンセル",
    edit: "編集", pause: "一時停止", resume: "再開", delete: "削除", sendTest: "テスト送信",
    confirmDelete: "この Webhook を削除しますか？キューにある配信は破棄されます。元に戻せません。",
    deleted: "Webhook を削除しました。", saved: "保存しました。", created: "Webhook を作成しました。エンドポイントは応答しました。",
    secret: "署名シークレット", reveal: "表示", hide: "隠す", copy: "コピー", copied: "コピーしました。",
    copyByHand: "ここではクリップボードを使えません。シークレットを選択したので、Ctrl+C (Mac では ⌘C) でコピーしてください。",
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
    verifyHint: "保存すると、署名付きのテストイベント (webhook.ping) がこの URL に送られます。数秒以内に 2xx の状態コードで応答する必要があります。",
    filters: "フィルター", filtersHint: "データがすべてのフィルターに一致するイベントだけが送られます。パス: イベントのデータ内のドット区切りのパス (resource.kind)。値: カンマ区切り。テキストのままにする値は引用符で囲みます (\"42\")。",
    filterPath: "パス", filterValues: "いずれかの値", addFilter: "フィルターを追加",
    headers: "カスタムヘッダー", headersHint: "すべての配信に付けて送られます。例えば、エンドポイントが求める認証情報です。",
    headerName: "ヘッダー名", headerValue: "値", addHeader: "ヘッダーを追加", remove: "削除",
    noneSet: "なし",
    last24h: "過去 24 時間", statsLine: (s) => `配信成功 ${s.deliveries.succeeded} 件 · 失敗 ${s.deliveries.failed} 件 · 保留 ${s.deliveries.pending} 件`,
    recoverHint: "以下の日時以降に失敗に終わった、この Webhook への配信をすべて再送します。",
  },
};

// The token lives in this module's memory only: it is taken from the fragment, which is
// then cleared from the address bar, and is never written to storage, a cookie or a URL.
// `view` draws the current screen again (after a language switch).
const session = { token: null, lang: "en", view: null };
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

/** A designed confirmation: a modal dialog (focus kept inside, Escape cancels, Cancel
 * focused first), resolving true only when the person confirms. */
function confirmDialog(message, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = el("dialog", { class: "dialog", "aria-describedby": "dialog-message" },
      el("p", { id: "dialog-message" }, message));
    const cancel = el("button", { type: "button", onclick: () => dialog.close("cancel") }, t("cancel"));
    const ok = el("button", { type: "button", class: "danger", onclick: () => dialog.close("ok") }, confirmLabel);
    dialog.append(el("div", { class: "row end" }, cancel, ok));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "ok");
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

const loading = () => el("p", { class: "muted loading", role: "status" }, t("loading"));

function showEnded() {
  session.view = null;
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
  session.view = () => showList();
  render(loading());
  let page;
  try {
    page = await api("GET", "/v1/webhooks?limit=50");
  } catch (error) {
    if (session.token) render(problemNotice(error), el("button", { type: "button", onclick: () => showList() }, t("retryLoad")));
    return;
  }
  const head = el("div", { class: "row spread" }, el("h2", {}, t("title")),
    el("div", { class: "row" }, el("button", { type: "button", onclick: () => showList() }, t("refresh")),
      el("button", { type: "button", class: "primary", onclick: () => showForm() }, t("newWebhook"))));
  if (!page.data.length) {
    render(message ?? "", head, el("div", { class: "card empty" }, el("p", {}, t("noWebhooks")),
      el("button", { type: "button", class: "primary", onclick: () => showForm() }, t("newWebhook"))));
    return;
  }
  const body = el("tbody");
  const more = el("div", { class: "row" });
  const append = (next) => {
    body.append(...next.data.map(listRow));
    more.replaceChildren(next.next_cursor ? el("button", { type: "button", onclick: async (e) => {
      e.currentTarget.disabled = true;
      try {
        append(await api("GET", `/v1/webhooks?limit=50&cursor=${encodeURIComponent(next.next_cursor)}`));
      } catch (error) {
        if (session.token) more.replaceChildren(problemNotice(error));
      }
    } }, t("more")) : "");
  };
  append(page);
  render(message ?? "", head, el("div", { class: "card" }, el("table", { class: "list" },
    el("thead", {}, el("tr", {}, el("th", {}, t("url")), el("th", {}, t("status")),
      el("th", { class: "hide-narrow" }, t("lastSuccess")), el("th", { class: "hide-narrow" }, t("lastFailure")),
      el("th", { class: "hide-narrow" }, t("failures")))),
    body), more));
}

function listRow(w) {
  return el("tr", {},
    el("td", {}, el("a", { href: "#", class: "mono", onclick: (e) => { e.preventDefault(); showWebhook(w.id); } }, w.url),
      w.description ? el("div", { class: "muted" }, w.description) : null),
    el("td", {}, health(w), w.disabled_reason ? el("div", { class: "muted small" }, w.disabled_reason) : null,
      !w.disabled_reason && w.last_failure_content && w.consecutive_failures > 0
        ? el("div", { class: "muted small mono clip" }, w.last_failure_content) : null),
    el("td", { class: "hide-narrow" }, when(w.last_success_at)),
    el("td", { class: "hide-narrow" }, when(w.last_failure_at)),
    el("td", { class: "hide-narrow" }, String(w.consecutive_failures)));
}

async function catalog() {
  try {
    return (await api("GET", "/v1/event-types?limit=100")).data.filter((e) => !e.archived);
  } catch {
    return [];
  }
}

/** Filter values as typed: numbers and true/false as such, a quoted value as text. */
function parseValues(text) {
  const values = [];
  for (const match of text.matchAll(/\s*("(?:[^"\\]|\\.)*"|[^,]*?)\s*(?:,|$)/g)) {
    const token = match[1];
    if (!token) continue;
    if (token.startsWith('"')) values.push(JSON.parse(token));
    else if (/^-?\d+(\.\d+)?$/.test(token)) values.push(Number(token));
    else if (token === "true" || token === "false") values.push(token === "true");
    else values.push(token);
  }
  return values;
}

/** The inverse of parseValues: a text that would read back as another type is quoted. */
function showValues(values) {
  return values.map((v) => (typeof v === "string" && (/^-?\d+(\.\d+)?$|^(true|false)$|[,"]|^\s|\s$/.test(v) || v === "")
    ? JSON.stringify(v) : String(v))).join(", ");
}

/** Rows of two labelled inputs (filters, headers) with add and remove buttons. */
function pairEditor(name, [first, second], rows, addLabel) {
  const list = el("div", { class: "pairs" });
  let count = 0;
  const add = ([a, b] = ["", ""]) => {
    count += 1;
    const one = el("input", { type: "text", id: `${name}-${count}-a`, value: a, autocomplete: "off" });
    const two = el("input", { type: "text", id: `${name}-${count}-b`, value: b, autocomplete: "off" });
    const row = el("div", { class: "pair" },
      el("div", {}, el("label", { for: one.id, class: "small-label" }, first), one),
      el("div", {}, el("label", { for: two.id, class: "small-label" }, second), two),
      el("button", { type: "button", "aria-label": `${t("remove")}: ${first} ${count}`, onclick: () => {
        row.remove();
        addButton.focus();
      } }, t("remove")));
    row.values = () => [one.value.trim(), two.value.trim()];
    list.append(row);
    return one;
  };
  const addButton = el("button", { type: "button", onclick: () => add().focus() }, addLabel);
  rows.forEach(add);
  return { node: el("div", {}, list, addButton), values: () => [...list.children].map((r) => r.values()).filter(([a, b]) => a || b) };
}

async function showForm(existing) {
  session.view = () => showForm(existing);
  render(loading());
  const types = await catalog();
  const chosen = new Set(existing?.event_types ?? []);
  const known = new Set(types.map((e) => e.name));
  const status = el("div");
  const url = el("input", { type: "url", id: "f-url", required: true, value: existing?.url ?? "", placeholder: "https://", "aria-describedby": "f-url-hint" });
  const description = el("input", { type: "text", id: "f-description", value: existing?.description ?? "" });
  const boxes = types.map((e) => {
    const box = el("input", { type: "checkbox", value: e.name, checked: chosen.has(e.name) });
    return { box, row: el("div", {}, el("label", {}, box, el("span", {}, el("span", { class: "mono" }, e.name), e.description ? ` — ${e.description}` : "")),
      e.example ? el("details", {}, el("summary", {}, t("examplePayload")), el("pre", {}, JSON.stringify(e.example, null, 2))) : null) };
  });
  const others = el("textarea", { id: "f-other", rows: 2 },
    [...chosen].filter((name) => !known.has(name)).join("\n"));
  const filters = pairEditor("f-filter", [t("filterPath"), t("filterValues")],
    (existing?.filters ?? []).map((f) => [f.path, showValues(f.any_of)]), t("addFilter"));
  const headers = pairEditor("f-header", [t("headerName"), t("headerValue")],
    Object.entries(existing?.headers ?? {}), t("addHeader"));
  const save = el("button", { type: "submit", class: "primary" }, existing ? t("save") : t("create"));
  const form = el("form", { class: "card", novalidate: true },
    el("label", { for: "f-url" }, t("url")), url,
    el("p", { class: "muted small", id: "f-url-hint" }, t("verifyHint")),
    el("label", { for: "f-description" }, t("description")), description,
    el("fieldset", { class: "types" }, el("legend", {}, t("eventTypes")), boxes.map((b) => b.row)),
    el("label", { for: "f-other" }, t("customType")), others,
    el("fieldset", {}, el("legend", {}, t("filters")), el("p", { class: "muted small" }, t("filtersHint")), filters.node),
    el("fieldset", {}, el("legend", {}, t("headers")), el("p", { class: "muted small" }, t("headersHint")), headers.node),
    el("div", { class: "row" }, save,
      el("button", { type: "button", onclick: () => (existing ? showWebhook(existing.id) : showList()) }, t("cancel"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const eventTypes = [...boxes.filter((b) => b.box.checked).map((b) => b.box.value),
      ...others.value.split("\n").map((s) => s.trim()).filter(Boolean)];
    if (!eventTypes.length) { status.replaceChildren(notice("error", t("pickType"))); status.focus(); return; }
    const body = {
      url: url.value.trim(), event_types: eventTypes, description: description.value.trim() || null,
      filters: filters.values().map(([path, values]) => ({ path, any_of: parseValues(values) })),
      headers: Object.fromEntries(headers.values()),
    };
    save.disabled = true;
    save.classList.add("busy");
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
      if (session.token) {
        status.replaceChildren(problemNotice(error));
        status.focus();
      }
      save.disabled = false;
      save.classList.remove("busy");
    }
  });
  render(el("h2", {}, existing ? t("edit") : t("newWebhook")), status, form);
  status.tabIndex = -1;
  url.focus();
}

async function showWebhook(id, message) {
  session.view = () => showWebhook(id);
  render(loading());
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
        status.replaceChildren(notice("ok", t("testOk", ex.response_status, ex.duration_ms)), attemptCard(ex));
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
      if (!(await confirmDialog(t("confirmDelete"), t("delete")))) return;
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
      try {
        await navigator.clipboard.writeText(value);
        status.replaceChildren(notice("ok", t("copied")));
      } catch {
        // A frame not granted clipboard-write: leave the secret selected for the person.
        revealed = value;
        secretText.textContent = value;
        secret.querySelector("button").textContent = t("hide");
        window.getSelection().selectAllChildren(secretText);
        status.replaceChildren(notice("ok", t("copyByHand")));
      }
    }),
    act(t("rotate"), async () => {
      if (!(await confirmDialog(t("confirmRotate"), t("rotate")))) return;
      revealed = (await api("POST", `/v1/webhooks/${encodeURIComponent(w.id)}/secret/rotate`)).secret;
      secretText.textContent = revealed;
      secret.querySelector("button").textContent = t("hide");
      status.replaceChildren(notice("ok", t("rotated")));
    }));
  const since = el("input", { type: "datetime-local", id: "f-since",
    value: localInput(new Date(Date.now() - 24 * 3600 * 1000)) });
  const recover = el("form", { class: "row" },
    el("label", { for: "f-since" }, t("since")), el("span", { class: "grow" }, since),
    el("button", { type: "submit" }, t("recoverGo")));
  recover.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const answer = await api("POST", `/v1/webhooks/${encodeURIComponent(w.id)}/recover`,
        { since: new Date(since.value).toISOString() });
      status.replaceChildren(notice("ok", t("recovered", answer.queued)));
      setTimeout(() => loadAttempts(w.id, attempts, null, true), 1000);
    } catch (error) {
      if (session.token) status.replaceChildren(problemNotice(error));
    }
  });
  const attempts = el("div");
  const stats = el("dd", {}, "…");
  api("GET", `/v1/webhooks/${encodeURIComponent(w.id)}/stats?since=${encodeURIComponent(new Date(Date.now() - 864e5).toISOString())}`)
    .then((answer) => stats.replaceChildren(t("statsLine", answer)), () => stats.replaceChildren("—"));
  render(
    el("div", { class: "row" }, el("button", { type: "button", onclick: () => showList() }, t("backToList"))),
    el("h2", { class: "mono page" }, w.url), status,
    el("div", { class: "card" }, el("dl", {},
      el("dt", {}, t("status")), el("dd", {}, health(w)),
      w.disabled_reason ? [el("dt", {}, t("disabledWhy")), el("dd", {}, w.disabled_reason)] : null,
      el("dt", {}, t("description")), el("dd", {}, w.description || el("span", { class: "muted" }, t("noneSet"))),
      el("dt", {}, t("eventTypes")), el("dd", { class: "mono" }, w.event_types.join(", ")),
      el("dt", {}, t("filters")), el("dd", { class: "mono" }, w.filters.length
        ? w.filters.map((f) => el("div", {}, `${f.path} ∈ ${showValues(f.any_of)}`)) : t("noneSet")),
      el("dt", {}, t("headers")), el("dd", { class: "mono" }, Object.keys(w.headers).length
        ? Object.entries(w.headers).map(([name, value]) => el("div", {}, `${name}: ${value}`)) : t("noneSet")),
      el("dt", {}, t("lastSuccess")), el("dd", {}, when(w.last_success_at)),
      el("dt", {}, t("lastFailure")), el("dd", {}, when(w.last_failure_at)),
      w.last_failure_content ? [el("dt", {}, t("lastAnswer")), el("dd", { class: "mono" }, w.last_failure_content)] : null,
      el("dt", {}, t("failures")), el("dd", {}, String(w.consecutive_failures)),
      el("dt", {}, t("last24h")), stats,
      el("dt", {}, t("secret")), el("dd", {}, secret)),
      el("div", { class: "row" }, actions)),
    el("div", { class: "card" }, el("h2", {}, t("recover")), el("p", { class: "muted small" }, t("recoverHint")), recover),
    el("div", { class: "card" }, el("div", { class: "row spread" }, el("h2", {}, t("attempts")),
      el("button", { type: "button", onclick: () => loadAttempts(w.id, attempts, null, true) }, t("refresh"))), attempts));
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
  if (fresh) into.replaceChildren(loading());
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
    if (session.token && session.view) session.view();
  });
  // A new session link opened in the same tab changes only the fragment: take it too.
  window.addEventListener("hashchange", () => {
    if (new URLSearchParams(location.hash.slice(1)).get("token")) openSession();
  });
  openSession();
}

function openSession() {
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
