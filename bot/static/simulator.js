// WBL Bot simulator: plain JS, no libraries. Talks to /sim/api/*.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const state = { person: null, kind: "", places: {}, timer: null, lastRender: "" };

  async function api(path, body) {
    const init = body ? { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) } : {};
    const res = await fetch(path, init);
    if (!res.ok) throw new Error("The server answered " + res.status);
    return res.json();
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function loadPeople() {
    const q = encodeURIComponent($("search").value.trim());
    const data = await api("/sim/api/people?q=" + q);
    const list = $("people-list");
    list.replaceChildren();
    data.people.filter((p) => !state.kind || p.kind === state.kind).forEach((p) => {
      const li = el("li");
      li.dataset.id = p.id;
      li.append(el("div", "", p.name), el("div", "meta", [p.role, p.where, p.language.toUpperCase()].filter(Boolean).join(" · ")));
      li.addEventListener("click", () => pick(p, li));
      list.append(li);
    });
    if (!data.people.length) list.append(el("li", "meta", "Nobody matches. Was the sample district loaded?"));
  }

  async function pick(person, li) {
    document.querySelectorAll("#people-list li.on").forEach((n) => n.classList.remove("on"));
    li.classList.add("on");
    state.person = person;
    state.lastRender = "";
    $("chat").hidden = false;
    $("who").textContent = "Chatting as " + person.name + " (" + person.role + (person.where ? ", " + person.where : "") + ")";
    state.places = await api("/sim/api/places?person_id=" + person.id);
    await refresh();
    clearInterval(state.timer);
    state.timer = setInterval(refresh, 1500);
    $("text").focus();
  }

  function renderMessage(m) {
    const li = el("li", m.dir + (m.dir === "out" && m.channel !== "sim" ? " other" : ""));
    li.append(document.createTextNode(m.text || describe(m)));
    if (m.buttons && m.buttons.length) {
      const box = el("div", "buttons");
      m.buttons.flat().forEach((b) => {
        const btn = el("button", "", b.label);
        btn.type = "button";
        btn.addEventListener("click", () => (b.payload ? send({ payload: b.payload }) : send({ text: b.sms || b.label })));
        box.append(btn);
      });
      li.append(box);
    }
    const label = m.dir === "out" ? [m.channel, m.status, m.urgent ? "" : "scheduled"].filter(Boolean).join(" · ") : m.channel;
    li.append(el("span", "status", label));
    return li;
  }

  function describe(m) {
    if (m.what && m.what.length) return "[" + m.what.join(", ") + "]";
    return "(empty message)";
  }

  async function refresh() {
    if (!state.person) return;
    const data = await api("/sim/api/messages?person_id=" + state.person.id);
    const key = JSON.stringify(data.messages.map((m) => [m.dir, m.id, m.status]));
    if (key === state.lastRender) return;
    state.lastRender = key;
    const list = $("messages");
    list.replaceChildren(...data.messages.map(renderMessage));
    list.scrollTop = list.scrollHeight;
    const lastOut = data.messages.filter((m) => m.dir === "out").pop();
    $("location").hidden = !(lastOut && lastOut.request_location);
    document.querySelector('[data-preset="site"]').disabled = !state.places.site;
    document.querySelector('[data-preset="home"]').disabled = !state.places.home;
  }

  async function send(body) {
    if (!state.person) return;
    $("error").textContent = "";
    try {
      await api("/sim/api/send", Object.assign({ person_id: state.person.id }, body));
      await refresh();
    } catch (err) {
      $("error").textContent = "Could not send: " + err.message;
    }
  }

  const PRESETS = {
    site: () => Object.assign({ accuracy: 15 }, state.places.site),
    home: () => Object.assign({ accuracy: 30 }, state.places.home),
    ocean: () => ({ lat: 0.0, lon: -160.0, accuracy: 20 }),
    invalid: () => ({ lat: 999, lon: -119.45, accuracy: 10 }),
    deny: () => ({ denied: true }),
  };

  function wire() {
    let debounce;
    $("search").addEventListener("input", () => { clearTimeout(debounce); debounce = setTimeout(loadPeople, 200); });
    document.querySelectorAll(".filters button").forEach((b) => b.addEventListener("click", () => {
      document.querySelectorAll(".filters button").forEach((x) => x.classList.remove("on"));
      b.classList.add("on");
      state.kind = b.dataset.kind;
      loadPeople();
    }));
    $("compose").addEventListener("submit", (e) => {
      e.preventDefault();
      const text = $("text").value;
      $("text").value = "";
      send({ text: text });
    });
    $("attach").addEventListener("submit", (e) => {
      e.preventDefault();
      const file = $("file").files[0];
      const link = $("link").value.trim();
      if (file) send({ file_name: file.name, text: link });
      else if (link) send({ text: "SUBMIT " + link });
      $("file").value = "";
      $("link").value = "";
    });
    document.querySelectorAll("[data-preset]").forEach((b) => b.addEventListener("click", () => send(PRESETS[b.dataset.preset]())));
  }

  wire();
  loadPeople().catch((err) => { $("error").textContent = err.message; });
})();
