// The sandbox's chat client: choose who you are, read and write chats, press the bot's buttons.
// Message bodies come from the server already rendered to safe HTML (sandbox/render.py);
// everything else is put on the page with textContent. Its words come from the catalog
// (texts/zh_CN.toml, [sandbox.page]): the server fills them into index.html and inlines the table
// as JSON, which t() below reads; none are written here.
"use strict";

const S = {
  me: null,          // the user id the page acts as
  people: [],
  bot: null,
  view: null,        // {chat, thread}; thread null = the chat itself (or a forum's 综合)
  version: -1,
  refreshing: null,
  again: false,
  sending: false,    // a typed message is on its way: Enter again waits for it
};

const $ = (id) => document.getElementById(id);

const TEXTS = JSON.parse($("texts").textContent);

// The catalog entry sandbox.page.<key> with each {name} replaced by values[name], as Python's
// str.format fills a plain {name}: t("person", { name, label }). An unknown key is a bug and throws.
function t(key, values = {}) {
  const text = TEXTS[key];
  if (text === undefined) throw new Error(`sandbox.page.${key}`);
  return text.replace(/\{(\w+)\}/g, (slot, name) => (name in values ? String(values[name]) : slot));
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, options);
  let data = {};
  try { data = await response.json(); } catch (e) { data = { error: t("server_error", { status: response.status }) }; }
  if (!response.ok) throw new Error(data.error || t("server_error", { status: response.status }));
  return data;
}

function post(path, body) {
  return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(showError.timer);
  showError.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

function toast(text, alert = false) {
  const box = $("toast");
  box.textContent = text;
  box.className = alert ? "alert" : "";
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, alert ? 6000 : 2500);
}

// -- who am I ------------------------------------------------------------------------------

async function loadState() {
  const state = await api("/api/state");
  S.people = state.people;
  S.bot = state.bot;
  $("token-help").textContent = state.token_help;
  showClock(state.clock);
  const select = $("who");
  select.replaceChildren();
  const groups = new Map();
  for (const person of S.people) {
    if (!groups.has(person.group)) groups.set(person.group, el("optgroup", { label: person.group }));
    groups.get(person.group).append(el("option", { value: person.id, text: t("person", person) }));
  }
  for (const group of groups.values()) select.append(group);
  const saved = Number(localStorage.getItem("sandbox.me"));
  const known = (id) => S.people.some((p) => p.id === id);
  if (!known(S.me)) S.me = known(saved) ? saved : state.default_user || S.people[0].id;
  select.value = String(S.me);
  showWho();
}

function showWho() {
  const person = S.people.find((p) => p.id === S.me);
  $("who-label").textContent = person ? person.label : "";
}

function becomeUser(id) {
  S.me = id;
  localStorage.setItem("sandbox.me", String(id));
  $("who").value = String(id);
  showWho();
  S.view = { chat: id, thread: null };
  refresh(true);
}

// -- the chat list -------------------------------------------------------------------------

function badge(count) {
  return count > 0 ? el("span", { class: "badge", text: String(count) }) : null;
}

function isView(chat, thread) {
  return S.view && S.view.chat === chat && S.view.thread === thread;
}

function renderChats(chats) {
  const nav = $("chats");
  nav.replaceChildren();
  for (const chat of chats) {
    const open = () => { S.view = { chat: chat.id, thread: null }; refresh(true); };
    const classes = ["chat", chat.type === "private" ? "private" : "group", isView(chat.id, null) ? "active" : ""];
    nav.append(el("div", { class: classes.join(" "), "data-chat": chat.id, onclick: open },
      el("span", { class: "name", text: chat.type === "private" ? t("private_chat", chat) : chat.title }),
      badge(chat.unread)));
    if (chat.is_forum) {
      for (const topic of chat.topics) {
        const classes = ["topic", topic.closed ? "closed" : "", isView(chat.id, topic.id) ? "active" : ""];
        nav.append(el("div", {
          class: classes.join(" "), "data-chat": chat.id, "data-thread": topic.id,
          onclick: () => { S.view = { chat: chat.id, thread: topic.id }; refresh(true); },
        }, el("span", { class: "name", text: topic.name }), badge(topic.unread)));
      }
    }
  }
}

// -- messages ------------------------------------------------------------------------------

function renderMessage(message) {
  if (message.service) return el("div", { class: "service", "data-id": message.id, text: message.service });
  const classes = ["msg", message.mine ? "mine" : "", message.from.bot ? "bot" : ""];
  const node = el("div", { class: classes.join(" "), "data-id": message.id });
  if (!message.mine) node.append(el("div", { class: "sender", text: message.from.name }));
  if (message.reply) {
    node.append(el("div", { class: "reply" }, el("b", { text: message.reply.from }), document.createTextNode(" " + message.reply.snippet)));
  }
  if (message.photos.length) {
    const grid = el("div", { class: message.photos.length === 1 ? "photos single" : "photos" });
    for (const photo of message.photos) {
      grid.append(el("a", { href: photo.full, target: "_blank", rel: "noopener" },
        el("img", { src: photo.src, alt: t("photo"), width: photo.width, height: photo.height, loading: "lazy" })));
    }
    node.append(grid);
  }
  if (message.document) {
    const doc = message.document;
    node.append(el("div", { class: "document" }, el("span", { text: "📄" }),
      el("a", { href: doc.href, download: doc.name, text: doc.name }),
      el("span", { class: "muted", text: sizeText(doc.size) })));
  }
  if (message.location) {
    node.append(el("div", { class: "location", text: t("location", message.location) }));
  }
  if (message.html) {
    const body = el("div", { class: "body" });
    body.innerHTML = message.html;  // safe: built from entities by sandbox/render.py, all text escaped
    node.append(body);
  }
  if (message.keyboard.length) {
    const keyboard = el("div", { class: "keyboard" });
    for (const row of message.keyboard) {
      const line = el("div", { class: "krow" });
      for (const button of row) {
        line.append(el("button", {
          type: "button", text: button.url ? t("url_button", button) : button.text,
          disabled: !button.data && !button.url,
          onclick: () => pressButton(message, button),
        }));
      }
      keyboard.append(line);
    }
    node.append(keyboard);
  }
  node.append(el("div", { class: "meta", text: message.edited ? t("edited_at", message) : message.date }));
  return node;
}

function sizeText(bytes) {
  if (bytes < 1024) return t("size_bytes", { n: bytes });
  if (bytes < 1024 * 1024) return t("size_kb", { n: (bytes / 1024).toFixed(1) });
  return t("size_mb", { n: (bytes / 1024 / 1024).toFixed(1) });
}

function renderMessages(data, jump) {
  const box = $("messages");
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const keep = box.scrollTop;
  box.replaceChildren();
  if (!data.messages.length) box.append(el("div", { class: "empty", text: t("no_messages") }));
  for (const message of data.messages) box.append(renderMessage(message));
  box.scrollTop = jump || nearBottom ? box.scrollHeight : keep;
  $("chat-title").textContent = data.title;
  const chat = S.view.chat;
  const topic = data.closed ? t("kind_topic_closed") : t("kind_topic");
  $("chat-sub").textContent = chat > 0 ? t("kind_private") : (S.view.thread ? topic : t("kind_group"));
}

// -- refreshing ----------------------------------------------------------------------------

async function refresh(jump = false) {
  if (S.refreshing) { S.again = true; return S.refreshing; }
  S.refreshing = (async () => {
    try {
      if (!S.view) S.view = { chat: S.me, thread: null };
      let data;
      try {
        data = await api(messagesPath());
      } catch (error) {
        S.view = { chat: S.me, thread: null };  // that chat or topic is gone for this user
        data = await api(messagesPath());
        jump = true;
      }
      // unread counts are taken after reading, so the open chat shows none
      const listing = await api(`/api/chats?user=${S.me}`);
      showClock(listing.clock);
      renderChats(listing.chats);
      renderMessages(data, jump);
    } catch (error) {
      showError(error.message);
    }
  })();
  await S.refreshing;
  S.refreshing = null;
  if (S.again) { S.again = false; await refresh(false); }
}

function messagesPath() {
  const thread = S.view.thread === null ? "" : S.view.thread;
  return `/api/messages?user=${S.me}&chat=${S.view.chat}&thread=${thread}`;
}

async function watch() {
  for (;;) {
    try {
      const { version } = await api(`/api/updates?since=${S.version}`);
      if (version !== S.version) {
        S.version = version;
        await refresh();
      }
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 1000));  // the sandbox restarting or stopped
    }
  }
}

function showClock(clock) {
  $("clock-now").textContent = clock.now;
  $("clock-moved").textContent = t("clock_moved", clock);
}

// -- acting --------------------------------------------------------------------------------

function here() {
  return { user: S.me, chat: S.view.chat, thread: S.view.thread };
}

async function act(promise) {
  try { return await promise; } catch (error) { showError(error.message); return null; }
}

async function sendText(text, where = here()) {
  if (!text.trim()) return null;
  return await act(post("/api/send", { ...where, text }));
}

async function pressButton(message, button) {
  if (button.url) {
    const start = startCode(button.url);
    if (start) return joinWith(start);
    window.open(button.url, "_blank", "noopener");
    return;
  }
  const result = await act(post("/api/press", { user: S.me, chat: S.view.chat, message: message.id, data: button.data }));
  if (result && result.answer && result.answer.text) toast(result.answer.text, result.answer.alert);
}

function startCode(href) {
  const match = /^https:\/\/t\.me\/([A-Za-z0-9_]+)\?start=([\w-]+)$/.exec(href || "");
  return match && S.bot && match[1].toLowerCase() === S.bot.username.toLowerCase() ? match[2] : null;
}

async function joinWith(code) {
  // an invite link opens the private chat with the bot and sends /start <code>, as Telegram does
  S.view = { chat: S.me, thread: null };
  await sendText(`/start ${code}`, { user: S.me, chat: S.me, thread: null });
  refresh(true);
}

async function upload(files, as) {
  if (!files.length) return;
  const form = new FormData();
  const where = here();
  form.append("user", where.user);
  form.append("chat", where.chat);
  if (where.thread !== null) form.append("thread", where.thread);
  form.append("as", as);
  form.append("caption", $("text").value);
  for (const file of files) form.append("file", file, file.name);
  const done = await act(api("/api/upload", { method: "POST", body: form }));
  if (done) $("text").value = "";
}

async function moveTime(step) {
  const result = await act(post("/api/time", { step }));
  if (!result) return;
  showClock(result.clock);
  toast(result.sweeps ? t("time_moved_and_swept", result.clock) : result.clock.moved);
}

function wire() {
  $("who").addEventListener("change", (e) => becomeUser(Number(e.target.value)));
  $("composer").addEventListener("submit", async (e) => {
    e.preventDefault();
    // the box empties only once the message is sent: one refused (too long, no longer in the group …) stays to fix
    if (S.sending) return;  // Enter pressed again before the first send came back: one message, not two
    const text = $("text").value;
    S.sending = true;
    try {
      const sent = await sendText(text);
      if (sent && $("text").value === text) $("text").value = "";
    } finally {
      S.sending = false;
    }
  });
  $("text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); $("composer").requestSubmit(); }
  });
  $("photo-input").addEventListener("change", async (e) => { await upload([...e.target.files], "photo"); e.target.value = ""; });
  $("file-input").addEventListener("change", async (e) => { await upload([...e.target.files], "file"); e.target.value = ""; });
  $("location-button").addEventListener("click", () => { $("location-form").hidden = !$("location-form").hidden; });
  $("cancel-location").addEventListener("click", () => { $("location-form").hidden = true; });
  $("send-location").addEventListener("click", async () => {
    const done = await act(post("/api/location", { ...here(), latitude: $("lat").value, longitude: $("lon").value }));
    if (done) $("location-form").hidden = true;
  });
  for (const button of document.querySelectorAll("button.time")) {
    button.addEventListener("click", () => moveTime(button.dataset.step));
  }
  $("person-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const created = await act(post("/api/people", { name: $("person-name").value }));
    if (!created) return;
    $("person-name").value = "";
    await loadState();
    becomeUser(created.id);
  });
  $("messages").addEventListener("click", (e) => {
    const link = e.target.closest("a[href]");
    if (link && startCode(link.getAttribute("href"))) {
      e.preventDefault();
      joinWith(startCode(link.getAttribute("href")));
      return;
    }
    const command = e.target.closest(".tg-command");
    if (command) { sendText(command.dataset.command); return; }
    const spoiler = e.target.closest(".tg-spoiler");
    if (spoiler) spoiler.classList.toggle("shown");
  });
}

async function main() {
  wire();
  try {
    await loadState();
  } catch (error) {
    showError(t("no_sandbox", { error: error.message }));
    return;
  }
  S.view = { chat: S.me, thread: null };
  await refresh(true);
  watch();
}

main();
