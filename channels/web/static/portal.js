// returnbot returns portal: find an order, choose items, get RMA numbers and slips. DOM nodes only
// (never innerHTML of order data); every screen change moves focus to its heading. What the policy
// says about an item (why not, where a return stands, what each reason leads to) and the names of
// reasons and resolutions come from the server, in the catalogue's words (bot/catalogue.py), and so do
// the page's own words (its labels and announcements: `say`), in the customer's language.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const steps = { find: $("step-find"), order: $("step-order"), done: $("step-done") };
  // The page's own checks speak the catalogue's words too: the server puts them in the page.
  const WORDS = JSON.parse(document.body.dataset.words || "{}");
  const say = (name, values = {}) => (WORDS[name] || "")
    .replace(/{(\w+)}/g, (whole, key) => (key in values ? String(values[key]) : whole));
  // A sentence with nodes for some of its values ("Print return slip {rma_id} (PDF)" with the number unbroken).
  const sayNodes = (name, nodes) => (WORDS[name] || "").split(/({\w+})/).filter(Boolean)
    .map((piece) => { const key = piece.slice(1, -1); return piece.startsWith("{") && key in nodes ? nodes[key] : piece; });
  const LANG = document.documentElement.lang || "en"; // the API answers in the page's language
  const OFFLINE = say("offline");
  const STORED = "rb-portal-order"; // the verified order, so a reload comes back to it
  let chatUrl = "/";
  let order = null; // the last order answer: {order_id, items, ship_back_days, labels}
  const labels = (kind) => (order && order.labels && order.labels[kind]) || {};

  // -- small DOM helpers --------------------------------------------------------------------------
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function safeHref(url) {
    try {
      const parsed = new URL(url, location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (_) {
      return null;
    }
  }

  function newTabLink(label, url, cls) {
    const href = safeHref(url);
    if (!href) return null;
    return el("a", { href, class: cls, target: "_blank", rel: "noopener noreferrer" },
      label, el("span", { class: "visually-hidden", text: ` ${say("new_tab")}` }));
  }

  function chatLink(label) {
    return el("a", { href: chatUrl, text: label });
  }

  function announce(text) {
    const region = $("announce");
    region.textContent = "";
    setTimeout(() => { region.textContent = text; }, 50); // a change, even when the words repeat
  }

  function show(name, announcement) {
    for (const [key, section] of Object.entries(steps)) section.hidden = key !== name;
    const heading = steps[name].querySelector("h2");
    heading.focus();
    window.scrollTo(0, 0);
    if (announcement) announce(announcement);
  }

  // -- errors, tied to their fields ---------------------------------------------------------------
  function describedBy(node, id, on) {
    const ids = new Set((node.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean));
    if (on) ids.add(id);
    else ids.delete(id);
    if (ids.size) node.setAttribute("aria-describedby", [...ids].join(" "));
    else node.removeAttribute("aria-describedby");
  }

  function markInvalid(node, errorId, on) {
    if (on) node.setAttribute("aria-invalid", "true");
    else node.removeAttribute("aria-invalid");
    describedBy(node, errorId, on);
  }

  function setAlert(box, content) {
    box.replaceChildren();
    if (!content) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    box.append(...(Array.isArray(content) ? content : [content]));
  }

  function fieldError(input, message) {
    const error = $(`${input.id}-error`);
    error.textContent = message || "";
    error.hidden = !message;
    markInvalid(input, error.id, Boolean(message));
  }

  // -- the API ------------------------------------------------------------------------------------
  // A new session the server cannot start now (429: too many) comes with words for the customer.
  class Refused extends Error {
    constructor(notice) {
      super(notice);
      this.notice = notice;
    }
  }

  const trouble = (err) => (err instanceof Refused ? err.notice : OFFLINE);

  async function ensureSession() {
    const resp = await fetch("/api/session", { method: "POST", credentials: "same-origin" });
    if (resp.status === 429) {
      const data = await resp.json().catch(() => ({}));
      throw new Refused(typeof data.notice === "string" ? data.notice : OFFLINE);
    }
    if (!resp.ok) throw new Error(`session: ${resp.status}`);
  }

  // One call; a 401 (the session cookie is gone) gets a new session and one more try.
  async function api(method, path, body) {
    const options = { method, credentials: "same-origin", headers: {} };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const url = `${path}${path.includes("?") ? "&" : "?"}lang=${encodeURIComponent(LANG)}`;
    let resp = await fetch(url, options);
    if (resp.status === 401) {
      await ensureSession();
      resp = await fetch(url, options);
    }
    const data = await resp.json().catch(() => ({}));
    return { status: resp.status, ok: resp.ok, data };
  }

  function busy(button, on) {
    button.disabled = on;
    button.closest("form")?.setAttribute("aria-busy", on ? "true" : "false");
  }

  // -- step 1: find the order ---------------------------------------------------------------------
  const findForm = $("find-form");
  const orderInput = $("order-id");
  const proofInput = $("proof");
  const findError = $("find-error");

  function clearFindErrors() {
    setAlert(findError, null);
    for (const input of [orderInput, proofInput]) {
      fieldError(input, "");
      markInvalid(input, findError.id, false);
    }
  }

  findForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFindErrors();
    const orderId = orderInput.value.trim();
    const proof = proofInput.value.trim();
    if (!orderId) fieldError(orderInput, say("enter_order"));
    if (!proof) fieldError(proofInput, say("enter_proof"));
    if (!orderId || !proof) {
      (!orderId ? orderInput : proofInput).focus();
      return;
    }
    const button = $("find-submit");
    busy(button, true);
    try {
      const { status, ok, data } = await api("POST", "/api/portal/verify", { order_id: orderId, proof });
      if (ok) {
        proofInput.value = "";
        sessionStorage.setItem(STORED, data.order_id);
        await openOrder(data.order_id);
        return;
      }
      if (status === 400 && data.field === "order_id") {
        fieldError(orderInput, data.error);
        orderInput.focus();
      } else if (status === 400 && data.field === "proof") {
        fieldError(proofInput, data.error);
        proofInput.focus();
      } else {
        // A wrong pair and an unknown order look the same: both fields are in question.
        const words = data.error || OFFLINE;
        setAlert(findError, status === 423
          ? [words, " ", chatLink(say("chat_with_us")), "."]
          : words);
        for (const input of [orderInput, proofInput]) markInvalid(input, findError.id, status !== 423);
        orderInput.focus();
      }
    } catch (err) {
      setAlert(findError, trouble(err));
      orderInput.focus();
    } finally {
      busy(button, false);
    }
  });

  // -- step 2: the order and what each item may do ------------------------------------------------
  async function openOrder(orderId, announcement) {
    const { status, ok, data } = await api("GET", `/api/portal/order?order_id=${encodeURIComponent(orderId)}`);
    if (!ok) {
      sessionStorage.removeItem(STORED);
      showFind(status === 403 ? null : data.error || OFFLINE);
      return false;
    }
    order = data;
    chatUrl = data.chat_url || chatUrl;
    renderOrder();
    const open = order.items.filter((item) => item.reasons.length).length;
    const count = order.items.length === 1 ? say("one_item") : say("items", { count: order.items.length });
    show("order", announcement || say("order_announcement", { order_id: order.order_id, items: count, open }));
    return true;
  }

  function showFind(message) {
    order = null;
    clearFindErrors();
    if (message) setAlert(findError, message);
    show("find");
  }

  function slipLink(rma) {
    if (!rma.slip_url || ["refunded", "rejected"].includes(rma.status)) return null;
    const label = el("span", {}, ...sayNodes("print_slip", { rma_id: el("span", { class: "nowrap", text: rma.rma_id }) }));
    return newTabLink(label, rma.slip_url, "slip-link");
  }

  // The server's words as nodes: {text}, {text, strong}, {text, link: "chat"} (bot/catalogue.py `parts`).
  function rich(parts) {
    return (parts || []).map((part) => {
      if (part.strong) return el("strong", { text: part.text });
      if (part.link === "chat") return chatLink(part.text);
      return part.text;
    });
  }

  const TONE = { rma: "ok", returnless_refund: "ok", fraud_review: "info", amazon_fba: "info" };

  // The line under an item's title: what the policy allows for it today, in the server's words.
  function itemStatus(item, id) {
    const box = el("div", { class: "status", id });
    if (item.rma) {
      box.classList.add("done");
      box.append(el("strong", { text: item.rma.heading }), el("p", { text: item.rma.status_text }));
      const slip = slipLink(item.rma);
      if (slip) box.append(el("p", {}, slip));
      if (item.partial_text) box.append(el("p", { class: "partial", text: item.partial_text }));
      return box;
    }
    box.classList.add(TONE[item.outcome] || "no");
    box.append(...rich(item.summary));
    if (item.outcome === "amazon_fba") {
      const link = newTabLink(say("amazon_start"), item.amazon_returns_url);
      if (link) box.append(el("p", {}, link));
    }
    return box;
  }

  function radios(name, values, labels, checked) {
    return el("div", { class: "options" }, ...values.map((value) => {
      const input = el("input", { type: "radio", name, value });
      input.checked = value === checked;
      return el("label", { class: "option" }, input, el("span", { text: labels[value] || value }));
    }));
  }

  function checkedValue(container, name) {
    const input = container.querySelector(`input[name="${name}"]:checked`);
    return input ? input.value : null;
  }

  // What the server says choosing `reason` leads to: {outcome, resolutions}.
  function choiceFor(item, reason) {
    return (item.choices && item.choices[reason]) || { outcome: item.outcome, resolutions: item.resolutions };
  }

  function noteFor(item, reason, quantity) {
    const choice = choiceFor(item, reason);
    if (choice.note_some && quantity !== item.return_quantity) {
      return choice.note_some.replace("{quantity}", String(quantity));
    }
    return choice.note || "";
  }

  // The reason decides which resolutions are offered (a damaged item can be replaced).
  function renderResolution(card, item, index) {
    const reason = checkedValue(card, `reason-${index}`);
    const group = card.querySelector(".resolution");
    const note = card.querySelector(".note");
    const offered = reason ? choiceFor(item, reason).resolutions : item.resolutions;
    const previous = checkedValue(card, `resolution-${index}`);
    const options = group.querySelector(".options");
    const fresh = radios(`resolution-${index}`, offered, labels("resolutions"),
      offered.includes(previous) ? previous : null);
    if (options) options.replaceWith(fresh);
    else group.querySelector("legend").after(fresh);
    group.hidden = offered.length < 2;
    const select = card.querySelector(`#quantity-${index}`);
    note.textContent = reason ? noteFor(item, reason, select ? Number(select.value) : item.return_quantity) : "";
  }

  function itemCard(item, index) {
    const titleId = `item-${index}-title`;
    const statusId = `item-${index}-status`;
    const card = el("div", { class: "item", role: "group", "aria-labelledby": titleId, "data-line": item.line_id });
    const each = item.quantity > 1 ? ` · ${say("items", { count: item.quantity })}` : "";
    card.append(el("h3", { id: titleId, text: item.title }),
      el("p", { class: "meta", text: `${item.sku}${each}` }), itemStatus(item, statusId));
    if (!item.reasons.length) return card;

    const damagedOnly = item.reasons.length === 1 && item.reasons[0] === "damaged";
    const pickId = `pick-${index}`;
    const detailsId = `details-${index}`;
    const pick = el("input", { type: "checkbox", id: pickId, "aria-describedby": statusId,
      "aria-controls": detailsId, "aria-expanded": "false" });
    card.append(el("div", { class: "pick" }, pick,
      el("label", { for: pickId, text: damagedOnly ? say("report_damaged") : say("return_this") })));

    const details = el("div", { class: "details", id: detailsId, hidden: true });
    if (item.max_quantity > 1) {
      // One return per item: what isn't chosen now can only be returned through the chat.
      const quantityId = `quantity-${index}`;
      const hintId = `quantity-${index}-hint`;
      const select = el("select", { id: quantityId, name: quantityId, "aria-describedby": hintId });
      for (let n = 1; n <= item.max_quantity; n += 1) {
        select.append(el("option", { value: String(n), selected: n === item.return_quantity, text: String(n) }));
      }
      select.value = String(item.return_quantity);
      details.append(el("div", { class: "field quantity" },
        el("label", { for: quantityId }, say("how_many"),
          el("span", { class: "visually-hidden", text: ` (${item.title})` })),
        select,
        el("p", { class: "hint", id: hintId,
          text: say("up_to", { most: item.max_quantity }) })));
    } else {
      details.append(el("p", { class: "quantity", text: say("quantity", { quantity: item.return_quantity }) }));
    }

    const reasonError = el("p", { class: "field-error", id: `reason-${index}-error`, hidden: true });
    const which = () => el("span", { class: "visually-hidden", text: ` (${item.title})` });
    const reasonGroup = el("fieldset", { class: "reason" },
      el("legend", {}, say("why_returning"), which()),
      radios(`reason-${index}`, item.reasons, labels("reasons"), damagedOnly ? "damaged" : null), reasonError);
    if (damagedOnly) reasonGroup.hidden = true;
    const resolutionError = el("p", { class: "field-error", id: `resolution-${index}-error`, hidden: true });
    const resolutionGroup = el("fieldset", { class: "resolution" },
      el("legend", {}, say("instead"), which()),
      resolutionError);
    details.append(reasonGroup, resolutionGroup, el("p", { class: "note", "aria-live": "polite" }));
    card.append(details);
    renderResolution(card, item, index);

    pick.addEventListener("change", () => {
      details.hidden = !pick.checked;
      pick.setAttribute("aria-expanded", String(pick.checked));
      card.classList.toggle("picked", pick.checked);
    });
    reasonGroup.addEventListener("change", () => {
      groupError(reasonGroup, "");
      renderResolution(card, item, index);
    });
    resolutionGroup.addEventListener("change", () => groupError(resolutionGroup, ""));
    const select = details.querySelector("select");
    if (select) select.addEventListener("change", () => renderResolution(card, item, index));
    return card;
  }

  function groupError(group, message) {
    const error = group.querySelector(".field-error");
    error.textContent = message;
    error.hidden = !message;
    markInvalid(group, error.id, Boolean(message));
  }

  function renderOrder() {
    $("order-title").textContent = say("order_heading", { order_id: order.order_id });
    const items = $("items");
    items.replaceChildren(...order.items.map(itemCard));
    const open = order.items.some((item) => item.reasons.length);
    $("return-submit").hidden = !open;
    $("order-lead").textContent = open
      ? say("order_lead_open")
      : say("order_lead_none");
    setAlert($("return-error"), null);
  }

  // -- step 3: request the returns ----------------------------------------------------------------
  function collect() {
    const chosen = [];
    let firstInvalid = null;
    order.items.forEach((item, index) => {
      const pick = $(`pick-${index}`);
      if (!pick || !pick.checked) return;
      const card = pick.closest(".item");
      const reasonGroup = card.querySelector(".reason");
      const resolutionGroup = card.querySelector(".resolution");
      const reason = checkedValue(card, `reason-${index}`);
      const resolution = checkedValue(card, `resolution-${index}`);
      groupError(reasonGroup, reason ? "" : say("choose_reason", { title: item.title }));
      const needsResolution = reason && choiceFor(item, reason).resolutions.length > 1 && !resolution;
      groupError(resolutionGroup, needsResolution ? say("choose_resolution", { title: item.title }) : "");
      if (!reason) firstInvalid = firstInvalid || reasonGroup.querySelector("input");
      else if (needsResolution) firstInvalid = firstInvalid || resolutionGroup.querySelector("input");
      const quantity = card.querySelector(`#quantity-${index}`);
      chosen.push({ line_id: item.line_id, reason, resolution: resolutionGroup.hidden ? null : resolution,
        quantity: quantity ? Number(quantity.value) : item.return_quantity });
    });
    return { chosen, firstInvalid };
  }

  $("return-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const errorBox = $("return-error");
    setAlert(errorBox, null);
    const { chosen, firstInvalid } = collect();
    if (!chosen.length) {
      setAlert(errorBox, say("choose_items"));
      const first = document.querySelector("#items input[type=checkbox]");
      if (first) first.focus();
      return;
    }
    if (firstInvalid) {
      setAlert(errorBox, say("answer_marked"));
      firstInvalid.focus();
      return;
    }
    const button = $("return-submit");
    busy(button, true);
    try {
      const request = { order_id: order.order_id, items: chosen };
      const { status, ok, data } = await api("POST", "/api/portal/returns", request);
      if (ok) {
        renderResults(data.results);
        const made = data.results.filter((r) => r.rma && r.outcome === "rma").length;
        show("done", made
          ? say("approved_announcement", { rma_ids: data.results.map((r) => r.rma?.rma_id).filter(Boolean).join(", ") })
          : say("request_sent"));
      } else if (status === 403) {
        sessionStorage.removeItem(STORED);
        showFind(data.error);
      } else {
        setAlert(errorBox, data.error || OFFLINE);
        button.focus();
      }
    } catch (err) {
      setAlert(errorBox, trouble(err));
      button.focus();
    } finally {
      busy(button, false);
    }
  });

  function resultItem(result) {
    const li = el("li", { class: "result" }, el("h3", { text: result.title || say("item") }));
    const rma = result.rma;
    if (!result.needs_resolution && rma && rma.outcome === "rma") {
      li.append(el("p", { text: result.lead }));
      li.append(el("p", { class: "rma-number" },
        ...sayNodes("rma_number", { rma_id: el("span", { class: "nowrap", text: rma.rma_id }) })));
      const slip = slipLink(rma);
      if (slip) li.append(el("p", {}, slip));
      li.append(el("p", { text: rma.send_text || rma.status_text }));
      return li;
    }
    for (const paragraph of result.paragraphs || []) li.append(el("p", {}, ...rich(paragraph)));
    if (!result.needs_resolution && !rma && result.outcome === "amazon_fba") {
      const link = newTabLink(say("amazon_start"), result.amazon_returns_url);
      if (link) li.append(el("p", {}, link));
    }
    return li;
  }

  function renderResults(results) {
    $("done-title").textContent = results.length > 1 ? say("your_returns") : say("your_return");
    $("results").replaceChildren(...results.map(resultItem));
  }

  // -- navigation ---------------------------------------------------------------------------------
  function otherOrder() {
    sessionStorage.removeItem(STORED);
    findForm.reset();
    showFind(null);
  }

  $("order-other").addEventListener("click", otherOrder);
  $("done-other").addEventListener("click", otherOrder);
  $("done-back").addEventListener("click", async () => {
    try {
      await openOrder(order.order_id);
    } catch (err) {
      showFind(trouble(err));
    }
  });
  for (const input of [orderInput, proofInput]) {
    input.addEventListener("input", () => {
      if (input.getAttribute("aria-invalid")) fieldError(input, "");
    });
  }

  async function start() {
    try {
      await ensureSession();
      const stored = sessionStorage.getItem(STORED);
      if (stored && await openOrder(stored)) return;
    } catch (err) {
      setAlert(findError, trouble(err));
    } finally {
      document.body.dataset.ready = "true";
    }
  }

  start();
})();
