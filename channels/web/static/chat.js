// returnbot web chat client: renders the conversation with DOM nodes only (never innerHTML of message text).
"use strict";

(() => {
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const sendButton = document.getElementById("send");
  const typing = document.getElementById("typing");
  // The page's own words, in the customer's language: the server puts them in the page (page_words.CHAT).
  const WORDS = JSON.parse(document.body.dataset.words || "{}");
  const say = (name, values = {}) => (WORDS[name] || "")
    .replace(/{(\w+)}/g, (whole, key) => (key in values ? String(values[key]) : whole));
  const OFFLINE = say("offline");
  // The language the page was asked for (`?lang=`, the links the chat gives carry it): the server reads
  // it before the browser's Accept-Language to choose the conversation's language.
  const PAGE_LANG = new URLSearchParams(window.location.search).get("lang") || "";
  const POLL_MS = 3000;
  const RETRY_MS = [700, 2000]; // a message that got no answer is sent again, under the same id, after these
  const POST_LIMIT_MS = 60000; // the server gives up on Rasa well before this
  const TEAM = say("our_team");
  // [label](https://...) or a bare http(s) URL
  const LINK = /\[([^\]\n]{1,300})\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>"']+)/g;
  let busy = false;
  // Every message to the customer is numbered per conversation: `cursor` is the number up to which
  // all are on the page, `shown` every number on the page (history or a pull may repeat one).
  let cursor = 0;
  const shown = new Set();
  let session = 0; // bumped when the server starts a new session, i.e. a new conversation
  const poller = { on: false, inFlight: false, timer: null, renewed: false };

  function safeHref(url) {
    try {
      const parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (_) {
      return null;
    }
  }

  function link(label, href) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = label;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    return a;
  }

  // Appends text to parent, turning http(s) links into <a> elements.
  function appendText(parent, text) {
    let last = 0;
    for (const m of text.matchAll(LINK)) {
      let raw = m[0];
      let label, url;
      if (m[2]) {
        label = m[1];
        url = m[2];
      } else {
        url = m[3].replace(/[.,;:!?'"]+$/, "");
        if (url.endsWith(")") && !url.includes("(")) url = url.slice(0, -1);
        raw = url;
        label = url;
      }
      const href = safeHref(url);
      if (!href) continue;
      parent.append(document.createTextNode(text.slice(last, m.index)), link(label, href));
      last = m.index + raw.length;
    }
    parent.append(document.createTextNode(text.slice(last)));
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function row(kind) {
    const div = document.createElement("div");
    div.className = `msg ${kind}`;
    return div;
  }

  function bubble(text) {
    const div = document.createElement("div");
    div.className = "bubble";
    appendText(div, text);
    return div;
  }

  // Disables every button group still open; the chosen button stays highlighted.
  function closeChoices(chosen) {
    for (const group of log.querySelectorAll(".choices:not(.closed)")) {
      group.classList.add("closed");
      for (const b of group.querySelectorAll("button")) {
        b.disabled = true;
        if (b === chosen) {
          b.classList.add("chosen");
          b.setAttribute("aria-pressed", "true");
        }
      }
    }
  }

  function reopenChoices(group) {
    group.classList.remove("closed");
    for (const b of group.querySelectorAll("button")) {
      b.disabled = false;
      b.classList.remove("chosen");
      b.removeAttribute("aria-pressed");
    }
  }

  // The open button that sent `sent`, if any (to show which choice a past message was).
  function openChoiceFor(sent) {
    for (const b of log.querySelectorAll(".choices:not(.closed) button")) {
      if ((b.dataset.payload !== undefined ? b.dataset.payload : b.dataset.text) === sent) return b;
    }
    return null;
  }

  function addUser(text, sent) {
    closeChoices(sent === undefined ? null : openChoiceFor(sent));
    const div = row("user");
    div.append(bubble(text));
    log.append(div);
    scrollToEnd();
  }

  // A message a person on our team wrote is labelled as theirs.
  function addBot(msg, kind = "bot") {
    const div = row(msg.from === "agent" ? `${kind} agent` : kind);
    if (typeof msg.text === "string" && msg.text) div.append(bubble(msg.text));
    const src = typeof msg.image === "string" ? safeHref(msg.image) : null;
    if (src) {
      const img = document.createElement("img");
      img.src = src;
      img.alt = "";
      img.loading = "lazy";
      const holder = document.createElement("div");
      holder.className = "bubble";
      holder.append(img);
      div.append(holder);
    }
    const slip = msg.custom && msg.custom.return_slip;
    const slipHref = slip && typeof slip.url === "string" ? safeHref(slip.url) : null;
    if (slipHref) {
      const holder = document.createElement("div");
      holder.className = "bubble slip";
      holder.append(link(say("download_slip", { rma_id: slip.rma_id || "" }).replace("  ", " "), slipHref));
      div.append(holder);
    }
    if (!div.childElementCount && !(Array.isArray(msg.buttons) && msg.buttons.length)) return;
    if (Array.isArray(msg.buttons) && msg.buttons.length) {
      const group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", say("choose_option"));
      for (const spec of msg.buttons) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "choice";
        b.textContent = String(spec.title);
        b.dataset.payload = String(spec.payload);
        group.append(b);
      }
      div.append(group);
    }
    if (div.childElementCount) {
      if (msg.from === "agent") {
        const label = document.createElement("div");
        label.className = "sender";
        label.textContent = TEAM;
        div.prepend(label);
      }
      log.append(div);
      scrollToEnd();
    }
  }

  function setBusy(on) {
    busy = on;
    typing.hidden = !on;
    sendButton.disabled = on;
    if (on) scrollToEnd();
  }

  // Shows a numbered message once, however often it arrives.
  function addNumbered(msg) {
    if (Number.isInteger(msg.seq)) {
      if (shown.has(msg.seq)) return;
      shown.add(msg.seq);
    }
    addBot(msg);
  }

  // The answer to our own message moves the cursor only over numbers without a gap: one in between
  // (an agent's reply queued meanwhile) is still to be pulled.
  function advanceCursor() {
    while (shown.has(cursor + 1)) cursor += 1;
  }

  function newMessageId() {
    if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16)); // pages served over plain http lack randomUUID
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // A new chat the server cannot start now (429: too many new chats) comes with words for the customer.
  class Refused extends Error {
    constructor(notice) {
      super(notice);
      this.notice = notice;
    }
  }

  const trouble = (err) => (err instanceof Refused ? err.notice : OFFLINE);

  async function ensureSession() {
    const query = PAGE_LANG ? `?lang=${encodeURIComponent(PAGE_LANG)}` : "";
    const resp = await fetch(`/api/session${query}`, { method: "POST", credentials: "same-origin" });
    if (resp.status === 429) {
      const data = await resp.json().catch(() => ({}));
      throw new Refused(typeof data.notice === "string" ? data.notice : OFFLINE);
    }
    if (!resp.ok) throw new Error(`session: ${resp.status}`);
    const data = await resp.json().catch(() => ({}));
    if (data.new) {
      session += 1;
      cursor = 0;
      shown.clear();
    }
  }

  function schedulePoll() {
    clearTimeout(poller.timer);
    poller.timer = poller.on && !document.hidden ? setTimeout(poll, POLL_MS) : null;
  }

  function startPolling() {
    if (poller.on) return;
    poller.on = true;
    schedulePoll();
  }

  // Pulls what was queued since `cursor`. A 401 renews the session once; a second one in a row
  // stops polling until a message gets through again (cookies refused: nothing to poll for).
  async function poll() {
    if (!poller.on || poller.inFlight || document.hidden) return;
    poller.inFlight = true;
    const asked = session;
    try {
      const resp = await fetch(`/api/updates?after=${cursor}`, { credentials: "same-origin" });
      if (resp.status === 401) {
        if (poller.renewed) {
          poller.on = false;
          return;
        }
        poller.renewed = true;
        await ensureSession();
        return;
      }
      if (!resp.ok) return;
      const data = await resp.json();
      poller.renewed = false;
      if (asked !== session) return; // the answer is about a conversation the page left
      for (const msg of data.messages || []) addNumbered(msg);
      if (Number.isInteger(data.cursor)) cursor = Math.max(cursor, data.cursor);
    } catch (_) {
      // offline for now: the next poll asks again from the same cursor
    } finally {
      poller.inFlight = false;
      schedulePoll();
    }
  }

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) schedulePoll();
    else poll();
  });

  // One attempt; a request that takes too long is abandoned like a lost one.
  async function postOnce(body) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), POST_LIMIT_MS);
    try {
      return await fetch("/api/messages", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body,
        signal: abort.signal,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  // Sends one message under one id: the server takes it once however often it arrives, and answers
  // a repeat with the same replies, so a request lost on the way (or its answer) is simply sent again.
  async function post(text, title) {
    const body = JSON.stringify({ text, ...(title ? { title } : {}), ...(PAGE_LANG ? { lang: PAGE_LANG } : {}),
      id: newMessageId() });
    for (let attempt = 0; ; attempt += 1) {
      try {
        let resp = await postOnce(body);
        if (resp.status === 401) {
          await ensureSession();
          resp = await postOnce(body);
        }
        if (![502, 503, 504].includes(resp.status) || attempt >= RETRY_MS.length) return resp;
      } catch (err) {
        if (attempt >= RETRY_MS.length) throw err;
      }
      await sleep(RETRY_MS[attempt]);
    }
  }

  // Sends a message; the customer sees `shown`. Resolves false when it could not be delivered.
  async function send(text, shown, title) {
    if (busy) return false;
    addUser(shown);
    setBusy(true);
    try {
      const resp = await post(text, title);
      const data = await resp.json().catch(() => ({}));
      if (resp.ok) {
        for (const msg of data.messages || []) addNumbered(msg);
        advanceCursor();
        if (typeof data.notice === "string") addBot({ text: data.notice }, "bot notice");
        poller.renewed = false;
        startPolling();
      } else {
        addBot({ text: data.error ? say("not_sent", { error: data.error }) : OFFLINE }, "bot notice");
      }
      return resp.ok && typeof data.notice !== "string";
    } catch (err) {
      addBot({ text: trouble(err) }, "bot notice");
      return false;
    } finally {
      setBusy(false);
    }
  }

  function growInput() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight + 3, 140)}px`;
  }

  async function submitTyped() {
    const text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    growInput();
    const ok = await send(text, text);
    if (!ok && !input.value) input.value = text;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitTyped();
    input.focus();
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitTyped();
    }
  });
  input.addEventListener("input", growInput);

  // A button sends its payload (suggestion chips: their text) and shows its title; its group closes at once.
  log.addEventListener("click", async (event) => {
    const button = event.target.closest("button.choice");
    if (!button || button.disabled || busy) return;
    const group = button.closest(".choices");
    const title = button.textContent;
    const text = button.dataset.payload !== undefined ? button.dataset.payload : button.dataset.text;
    closeChoices(button);
    input.focus();
    if (!(await send(text, title, title))) reopenChoices(group);
  });

  async function start() {
    try {
      await ensureSession();
      const resp = await fetch("/api/history", { credentials: "same-origin" });
      if (!resp.ok) return;
      const data = await resp.json();
      for (const item of data.messages || []) {
        if (item.direction === "in") addUser(item.title || item.text || "", item.text);
        else addNumbered(item);
      }
      if (Number.isInteger(data.cursor)) cursor = data.cursor;
      startPolling();
    } catch (err) {
      addBot({ text: trouble(err) }, "bot notice");
    } finally {
      document.body.dataset.ready = "true";
      scrollToEnd();
    }
  }

  start();
})();
