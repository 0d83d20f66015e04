// What the page's witness found, in words a duty officer reads: a status line in the
// header ("Record verified to entry 1,204 at 03:21 UTC, cosigned") and, when the server's
// record fails a check, a red warning across the page with the evidence to pass on.
import { lang, t } from "./i18n.js";
import { esc } from "./util.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "1,204" (grouped as the reader's language groups digits). */
export function count(n) {
  return new Intl.NumberFormat(lang() === "en" ? "en-GB" : lang()).format(n);
}

/** "03:21 UTC" from milliseconds. */
function clock(ms) {
  return new Date(ms).toISOString().slice(11, 16) + " UTC";
}

/** "07 Dec 03:20 UTC" from Unix seconds (a checkpoint's signed time), the month in the
 * reader's language. */
export function day(seconds) {
  const d = new Date(seconds * 1000);
  const date =
    lang() === "en" // (fixed: ICU's en-GB says "Sept")
      ? `${String(d.getUTCDate()).padStart(2, "0")} ${MONTHS[d.getUTCMonth()]}`
      : new Intl.DateTimeFormat(lang(), { day: "2-digit", month: "short", timeZone: "UTC" }).format(d);
  return `${date} ${clock(d.getTime())}`;
}

function entries(n) {
  return n === 1 ? t("record.entry_one") : t("record.entries", { n: count(n) });
}

/** The alarm as one sentence: what happened, against what this page had verified. */
export function alarmSentence(alarm) {
  const held = alarm.held;
  const at = held ? t("record.entry_at", { n: count(held.size), day: day(held.time) }) : "";
  const shown = alarm.shown;
  const tell = t("record.tell");
  switch (alarm.kind) {
    case "rollback":
      return t("record.rollback", { at, entries: entries(shown.size), tell });
    case "fork":
      return t("record.fork", { at, tell });
    case "proof":
      return t("record.proof", { at, entries: entries(shown.size), tell });
    case "key":
      return t("record.key", { at, tell });
    case "renamed":
      return t("record.renamed", { at, origin: shown.origin, tell });
    case "signature":
      return t("record.signature", { verified: held ? ` (${t("record.this_verified", { at })})` : "", tell });
    case "inclusion":
      return t("record.inclusion", { id: alarm.messageId, at, tell });
    default:
      return t("record.unreadable", { tell });
  }
}

/** Redraw the status line (`line`) and the warning (`box`) from the witness. */
export function renderRecord(witness, line, box) {
  const held = witness.held;
  let text;
  if (witness.checkedAt === null) {
    // Nothing confirmed by this page yet: what an earlier visit verified, if anything.
    if (held) text = t("record.held", { n: count(held.size), day: day(held.time) });
    else text = witness.problem ? t("record.not_yet", { problem: witness.problem }) : t("record.checking");
  } else {
    text = t("record.verified", { n: count(held.size), time: clock(witness.checkedAt) });
    if (witness.cosigned) text += `, ${t("record.cosigned")}`;
    else if (!witness.key) text += ` (${t("record.no_key")})`;
    else if (witness.cosignProblem) text += ` (${t("record.not_cosigned", { problem: witness.cosignProblem })})`;
    if (witness.problem) text += ` · ${t("record.not_checked_since", { problem: witness.problem })}`;
  }
  if (witness.alarm) {
    text = held ? `${t("record.failed")} · ${t("record.last_good", { n: count(held.size) })}` : t("record.failed");
  }
  line.textContent = text;
  line.className = witness.alarm ? "record-state alarm" : witness.cosigned ? "record-state cosigned" : "record-state";
  line.title = held
    ? t("record.checkpoint_title", { origin: held.origin, size: held.size, root: held.root, day: day(held.time) })
    : "";
  line.hidden = false;

  const alarm = witness.alarm;
  box.hidden = !alarm;
  if (!alarm) return;
  const evidence = [
    t("record.what_happened", { message: alarm.message }),
    alarm.held ? `${t("record.what_verified")}\n${alarm.held.note}` : "",
    alarm.shownNote ? `${t("record.shown_instead")}\n${alarm.shownNote}` : "",
  ].filter(Boolean);
  box.innerHTML = `<p class="alarm-text"><b>${esc(t("record.warning"))}</b> ${esc(alarmSentence(alarm))}</p>
    <details><summary>${esc(t("record.evidence"))}</summary>
    <pre>${esc(evidence.join("\n\n"))}</pre></details>`;
}
