// Rahnuma staff console: live queue, live conversation, cues for new requests.
// Served from /console/static (the Content-Security-Policy allows no inline script).
"use strict";

(function () {
  const body = document.body;
  const page = body.dataset.page;
  const csrf = document.querySelector('meta[name="csrf"]').content;
  let audio = null;
  let soundOn = localStorage.getItem("rahnuma-sound") === "on";

  const soundButton = document.getElementById("sound");
  function showSound() {
    if (soundButton) soundButton.textContent = soundOn ? "Sound on" : "Sound off";
  }
  if (soundButton) {
    showSound();
    soundButton.addEventListener("click", function () {
      soundOn = !soundOn;
      localStorage.setItem("rahnuma-sound", soundOn ? "on" : "off");
      if (soundOn) beep(false);
      showSound();
    });
  }

  // Two short tones for a request, three higher ones for an emergency.
  function beep(emergency) {
    if (!soundOn) return;
    try {
      audio = audio || new AudioContext();
      const count = emergency ? 3 : 2;
      for (let i = 0; i < count; i++) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.frequency.value = emergency ? 990 : 660;
        gain.gain.value = 0.2;
        osc.connect(gain).connect(audio.destination);
        const start = audio.currentTime + i * 0.25;
        osc.start(start);
        osc.stop(start + 0.15);
      }
    } catch (err) {
      // No audio device: the visible cue still shows.
    }
  }

  const cue = document.getElementById("cue");
  const baseTitle = document.title;
  function showCue(emergency, ticketId) {
    if (!cue) return;
    cue.hidden = false;
    cue.className = emergency ? "cue emergency" : "cue";
    cue.textContent = "";
    const text = emergency ? "New EMERGENCY request" : "New request";
    const link = document.createElement("a");
    link.href = "/console/tickets/" + ticketId;
    link.textContent = text + " (#" + ticketId + ")";
    cue.appendChild(link);
    document.title = "(" + (emergency ? "!" : "new") + ") " + baseTitle;
    beep(emergency);
  }
  window.addEventListener("focus", function () { document.title = baseTitle; });

  function setCounts(data) {
    for (const name of ["unassigned", "mine"]) {
      const el = document.getElementById("count-" + name);
      if (el && typeof data[name] === "number") el.textContent = data[name] ? "(" + data[name] + ")" : "";
    }
  }

  async function refreshQueue() {
    const view = body.dataset.view || "unassigned";
    const response = await fetch("/console/queue/rows?view=" + encodeURIComponent(view),
      { credentials: "same-origin" });
    if (response.status === 401) { location.href = "/console/login"; return; }
    if (response.ok) document.getElementById("queue").innerHTML = await response.text();
  }

  async function refreshMessages() {
    const ticket = body.dataset.ticket;
    const after = body.dataset.last || "0";
    const response = await fetch("/console/tickets/" + ticket + "/messages?after=" + after,
      { credentials: "same-origin" });
    if (response.status === 401) { location.href = "/console/login"; return; }
    if (!response.ok) return;
    const html = (await response.text()).trim();
    if (html) {
      document.getElementById("messages").insertAdjacentHTML("beforeend", html);
      const empty = document.getElementById("no-messages");
      if (empty) empty.remove();
    }
    body.dataset.last = response.headers.get("X-Last-Message") || after;
    const status = response.headers.get("X-Ticket-Status");
    if (status && status !== body.dataset.status) {
      const typing = document.getElementById("reply-text");
      if (!typing || !typing.value) location.reload();  // claimed or closed elsewhere
    }
  }

  let newest = null;
  let newestUrgent = null;
  function listen() {
    const events = new EventSource("/console/events");
    const live = document.getElementById("live");
    events.addEventListener("open", function () { if (live) live.hidden = false; });
    events.addEventListener("error", function () { if (live) live.hidden = true; });
    events.addEventListener("queue", function (event) {
      const data = JSON.parse(event.data);
      body.dataset.live = "yes";
      setCounts(data);
      if (newest !== null && data.newest > newest) {
        showCue(data.newest_urgent > (newestUrgent || 0), data.newest);
      } else if (newestUrgent !== null && data.newest_urgent > newestUrgent) {
        showCue(true, data.newest_urgent);  // an open request became an emergency
      }
      newest = data.newest;
      newestUrgent = data.newest_urgent;
      if (page === "queue") refreshQueue();
      if (page === "ticket") refreshMessages();
    });
    events.addEventListener("signed-out", function () {
      events.close();
      location.href = "/console/login";
    });
  }
  if (page === "queue" || page === "ticket") listen();

  // SMS segments of a reply: 160 GSM-7 characters (153 when split), 70 otherwise (67).
  const GSM7 = /^[A-Za-z0-9 \r\n@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!"#¤%&'()*+,\-./:;<=>?¡ÄÖÑÜ§¿äöñüà^{}\\[~\]|€]*$/;
  const replyText = document.getElementById("reply-text");
  const replySize = document.getElementById("reply-size");
  if (replyText && replySize) {
    replyText.addEventListener("input", function () {
      const text = replyText.value;
      const gsm = GSM7.test(text);
      const single = gsm ? 160 : 70;
      const part = gsm ? 153 : 67;
      const segments = text.length <= single ? 1 : Math.ceil(text.length / part);
      replySize.textContent = text.length + " characters, about " + segments + " SMS";
    });
  }
  void csrf;  // forms carry the token; kept here for scripts that post
})();

// Editors' text page: while typing, the SMS segments, what the check would refuse, and the
// text as SMS and Telegram would send it (built with textContent: nothing typed is HTML).
(function () {
  if (document.body.dataset.page !== "text-edit") return;
  function showSent(area, sent) {
    const box = document.querySelector('[data-sent-for="' + area.dataset.language + '"]');
    box.replaceChildren();
    sent.forEach(function (reply) {
      const bubble = document.createElement("div");
      bubble.className = "bubble " + reply.channel;
      if (area.dir === "rtl") { bubble.dir = "rtl"; bubble.lang = "ur"; }
      const label = document.createElement("span");
      label.className = "channel";
      label.dir = "ltr";
      label.textContent = reply.channel === "sms"
        ? "SMS · " + reply.segments + " × " + reply.encoding : "Telegram";
      const body = document.createElement("span");
      body.className = "body";
      body.textContent = reply.text;
      bubble.append(label, body);
      box.append(bubble);
    });
  }
  const csrf = document.querySelector('meta[name="csrf"]').content;
  document.querySelectorAll("textarea[data-language]").forEach(function (area) {
    const notes = document.querySelector('[data-notes-for="' + area.dataset.language + '"]');
    let timer = null;
    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        const form = new FormData();
        form.append("csrf", csrf);
        form.append("language", area.dataset.language);
        form.append("key", area.dataset.key);
        form.append("text", area.value);
        fetch("/console/texts-notes", { method: "POST", body: form, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (n) {
            if (!n) return;
            notes.querySelector(".segments").textContent =
              n.segments + " SMS segment" + (n.segments === 1 ? "" : "s") + " (" + n.encoding + ")";
            notes.querySelector(".problems").textContent = n.problems.join(" ");
            showSent(area, n.sent);
          });
      }, 250);
    });
  });
})();

// What the bot did not understand: while a retraining runs, poll its stage and reload the
// page when it has finished, so that the editor sees the figures without pressing anything.
(function () {
  if (document.body.dataset.page !== "understanding") return;
  if (document.body.dataset.retraining !== "running") return;
  const timer = setInterval(function () {
    fetch("/console/understanding/progress", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (p && !p.running) { clearInterval(timer); window.location.assign("/console/understanding"); }
      });
  }, 3000);
})();

// The editors' preview: what is typed goes to the real bot (with the drafts' wording) and
// the replies are drawn as bubbles of the chosen channel, with textContent only.
(function () {
  const body = document.body;
  if (body.dataset.page !== "preview") return;
  const csrf = document.querySelector("meta[name=csrf]").content;
  const chat = document.getElementById("preview-chat");
  const input = document.getElementById("preview-text");
  const rtl = body.dataset.language === "ur";
  function bubble(text, who) {
    const item = document.createElement("div");
    item.className = "bubble " + who + " " + body.dataset.channel;
    if (rtl) { item.dir = "auto"; item.lang = "ur"; }  // Nastaliq, served by the console
    item.textContent = text;
    chat.appendChild(item);
    chat.scrollTop = chat.scrollHeight;
    return item;
  }
  function fields(extra) {
    const form = new FormData();
    form.append("csrf", csrf);
    form.append("session", body.dataset.session);
    form.append("language", body.dataset.language);
    form.append("channel", body.dataset.channel);
    Object.keys(extra).forEach(function (k) { form.append(k, extra[k]); });
    return form;
  }
  function send(text) {
    bubble(text, "person");
    fetch("/console/preview/say", { method: "POST", body: fields({ text: text }), credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) {
        if (!answer) { bubble("The preview could not answer: reload the page.", "note"); return; }
        answer.replies.forEach(function (reply) {
          const item = bubble(reply.text, "bot");
          if (body.dataset.channel === "sms") {
            const meta = document.createElement("span");
            meta.className = "channel";
            meta.dir = "ltr";
            meta.textContent = reply.segments + " × " + reply.encoding;
            item.appendChild(meta);
          } else {
            reply.options.forEach(function (label) {
              const button = document.createElement("button");
              button.type = "button";
              button.className = "small option";
              button.textContent = label;
              button.addEventListener("click", function () { send(label); });
              item.appendChild(button);
            });
          }
        });
      });
  }
  document.getElementById("preview-form").addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
  document.getElementById("preview-end").addEventListener("click", function () {
    fetch("/console/preview/end", { method: "POST", body: fields({}), credentials: "same-origin" })
      .then(function () { window.location.reload(); });
  });
})();
