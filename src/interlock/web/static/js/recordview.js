// What the page's witness found, in words a duty officer reads: a status line in the
// header ("Record verified to entry 1,204 at 03:21 UTC, cosigned") and, when the server's
// record fails a check, a red warning across the page with the evidence to pass on.
import { esc } from "./util.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const TELL = "keep this page open and tell the other parties";

/** "1,204" */
export function count(n) {
  return new Intl.NumberFormat("en-GB").format(n);
}

/** "03:21 UTC" from milliseconds. */
function clock(ms) {
  return new Date(ms).toISOString().slice(11, 16) + " UTC";
}

/** "07 Dec 03:20 UTC" from Unix seconds (a checkpoint's signed time). */
export function day(seconds) {
  const d = new Date(seconds * 1000);
  return `${String(d.getUTCDate()).padStart(2, "0")} ${MONTHS[d.getUTCMonth()]} ${clock(d.getTime())}`;
}

function entries(n) {
  return n === 1 ? "1 entry" : `${count(n)} entries`;
}

/** The alarm as one sentence: what happened, against what this page had verified. */
export function alarmSentence(alarm) {
  const held = alarm.held;
  const at = held ? `entry ${count(held.size)} (${day(held.time)})` : "";
  const shown = alarm.shown;
  switch (alarm.kind) {
    case "rollback":
      return `The server's record no longer extends what this page verified at ${at}: it now shows only ${entries(shown.size)} — ${TELL}.`;
    case "fork":
      return `The server now shows a different record at ${at} from the one this page verified — ${TELL}.`;
    case "proof":
      return `The server could not prove that its record of ${entries(shown.size)} extends what this page verified at ${at} — ${TELL}.`;
    case "key":
      return `The server's record is now signed with a different key from the one this page trusted when it verified ${at} — ${TELL}.`;
    case "renamed":
      return `The server now presents another record (${shown.origin}) than the one this page verified at ${at} — ${TELL}.`;
    case "signature":
      return `The server sent a record checkpoint whose signature does not check out${held ? ` (this page verified ${at})` : ""} — ${TELL}.`;
    case "inclusion":
      return `The server could not prove that message ${alarm.messageId} is in the record this page verified at ${at}; its receipt went out without that proof — ${TELL}.`;
    default:
      return `This page's stored check of the server's record cannot be read — ${TELL}.`;
  }
}

/** Redraw the status line (`line`) and the warning (`box`) from the witness. */
export function renderRecord(witness, line, box) {
  const held = witness.held;
  let text;
  if (witness.checkedAt === null) {
    // Nothing confirmed by this page yet: what an earlier visit verified, if anything.
    if (held) text = `Record verified to entry ${count(held.size)} (checkpoint of ${day(held.time)})`;
    else text = witness.problem ? `Record not verified yet: ${witness.problem}` : "Checking the record…";
  } else {
    text = `Record verified to entry ${count(held.size)} at ${clock(witness.checkedAt)}`;
    if (witness.cosigned) text += ", cosigned";
    else if (!witness.key) text += " (no key loaded: not cosigned)";
    else if (witness.cosignProblem) text += ` (not cosigned: ${witness.cosignProblem})`;
    if (witness.problem) text += ` · not checked since: ${witness.problem}`;
  }
  if (witness.alarm) {
    text = held ? `RECORD CHECK FAILED · last good: entry ${count(held.size)}` : "RECORD CHECK FAILED";
  }
  line.textContent = text;
  line.className = witness.alarm ? "record-state alarm" : witness.cosigned ? "record-state cosigned" : "record-state";
  line.title = held
    ? `Checkpoint of ${held.origin}, size ${held.size}, root ${held.root}, signed by the server ${day(held.time)}`
    : "";
  line.hidden = false;

  const alarm = witness.alarm;
  box.hidden = !alarm;
  if (!alarm) return;
  const evidence = [
    `What happened: ${alarm.message}`,
    alarm.held ? `What this page had verified (the server's signed checkpoint):\n${alarm.held.note}` : "",
    alarm.shownNote ? `What the server showed instead:\n${alarm.shownNote}` : "",
  ].filter(Boolean);
  box.innerHTML = `<p class="alarm-text"><b>Warning:</b> ${esc(alarmSentence(alarm))}</p>
    <details><summary>Evidence to give the other parties (also kept in this browser)</summary>
    <pre>${esc(evidence.join("\n\n"))}</pre></details>`;
}
