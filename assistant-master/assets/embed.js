/*
 * Veiviser on an agency's own site: one <script src=".../embed.js" defer>
 * adds a button that opens the same chat, served by this master, in a panel
 * (an iframe of the chat page). The master must list the site's origin in
 * its embed origins, or the browser refuses to show the chat in the frame.
 *
 * Optional attributes on the script tag: data-lang="nb|nn|en" (else the
 * host page's <html lang>). The labels below are filled in by the master
 * from its content when it serves this file. The host page's markup is not
 * read or changed beyond the one container this adds; no cookies, no
 * storage.
 */
(() => {
  "use strict";

  const LABELS = __LABELS__;
  const script = document.currentScript;
  if (!script || document.getElementById("veiviser-embed")) return;
  const origin = new URL(script.src, document.baseURI).origin;
  const wanted = (script.dataset.lang || document.documentElement.lang || "nb").slice(0, 2).toLowerCase();
  const lang = LABELS[wanted] ? wanted : "nb";
  const text = LABELS[lang];

  const root = document.createElement("div");
  root.id = "veiviser-embed";
  root.lang = lang;
  const shadow = root.attachShadow({ mode: "open" });
  // Styles live in the shadow root, so the host page's CSS and ours never mix.
  const style = document.createElement("style");
  style.textContent = `
    :host { all: initial; }
    .open, .close {
      font: 600 1rem/1.25 system-ui, sans-serif; cursor: pointer;
      min-height: 44px; min-width: 44px; padding: 0.6rem 1.1rem; border-radius: 999px;
    }
    .open {
      position: fixed; right: 1rem; bottom: 1rem; z-index: 2147483000;
      color: #fff; background: #0062ba; border: 2px solid #0062ba;
      box-shadow: 0 2px 8px rgb(0 0 0 / 0.25);
    }
    .open:focus-visible, .close:focus-visible { outline: 3px solid #1e2b3c; outline-offset: 3px; }
    .panel {
      position: fixed; right: 1rem; bottom: 1rem; z-index: 2147483001;
      width: min(26rem, calc(100vw - 2rem)); height: min(40rem, calc(100vh - 2rem));
      display: flex; flex-direction: column; background: #fff;
      border: 1px solid #c4ccd6; border-radius: 0.75rem; box-shadow: 0 4px 24px rgb(0 0 0 / 0.3);
      overflow: hidden;
    }
    .panel[hidden] { display: none; }
    .bar { display: flex; justify-content: flex-end; padding: 0.25rem; background: #f1f4f8; }
    .close { color: #1e2b3c; background: #fff; border: 2px solid #1e2b3c; border-radius: 0.5rem; }
    iframe { flex: 1; width: 100%; border: 0; }
  `;
  const open = document.createElement("button");
  open.type = "button";
  open.className = "open";
  open.textContent = text.open;
  open.setAttribute("aria-expanded", "false");
  open.setAttribute("aria-controls", "veiviser-panel");

  const panel = document.createElement("div");
  panel.className = "panel";
  panel.id = "veiviser-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", text.title);
  panel.hidden = true;
  const bar = document.createElement("div");
  bar.className = "bar";
  const close = document.createElement("button");
  close.type = "button";
  close.className = "close";
  close.textContent = text.close;
  bar.append(close);
  panel.append(bar);

  let frame = null;
  function show() {
    if (!frame) {
      // Loaded on first open only: a page visit that never opens the chat costs nothing.
      frame = document.createElement("iframe");
      frame.title = text.title;
      frame.src = `${origin}/?lang=${encodeURIComponent(lang)}`;
      panel.append(frame);
    }
    panel.hidden = false;
    open.hidden = true;
    open.setAttribute("aria-expanded", "true");
    close.focus();
  }
  function hide() {
    // Hidden, not removed: the conversation goes on when the panel opens again.
    panel.hidden = true;
    open.hidden = false;
    open.setAttribute("aria-expanded", "false");
    open.focus();
  }
  open.addEventListener("click", show);
  close.addEventListener("click", hide);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") hide();
  });

  shadow.append(style, open, panel);
  document.body.append(root);
})();
