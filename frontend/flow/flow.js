/*
 * The link flow: welcome, system picker, credentials, done. Each step is a
 * <section data-step> in link.html; this script shows one at a time, keeps
 * the browser's Back button in step (pushState, keeping the #token), and
 * talks to the flow API.
 */
(function () {
  "use strict";

  const page = window.LinkFlowPage;
  if (!page || page.root.getAttribute("data-page") !== "flow") {
    return;
  }

  const root = page.root;
  const element = page.element;
  const api = page.createApi(root.getAttribute("data-api-base"));
  const linkId = root.getAttribute("data-link-id") || "";

  const FLOW_STEPS = ["welcome", "systems", "credentials", "done"];
  const CONNECT_TIMEOUT_MS = 120000;
  const BACK_FALLBACK_MS = 400;
  const COUNT_DELAY_MS = 300;

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
    brand: root.querySelector("[data-brand]"),
    progress: root.querySelector(".progress"),
    progressItems: root.querySelectorAll("[data-progress]"),
    search: root.querySelector("[data-system-search]"),
    count: root.querySelector("[data-system-count]"),
    list: root.querySelector("[data-system-list]"),
    form: root.querySelector("[data-credentials-form]"),
    creditsNote: root.querySelector("[data-credits-note]"),
    redirect: root.querySelector("[data-redirect]"),
    redirectLink: root.querySelector("[data-redirect-link]"),
    errorDetail: root.querySelector("[data-error-detail]"),
  };

  const state = {
    step: null,
    index: 0,
    partner: root.getAttribute("data-partner-name") || "your provider",
    session: null,
    systems: [],
    systemItems: [],
    system: null,
    form: null,
    submitting: false,
    result: null,
    stepBeforeClose: null,
    backTimer: null,
    countTimer: null,
  };

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
        return hasPicker() ? "systems" : "welcome";
      }
      selectSystem(system, false);
      step = "credentials";
    }
    if (step === "closed") {
      return state.stepBeforeClose ? "closed" : "welcome";
    }
    if (step === "systems" && !hasPicker()) {
      return "welcome";
    }

    return FLOW_STEPS.includes(step) ? step : "welcome";
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
    applyBranding(branding);
    showPurpose(session.link && session.link.purpose);
    showConnectionName(session.connection && session.connection.name);

    if (!state.systems.length) {
      fail("error-no-systems", "NO_SYSTEMS", { focus: false });
      return;
    }
    renderSystems();
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
      goTo("welcome", { replace: true, focus: false });
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

  function applyBranding(branding) {
    const color = typeof branding.color === "string" ? branding.color.trim() : "";
    if (/^#[0-9a-f]{6}$/i.test(color)) {
      // CSSOM, not a style attribute: allowed under style-src 'self'.
      document.documentElement.style.setProperty("--brand", color);
      document.documentElement.style.setProperty("--brand-text", readableOn(color));
    }
    const logo = imageUrl(branding.logo_url);
    if (logo) {
      const image = element("img", "brand-logo");
      image.alt = "";
      image.addEventListener("error", () => image.remove());
      image.src = logo;
      ui.brand.prepend(image);
    }
  }

  /** Return black or white, whichever reads better on ``hex``. */
  function readableOn(hex) {
    const channels = [1, 3, 5].map((start) => {
      const value = parseInt(hex.slice(start, start + 2), 16) / 255;
      return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
    });
    const luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];

    return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? "#111111" : "#ffffff";
  }

  /** Return a logo URL the page's CSP lets through (same origin or data:). */
  function imageUrl(value) {
    if (typeof value !== "string" || !value) {
      return null;
    }
    if (/^data:image\/(png|gif|jpeg|webp);base64,/i.test(value)) {
      return value;
    }
    try {
      const url = new URL(value, location.href);
      return url.origin === location.origin ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  // The system picker -----------------------------------------------------

  function creditText(credits) {
    return credits === 1 ? "1 credit" : `${credits} credits`;
  }

  function normalise(text) {
    return String(text || "")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase();
  }

  function renderSystems() {
    ui.list.textContent = "";
    state.systemItems = state.systems.map((system, index) => {
      const item = element("li", "system-item");
      item.appendChild(systemButton(system, `system-${index}`));
      ui.list.appendChild(item);
      const text = normalise([system.name, system.key, system.description].join(" "));

      return { item, text };
    });
    filterSystems();
    updateCount();
  }

  function systemButton(system, id) {
    const button = element("button", "system");
    const cost = creditText(Number(system.credits) || 0);
    const described = [];
    button.type = "button";
    button.setAttribute("aria-label", `${system.name}, ${cost}`);

    const head = element("span", "system-head");
    const name = element("span", "system-name", system.name);
    name.dir = "auto";
    head.append(name, element("span", "system-cost", cost));
    button.appendChild(head);

    if (system.deployment === "on_prem") {
      button.appendChild(describedPart("system-tag", `${id}-deploy`, "On-premises", described));
    }
    if (system.description) {
      button.appendChild(describedPart("system-desc", `${id}-desc`, system.description, described));
    }
    if (system.affordable === false) {
      const note = describedPart("system-note", `${id}-note`, "", described);
      page.fillText(
        note,
        "Note: {partner} has no credits left for this system. You can still connect; it will start once {partner} adds credits.",
        { partner: state.partner },
      );
      button.appendChild(note);
    }
    if (described.length) {
      button.setAttribute("aria-describedby", described.join(" "));
    }
    button.addEventListener("click", () => pickSystem(system));

    return button;
  }

  function describedPart(className, id, text, described) {
    const part = element("span", className, text);
    part.id = id;
    described.push(id);

    return part;
  }

  function filterSystems() {
    const words = normalise(ui.search.value).split(/\s+/).filter(Boolean);
    state.systemItems.forEach(({ item, text }) => {
      item.hidden = !words.every((word) => text.includes(word));
    });
  }

  function updateCount() {
    const total = state.systemItems.length;
    const shown = state.systemItems.filter(({ item }) => !item.hidden).length;
    const query = ui.search.value.trim();
    if (!query) {
      ui.count.textContent = `${total} systems available.`;
    } else if (shown === 0) {
      page.fillText(ui.count, "No system matches “{query}”. Try another name.", { query });
    } else {
      ui.count.textContent = `${shown} of ${total} systems match.`;
    }
  }

  function onSearch() {
    filterSystems();
    // Announce the count once typing pauses, not on every key.
    clearTimeout(state.countTimer);
    state.countTimer = setTimeout(updateCount, COUNT_DELAY_MS);
  }

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

  function showRedirect(value) {
    let url = null;
    try {
      url = value ? new URL(value) : null;
    } catch (error) {
      url = null;
    }
    const usable = url && (url.protocol === "https:" || url.protocol === "http:");
    ui.redirect.hidden = !usable;
    if (usable) {
      ui.redirectLink.href = url.href;
      // Inside an iframe the partner's page should replace the host page;
      // the customer clicks it, we never navigate on our own.
      if (page.framed) {
        ui.redirectLink.target = "_top";
      }
    }
  }

  // Leaving ---------------------------------------------------------------

  function closeFlow() {
    page.requestExit(publicStep(state.step), "user_closed");
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
  on("start", () => {
    if (hasPicker()) {
      goTo("systems");
    } else {
      goTo("credentials");
    }
  });
  on("retry", () => start());
  on("restart", () => window.location.reload());
  ui.search.addEventListener("input", onSearch);
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    connect();
  });
  window.addEventListener("popstate", onPopState);

  page.notifyHost("ready", {});
  start();
})();
