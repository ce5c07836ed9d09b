/*
 * Veiviser chat window: the citizen's side of the conversation.
 *
 * Talks to the master's HTTP API (JSON, plus server-sent events for answers
 * and handovers), takes every UI text and limit from the master's /api/config, and
 * builds all markup with createElement/textContent: text from the server or
 * the citizen is never parsed as HTML. Loaded with <script defer>, so the
 * document is parsed when this runs.
 */
(() => {
  "use strict";

  // ---------------------------------------------------------------------
  // Texts
  // ---------------------------------------------------------------------

  // Every UI text comes from the master's content (its `[page]` table), by
  // language, in /api/config.
  const STRINGS = {};

  // Enum values arrive as numbers; the names are accepted too, just in case.
  // The master's facts, from /api/config: the proto's enum numbers by name,
  // the message limit and the intent of a message forwarded to an advisor.
  const server = { routes: {}, handoverStates: {}, maxMessageChars: 0, forwardedIntent: "" };
  const ROUTE = {};
  const HANDOVER = {};

  const state = {
    lang: "nb",
    loginEnabled: false,
    agencyRequests: {}, // language -> Promise of the agency list
    agencyNames: {}, // agency id -> display name in the session language
    session: null,
    handover: null, // { id, state } while queued or with an advisor
    handoverStream: null,
    advisorReplies: new Set(), // keys of replies already shown
    starting: false,
    ended: false,
    // The language the citizen picked during the chat; until then the master
    // answers in the language each message is written in.
    chosenLanguage: "",
    operator: "",
  };

  const byId = (id) => document.getElementById(id);
  const ui = {
    startScreen: byId("start-screen"),
    lang: byId("lang"),
    ack: byId("ack"),
    login: byId("login"),
    person: byId("person"),
    consents: byId("consents"),
    consentList: byId("consent-list"),
    startError: byId("start-error"),
    configError: byId("config-error"),
    startButton: byId("start"),
    chat: byId("chat"),
    actions: byId("chat-actions"),
    human: byId("human"),
    download: byId("download"),
    end: byId("end"),
    endDialog: byId("end-dialog"),
    endDownload: byId("end-download"),
    endCancel: byId("end-cancel"),
    endConfirm: byId("end-confirm"),
    messages: byId("messages"),
    messageList: byId("message-list"),
    handoverBar: byId("handover-bar"),
    handoverStatus: byId("handover-status"),
    leaveHandover: byId("leave-handover"),
    chatError: byId("chat-error"),
    composer: byId("composer"),
    message: byId("message"),
    closed: byId("closed"),
    closedRetention: byId("closed-retention"),
    closedDownload: byId("closed-download"),
    restart: byId("restart"),
    privacyLink: byId("privacy-link"),
    accessibilityLink: byId("accessibility-link"),
    operator: byId("operator"),
  };

  function hasText(key) {
    return key in (STRINGS[state.lang] || {}) || key in (STRINGS.nb || {});
  }

  /** The UI text for key in the current language, with {name} filled in. */
  function t(key, values) {
    const table = STRINGS[state.lang] || STRINGS.nb || {};
    const text = table[key] ?? (STRINGS.nb || {})[key] ?? key;
    if (!values) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  /** A translated vocabulary word (attribute or masked kind); unknown ids as is. */
  function vocabulary(prefix, id) {
    return hasText(prefix + id) ? t(prefix + id) : id;
  }

  /** "A", "A og B", "A, B og C". */
  function formatList(items) {
    if (items.length < 2) return items.join("");
    return `${items.slice(0, -1).join(", ")} ${t("and")} ${items[items.length - 1]}`;
  }

  function setLanguage(lang) {
    state.lang = STRINGS[lang] ? lang : "nb";
    ui.lang.value = state.lang;
    document.documentElement.lang = state.lang;
    // Until the texts have come, the page keeps the bokmål written into it.
    if (!STRINGS[state.lang]) return;
    for (const node of document.querySelectorAll("[data-i18n]")) {
      node.textContent = t(node.dataset.i18n, { max: server.maxMessageChars.toLocaleString(state.lang === "en" ? "en" : "nb") });
    }
    for (const node of document.querySelectorAll("[data-i18n-label]")) {
      node.setAttribute("aria-label", t(node.dataset.i18nLabel));
    }
    ui.privacyLink.href = `/personvern?lang=${encodeURIComponent(state.lang)}`;
    ui.accessibilityLink.href = `/tilgjengelighet?lang=${encodeURIComponent(state.lang)}`;
    if (state.operator) ui.operator.textContent = t("footerOperator", { operator: state.operator });
    updateTitle();
  }

  /** The window's title says where the citizen is: start, chat, queue, advisor, ended. */
  function updateTitle() {
    let key = "titleStart";
    if (state.ended) key = "titleEnded";
    else if (state.handover && state.handover.state === HANDOVER.WITH_ADVISOR) key = "titleAdvisor";
    else if (state.handover) key = "titleWaiting";
    else if (state.session) key = "titleChat";
    if (hasText(key)) document.title = t(key);
  }

  // ---------------------------------------------------------------------
  // DOM helpers (text only, never HTML)
  // ---------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function makeButton(className, text, onClick) {
    const button = el("button", className, text);
    button.type = "button";
    button.addEventListener("click", onClick);
    return button;
  }

  function isWebUrl(value) {
    try {
      const url = new URL(value);
      return url.protocol === "https:" || url.protocol === "http:";
    } catch {
      return false;
    }
  }

  /** A link that opens in a new tab (so the chat stays), and says so. */
  function makeLink(href, text, context) {
    const link = el("a", null, text);
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    if (context) link.append(el("span", "visually-hidden", `: ${context}`));
    link.append(el("span", "visually-hidden", ` ${t("newTab")}`));
    return link;
  }

  const URL_PATTERN = /https?:\/\/[^\s<>"]+/g;
  const TRAILING_PUNCTUATION = ".,;:!?'\"»”";

  function countOf(text, character) {
    return text.split(character).length - 1;
  }

  /** A URL found in text, without the sentence's punctuation after it. */
  function trimUrl(url) {
    let end = url.length;
    for (;;) {
      const head = url.slice(0, end);
      const last = head.slice(-1);
      const strayParenthesis = last === ")" && countOf(head, "(") < countOf(head, ")");
      if (!last || (!TRAILING_PUNCTUATION.includes(last) && !strayParenthesis)) return head;
      end -= 1;
    }
  }

  /** Appends text to parent, turning http(s) URLs into links. */
  function appendLinkedText(parent, text) {
    let position = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      const url = trimUrl(match[0]);
      if (!isWebUrl(url)) continue;
      parent.append(text.slice(position, match.index), makeLink(url, url));
      position = match.index + url.length;
    }
    parent.append(text.slice(position));
  }

  const BULLET = /^\s*[-•*]\s+/;

  /** Paragraphs on blank lines, line breaks on single newlines, and a block
   * whose lines all start with "- " (or "• ") as a list. */
  function appendParagraphs(parent, text) {
    const blocks = String(text ?? "").replace(/\r\n?/g, "\n").split(/\n\s*\n/);
    for (const block of blocks) {
      if (!block.trim()) continue;
      const lines = block.trim().split("\n");
      if (lines.length > 1 && lines.every((line) => BULLET.test(line))) {
        const list = el("ul", "text-list");
        for (const line of lines) {
          const item = el("li");
          appendLinkedText(item, line.replace(BULLET, ""));
          list.append(item);
        }
        parent.append(list);
        continue;
      }
      const paragraph = el("p");
      block.trim().split("\n").forEach((line, index) => {
        if (index > 0) paragraph.append(el("br"));
        appendLinkedText(paragraph, line);
      });
      parent.append(paragraph);
    }
  }

  function firstParagraph(text) {
    const blocks = String(text ?? "").replace(/\r\n?/g, "\n").split("\n\n");
    return blocks.find((block) => block.trim()) || "";
  }

  /** An id not yet in the document: base, base-2, base-3 … */
  function uniqueId(base) {
    let id = base;
    for (let n = 2; document.getElementById(id); n += 1) id = `${base}-${n}`;
    return id;
  }

  function showText(target, text) {
    target.textContent = text;
  }

  function clearText(target) {
    target.textContent = "";
  }

  // ---------------------------------------------------------------------
  // HTTP
  // ---------------------------------------------------------------------

  const { ApiError, api, errorFromResponse, parseJson, readEventStream } = window.VeiviserHttp;

  /** The text to show for a failed request, in the page's language: the
   * API's own messages are English, so the page words each kind of refusal. */
  function errorText(error) {
    if (error instanceof ApiError && hasText(`error.${error.code}`)) return t(`error.${error.code}`);
    if (error instanceof TypeError) return t("networkError");
    return t("genericError");
  }

  function sessionUrl(suffix) {
    return `/api/sessions/${encodeURIComponent(state.session.session_id)}${suffix}`;
  }

  /** A proto enum value as its number, whether it came as a number or a name. */
  function enumNumber(value, numbers) {
    if (typeof value === "number") return value;
    return numbers[value] ?? 0;
  }

  /** Takes the master's facts from its config. */
  function learnServer(config) {
    server.routes = config.routes || {};
    server.handoverStates = config.handover_states || {};
    server.maxMessageChars = config.max_message_chars || 0;
    server.forwardedIntent = config.forwarded_intent || "";
    state.operator = config.operator || "";
    Object.assign(STRINGS, config.texts || {});
    for (const [name, number] of Object.entries(server.routes)) ROUTE[name.replace(/^ROUTE_/, "")] = number;
    for (const [name, number] of Object.entries(server.handoverStates)) {
      HANDOVER[name.replace(/^HANDOVER_STATE_/, "")] = number;
    }
    if (server.maxMessageChars) ui.message.maxLength = server.maxMessageChars;
  }

  // ---------------------------------------------------------------------
  // Agencies
  // ---------------------------------------------------------------------

  /** The agency list in a language, fetched once per language. */
  function loadAgencies(lang) {
    if (!state.agencyRequests[lang]) {
      state.agencyRequests[lang] = api("GET", `/api/agencies?language=${encodeURIComponent(lang)}`)
        .then((body) => (body && Array.isArray(body.agencies) ? body.agencies : []))
        .catch((error) => {
          delete state.agencyRequests[lang];
          throw error;
        });
    }
    return state.agencyRequests[lang];
  }

  function rememberAgency(id, name) {
    if (id && name) state.agencyNames[id] = name;
  }

  function agencyName(id) {
    return state.agencyNames[id] || id;
  }

  // ---------------------------------------------------------------------
  // Start screen
  // ---------------------------------------------------------------------

  async function loadConfig() {
    let config = null;
    try {
      config = await api("GET", "/api/config");
    } catch {
      config = null;
    }
    if (!config || !config.texts) {
      // Without the master's texts and limits there is no chat to start.
      ui.configError.hidden = false;
      ui.startButton.disabled = true;
      return;
    }
    learnServer(config);
    // A link may ask for a language (?lang=nn), as the statements' links back do.
    const requested = new URLSearchParams(window.location.search).get("lang");
    setLanguage(STRINGS[requested] ? requested : ui.lang.value || state.lang); // the texts, and the hint naming the message limit
    if (Array.isArray(config.languages)) offerOnlyLanguages(config.languages);
    state.loginEnabled = Boolean(config.login);
    if (state.loginEnabled) await loadPeople();
    ui.login.hidden = !state.loginEnabled;
    if (state.loginEnabled) await refreshConsents();
  }

  function offerOnlyLanguages(languages) {
    if (!languages.length) return;
    for (const option of [...ui.lang.options]) {
      if (!languages.includes(option.value) && option.value !== ui.lang.value) option.remove();
    }
  }

  async function loadPeople() {
    try {
      const body = await api("GET", "/api/people");
      for (const person of (body && body.people) || []) ui.person.append(personOption(person));
    } catch {
      state.loginEnabled = false; // nobody to log in as
    }
  }

  function personOption(person) {
    const label = person.situation ? `${person.display_name} — ${person.situation}` : person.display_name;
    const option = el("option", null, label);
    option.value = person.person_id;
    return option;
  }

  /** Rebuilds the consent checkboxes in the current language. */
  async function refreshConsents() {
    if (!state.loginEnabled) return;
    const lang = state.lang;
    let agencies = [];
    try {
      agencies = await loadAgencies(lang);
    } catch {
      // No agency list: no consents to offer.
    }
    if (lang !== state.lang) return; // the language changed meanwhile
    const checked = new Set(selectedConsents());
    const declaring = agencies.filter((agency) => (agency.profile_attributes || []).length > 0);
    ui.consentList.replaceChildren(...declaring.map((agency) => consentRow(agency, checked.has(agency.agency_id))));
    updateConsentsVisibility();
  }

  function consentRow(agency, checked) {
    const row = el("div", "check");
    const box = el("input");
    box.type = "checkbox";
    box.id = `consent-${agency.agency_id}`;
    box.dataset.agencyId = agency.agency_id;
    box.checked = checked;
    const attributes = agency.profile_attributes.map((id) => vocabulary("attribute.", id));
    const label = el("label", null, t("consentLabel", {
      agency: agency.name || agency.agency_id,
      attributes: formatList(attributes),
    }));
    label.htmlFor = box.id;
    row.append(box, label);
    return row;
  }

  function consentBoxes() {
    return [...ui.consentList.querySelectorAll('input[type="checkbox"]')];
  }

  function selectedConsents() {
    return consentBoxes().filter((box) => box.checked).map((box) => box.dataset.agencyId);
  }

  function updateConsentsVisibility() {
    ui.consents.hidden = !(state.loginEnabled && ui.person.value && consentBoxes().length > 0);
  }

  function onLanguageChange() {
    setLanguage(ui.lang.value);
    // Chosen during the chat: the answers follow the choice from now on.
    if (state.session && !state.ended) state.chosenLanguage = state.lang;
    refreshConsents();
  }

  function onAckChange() {
    if (ui.ack.checked) {
      ui.ack.removeAttribute("aria-invalid");
      clearText(ui.startError);
    }
  }

  async function onStartClick() {
    if (state.starting) return;
    clearText(ui.startError);
    if (!ui.ack.checked) {
      ui.ack.setAttribute("aria-invalid", "true");
      showText(ui.startError, t("ackRequired"));
      ui.ack.focus();
      return;
    }
    state.starting = true;
    try {
      const personId = state.loginEnabled ? ui.person.value : "";
      const citizenToken = personId ? await logInAndRecordConsents(personId) : "";
      const session = await api("POST", "/api/sessions", {
        acknowledged_no_personal_data: true,
        language: state.lang,
        citizen_token: citizenToken,
      });
      openChat(session);
    } catch (error) {
      showText(ui.startError, errorText(error));
    } finally {
      state.starting = false;
    }
  }

  /** Logs in as the test person and records a yes or no per agency. */
  async function logInAndRecordConsents(personId) {
    const login = await api("POST", "/api/login", { person_id: personId });
    const token = login.citizen_token;
    await Promise.all(consentBoxes().map((box) => api(
      "PUT",
      `/api/consents/${encodeURIComponent(box.dataset.agencyId)}`,
      { citizen_token: token, granted: box.checked },
    )));
    return token;
  }

  // ---------------------------------------------------------------------
  // Chat: messages
  // ---------------------------------------------------------------------

  function openChat(session) {
    state.session = session;
    setLanguage(session.language || state.lang);
    loadAgencies(state.lang)
      .then((agencies) => agencies.forEach((agency) => {
        if (!state.agencyNames[agency.agency_id]) rememberAgency(agency.agency_id, agency.name);
      }))
      .catch(() => {}); // names then come from the answers themselves
    ui.download.href = sessionUrl("/transcript?format=text");
    ui.startScreen.hidden = true;
    ui.chat.hidden = false;
    updateTitle();
    addMessage("assistant", t("speakerAssistant"), session.welcome);
    ui.message.focus();
  }

  /** A message item: the speaker's name, then the body. */
  function createMessage(kind, speaker) {
    const item = el("li", `msg msg-${kind}`);
    const body = el("div", "msg-body");
    item.append(el("span", "msg-speaker", speaker), body);
    return { item, body };
  }

  function addMessage(kind, speaker, text) {
    const { item, body } = createMessage(kind, speaker);
    appendParagraphs(body, text);
    ui.messageList.append(item);
    showNewest(item);
    return item;
  }

  function addSystemMessage(text, before) {
    if (!text) return;
    const { item, body } = createMessage("system", t("speakerSystem"));
    appendParagraphs(body, text);
    const last = !(before && before.isConnected);
    ui.messageList.insertBefore(item, last ? null : before);
    if (last) showNewest(item);
  }

  /** Brings a new message into the conversation's view: whole if it fits, else its start. */
  function showNewest(item) {
    item.scrollIntoView({ block: item.offsetHeight <= ui.messages.clientHeight ? "nearest" : "start" });
  }

  /** Scrolls so that the start of item is visible if it is above or below
   * the view (of the conversation, which scrolls on its own, or of the window). */
  function revealStart(item) {
    const view = ui.messages.getBoundingClientRect();
    const top = Math.max(0, view.top);
    const bottom = Math.min(window.innerHeight, view.bottom);
    const start = item.getBoundingClientRect().top;
    if (start < top || start > bottom - 24) item.scrollIntoView({ block: "start" });
  }

  function onComposerSubmit(event) {
    event.preventDefault();
    submitComposer();
  }

  function onMessageKeydown(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitComposer();
    }
  }

  function submitComposer() {
    const text = ui.message.value.trim();
    if (!text) return;
    ui.message.value = "";
    sendMessage(text);
  }

  /** Shows the citizen's message, posts it and streams the answer in. */
  async function sendMessage(text) {
    if (!state.session || state.ended) return;
    clearText(ui.chatError);
    const own = addMessage("citizen", t("speakerCitizen"), text);
    ui.messages.scrollTop = ui.messages.scrollHeight;
    ui.composer.scrollIntoView({ block: "nearest" });
    // While an advisor has the conversation, the master only forwards it.
    const reply = new Reply(!advisorHasConversation(), own);
    let response;
    try {
      response = await fetch(sessionUrl("/messages"), {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ text, language: state.chosenLanguage }),
      });
      if (!response.ok) throw await errorFromResponse(response);
    } catch (error) {
      reply.remove();
      own.append(el("p", "msg-note", t("notSent")));
      if (!ui.message.value) ui.message.value = text;
      showText(ui.chatError, errorText(error));
      return;
    }
    try {
      await readEventStream(response, (payload) => reply.handle(payload));
    } catch {
      // Handled below: the answer never finished.
    }
    if (!reply.finished) reply.fail(t("answerInterrupted"));
  }

  /**
   * One answer from Veiviser as it streams in: a pending message with
   * aria-busy, the agencies' answers appended as they arrive, and at the
   * end the final rendering in its place.
   */
  class Reply {
    /** `own` is the citizen's message, shown as the master stored it once answered. */
    constructor(showPending, own) {
      this.own = own;
      this.item = null;
      this.body = null;
      this.progress = null;
      this.parts = null;
      this.answers = []; // each agency's answer and name, for the plan's agency parts
      this.finished = false;
      if (showPending) this.ensureItem();
    }

    ensureItem() {
      if (this.item) return;
      const { item, body } = createMessage("assistant", t("speakerAssistant"));
      item.setAttribute("aria-busy", "true");
      this.progress = el("p", "msg-progress", t("answering"));
      this.parts = el("div", "msg-parts");
      body.append(this.progress, this.parts);
      ui.messageList.append(item);
      this.item = item;
      this.body = body;
      showNewest(item);
    }

    handle(payload) {
      const event = payload && payload.event;
      if (!event || this.finished) return;
      if (event.routing) this.onRouting(event.routing);
      else if (event.agency_answer) this.onAgencyAnswer(event.agency_answer);
      else if (event.agency_unavailable) this.onAgencyUnavailable(event.agency_unavailable);
      else if (event.final) this.onFinal(event.final);
    }

    onRouting(routing) {
      const ids = routing.agency_ids || [];
      if (!ids.length) return;
      this.ensureItem();
      this.progress.textContent = t("asking", { names: formatList(ids.map(agencyName)) });
    }

    onAgencyAnswer(event) {
      const answer = event.answer || {};
      rememberAgency(answer.agency_id, event.agency_name);
      this.ensureItem();
      const part = el("div", "agency-answer");
      part.append(el("h3", null, agencyName(answer.agency_id) || t("speakerAssistant")));
      if (event.referred_by) {
        part.append(el("p", "agency-referral", t("referredBy", { name: agencyName(event.referred_by) })));
      }
      appendParagraphs(part, answer.text);
      this.parts.append(part);
      this.answers.push({ answer, name: agencyName(answer.agency_id) });
    }

    onAgencyUnavailable(event) {
      rememberAgency(event.agency_id, event.agency_name);
      this.ensureItem();
      this.parts.append(el("p", "agency-unavailable", t("agencyDidNotAnswer", { name: agencyName(event.agency_id) })));
    }

    onFinal(final) {
      this.finished = true;
      if (isForwardedToAdvisor(final)) {
        this.remove();
      } else {
        this.ensureItem();
        this.body.replaceChildren();
        renderFinal(this.body, final, this.answers);
        this.item.setAttribute("aria-busy", "false");
      }
      const masked = final.masked || [];
      if (final.masked_text && this.own) {
        // What the citizen sees of their own message is what was kept: masked.
        const body = this.own.querySelector(".msg-body");
        if (body) {
          body.replaceChildren();
          appendParagraphs(body, final.masked_text);
        }
      }
      if (masked.length) {
        const kinds = formatList(masked.map((kind) => vocabulary("kind.", kind)));
        addSystemMessage(t("masked", { kinds }), this.item);
      }
      const handover = final.handover;
      if (handover && !handover.open_now) addSystemMessage(handover.text);
      if (this.item) revealStart(this.item);
    }

    fail(text) {
      this.finished = true;
      this.ensureItem();
      this.body.replaceChildren(el("p", null, text));
      this.item.setAttribute("aria-busy", "false");
    }

    remove() {
      if (this.item) this.item.remove();
      this.item = null;
    }
  }

  function isForwardedToAdvisor(final) {
    return enumNumber(final.route, server.routes) === ROUTE.HUMAN
      && final.intent === server.forwardedIntent
      && !String(final.text || "").trim();
  }

  /** The final answer: text or plan, then notices, choices and handover. */
  function renderFinal(body, final, answers) {
    const isLifeEvent = enumNumber(final.route, server.routes) === ROUTE.LIFE_EVENT;
    const plan = final.checklist || [];
    if (isLifeEvent && plan.length) {
      appendParagraphs(body, firstParagraph(final.text));
      if (final.plan_counted_from) {
        body.append(el("p", "plan-counted-from", t("planCountedFrom", { date: formatDate(final.plan_counted_from) })));
      }
      // What an agency worked out for this citizen (with consent) comes first.
      for (const { answer, name } of answers.filter(({ answer }) => answer.personalised)) {
        body.append(renderAgencyPart(answer, name, true));
      }
      body.append(renderPlan(plan));
      const general = answers.filter(({ answer }) => !answer.personalised);
      if (general.length) {
        const more = el("details", "agency-parts");
        more.append(el("summary", null, t("agencyParts")));
        for (const { answer, name } of general) more.append(renderAgencyPart(answer, name, false));
        body.append(more);
      }
    } else {
      appendParagraphs(body, final.text);
    }
    const missing = final.missing_agency_ids || [];
    if (isLifeEvent && missing.length) {
      body.append(el("p", "notice", t("missingAgencies", { names: formatList(missing.map(agencyName)) })));
    }
    if ((final.options || []).length) body.append(renderOptions(final.options));
    if (final.handover && final.handover.open_now) body.append(renderHandoverOffer(final.handover));
  }

  /** One agency's own text in a plan; tailored ones carry a badge. */
  function renderAgencyPart(answer, name, tailored) {
    const part = el("section", tailored ? "agency-part agency-part-tailored" : "agency-part");
    const heading = el("h3", null, name);
    if (tailored) heading.append(" ", el("span", "badge", t("tailoredForYou")));
    part.append(heading);
    appendParagraphs(part, answer.text);
    return part;
  }

  /** Clarifying choices; each sends its text as the next message, once:
   * the master takes only the first message after the question as a pick. */
  function renderOptions(options) {
    const group = el("div", "options");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", t("optionsLabel"));
    for (const option of options) {
      group.append(makeButton("option", option, () => {
        for (const button of group.querySelectorAll("button")) button.disabled = true;
        sendMessage(option);
      }));
    }
    return group;
  }

  function renderHandoverOffer(handover) {
    const box = el("div", "handover-offer-box");
    appendParagraphs(box, handover.text);
    const agency = handover.agency_name || agencyName(handover.agency_id);
    box.append(makeButton("handover-offer", t("handoverOffer", { agency }), () => requestHuman(handover.agency_id || "")));
    return box;
  }

  // ---------------------------------------------------------------------
  // Chat: the life-event plan
  // ---------------------------------------------------------------------

  /** An instant (RFC 3339) as its day in Norway, in words in the page's language. */
  function formatInstant(instant) {
    const when = new Date(instant);
    if (Number.isNaN(when.getTime())) return instant;
    return when.toLocaleDateString(document.documentElement.lang || undefined, {
      weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "Europe/Oslo",
    });
  }

  /** An ISO date (2026-11-30) in words in the page's language. */
  function formatDate(iso) {
    const day = new Date(iso + "T12:00:00");
    if (Number.isNaN(day.getTime())) return iso;
    return day.toLocaleDateString(document.documentElement.lang || undefined, {
      weekday: "long", day: "numeric", month: "long", year: "numeric",
    });
  }

  /** The plan as a checklist, one section per deadline group; tasks that
   * only apply in some situations wait behind a "show" toggle. */
  function renderPlan(items) {
    const plan = el("section", "plan");
    const general = items.filter((item) => !item.only_if);
    const conditional = items.filter((item) => item.only_if);
    appendGroups(plan, general);
    if (conditional.length) {
      const more = el("details", "plan-conditional");
      more.append(el("summary", null, t("showConditional", { n: conditional.length })));
      appendGroups(more, conditional);
      plan.append(more);
    }
    return plan;
  }

  function appendGroups(parent, items) {
    let list = null;
    let groupKey = null;
    for (const item of items) {
      const key = item.group || item.group_label || "";
      if (!list || key !== groupKey) {
        groupKey = key;
        list = el("ul", "plan-list");
        const group = el("section", "plan-group");
        group.append(el("h3", null, item.group_label || item.group || "—"), list);
        parent.append(group);
      }
      list.append(renderPlanItem(item));
    }
  }

  function renderPlanItem(item) {
    const row = el("li", "plan-item");
    const box = el("input");
    box.type = "checkbox";
    box.id = uniqueId(`plan-${String(item.key || "item").trim().replace(/\s+/g, "-")}`);
    const label = el("label");
    label.htmlFor = box.id;
    if (item.only_if) label.append(el("span", "plan-condition", item.only_if));
    label.append(el("span", "plan-title", item.title || item.key));
    if (item.action) label.append(el("span", "plan-action", item.action));
    const timing = planTiming(item);
    if (timing) label.append(el("span", "plan-deadline", timing));
    if (item.link && isWebUrl(item.link)) {
      const linkLine = el("span", "plan-link");
      linkLine.append(makeLink(item.link, t("readMore"), item.title));
      label.append(linkLine);
    }
    const ids = item.agency_ids || [];
    if (ids.length) {
      const meta = el("span", "plan-meta", `${t(ids.length > 1 ? "agenciesLabel" : "agencyLabel")} `);
      meta.append(el("span", "plan-agency", ids.map(agencyName).join(", ")));
      label.append(meta);
    }
    row.append(box, label);
    return row;
  }

  function planTiming(item) {
    if (item.deadline_text) return t("deadline", { text: item.deadline_text });
    if (item.when) return t("when", { text: item.when });
    return "";
  }

  // ---------------------------------------------------------------------
  // Handover to a human advisor
  // ---------------------------------------------------------------------

  function advisorHasConversation() {
    return Boolean(state.handover && state.handover.state === HANDOVER.WITH_ADVISOR);
  }

  async function requestHuman(agencyId) {
    if (!state.session || state.ended) return;
    clearText(ui.chatError);
    try {
      handleHandoverStatus(await api("POST", sessionUrl("/human"), { agency_id: agencyId || "" }));
    } catch (error) {
      showText(ui.chatError, errorText(error));
      return;
    }
    // The queue position (or why there is none) is what happens now: show it and go there.
    if (ui.handoverStatus.textContent) {
      ui.handoverBar.scrollIntoView({ block: "nearest" });
      ui.handoverStatus.focus();
    }
  }

  async function leaveHandover() {
    clearText(ui.chatError);
    try {
      handleHandoverStatus(await api("POST", sessionUrl("/leave-handover"), {}));
    } catch (error) {
      if (error.status === 404) clearHandover(); // already over
      else showText(ui.chatError, errorText(error));
    }
    if (ui.leaveHandover.hidden) ui.message.focus();
  }

  /**
   * A status from the request, from leaving, or from the event stream. The
   * stream's statuses only count for the handover we are following.
   */
  function handleHandoverStatus(status, fromStream = false) {
    if (!status) return;
    const current = state.handover;
    const otherHandover = current && current.id && status.handover_id && status.handover_id !== current.id;
    if (fromStream && otherHandover) return;
    switch (enumNumber(status.state, server.handoverStates)) {
      case HANDOVER.QUEUED:
      case HANDOVER.WITH_ADVISOR:
        showActiveHandover(status);
        openHandoverStream();
        break;
      case HANDOVER.CLOSED:
        addSystemMessage(status.text || t("closedFallback"));
        break;
      case HANDOVER.ENDED:
        if (current) {
          addSystemMessage(status.text || t("endedFallback"));
          clearHandover();
        }
        break;
      default:
        break;
    }
  }

  function showActiveHandover(status) {
    const handoverState = enumNumber(status.state, server.handoverStates);
    state.handover = { id: status.handover_id || "", state: handoverState };
    const text = status.text || handoverFallbackText(status, handoverState);
    if (ui.handoverStatus.textContent !== text) ui.handoverStatus.textContent = text;
    ui.leaveHandover.textContent = t(handoverState === HANDOVER.WITH_ADVISOR ? "leaveAdvisor" : "leaveQueue");
    ui.leaveHandover.hidden = false;
    updateTitle();
  }

  function handoverFallbackText(status, handoverState) {
    const agency = status.agency_name || agencyName(status.agency_id);
    if (handoverState === HANDOVER.WITH_ADVISOR) {
      return t("withAdvisorFallback", { advisor: status.advisor || t("speakerAdvisor"), agency });
    }
    return t("queuedFallback", { position: status.position || 1, agency });
  }

  function clearHandover() {
    state.handover = null;
    clearText(ui.handoverStatus);
    ui.leaveHandover.hidden = true;
    closeHandoverStream();
    updateTitle();
  }

  function openHandoverStream() {
    if (state.handoverStream) return;
    const source = new EventSource(sessionUrl("/handover"));
    source.addEventListener("message", (event) => onHandoverEvent(parseJson(event.data)));
    source.addEventListener("error", () => {
      // EventSource reconnects by itself; CLOSED means it has given up.
      if (source.readyState === EventSource.CLOSED && state.handoverStream === source) {
        state.handoverStream = null;
        // The handover is gone without an ending we saw (e.g. the session expired).
        if (state.handover) {
          clearHandover();
          addSystemMessage(t("handoverLost"));
        }
      }
    });
    state.handoverStream = source;
  }

  function closeHandoverStream() {
    if (state.handoverStream) state.handoverStream.close();
    state.handoverStream = null;
  }

  function onHandoverEvent(payload) {
    const event = payload && payload.event;
    if (!event) return;
    if (event.status) handleHandoverStatus(event.status, true);
    else if (event.advisor_reply) addAdvisorReply(event.advisor_reply);
  }

  function addAdvisorReply(reply) {
    // A reconnecting stream may send a reply again; show each one once.
    const key = `${reply.handover_id}|${reply.at}|${reply.text}`;
    if (state.advisorReplies.has(key)) return;
    state.advisorReplies.add(key);
    addMessage("advisor", reply.advisor || t("speakerAdvisor"), reply.text);
  }

  // ---------------------------------------------------------------------
  // Ending the chat
  // ---------------------------------------------------------------------

  /** «Avslutt» asks first, and says what becomes of the conversation: kept
   * (and downloadable) for a while, or deleted at once. */
  async function askToEnd() {
    if (!state.session || state.ended) return;
    ui.endDownload.href = sessionUrl("/transcript?format=text");
    const text = byId("end-dialog-text");
    text.textContent = t("endConfirmText");
    try {
      const transcript = await api("GET", sessionUrl("/transcript?format=json"));
      if (transcript && transcript.retention && !transcript.retention.deleted_at_session_end) {
        text.textContent = t("endConfirmTextKept");
      }
    } catch {
      // The cautious text stays: download it first.
    }
    ui.endDialog.showModal();
    ui.endCancel.focus();
  }

  async function endChat() {
    if (!state.session || state.ended) return;
    clearText(ui.chatError);
    let ended = null;
    try {
      ended = await api("DELETE", sessionUrl(""));
    } catch (error) {
      if (error.status !== 404) { // 404: the session is already gone (and what was kept is unknown)
        showText(ui.chatError, errorText(error));
        return;
      }
    }
    showChatEnded(ended);
  }

  /** After the end: the masked copy stays downloadable with the token the end
   * gave, until it is deleted; or it was deleted; or (already gone) nothing is said. */
  function showChatEnded(ended) {
    state.ended = true;
    clearHandover();
    ui.actions.hidden = true;
    ui.handoverBar.hidden = true;
    ui.composer.hidden = true;
    addSystemMessage(t("chatEnded"));
    const token = ended && ended.transcript_download_token;
    if (token && ended.transcript_kept_until) {
      ui.closedRetention.textContent = t("keptUntil", { date: formatInstant(ended.transcript_kept_until) });
      ui.closedDownload.href = `/api/transcripts/${encodeURIComponent(token)}?format=text`;
      ui.closedDownload.hidden = false;
    } else if (ended) {
      ui.closedRetention.textContent = t("deletedAtEnd");
    }
    ui.closed.hidden = false;
    updateTitle();
    ui.restart.focus();
  }

  // ---------------------------------------------------------------------
  // Start-up
  // ---------------------------------------------------------------------

  function bindEvents() {
    ui.lang.addEventListener("change", onLanguageChange);
    ui.ack.addEventListener("change", onAckChange);
    ui.person.addEventListener("change", updateConsentsVisibility);
    ui.startButton.addEventListener("click", onStartClick);
    ui.composer.addEventListener("submit", onComposerSubmit);
    ui.message.addEventListener("keydown", onMessageKeydown);
    ui.human.addEventListener("click", () => requestHuman(""));
    ui.leaveHandover.addEventListener("click", leaveHandover);
    ui.end.addEventListener("click", askToEnd);
    ui.endCancel.addEventListener("click", () => ui.endDialog.close());
    ui.endConfirm.addEventListener("click", () => {
      ui.endDialog.close();
      endChat();
    });
    // Closed by a button or Escape: back to «Avslutt», unless the chat ended.
    ui.endDialog.addEventListener("close", () => {
      if (!state.ended) ui.end.focus();
    });
    ui.restart.addEventListener("click", () => window.location.reload());
  }

  setLanguage(ui.lang.value || "nb");
  bindEvents();
  loadConfig();
})();
