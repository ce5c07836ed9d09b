/*
 * Veiviser advisor page: one advisor at one agency's desk.
 *
 * Signs in with POST /api/advisor/attend, which answers with a stream of desk
 * events (the first names the connection); actions go to
 * POST /api/advisor/{connection}/actions. Closing the page ends the stream,
 * and the desk puts the advisor's conversations back in the queue. All
 * markup is built with createElement/textContent. Texts are in bokmål: the
 * page is the agencies' staff tool, not the citizen's window.
 */
(() => {
  "use strict";

  const { ApiError, api, errorFromResponse, readEventStream } = window.VeiviserHttp;

  const REASONS = {
    asked: "ba om et menneske",
    "not-understood": "Veiviser forsto ikke spørsmålet",
    agency: "etaten mente et menneske trengs",
  };
  const LANGUAGES = { nb: "bokmål", nn: "nynorsk", en: "engelsk" };
  const ROLES = { citizen: "Innbygger", assistant: "Veiviser", advisor: "Veileder" };

  const byId = (id) => document.getElementById(id);
  const ui = {
    signInScreen: byId("sign-in-screen"),
    signInForm: byId("sign-in-form"),
    agency: byId("agency"),
    name: byId("advisor-name"),
    key: byId("desk-key"),
    signInError: byId("sign-in-error"),
    signInButton: byId("sign-in"),
    desk: byId("desk"),
    deskTitle: byId("desk-title"),
    deskStatus: byId("desk-status"),
    deskError: byId("desk-error"),
    takeNext: byId("take-next"),
    signOut: byId("sign-out"),
    queue: byId("queue"),
    queueEmpty: byId("queue-empty"),
    queueTitle: byId("queue-title"),
    conversation: byId("conversation"),
    about: byId("conversation-about"),
    history: byId("history"),
    replyForm: byId("reply-form"),
    reply: byId("reply"),
    handBack: byId("hand-back"),
    close: byId("close-conversation"),
  };

  const state = {
    connection: "", // the desk connection id, once signed in
    abort: null, // ends the event stream on sign-out
    authorization: {}, // the Authorization header, when a key is given
    active: "", // the handover id of the conversation the advisor has
    taking: false, // a take is on its way: one conversation at a time
    replying: false, // a reply is on its way: Enter twice sends it once
  };

  /** The API's messages are English; the page words each kind of refusal. */
  const ERRORS = {
    UNAUTHENTICATED: "Skrankenøkkelen er feil.",
    RESOURCE_EXHAUSTED: "For mange forsøk. Vent litt og prøv igjen.",
    FAILED_PRECONDITION: "Etaten tar ikke imot chat fra Veiviser nå, eller skranken er slått av.",
    NOT_FOUND: "Fant ikke etaten eller samtalen. Last siden på nytt.",
    INVALID_ARGUMENT: "Sjekk det du har skrevet inn.",
    UNAVAILABLE: "Tjenesten har mye å gjøre. Prøv igjen om litt.",
  };

  /** Refused desk actions, by `ActionRefused.code`. */
  const REFUSALS = {
    "not-signed-in": "Du er ikke logget inn. Logg inn igjen.",
    "already-signed-in": "Du er allerede logget inn.",
    "nobody-waiting": "Ingen venter nå.",
    "no-such-conversation": "Samtalen finnes ikke lenger.",
    "other-agency": "Samtalen står i køen til en annen etat.",
    "already-taken": "En annen veileder har allerede tatt samtalen.",
    "not-yours": "Samtalen er ikke din.",
    "reply-refused": "Svaret ble ikke sendt. Det kan ikke være tomt eller for langt.",
  };

  function errorText(error) {
    if (error instanceof ApiError && ERRORS[error.code]) return ERRORS[error.code];
    if (error instanceof TypeError) return "Fikk ikke kontakt med tjenesten. Prøv igjen.";
    return "Noe gikk galt. Prøv igjen.";
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function clockTime(rfc3339) {
    const date = new Date(rfc3339);
    return Number.isNaN(date.getTime())
      ? ""
      : date.toLocaleTimeString("nb-NO", { hour: "2-digit", minute: "2-digit" });
  }

  // ---------------------------------------------------------------------
  // Sign-in
  // ---------------------------------------------------------------------

  /** The master's limits for names and replies, from its config. */
  async function loadLimits() {
    try {
      const config = await api("GET", "/api/config");
      if (config.max_advisor_name_chars) ui.name.maxLength = config.max_advisor_name_chars;
      if (config.max_message_chars) ui.reply.maxLength = config.max_message_chars;
      // The demos' published key is named only when it is the key in use.
      const demoHint = document.getElementById("demo-key-hint");
      if (demoHint) demoHint.hidden = !config.demo_desk_key;
    } catch {
      // Without them the master still refuses what is too long, with a message.
    }
  }

  /** The agencies whose cards have advisor hours. */
  async function loadAgencies() {
    try {
      const body = await api("GET", "/api/agencies?language=nb");
      ui.agency.replaceChildren();
      for (const agency of body.agencies.filter((a) => a.advisor_hours)) {
        const option = element("option", "", agency.name);
        option.value = agency.agency_id;
        ui.agency.append(option);
      }
    } catch (error) {
      ui.signInError.textContent = errorText(error);
    }
  }

  async function signIn(event) {
    event.preventDefault();
    if (ui.signInButton.disabled) return;
    ui.signInError.textContent = "";
    const name = ui.name.value.trim();
    if (!name) {
      ui.signInError.textContent = "Skriv navnet innbyggeren skal se.";
      ui.name.focus();
      return;
    }
    const key = ui.key.value;
    state.authorization = key ? { Authorization: `Bearer ${key}` } : {};
    if (state.abort) state.abort.abort();
    state.abort = new AbortController();
    ui.signInButton.disabled = true;
    let response;
    try {
      response = await fetch("/api/advisor/attend", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream", ...state.authorization },
        body: JSON.stringify({ agency_id: ui.agency.value, advisor_name: name }),
        signal: state.abort.signal,
      });
      if (!response.ok) throw await errorFromResponse(response);
    } catch (error) {
      ui.signInError.textContent = errorText(error);
      ui.signInButton.disabled = false;
      return;
    }
    ui.deskStatus.textContent = "";
    ui.deskError.textContent = "";
    const agencyName = ui.agency.selectedOptions[0] ? ui.agency.selectedOptions[0].textContent : "";
    ui.deskTitle.textContent = `${agencyName}: ${name}`;
    ui.signInScreen.hidden = true;
    ui.desk.hidden = false;
    ui.deskTitle.tabIndex = -1;
    ui.deskTitle.focus();
    follow(response, state.abort);
  }

  /** Reads desk events until the stream ends, then shows the sign-in again. */
  async function follow(response, controller) {
    try {
      await readEventStream(response, onEvent);
      ui.signInError.textContent = "Forbindelsen til køen ble avsluttet. Logg inn igjen.";
    } catch (error) {
      if (error.name !== "AbortError") ui.signInError.textContent = errorText(error);
    } finally {
      // However reading ended, the connection ends too, so the desk signs the advisor out.
      controller.abort();
    }
    state.connection = "";
    state.active = "";
    state.taking = false;
    ui.signInButton.disabled = false;
    ui.conversation.hidden = true;
    ui.desk.hidden = true;
    ui.signInScreen.hidden = false;
  }

  function signOut() {
    if (state.abort) state.abort.abort();
  }

  // ---------------------------------------------------------------------
  // Desk events
  // ---------------------------------------------------------------------

  function onEvent(payload) {
    if (payload.connection_id) {
      state.connection = payload.connection_id;
      return;
    }
    const event = payload.event;
    if (!event) return;
    if (event.queue) showQueue(event.queue.waiting || []);
    else if (event.assigned) showConversation(event.assigned);
    else if (event.citizen_wrote) citizenWrote(event.citizen_wrote);
    else if (event.gone) conversationGone(event.gone);
    else if (event.refused) refused(event.refused);
  }

  function citizenWrote(wrote) {
    if (wrote.handover_id === state.active) addEntry("citizen", wrote.text, wrote.at);
  }

  function refused(refusal) {
    ui.deskError.textContent = REFUSALS[refusal.code] || "Handlingen ble ikke utført.";
    if (state.taking) {
      state.taking = false;
      enableTaking();
    }
  }

  /** Take buttons work only with nobody in the conversation and no take on its way. */
  function enableTaking() {
    const blocked = Boolean(state.active) || state.taking;
    ui.takeNext.disabled = blocked || ui.queue.children.length === 0;
    for (const button of ui.queue.querySelectorAll("button")) button.disabled = blocked;
  }

  function takeConversation(handoverId) {
    if (state.active || state.taking) return;
    state.taking = true;
    enableTaking();
    send({ action: "take", handover_id: handoverId }).then((accepted) => {
      if (!accepted) {
        state.taking = false;
        enableTaking();
      }
    });
  }

  function describe(waiting) {
    const parts = [REASONS[waiting.reason] || waiting.reason, LANGUAGES[waiting.language] || waiting.language];
    if ((waiting.topics || []).length) parts.push(`tema: ${waiting.topics.join(", ")}`);
    return parts.join(" · ");
  }

  function showQueue(waiting) {
    ui.queue.replaceChildren();
    ui.queueEmpty.hidden = waiting.length > 0;
    for (const entry of waiting) {
      const item = element("li", "msg msg-system");
      const since = clockTime(entry.waiting_since);
      item.append(element("p", "msg-speaker", `Nummer ${entry.position}${since ? `, venter siden ${since}` : ""}`));
      item.append(element("p", "", describe(entry)));
      const take = element("button", "button-primary", "Ta samtalen");
      take.type = "button";
      take.setAttribute("aria-label", `Ta samtale nummer ${entry.position}`);
      take.addEventListener("click", () => takeConversation(entry.handover_id));
      item.append(take);
      ui.queue.append(item);
    }
    enableTaking();
    ui.queueTitle.textContent = waiting.length ? `Venter (${waiting.length})` : "Venter";
  }

  function showConversation(conversation) {
    state.active = conversation.handover_id;
    state.taking = false;
    ui.deskError.textContent = "";
    ui.about.textContent = describe(conversation);
    ui.history.replaceChildren();
    for (const entry of conversation.history || []) addEntry(entry.role, entry.text, entry.at);
    ui.conversation.hidden = false;
    enableTaking();
    ui.deskStatus.textContent = "Du har tatt samtalen. Innbyggeren ser at du er med.";
    ui.reply.focus();
  }

  function addEntry(role, text, at) {
    const item = element("li", `msg msg-${role}`);
    const time = clockTime(at);
    item.append(element("p", "msg-speaker", `${ROLES[role] || role}${time ? ` ${time}` : ""}`));
    const body = element("div", "msg-body");
    for (const line of String(text).split("\n")) body.append(element("p", "", line));
    item.append(body);
    ui.history.append(item);
  }

  function conversationGone(gone) {
    if (gone.handover_id !== state.active) return;
    const why = gone.reason === "citizen-left" ? "Innbyggeren gikk ut av samtalen." : "Chatten ble avsluttet.";
    endConversation(why);
  }

  function endConversation(status) {
    state.active = "";
    ui.conversation.hidden = true;
    ui.deskStatus.textContent = status;
    enableTaking();
    ui.takeNext.focus();
  }

  // ---------------------------------------------------------------------
  // Actions
  // ---------------------------------------------------------------------

  /** Sends an action; resolves to what the desk accepted, or null when refused. */
  async function send(action) {
    ui.deskError.textContent = "";
    if (!state.connection) return null;
    try {
      const path = `/api/advisor/${encodeURIComponent(state.connection)}/actions`;
      return (await api("POST", path, action, state.authorization)) || {};
    } catch (error) {
      ui.deskError.textContent = errorText(error);
      return null;
    }
  }

  async function sendReply(event) {
    event.preventDefault();
    const text = ui.reply.value.trim();
    if (!text || !state.active || state.replying) return;
    state.replying = true;
    const accepted = await send({ action: "reply", handover_id: state.active, text });
    state.replying = false;
    if (accepted) {
      // Shown as the citizen gets it: masked.
      addEntry("advisor", accepted.text || text, new Date().toISOString());
      ui.reply.value = "";
    }
  }

  async function finish(action, status) {
    if (state.active && (await send({ action, handover_id: state.active }))) endConversation(status);
  }

  ui.signInForm.addEventListener("submit", signIn);
  ui.signOut.addEventListener("click", signOut);
  ui.takeNext.addEventListener("click", () => takeConversation(""));
  ui.replyForm.addEventListener("submit", sendReply);
  ui.reply.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.replyForm.requestSubmit();
    }
  });
  ui.handBack.addEventListener("click", () => finish("hand_back", "Samtalen er gitt tilbake til Veiviser."));
  ui.close.addEventListener("click", () => finish("close", "Samtalen er avsluttet."));
  loadLimits();
  loadAgencies();
})();
