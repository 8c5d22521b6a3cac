/*! Switchboard chat widget SDK. No dependencies, no build step, nothing loaded from elsewhere.
 *
 *   <script src="https://<switchboard host>/api/v1/widget/widget.js" data-key="wk_..." async></script>
 *
 * Optional, for signed-in users (userHash = hex HMAC-SHA256(identity secret, userId), computed by
 * your server): window.SwitchboardSettings = {user: {userId, email, name, userHash}} before the
 * script, or SwitchboardWidget.identify({...}) after it. SwitchboardWidget.shutdown() on logout.
 * Protocol: docs/connectors/widget.md.
 */
(() => {
  "use strict";
  const script = document.currentScript;
  const previous = window.SwitchboardWidget;
  if (!script || (previous && previous.loaded)) return;

  const KEY = script.getAttribute("data-key") || "";
  const origin = new URL(script.src, location.href);
  const SOCKET_URL = `${origin.protocol === "https:" ? "wss:" : "ws:"}//${origin.host}/api/v1/widget/ws?key=${encodeURIComponent(KEY)}`;
  const STORE = `switchboard.widget.${KEY}`;
  const TYPING_EVERY_MS = 3000;
  const TYPING_IDLE_MS = 4000;
  const AGENT_TYPING_MS = 10000;
  const ACK_TIMEOUT_MS = 15000;
  const PING_EVERY_MS = 25000;
  const MAX_BACKOFF_MS = 30000;

  // ---- storage: the visitor's id and token, and messages not yet acknowledged ----------------
  const store = {
    read(name, fallback) {
      try {
        const raw = localStorage.getItem(`${STORE}.${name}`);
        return raw ? JSON.parse(raw) : fallback;
      } catch (_) {
        return fallback; // storage blocked (private mode, sandboxed frame): work without it
      }
    },
    write(name, value) {
      try {
        if (value === null) localStorage.removeItem(`${STORE}.${name}`);
        else localStorage.setItem(`${STORE}.${name}`, JSON.stringify(value));
      } catch (_) {
        /* not persisted: this page still works */
      }
    },
  };

  const state = {
    visitor: store.read("visitor", null), // {visitor_id, visitor_token}
    outbox: store.read("outbox", []), // [{client_id, text, at}], oldest first
    user:
      (window.SwitchboardSettings && window.SwitchboardSettings.user) || null,
    socket: null,
    greeted: false,
    stopped: false, // refused for good (bad key, origin, identity) until identify() or reload
    attempt: 0,
    retryTimer: 0,
    inflight: null,
    ackTimer: 0,
    pingTimer: 0,
    typingSentAt: 0,
    typingIdle: 0,
    agentTypingTimer: 0,
    unread: 0,
    messages: new Map(), // key -> {key, text, from, at, status}
  };

  const newId = () =>
    (crypto.randomUUID
      ? crypto.randomUUID()
      : `${Date.now()}-${Math.random()}`
    ).replace(/[^A-Za-z0-9_-]/g, "");

  // ---- the interface, in a shadow root so the host page's styles and ours never mix ----------
  const STYLES = `
    :host { all: initial; }
    * { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
    .root { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; display: flex;
      flex-direction: column; align-items: flex-end; gap: 12px; font-size: 15px; color: #0f172a; }
    .launcher { width: 56px; height: 56px; border-radius: 50%; border: 0; cursor: pointer;
      background: #1d4ed8; color: #fff; box-shadow: 0 4px 14px rgba(15, 23, 42, .3);
      display: grid; place-items: center; position: relative; }
    .launcher:focus-visible, button:focus-visible, textarea:focus-visible {
      outline: 3px solid #f59e0b; outline-offset: 2px; }
    .badge { position: absolute; top: -4px; right: -4px; min-width: 20px; height: 20px;
      border-radius: 10px; background: #b91c1c; color: #fff; font-size: 12px; line-height: 20px;
      text-align: center; padding: 0 5px; }
    .panel { width: min(370px, calc(100vw - 40px)); height: min(540px, calc(100vh - 110px));
      background: #fff; border-radius: 12px; box-shadow: 0 8px 30px rgba(15, 23, 42, .25);
      display: flex; flex-direction: column; overflow: hidden; }
    .panel[hidden] { display: none; }
    header { background: #1d4ed8; color: #fff; padding: 12px 14px; display: flex;
      align-items: center; justify-content: space-between; }
    h2 { margin: 0; font-size: 16px; font-weight: 600; }
    .close { background: transparent; color: #fff; border: 0; font-size: 22px; line-height: 1;
      cursor: pointer; padding: 4px 8px; border-radius: 6px; }
    .welcome { margin: 0; padding: 10px 14px; background: #eff6ff; color: #1e3a8a; }
    .welcome:empty { display: none; }
    ol { list-style: none; margin: 0; padding: 12px 14px; flex: 1; overflow-y: auto;
      display: flex; flex-direction: column; gap: 8px; }
    li { max-width: 85%; display: flex; flex-direction: column; }
    li.visitor { align-self: flex-end; align-items: flex-end; }
    li.agent { align-self: flex-start; }
    .text { margin: 0; padding: 8px 12px; border-radius: 12px; white-space: pre-wrap;
      overflow-wrap: anywhere; }
    li.visitor .text { background: #1d4ed8; color: #fff; }
    li.agent .text { background: #f1f5f9; color: #0f172a; }
    .meta { font-size: 12px; color: #475569; margin-top: 2px; }
    .typing, .status { margin: 0; padding: 0 14px 6px; font-size: 13px; color: #475569; }
    .typing:empty, .status:empty { display: none; }
    form { display: flex; gap: 8px; padding: 10px 14px 14px; border-top: 1px solid #e2e8f0;
      align-items: flex-end; }
    label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
    textarea { flex: 1; resize: none; border: 1px solid #64748b; border-radius: 8px;
      padding: 8px 10px; font-size: 15px; color: #0f172a; max-height: 120px; }
    .send { background: #1d4ed8; color: #fff; border: 0; border-radius: 8px; padding: 9px 14px;
      font-size: 15px; cursor: pointer; }
  `;

  const el = (tag, attrs = {}, text = "") => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs))
      node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  };

  // Built node by node, not from markup: pages enforcing Trusted Types refuse innerHTML.
  function icon() {
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    for (const [name, value] of Object.entries({
      width: "26",
      height: "26",
      viewBox: "0 0 24 24",
      "aria-hidden": "true",
      focusable: "false",
    }))
      svg.setAttribute(name, value);
    const path = document.createElementNS(NS, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute(
      "d",
      "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z",
    );
    svg.append(path);
    return svg;
  }

  const host = el("div", { "data-switchboard-widget": "" });
  const shadow = host.attachShadow({ mode: "open" });
  if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet === "function") {
    const sheet = new CSSStyleSheet(); // constructed sheets are not "inline" for the site's CSP
    sheet.replaceSync(STYLES);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    shadow.append(el("style", {}, STYLES));
  }
  const root = el("div", { class: "root" });
  const panel = el("section", {
    class: "panel",
    id: "sbw-panel",
    role: "dialog",
    "aria-labelledby": "sbw-title",
  });
  panel.hidden = true;
  const header = el("header");
  const title = el("h2", { id: "sbw-title" }, "Chat");
  const closeButton = el(
    "button",
    { type: "button", class: "close", "aria-label": "Close chat" },
    "×",
  );
  header.append(title, closeButton);
  const welcome = el("p", { class: "welcome" });
  const log = el("ol", {
    role: "log",
    "aria-live": "polite",
    "aria-label": "Conversation",
  });
  const typing = el("p", { class: "typing", role: "status" });
  const status = el("p", { class: "status", role: "status" });
  const form = el("form");
  const label = el("label", { for: "sbw-input" }, "Message");
  const input = el("textarea", {
    id: "sbw-input",
    rows: "2",
    maxlength: "4000",
    placeholder: "Write a message…",
  });
  const sendButton = el("button", { type: "submit", class: "send" }, "Send");
  form.append(label, input, sendButton);
  panel.append(header, welcome, log, typing, status, form);
  const launcher = el("button", {
    type: "button",
    class: "launcher",
    "aria-controls": "sbw-panel",
    "aria-expanded": "false",
    "aria-label": "Open chat",
  });
  launcher.append(icon());
  const badge = el("span", { class: "badge", "aria-hidden": "true" });
  badge.hidden = true;
  launcher.append(badge);
  root.append(panel, launcher);
  shadow.append(root);

  const STATUS_TEXT = {
    sending: "Sending…",
    sent: "Sent",
    queued: "Waiting to send",
    failed: "Not sent",
  };

  function render(message) {
    let item = log.querySelector(`li[data-key="${CSS_escape(message.key)}"]`);
    if (!item) {
      item = el("li", { class: message.from, "data-key": message.key });
      item.append(el("p", { class: "text" }), el("span", { class: "meta" }));
      log.append(item);
    }
    item.querySelector(".text").textContent = message.text;
    const who = message.from === "visitor" ? "You" : "Agent";
    const time = new Date(message.at || Date.now()).toLocaleTimeString([], {
      hour: "2-digit",
      minute: "2-digit",
    });
    const detail =
      message.from === "visitor" ? STATUS_TEXT[message.status] || "" : "";
    item.querySelector(".meta").textContent = [who, time, detail]
      .filter(Boolean)
      .join(" · ");
    item.setAttribute("data-state", message.status || "");
    log.scrollTop = log.scrollHeight;
  }

  function CSS_escape(value) {
    return window.CSS && window.CSS.escape
      ? window.CSS.escape(value)
      : String(value).replace(/["\\]/g, "\\$&");
  }

  function upsert(key, fields) {
    const message = { ...(state.messages.get(key) || { key }), ...fields };
    state.messages.set(key, message);
    render(message);
    return message;
  }

  function setStatus(text) {
    status.textContent = text;
  }

  function setAgentTyping(on) {
    clearTimeout(state.agentTypingTimer);
    typing.textContent = on ? "Agent is typing…" : "";
    if (on)
      state.agentTypingTimer = setTimeout(
        () => setAgentTyping(false),
        AGENT_TYPING_MS,
      );
  }

  function setUnread(count) {
    state.unread = count;
    badge.hidden = count === 0;
    badge.textContent = String(count);
    launcher.setAttribute(
      "aria-label",
      count ? `Open chat (${count} new)` : "Open chat",
    );
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    setUnread(0);
    input.focus();
    log.scrollTop = log.scrollHeight;
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", () => (panel.hidden ? open() : close()));
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", typingStarted);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    say(text);
    input.focus();
  });

  // ---- messages out: an outbox, persisted, sent one at a time, removed when acknowledged ------
  function online() {
    return (
      state.greeted &&
      navigator.onLine &&
      state.socket &&
      state.socket.readyState === WebSocket.OPEN
    );
  }

  function say(text) {
    const entry = { client_id: newId(), text, at: new Date().toISOString() };
    state.outbox.push(entry);
    store.write("outbox", state.outbox);
    upsert(entry.client_id, {
      text,
      from: "visitor",
      at: entry.at,
      status: online() ? "sending" : "queued",
    });
    typingStopped();
    flush();
  }

  function flush() {
    if (!online() || state.inflight || !state.outbox.length) return;
    const next = state.outbox[0];
    state.inflight = next.client_id;
    upsert(next.client_id, {
      text: next.text,
      from: "visitor",
      at: next.at,
      status: "sending",
    });
    transmit({ type: "message", client_id: next.client_id, text: next.text });
    clearTimeout(state.ackTimer);
    // No answer: the connection is probably dead without knowing it; a new one resends.
    state.ackTimer = setTimeout(
      () => state.socket && state.socket.close(),
      ACK_TIMEOUT_MS,
    );
  }

  /** Out of the outbox for good: acknowledged ("sent"), or refused as invalid ("failed"). */
  function settle(clientId, status) {
    clearTimeout(state.ackTimer);
    state.outbox = state.outbox.filter((entry) => entry.client_id !== clientId);
    store.write("outbox", state.outbox);
    if (state.inflight === clientId) state.inflight = null;
    if (state.messages.has(clientId)) upsert(clientId, { status });
    flush();
  }

  function typingStarted() {
    const now = Date.now();
    if (online() && now - state.typingSentAt > TYPING_EVERY_MS) {
      state.typingSentAt = now;
      transmit({ type: "typing", state: true });
    }
    clearTimeout(state.typingIdle);
    state.typingIdle = setTimeout(typingStopped, TYPING_IDLE_MS);
  }

  function typingStopped() {
    clearTimeout(state.typingIdle);
    if (state.typingSentAt && online())
      transmit({ type: "typing", state: false });
    state.typingSentAt = 0;
  }

  function transmit(frame) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN)
      state.socket.send(JSON.stringify(frame));
  }

  // ---- the connection: hello, frames in, reconnection with backoff ---------------------------
  function connect() {
    clearTimeout(state.retryTimer);
    if (state.stopped || state.socket || !navigator.onLine) return;
    setStatus(
      state.outbox.length
        ? "Connecting… your messages will be sent shortly."
        : "Connecting…",
    );
    const socket = new WebSocket(SOCKET_URL);
    state.socket = socket;
    socket.addEventListener("open", () => {
      const hello = { type: "hello", page: location.href.slice(0, 2000) };
      if (state.visitor) Object.assign(hello, state.visitor);
      if (state.user) hello.user = state.user;
      socket.send(JSON.stringify(hello));
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (_) {
        return;
      }
      received(frame);
    });
    socket.addEventListener("close", (event) => {
      if (state.socket !== socket) return;
      state.socket = null;
      state.greeted = false;
      state.inflight = null;
      clearTimeout(state.ackTimer);
      clearInterval(state.pingTimer);
      setAgentTyping(false);
      for (const entry of state.outbox)
        upsert(entry.client_id, { status: "queued" });
      closed(event.code);
    });
  }

  function closed(code) {
    if (state.stopped) return;
    if (!navigator.onLine) {
      setStatus(
        "You are offline. Messages will be sent when you are back online.",
      );
      return; // the "online" event reconnects
    }
    setStatus("Reconnecting…");
    const delay =
      state.attempt === 0 && code !== 1013
        ? 250
        : Math.min(MAX_BACKOFF_MS, 1000 * 2 ** state.attempt);
    state.attempt += 1;
    state.retryTimer = setTimeout(connect, delay * (0.75 + Math.random() / 2));
  }

  function received(frame) {
    switch (frame.type) {
      case "welcome":
        return welcomed(frame);
      case "ack":
        return settle(frame.client_id, "sent");
      case "message":
        return agentSaid(frame);
      case "typing":
        return setAgentTyping(Boolean(frame.state));
      case "error":
        return refused(frame);
      default:
        return undefined;
    }
  }

  function welcomed(frame) {
    state.visitor = {
      visitor_id: frame.visitor_id,
      visitor_token: frame.visitor_token,
    };
    store.write("visitor", state.visitor);
    state.greeted = true;
    state.attempt = 0;
    setStatus("");
    title.textContent = (frame.settings && frame.settings.title) || "Chat";
    welcome.textContent = (frame.settings && frame.settings.welcome_text) || "";
    const delivered = new Set();
    for (const item of frame.history || []) {
      const key =
        item.from === "visitor" && item.client_id ? item.client_id : item.id;
      if (item.client_id) delivered.add(item.client_id);
      upsert(key, {
        text: item.text,
        from: item.from,
        at: item.at,
        status: item.from === "visitor" ? "sent" : "",
      });
    }
    // Sent before a lost ack: the history shows it arrived, so it is not sent again.
    state.outbox = state.outbox.filter(
      (entry) => !delivered.has(entry.client_id),
    );
    store.write("outbox", state.outbox);
    for (const entry of state.outbox)
      upsert(entry.client_id, {
        text: entry.text,
        from: "visitor",
        at: entry.at,
        status: "sending",
      });
    clearInterval(state.pingTimer);
    state.pingTimer = setInterval(
      () => transmit({ type: "ping" }),
      PING_EVERY_MS,
    );
    flush();
  }

  function agentSaid(frame) {
    const known = state.messages.has(frame.id);
    upsert(frame.id, {
      text: frame.text,
      from: "agent",
      at: frame.at,
      status: "",
    });
    setAgentTyping(false);
    if (!known && panel.hidden) setUnread(state.unread + 1);
  }

  function refused(frame) {
    if (frame.client_id) {
      // Not taken this time (rate limit, bus unavailable): it stays in the outbox.
      if (state.inflight === frame.client_id) state.inflight = null;
      clearTimeout(state.ackTimer);
      if (frame.code === "invalid_frame")
        return settle(frame.client_id, "failed"); // never valid
      upsert(frame.client_id, { status: "queued" });
      setTimeout(flush, 1000 * (frame.retry_after || 3));
      return;
    }
    if (frame.code === "invalid_visitor") {
      state.visitor = null; // a stale or foreign token: start afresh
      store.write("visitor", null);
      return;
    }
    if (!frame.retry_after && !state.greeted) {
      state.stopped = true; // unknown key, origin or identity refused: retrying cannot help
      setStatus("Chat is unavailable right now.");
      console.warn(`Switchboard widget: ${frame.code}: ${frame.message}`);
    }
  }

  window.addEventListener("offline", () => {
    if (state.socket) state.socket.close();
    setStatus(
      "You are offline. Messages will be sent when you are back online.",
    );
  });
  window.addEventListener("online", () => {
    state.attempt = 0;
    connect();
  });

  function restart() {
    state.stopped = false;
    state.attempt = 0;
    const socket = state.socket;
    if (socket)
      socket.close(); // its close handler reconnects
    else connect();
  }

  const api = {
    loaded: true,
    open,
    close,
    /** Who the visitor is (from your server): {userId, email, name, userHash}. */
    identify(user) {
      state.user = user || null;
      restart();
    },
    /** On logout: forget this browser's visitor and unsent messages, start anonymous. */
    shutdown() {
      state.user = null;
      state.visitor = null;
      state.outbox = [];
      state.messages.clear();
      log.replaceChildren();
      store.write("visitor", null);
      store.write("outbox", null);
      restart();
    },
  };
  window.SwitchboardWidget = api;
  // Calls queued before the script loaded: SwitchboardWidget = {q: [["identify", {...}]]}.
  for (const [name, ...args] of (previous && previous.q) || []) {
    if (typeof api[name] === "function") api[name](...args);
  }

  const mount = () => {
    document.body.append(host);
    for (const entry of state.outbox)
      upsert(entry.client_id, {
        text: entry.text,
        from: "visitor",
        at: entry.at,
        status: "queued",
      });
    connect();
  };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
