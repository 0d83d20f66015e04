// The hotline panel: inbox and outbox, compose, acknowledge with a countdown to each
// deadline, escalations in red. Messages and receipts are signed in the page (sign.js);
// without a private key the panel is read-only.
import { ApiError } from "./api.js";
import { t } from "./i18n.js";
import { readPhrase, renderPhrase } from "./phrases.js";
import { signEnvelope } from "./sign.js";
import { esc, fmtDuration, html } from "./util.js";
import { fmtAt, fmtWhen } from "./words.js";

/** A message's state or priority in the reader's language (the API's word if unknown). */
const STATE = () => ({ pending: t("msgstate.pending"), delivered: t("msgstate.delivered"), acknowledged: t("msgstate.acknowledged"), overdue: t("msgstate.overdue") });
const PRIORITY = () => ({ routine: t("priority.routine"), urgent: t("priority.urgent"), flash: t("priority.flash") });
const word = (table, value) => table()[value] ?? String(value ?? "");

/** A catalogue text as HTML: the text escaped, its {name}s filled with `parts` (HTML). */
function tHtml(key, parts) {
  return esc(t(key)).replace(/\{(\w+)\}/g, (whole, name) => (name in parts ? parts[name] : whole));
}

/** "interlock (system)" for the system's own messages, else the party. */
const sender = (from) => (from === "interlock" ? t("hotline.system_party") : from);

export class Hotline {
  /** `root` is the panel element (see index.html for its parts). */
  /** `alarms`: the AlarmBoard (alarms.js); `conflictName(id)`: a conflict in words, or null. */
  constructor({ root, api, me, agreement, key, witness = null, onError, alarms = null, conflictName = () => null, noticeName = (id) => id }) {
    // noticeName: a referenced notice's callsign (its id until the notices are known)
    Object.assign(this, { root, api, me, agreement, key, witness, onError, alarms, conflictName, noticeName });
    this.inbox = [];
    this.loaded = false; // the messages fetched once
    this.escalated = new Map(); // message id -> {byParty: Map(party -> count), at, overdue_s, event}
    this.outbox = [];
    this.replies = new Map(); // message id -> reply being typed (kept across redraws)
    this.delivering = new Set(); // message ids whose delivered receipt is on its way
    this.$ = (sel) => root.querySelector(sel);
    this.setupCompose();
    this.$("#readonly-note").hidden = Boolean(key);
    root.addEventListener("click", (e) => this.onClick(e));
    root.addEventListener("input", (e) => {
      if (e.target.matches(".reply")) this.replies.set(e.target.dataset.id, e.target.value);
    });
    this.ticker = setInterval(() => this.tick(), 1000);
  }

  stop() {
    clearInterval(this.ticker);
  }

  // ---- reading ---------------------------------------------------------------------------
  async refresh() {
    const [inbox, outbox] = await Promise.all([
      this.api.get("/messages", { box: "in", limit: 200 }),
      this.api.get("/messages", { box: "out", limit: 200 }),
    ]);
    // What still needs a person first (soonest deadline on top), then the rest, newest first.
    const open = (m) => this.mine(m)?.state !== "acknowledged";
    this.inbox = [
      ...inbox.filter(open).sort((a, b) => Date.parse(a.deadline) - Date.parse(b.deadline)),
      ...inbox.filter((m) => !open(m)),
    ];
    this.outbox = outbox;
    this.loaded = true;
    this.noteEscalatedViews();
    this.alarms?.prune("message", inbox.map((m) => m.id));
    this.alarms?.prune("escalation", this.escalated.keys());
    this.render();
    this.deliverReceipts();
  }

  /** My recipient row of a message (null in the outbox). */
  mine(m) {
    return m.recipients.find((r) => r.party === this.me.id) ?? null;
  }

  render() {
    // A redraw must not take the reply box from under someone typing in it.
    const typing = document.activeElement?.matches?.(".reply") ? document.activeElement : null;
    const caret = typing ? [typing.dataset.id, typing.selectionStart] : null;
    const pending = this.inbox.filter((m) => this.mine(m)?.state !== "acknowledged").length;
    this.$("#inbox-count").textContent = pending ? t("hotline.to_ack", { n: pending }) : "";
    document.getElementById("tab-hotline").textContent = pending ? String(pending) : "";
    this.$("#inbox").replaceChildren(...this.inbox.map((m) => this.card(m, true)));
    this.$("#outbox").replaceChildren(...this.outbox.map((m) => this.card(m, false)));
    if (!this.inbox.length) this.$("#inbox").append(html(`<li class="empty">${esc(t("hotline.no_messages"))}</li>`));
    if (!this.outbox.length) this.$("#outbox").append(html(`<li class="empty">${esc(t("hotline.nothing_sent"))}</li>`));
    this.alarms?.attach(
      "message",
      this.$("#inbox"),
      this.inbox.map((m) => ({ id: m.id, ring: m.priority === "flash", acknowledged: this.mine(m)?.state === "acknowledged", label: m.subject })),
    );
    this.renderEscalations();
    this.labelPriorities();
    if (caret) {
      const box = this.root.querySelector(`.reply[data-id="${CSS.escape(caret[0])}"]`);
      box?.focus();
      box?.setSelectionRange(caret[1], caret[1]);
    }
    this.tick();
  }

  card(m, incoming) {
    const row = incoming ? this.mine(m) : null;
    const state = incoming ? (row?.state ?? m.state) : m.state;
    const escalations = m.recipients.reduce((n, r) => n + r.escalations, 0);
    const done = state === "acknowledged";
    const recipients = m.recipients
      .map((r) => {
        const when = r.acknowledged_at
          ? esc(t("hotline.acknowledged_at", { time: fmtAt(r.acknowledged_at) }))
          : r.delivered_at
            ? esc(t("hotline.delivered_at", { time: fmtAt(r.delivered_at) }))
            : esc(t("hotline.not_delivered"));
        const reply = r.reply ? ` — “${esc(r.reply)}”` : "";
        const esc_ = r.escalations ? ` <b class="danger">${esc(t("hotline.escalated", { n: r.escalations }))}</b>` : "";
        return `<li class="state-${esc(r.state)}">${esc(r.party)}: ${when}${reply}${esc_}</li>`;
      })
      .join("");
    const ack =
      incoming && row && !done
        ? this.key
          ? `<div class="ack-row"><input class="reply" data-id="${esc(m.id)}" maxlength="2000"
               placeholder="${esc(t("hotline.reply"))}" value="${esc(this.replies.get(m.id) ?? "")}">
             <button class="ack" data-id="${esc(m.id)}">${esc(t("hotline.ack"))}</button></div>`
          : `<p class="muted">${esc(t("hotline.need_key"))}</p>`
        : "";
    const refs = (m.refs ?? [])
      .map((r) =>
        r.kind === "notice"
          ? `<a href="#" class="ref" data-notice="${esc(r.id)}">${esc(this.noticeName(r.id))}</a>`
          : `${esc(r.kind)} ${esc(r.id)}`,
      )
      .join(", ");
    const from = sender(m.from);
    return html(`<li class="msg prio-${esc(m.priority)} state-${esc(state)}${escalations ? " escalated" : ""}"
        data-id="${esc(m.id)}">
      <div class="msg-head"><span class="prio">${esc(word(PRIORITY, m.priority))}</span>
        <span>${esc(from)} → ${esc(m.to.join(", "))}</span>
        <span class="state">${esc(word(STATE, state))}</span></div>
      <div class="subject">${esc(m.subject)}</div>
      ${m.phrase ? renderPhrase(m.phrase) : ""}
      ${m.body ? `<div class="text">${esc(m.body)}</div>` : ""}
      <div class="meta">${esc(t("hotline.sent_at", { time: fmtWhen(m.sent_at) }))} · ${esc(m.signed ? t("hotline.signed") : t("hotline.unsigned"))}
        ${done ? "" : `· <span class="countdown" data-deadline="${esc(m.deadline)}"></span>`}
        ${escalations ? `· <b class="danger">${esc(t("hotline.escalated", { n: escalations }))}</b>` : ""}
        ${refs ? `<br>${esc(t("hotline.refs"))} ${refs}` : ""}</div>
      <ul class="recipients">${recipients}</ul>
      ${ack}
    </li>`);
  }

  /** Countdowns to each open deadline, once a second; overdue ones turn red. */
  tick() {
    const now = Date.now();
    for (const el of this.root.querySelectorAll("[data-deadline]")) {
      const left = Date.parse(el.dataset.deadline) - now;
      el.textContent = t(left >= 0 ? "hotline.deadline_in" : "hotline.overdue_by", { d: fmtDuration(left) });
      el.classList.toggle("danger", left < 0);
    }
  }

  /** An escalation event from the push stream: its message's line counts it. */
  noteEscalation(event) {
    const e = event.event ?? {};
    if (e.redacted || !e.message) return;
    const row = this.view(e.message)?.recipients.find((r) => r.party === e.party);
    if (row?.state === "acknowledged") return; // an old event (a replay): settled since
    const g = this.group(e.message);
    g.byParty.set(e.party, Math.max(g.byParty.get(e.party) ?? 0, Number(e.count) || 1));
    g.at = event.received_at;
    g.overdue_s = e.overdue_s;
    g.event = e;
    this.renderEscalations();

  }

  group(id) {
    if (!this.escalated.has(id)) this.escalated.set(id, { byParty: new Map(), at: null, overdue_s: null, event: null });
    return this.escalated.get(id);
  }

  /** The escalations the message views carry (all of them, also from before this page
   * loaded); a message every escalated party has acknowledged is off the list. */
  noteEscalatedViews() {
    for (const m of [...this.inbox, ...this.outbox]) {
      const rows = m.recipients.filter((r) => r.escalations);
      if (!rows.length) continue;
      if (rows.every((r) => r.state === "acknowledged")) {
        this.escalated.delete(m.id);
        continue;
      }
      const g = this.group(m.id);
      for (const r of rows) g.byParty.set(r.party, Math.max(g.byParty.get(r.party) ?? 0, r.escalations));
    }
  }

  view(id) {
    return this.inbox.find((m) => m.id === id) ?? this.outbox.find((m) => m.id === id) ?? null;
  }

  /** One line per escalated message: what it is about, who has not acknowledged it,
   * how many times it escalated, and how late it is now. */
  renderEscalations() {
    if (!this.loaded) return; // (events before the messages: drawn once checked against them)
    const list = this.$("#escalations");
    const lines = [...this.escalated]
      .map(([id, g]) => ({ id, g, m: this.view(id) }))
      .sort((a, b) => String(b.g.at ?? "").localeCompare(String(a.g.at ?? "")));
    list.replaceChildren(
      ...lines.map(({ id, g, m }) => {
        const e = g.event ?? {};
        const count = [...g.byParty.values()].reduce((n, c) => n + c, 0);
        const late = m ? [...g.byParty.keys()].filter((p) => m.recipients.find((r) => r.party === p)?.state !== "acknowledged") : [...g.byParty.keys()];
        const conflict = (m?.refs ?? []).find((r) => r.kind === "conflict");
        const about = conflict
          ? ` — <span class="about">${esc(this.conflictName(conflict.id) ?? t("hotline.conflict_n", { id: conflict.id }))}</span>`
          : "";
        const subject = esc(m ? m.subject : t("hotline.message_n", { id }));
        const priority = m?.priority ?? e.priority ?? "";
        const from = sender(m?.from ?? e.from ?? "?");
        const deadline = m?.deadline ?? e.deadline;
        const last = g.at ? ` · ${esc(t("hotline.last", { time: fmtAt(g.at) }))}` : "";
        return html(`<li class="danger escalation prio-${esc(priority)}" data-escalation="${esc(id)}">
          <span class="esc-count" title="${esc(t("hotline.esc_title"))}">×${count}</span>
          <a href="#" data-message="${esc(id)}"><b class="prio">${esc(word(PRIORITY, priority))}</b> ${subject}</a>${about}
          <br><small>${tHtml("hotline.esc_from", { from: esc(from), parties: `<b>${esc(late.join(", ") || "—")}</b>` })}
          ${deadline ? `· <span class="countdown" data-deadline="${esc(deadline)}"></span>` : ""}${last}</small>
          <span class="alarm-slot"></span></li>`);
      }),
    );
    this.$("#escalations-box").hidden = lines.length === 0;
    this.alarms?.attach(
      "escalation",
      list,
      lines.map(({ id, g, m }) => ({
        id,
        ring: (m?.priority ?? g.event?.priority) === "flash",
        ack: false, // settled by the message's acknowledgement, not on this console
        label: m ? m.subject : t("hotline.message_n", { id }),
      })),
    );
    this.tick();
  }

  // ---- writing ---------------------------------------------------------------------------
  /** Report every newly received message delivered (as the Python client does). */
  async deliverReceipts() {
    if (!this.key) return;
    for (const m of this.inbox) {
      const row = this.mine(m);
      if (!row || row.delivered_at || this.delivering.has(m.id)) continue;
      this.delivering.add(m.id);
      try {
        await this.receipt(m, "delivered");
      } catch (error) {
        // 409: already on record (another tab, a reconnect); anything else: the sender
        // keeps seeing it undelivered, which is the truth.
        if (!(error instanceof ApiError && error.status === 409)) this.onError(error);
      }
    }
  }

  /** A signed receipt for message `m`, carrying the record checkpoint the page verified
   * to hold it; without one (the record could not be checked) it still goes out: a
   * person's acknowledgement must not wait on the server's log, and the witness has
   * raised its warning. */
  async receipt(m, status, reply) {
    const body = { message: m.id, status };
    if (reply) body.reply = reply;
    if (this.witness) {
      try {
        body.checkpoint = await this.witness.bindTo(m);
      } catch (error) {
        console.warn(`receipt for ${m.id} not bound to the record: ${error.message}`);
      }
    }
    const env = await signEnvelope(this.key, "receipt", this.me.id, body);
    return this.api.post(`/messages/${encodeURIComponent(m.id)}/receipts`, env);
  }

  async onClick(e) {
    const link = e.target.closest("a[data-message]");
    if (link) {
      e.preventDefault();
      const card = this.root.querySelector(`.msg[data-id="${CSS.escape(link.dataset.message)}"]`);
      card?.scrollIntoView({ behavior: "smooth", block: "center" });
      card?.classList.add("flash");
      setTimeout(() => card?.classList.remove("flash"), 1500);
      return;
    }
    const button = e.target.closest("button.ack");
    if (!button) return;
    const id = button.dataset.id;
    button.disabled = true;
    button.textContent = t("hotline.acking");
    try {
      const m = this.inbox.find((x) => x.id === id) ?? { id };
      const result = await this.receipt(m, "acknowledged", this.replies.get(id)?.trim());
      this.replies.delete(id);
      // Show the server's answer at once; the stream's receipt event refreshes the rest.
      this.inbox = this.inbox.map((m) => (m.id === id ? result.message : m));
      this.render();
    } catch (error) {
      button.disabled = false;
      button.textContent = t("hotline.ack");
      this.onError(error);
    }
  }

  /** The priority options in the reader's language, with the agreement's ack deadline. */
  labelPriorities() {
    const deadlines = this.agreement.hotline?.ack_deadline_s ?? {};
    for (const option of this.$("#compose").querySelectorAll("select[name=priority] option")) {
      const s = deadlines[option.value];
      const name = word(PRIORITY, option.value);
      option.textContent = s === undefined ? name : t("hotline.ack_within", { priority: name, d: fmtDuration(s * 1000) });
    }
  }

  setupCompose() {
    const form = this.$("#compose");
    const others = this.agreement.parties.filter((p) => p.id !== this.me.id);
    form.querySelector(".to").innerHTML = others
      .map((p) => `<label><input type="checkbox" name="to" value="${esc(p.id)}"> ${esc(p.id)}</label>`)
      .join(" ");
    this.labelPriorities();
    form.querySelector("fieldset").disabled = !this.key;
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const body = {
        to: data.getAll("to"),
        priority: data.get("priority"),
        subject: data.get("subject").trim(),
        body: data.get("body"),
        refs: [],
      };
      const phrase = readPhrase(form); // a standard phrase from the picker (phrases.js)
      if (phrase) body.phrase = phrase;
      const status = form.querySelector(".status");
      if (!body.to.length) {
        status.textContent = t("hotline.choose_to");
        return;
      }
      try {
        const env = await signEnvelope(this.key, "message", this.me.id, body);
        const sent = await this.api.post("/messages", env);
        status.textContent = t("hotline.sent", { id: sent.id, time: fmtAt(sent.deadline) });
        form.reset();
        await this.refresh();
      } catch (error) {
        status.textContent = t("hotline.not_sent", { detail: error.detail || error.message });
      }
    });
  }
}
