/*
 * HTTP helpers shared by the citizen's chat window (app.js) and the advisor
 * page (advisor.js): JSON requests with the API's error bodies, and reading a
 * text/event-stream response from fetch (EventSource cannot POST or send an
 * Authorization header). Loaded before either page script.
 */
(() => {
  "use strict";

  /** A refused request: the API's short message (may be empty, and is in
   * English: pages show their own text for `code`), the HTTP status and the
   * gRPC code's name ("RESOURCE_EXHAUSTED"). */
  class ApiError extends Error {
    constructor(message, status, code) {
      super(message);
      this.status = status;
      this.code = code || "";
    }
  }

  /** The ApiError for a response that is not ok, with the body's "error" text. */
  async function errorFromResponse(response) {
    let message = "";
    let code = "";
    try {
      const body = await response.json();
      if (body && typeof body.error === "string") message = body.error;
      if (body && typeof body.code === "string") code = body.code;
    } catch {
      // Not JSON: the caller shows its own generic text.
    }
    return new ApiError(message, response.status, code);
  }

  /** A JSON request; resolves to the parsed body (null for 204). */
  async function api(method, path, body, headers = {}) {
    const init = { method, headers: { Accept: "application/json", ...headers } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    if (!response.ok) throw await errorFromResponse(response);
    const text = response.status === 204 ? "" : await response.text();
    return text ? JSON.parse(text) : null;
  }

  function parseJson(text) {
    try {
      return JSON.parse(text);
    } catch {
      return null;
    }
  }

  /** The JSON of one server-sent event block ("data:" lines), or null. */
  function parseEventBlock(block) {
    const data = block
      .split(/\r?\n/)
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""))
      .join("\n");
    return data ? parseJson(data) : null;
  }

  /** Reads a text/event-stream response body and calls onEvent per event. */
  async function readEventStream(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const boundary = /\r?\n\r?\n/;
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
      let match;
      while ((match = boundary.exec(buffer))) {
        const payload = parseEventBlock(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
        if (payload) onEvent(payload);
      }
      if (done) break;
    }
    const last = parseEventBlock(buffer);
    if (last) onEvent(last);
  }

  window.VeiviserHttp = Object.freeze({ ApiError, api, errorFromResponse, parseJson, readEventStream });
})();
