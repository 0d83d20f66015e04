// Standard hotline phrases: a message's `phrase` {code, args} shown in the reader's language,
// and the compose form's picker. The catalogue is the server's (GET /phrases, from
// interlock/model/phrases.py): one home for Python and the page.
import { CHANGE_EVENT, lang, t } from "./i18n.js";
import { esc } from "./util.js";

const phrases = new Map(); // code -> {code, slots: [{name, kind}], text: {lang: template}}

/** Fetch the catalogue once, after sign-in. */
export async function loadPhrases(api) {
  const doc = await api.get("/phrases");
  phrases.clear();
  for (const p of doc.phrases) phrases.set(p.code, p);
}

/** A slot's value as shown: a time to the minute in UTC (as the CLI shows it), else as sent. */
function show(kind, value) {
  if (kind === "time") {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")}Z`;
  }
  return String(value ?? "?");
}

/** The phrase in the chosen language, each slot value passed through `wrap` (plain text
 * by default; unknown codes of a newer catalogue as sent). */
export function phraseText(phrase, wrap = (text) => text, plain = (text) => text) {
  const known = phrases.get(phrase?.code);
  const args = phrase?.args ?? {};
  if (!known) return plain(`${phrase?.code ?? "?"} ${JSON.stringify(args)}`);
  const kinds = Object.fromEntries(known.slots.map((s) => [s.name, s.kind]));
  const template = known.text[lang()] ?? known.text.en;
  return template
    .split(/\{(\w+)\}/)
    .map((part, i) => (i % 2 ? wrap(show(kinds[part], args[part]), kinds[part]) : plain(part)))
    .join("");
}

/** The phrase as a message card shows it (HTML, escaped): each value isolated (<bdi>) so an
 * id or a time keeps its order inside a right-to-left sentence. */
export function renderPhrase(phrase) {
  const text = phraseText(phrase, (v, kind) => `<bdi class="slot-${esc(kind)}">${esc(v)}</bdi>`, esc);
  return `<div class="phrase" dir="auto" title="${esc(phrase.code)}">${text}</div>`;
}

// ---- the compose form's picker ----------------------------------------------------------
const INPUT = { time: "datetime-local", text: "text", notice: "text" };

/** Fill `root` (a .phrase-picker in the compose form) with a phrase select and its slots;
 * choosing a phrase fills an empty subject with its code. */
export function phrasePicker(root, subject) {
  let auto = ""; // the subject the picker filled in (replaced on the next choice)
  const draw = (chosen = "") => {
    const options = [...phrases.values()]
      .map((p) => {
        const sample = (p.text[lang()] ?? p.text.en).replace(/\{\w+\}/g, "…");
        return `<option value="${esc(p.code)}"${p.code === chosen ? " selected" : ""}>${esc(sample)}</option>`;
      })
      .join("");
    const p = phrases.get(chosen);
    const slots = (p?.slots ?? [])
      .map(
        (s) => `<label class="slot"><span>${esc(t(`slot.${s.name}`))}${s.kind === "time" ? " (UTC)" : ""}</span>
          <input name="phrase.${esc(s.name)}" data-kind="${esc(s.kind)}" type="${INPUT[s.kind] ?? "text"}"
            required maxlength="200"${s.kind === "notice" ? ' placeholder="n-…"' : ""}></label>`,
      )
      .join("");
    root.innerHTML = `<label><span>${esc(t("phrase.label"))}</span>
      <select name="phrase"><option value="">${esc(t("phrase.none"))}</option>${options}</select></label>
      ${slots ? `<div class="slots">${slots}</div>` : ""}
      ${p ? `<p class="muted hint">${esc(t("phrase.hint"))}</p>` : ""}`;
  };
  root.addEventListener("change", (e) => {
    if (!e.target.matches("select[name=phrase]")) return;
    const code = e.target.value;
    if (subject && (!subject.value.trim() || subject.value === auto)) {
      auto = code;
      subject.value = code;
    }
    draw(code);
  });
  root.closest("form")?.addEventListener("reset", () => {
    auto = "";
    setTimeout(() => draw(), 0); // after the form's own reset
  });
  document.addEventListener(CHANGE_EVENT, () => draw(root.querySelector("select[name=phrase]")?.value ?? ""));
  draw();
}

/** The phrase chosen in `form`'s picker as {code, args}, or null (times as UTC ISO). */
export function readPhrase(form) {
  const code = form.querySelector(".phrase-picker select[name=phrase]")?.value;
  if (!code) return null;
  const args = {};
  for (const input of form.querySelectorAll(".phrase-picker [data-kind]")) {
    const value = input.value.trim();
    args[input.name.slice("phrase.".length)] =
      input.dataset.kind === "time" && value ? `${value.length === 16 ? `${value}:00` : value}Z` : value;
  }
  return { code, args };
}
