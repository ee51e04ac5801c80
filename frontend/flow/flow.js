/*
 * The link flow: welcome, system picker, credentials, done. Each step is a
 * <section data-step> in link.html; this script shows one at a time, keeps
 * the browser's Back button in step (pushState, keeping the #token), and
 * talks to the flow API.
 */
(function () {
  "use strict";

  const page = window.LinkFlowPage;
  if (!page || !page.createPicker || page.root.getAttribute("data-page") !== "flow") {
    return;
  }

  const root = page.root;
  const api = page.createApi(root.getAttribute("data-api-base"));
  const linkId = root.getAttribute("data-link-id") || "";

  const FLOW_STEPS = ["systems", "credentials", "done"];
  const CONNECT_TIMEOUT_MS = 120000;
  const BACK_FALLBACK_MS = 400;
  const REDIRECT_DELAY_MS = 3000;

  const FALLBACK_MESSAGES = {
    INVALID_CREDENTIALS: "The system did not accept these details. Check them and try again.",
    ACCOUNT_LOCKED: "This account is locked. Ask your administrator to unlock it, or use another account.",
    INVALID_FIELD: "Check the highlighted details and try again.",
    TARGET_NOT_ALLOWED: "This address cannot be used. Enter your system’s public address.",
    UNREACHABLE: "We could not reach your system. Check the address and try again.",
    TLS_ERROR: "Your system’s security certificate could not be verified.",
    TIMEOUT: "Your system took too long to answer. Try again in a moment.",
    NOT_THAT_SYSTEM: "Something answered at this address, but it is not the system you chose.",
    SYSTEM_ERROR: "Your system answered with an error. Try again, or ask its administrator.",
    NETWORK_ERROR: "We could not reach link-flow. Check your internet connection and try again.",
    CLIENT_TIMEOUT: "This is taking longer than expected. Try again.",
  };

  const sections = new Map();
  root.querySelectorAll("section[data-step]").forEach((section) => {
    sections.set(section.getAttribute("data-step"), section);
  });

  const ui = {
    back: root.querySelector('[data-action="back"]'),
    close: root.querySelector('[data-action="close"]'),
    progress: root.querySelector(".progress"),
    progressItems: root.querySelectorAll("[data-progress]"),
    form: root.querySelector("[data-credentials-form]"),
    creditsNote: root.querySelector("[data-credits-note]"),
    redirect: root.querySelector("[data-redirect]"),
    redirectLink: root.querySelector("[data-redirect-link]"),
    redirectNote: root.querySelector("[data-redirect-note]"),
    errorDetail: root.querySelector("[data-error-detail]"),
  };

  const state = {
    step: null,
    index: 0,
    partner: root.getAttribute("data-partner-name") || "your provider",
    session: null,
    systems: [],
    system: null,
    form: null,
    submitting: false,
    result: null,
    stepBeforeClose: null,
    backTimer: null,
    redirectTimer: null,
  };

  const picker = page.createPicker(sections.get("systems"), pickSystem);

  // Steps ----------------------------------------------------------------

  function isErrorStep(step) {
    return typeof step === "string" && step.startsWith("error-");
  }

  function hasPicker() {
    return state.systems.length > 1;
  }

  function flowSteps() {
    return hasPicker() ? FLOW_STEPS : FLOW_STEPS.filter((step) => step !== "systems");
  }

  /** The picker, or the sign-in form when the link allows one system. */
  function firstStep() {
    return hasPicker() ? "systems" : "credentials";
  }

  function previousStep(step) {
    if (step === "closed") {
      return state.stepBeforeClose;
    }
    if (step === "done") {
      return null;
    }
    const steps = flowSteps();
    const position = steps.indexOf(step);

    return position > 0 ? steps[position - 1] : null;
  }

  /** The step name the host page sees: error states are all "error". */
  function publicStep(step) {
    return isErrorStep(step) ? "error" : step || "loading";
  }

  function show(step, { focus = true } = {}) {
    const changed = state.step !== step;
    const section = sections.get(step);
    state.step = step;
    sections.forEach((node, key) => {
      node.hidden = key !== step;
    });
    // The welcome introduces the first step, on the same screen, so the
    // contract's first control (search or sign-in) is there at once.
    sections.get("welcome").hidden = !state.session || step !== firstStep();
    ui.back.hidden = !previousStep(step);
    ui.close.hidden = step === "closed";
    updateProgress(step);

    const heading = section.querySelector("h1");
    if (heading) {
      const text = heading.innerText.replace(/\s+/g, " ").trim();
      document.title = `${text} – ${state.partner}`;
      if (focus) {
        heading.focus();
      }
    }
    if (changed && FLOW_STEPS.includes(step)) {
      page.notifyHost("step_changed", { step });
    }
  }

  /** Show ``step`` as a new history entry (or in place of the current one). */
  function goTo(step, { replace = false, focus = true } = {}) {
    const index = replace ? state.index : state.index + 1;
    const entry = {
      linkFlow: true,
      step,
      system: state.system ? state.system.key : null,
      index,
    };
    try {
      // location.href keeps the #token, so a reload still finds it.
      window.history[replace ? "replaceState" : "pushState"](entry, "", location.href);
      state.index = index;
    } catch (error) {
      page.debug("history unavailable", error);
    }
    show(step, { focus });
  }

  function goBack() {
    const previous = previousStep(state.step);
    if (!previous || state.submitting) {
      return;
    }
    const entry = window.history.state;
    if (entry && entry.linkFlow && entry.step === state.step && entry.index > 0) {
      // Walk the real history so the browser's Back and ours stay in step;
      // if no popstate comes (history pruned), move on without it.
      clearTimeout(state.backTimer);
      state.backTimer = setTimeout(() => {
        state.backTimer = null;
        goTo(previous, { replace: true });
      }, BACK_FALLBACK_MS);
      window.history.back();
      return;
    }
    goTo(previous, { replace: true });
  }

  function onPopState(event) {
    clearTimeout(state.backTimer);
    state.backTimer = null;
    const entry = event.state;
    const stuck = isErrorStep(state.step) || (state.step === "closed" && !state.stepBeforeClose);
    if (!entry || !entry.linkFlow || !state.session || stuck) {
      return;
    }
    state.index = entry.index;
    if (state.result) {
      // Connected: the link is used up, earlier steps cannot come back.
      show(entry.step === "closed" ? "closed" : "done");
      return;
    }
    show(resolveStep(entry));
  }

  /** Return the step a history entry can show now, selecting its system. */
  function resolveStep(entry) {
    let step = entry.step;
    if (step === "credentials" || step === "done") {
      const system = state.systems.find((s) => s.key === entry.system);
      if (!system) {
        return firstStep();
      }
      selectSystem(system, false);
      step = "credentials";
    }
    if (step === "closed") {
      return state.stepBeforeClose ? "closed" : firstStep();
    }
    if (step === "systems" && !hasPicker()) {
      return firstStep();
    }

    return FLOW_STEPS.includes(step) ? step : firstStep();
  }

  function updateProgress(step) {
    const steps = flowSteps();
    const current = state.session ? steps.indexOf(step) : -1;
    ui.progress.hidden = current < 0;
    if (current < 0) {
      return;
    }
    ui.progressItems.forEach((item) => {
      const position = steps.indexOf(item.getAttribute("data-progress"));
      const complete = position >= 0 && (position < current || step === "done");
      item.hidden = position < 0;
      item.classList.toggle("is-done", complete);
      item.classList.toggle("is-current", position === current);
      if (position === current) {
        item.setAttribute("aria-current", "step");
      } else {
        item.removeAttribute("aria-current");
      }
      item.querySelector(".progress-mark").textContent = complete ? "✓" : String(position + 1);
      item.querySelector("[data-progress-state]").textContent = complete ? " (completed)" : "";
    });
  }

  /** Show a terminal error state; nothing of the flow stays reachable. */
  function fail(step, code, { focus = true } = {}) {
    if (code) {
      page.notifyHost("error", { error_type: code });
    }
    show(step, { focus });
  }

  // Opening the link ------------------------------------------------------

  function readToken() {
    const raw = location.hash.replace(/^#/, "").trim();
    try {
      return decodeURIComponent(raw);
    } catch (error) {
      return raw;
    }
  }

  async function start() {
    const token = readToken();
    if (!token) {
      fail("error-damaged", "INVALID_TOKEN", { focus: false });
      return;
    }
    show("loading", { focus: false });
    const result = await api.post("/session", { link_id: linkId, token });
    if (result.ok && result.data && result.data.flow_token) {
      begin(result.data);
    } else {
      sessionFailed(result);
    }
  }

  function sessionFailed(result) {
    const code = (result.error && result.error.code) || `HTTP_${result.status}`;
    const focus = state.step !== "loading";
    if (code === "INVALID_TOKEN" || result.status === 400) {
      fail("error-damaged", code, { focus });
    } else if (code === "LINK_NOT_FOUND" || result.status === 404) {
      fail("error-not-found", code, { focus });
    } else if (result.status === 410) {
      fail(goneStep(code), code, { focus });
    } else {
      const message = result.error && result.error.message;
      ui.errorDetail.textContent = message || "We could not open your link.";
      fail("error-generic", code, { focus });
    }
  }

  function goneStep(code) {
    if (code === "LINK_USED") {
      return "error-used";
    }

    return code === "LINK_REVOKED" ? "error-revoked" : "error-expired";
  }

  function begin(session) {
    const partner = session.partner || {};
    const branding = partner.branding || {};
    state.session = session;
    state.systems = Array.isArray(session.systems) ? session.systems : [];
    state.partner = branding.name || partner.name || state.partner;
    api.setFlowToken(session.flow_token);
    page.bindText("partner", state.partner);
    page.applyBranding(branding);
    showPurpose(session.link && session.link.purpose);
    showConnectionName(session.connection && session.connection.name);

    if (!state.systems.length) {
      fail("error-no-systems", "NO_SYSTEMS", { focus: false });
      return;
    }
    picker.render(state.systems, state.partner);
    if (!hasPicker()) {
      selectSystem(state.systems[0], false);
    }

    // After a reload, come back to the step the customer was on.
    const entry = window.history.state;
    if (entry && entry.linkFlow && (entry.step === "systems" || entry.step === "credentials")) {
      state.index = entry.index;
      goTo(resolveStep(entry), { replace: true, focus: false });
    } else {
      state.index = entry && entry.linkFlow ? entry.index : 0;
      goTo(firstStep(), { replace: true, focus: false });
    }
  }

  function showPurpose(purpose) {
    const shown = purpose === "reconnect" ? "reconnect" : "connect";
    root.querySelectorAll("[data-purpose]").forEach((node) => {
      node.hidden = node.getAttribute("data-purpose") !== shown;
    });
  }

  function showConnectionName(name) {
    const line = root.querySelector("[data-connection-name]");
    line.hidden = !name;
    page.bindText("connection-name", name || "");
  }

  // The system picker -----------------------------------------------------

  function pickSystem(system) {
    selectSystem(system, true);
    goTo("credentials");
  }

  function selectSystem(system, chosenByCustomer) {
    if (!state.form || !state.system || state.system.key !== system.key) {
      state.system = system;
      state.form = page.createCredentialsForm(ui.form, system, state.session.ask, state.partner);
    }
    page.bindText("system", system.name);
    ui.creditsNote.hidden = system.affordable !== false;
    if (chosenByCustomer) {
      // Fire and forget: the timeline entry is nice to have, not needed.
      api.post("/events", { type: "system_chosen", system: system.key }, { keepalive: true });
      page.notifyHost("system_chosen", { system: system.key });
    }
  }

  // Credentials -----------------------------------------------------------

  async function connect() {
    const form = state.form;
    const system = state.system;
    if (state.submitting || !form || !system || !form.validate()) {
      return;
    }
    state.submitting = true;
    ui.back.disabled = true;
    form.setBusy(true, "Checking your credentials with {system}…", { system: system.name });
    page.notifyHost("credentials_submitted", { system: system.key });

    const body = { system: system.key, ...form.values() };
    const result = await api.post("/connect", body, { timeoutMs: CONNECT_TIMEOUT_MS });
    state.submitting = false;
    ui.back.disabled = false;
    form.setBusy(false);
    if (result.ok && result.data) {
      finish(result.data);
    } else {
      connectFailed(result, form);
    }
  }

  function connectFailed(result, form) {
    const error = result.error || {};
    const code = error.code || `HTTP_${result.status}`;
    if (result.status === 409 || code === "LINK_USED") {
      fail("error-used", code);
      return;
    }
    if (result.status === 410) {
      fail(goneStep(code), code);
      return;
    }
    if (result.status === 401) {
      fail("error-flow-expired", code);
      return;
    }

    page.notifyHost("error", { error_type: code });
    const message = error.message || FALLBACK_MESSAGES[code] || "Something went wrong. Try again.";
    const onStep = state.step === "credentials";
    if (!form.showError(error.field, message, onStep)) {
      form.showFormError(message, onStep);
    }
  }

  function finish(result) {
    const system = result.system || {};
    state.result = result;
    page.bindText("system", system.name || state.system.name);
    const shown = result.status === "inactive" ? "inactive" : "synchronizing";
    root.querySelectorAll("[data-done-status]").forEach((node) => {
      node.hidden = node.getAttribute("data-done-status") !== shown;
    });
    showRedirect(result.redirect_url);
    page.notifyHost("success", {
      connection_id: result.connection_id,
      system: system.key || state.system.key,
    });
    goTo("done");
  }

  /** Return ``value`` as a URL when it is an absolute http(s) one, else null. */
  function webUrl(value) {
    try {
      const url = value ? new URL(value) : null;
      return url && (url.protocol === "https:" || url.protocol === "http:") ? url : null;
    } catch (error) {
      return null;
    }
  }

  function showRedirect(value) {
    const url = webUrl(value);
    const usable = Boolean(url);
    ui.redirect.hidden = !usable;
    ui.redirectNote.hidden = true;
    if (!usable) {
      return;
    }
    ui.redirectLink.href = url.href;
    if (page.framed) {
      // In an iframe the partner's page replaces the host page, and only
      // when the customer clicks: the host decides what happens on success.
      ui.redirectLink.target = "_top";
    } else if (!window.opener) {
      // Alone in its window (an OAuth authorize or a plain link) the flow
      // goes back to the partner by itself, after the heading was read.
      ui.redirectNote.hidden = false;
      state.redirectTimer = setTimeout(() => window.location.assign(url.href), REDIRECT_DELAY_MS);
    }
  }

  // Leaving ---------------------------------------------------------------

  function closeFlow() {
    clearTimeout(state.redirectTimer);
    page.requestExit(publicStep(state.step), "user_closed");
    // An OAuth authorization left unfinished goes back with access_denied.
    const exitUrl = webUrl(state.session && state.session.exit_url);
    if (exitUrl && !state.result && !page.framed && !window.opener) {
      window.location.assign(exitUrl.href);
      return;
    }
    if (state.step === "closed") {
      return;
    }
    let kind = "unfinished";
    if (state.result || state.step === "error-used") {
      kind = "finished";
    } else if (isErrorStep(state.step)) {
      kind = "neutral";
    }
    root.querySelectorAll("[data-closed]").forEach((node) => {
      node.hidden = node.getAttribute("data-closed") !== kind;
    });

    const resumable = FLOW_STEPS.includes(state.step);
    state.stepBeforeClose = resumable ? state.step : null;
    if (resumable) {
      goTo("closed");
    } else {
      show("closed");
    }
  }

  // Wiring ----------------------------------------------------------------

  function on(action, handler) {
    root.querySelectorAll(`[data-action="${action}"]`).forEach((node) => {
      node.addEventListener("click", handler);
    });
  }

  on("back", goBack);
  on("close", closeFlow);
  on("retry", () => start());
  on("restart", () => window.location.reload());
  document.addEventListener("keydown", (event) => {
    // In a dialog, Escape leaves like Close does; a search box keeps its
    // own Escape (clearing the text) while it has any.
    const clearing = event.target.type === "search" && event.target.value;
    if (event.key === "Escape" && page.framed && !clearing && !event.defaultPrevented) {
      closeFlow();
    }
  });
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    connect();
  });
  window.addEventListener("popstate", onPopState);

  page.notifyHost("ready", {});
  start();
})();
