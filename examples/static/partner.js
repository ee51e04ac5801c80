/*
 * The partner page: opens link-flow in each mode and logs every callback.
 * window.partnerLog keeps the same entries for the end-to-end tests.
 */
(async function () {
  "use strict";

  const root = document.querySelector("[data-partner]");
  const list = document.querySelector("[data-log]");
  const debug = document.querySelector("[data-debug]");
  const buttons = document.querySelectorAll("[data-open]");
  const moduleUrl = root.getAttribute("data-sdk-module");
  const LinkFlow = moduleUrl ? (await import(moduleUrl)).LinkFlow : window.LinkFlow;

  window.partnerLog = [];

  function note(name, detail) {
    window.partnerLog.push({ name, detail });
    const item = document.createElement("li");
    item.textContent = `${name} ${JSON.stringify(detail)}`;
    list.append(item);
  }

  const callbacks = {
    onLoad: (detail) => note("onLoad", detail),
    onEvent: (detail) => note("onEvent", detail),
    onSuccess: (detail) => note("onSuccess", detail),
    onExit: (detail) => note("onExit", detail),
  };

  /** Ask our own server for a fresh magic link (it holds the client secret). */
  async function newLink(body) {
    const response = await fetch("/magic-link", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    return (await response.json()).url;
  }

  // A popup must open inside the click itself, or the browser blocks it:
  // the link for it is fetched before the click.
  let popupLink = await newLink();

  async function openFlow(mode) {
    let url = popupLink;
    if (mode === "popup") {
      popupLink = null;
      newLink().then((next) => {
        popupLink = next;
      });
    } else {
      url = await newLink({ redirect: mode === "redirect" });
    }
    // Clicked before the first link arrived: the popup may well be blocked.
    url = url || (await newLink());
    LinkFlow.open({ url, mode, debug: debug.checked, ...callbacks });
  }

  buttons.forEach((button) => {
    button.addEventListener("click", () => openFlow(button.getAttribute("data-open")));
    button.disabled = false;
  });
  window.partner = { LinkFlow, callbacks, newLink };
  root.setAttribute("data-ready", "");
})();
