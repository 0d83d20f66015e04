// The API as the page uses it: JSON over fetch with the party's bearer token, and the
// push stream (Server-Sent Events) read through fetch, because EventSource cannot send an
// Authorization header.

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(`${status} ${code}: ${detail}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

async function errorOf(response) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's page): the status says enough
  }
  return new ApiError(response.status, body.error ?? response.statusText, body.detail ?? "");
}

export class Api {
  constructor(token) {
    this.token = token;
  }

  headers(extra = {}) {
    return { Authorization: `Bearer ${this.token}`, ...extra };
  }

  async get(path, params = {}) {
    const query = new URLSearchParams(
      Object.entries(params).filter(([, v]) => v !== undefined && v !== null),
    ).toString();
    const response = await fetch(query ? `${path}?${query}` : path, { headers: this.headers() });
    if (!response.ok) throw await errorOf(response);
    return response.json();
  }

  /** A binary resource (an image) as an object URL the page may show. */
  async blobUrl(path) {
    const response = await fetch(path, { headers: this.headers() });
    if (!response.ok) throw await errorOf(response);
    return URL.createObjectURL(await response.blob());
  }

  async post(path, body) {
    const init = { method: "POST", headers: this.headers() };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    if (!response.ok) throw await errorOf(response);
    return response.json();
  }

  /**
   * Follow the push stream until `signal` aborts: onEvent({id, type, data}) for each
   * event, onState("open" | "retrying" | "closed", detail) as the connection changes.
   * Reconnects after a drop with Last-Event-ID, so no event is lost (the server replays
   * from the ledger). A refused token (401/403) ends it: retrying cannot help.
   */
  async stream({ onEvent, onState, signal, after = null }) {
    let lastId = after;
    let retryMs = 1000;
    while (!signal.aborted) {
      let why = "connection closed";
      try {
        const headers = this.headers({ Accept: "text/event-stream" });
        if (lastId !== null) headers["Last-Event-ID"] = String(lastId);
        const response = await fetch("/stream", { headers, signal, cache: "no-store" });
        if (response.status === 401 || response.status === 403) {
          onState("closed", (await errorOf(response)).message);
          return;
        }
        if (!response.ok) throw await errorOf(response);
        onState("open");
        for await (const event of sseEvents(response.body, signal)) {
          if (event.retry !== undefined) retryMs = event.retry;
          if (event.id !== undefined) lastId = event.id;
          if (event.data !== undefined) onEvent(event);
        }
      } catch (error) {
        why = error.message;
      }
      if (signal.aborted) break;
      onState("retrying", why); // the server went away or restarted: resume where we were
      await sleep(retryMs, signal);
    }
    onState("closed", "signed out");
  }
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}

/**
 * Parse a text/event-stream body into events {id, type, data, retry} (the WHATWG SSE
 * format: blocks separated by a blank line, "field: value" lines, ":" comments).
 */
export async function* sseEvents(body, signal) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  signal?.addEventListener("abort", () => reader.cancel().catch(() => {}), { once: true });
  let buffer = ""; // text with line ends made "\n", not yet parsed
  let cr = ""; // a chunk's final "\r", whose "\n" may start the next chunk
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      const text = cr + value;
      cr = text.endsWith("\r") ? "\r" : "";
      buffer += text.slice(0, text.length - cr.length).replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = parseBlock(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event) yield event;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function parseBlock(block) {
  const event = { type: "message" };
  const data = [];
  let any = false;
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue; // keepalive comments
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    any = true;
    if (field === "id") event.id = value;
    else if (field === "event") event.type = value;
    else if (field === "data") data.push(value);
    else if (field === "retry" && /^\d+$/.test(value)) event.retry = Number(value);
  }
  if (!any) return null;
  if (data.length) {
    try {
      event.data = JSON.parse(data.join("\n"));
    } catch {
      event.data = data.join("\n");
    }
  }
  return event;
}
