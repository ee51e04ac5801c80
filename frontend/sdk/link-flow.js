/*
 * link-flow SDK: open the link flow from a partner's page, as a modal
 * dialog over the page, a centred popup window, or a full-page redirect.
 *
 *   <script src="https://link.example.com/sdk/link-flow.js"></script>
 *   LinkFlow.open({ url, mode: "modal", onSuccess, onExit, onEvent, onLoad })
 *
 * or, as an ES module, import { LinkFlow } from ".../sdk/link-flow.mjs"
 * (the same code with exports added by the server). No dependencies, no
 * build step. The options and events are documented in README.md,
 * "Embedding".
 *
 * Safety rules kept here: messages are accepted only from the flow's exact
 * origin and from the window this SDK opened, and only in the documented
 * shapes; nothing is ever posted with "*". Styles are set through the
 * CSSOM, so a partner's strict style-src does not need 'unsafe-inline'.
 */
(function (global) {
  "use strict";

  const VERSION = "1.0.0";

  if (!global.document || (global.LinkFlow && global.LinkFlow.version === VERSION)) {
    return;
  }

  const MODES = ["modal", "popup", "redirect"];
  const DEFAULTS = {
    mode: "modal",
    title: "Connect your system",
    debug: false,
    loadTimeout: 15000,
    onSuccess: null,
    onExit: null,
    onEvent: null,
    onLoad: null,
  };
  const SMALL_SCREEN = "(max-width: 600px)";
  const POPUP = { width: 480, height: 720 };
  const DEFAULT_FRAME_HEIGHT = 640;
  const SDK_PATH = /\/sdk\/(?:[^/]+\/)?link-flow\.m?js(?:[?#].*)?$/;

  // The closed set of messages the flow posts, and the fields each carries.
  const isText = (value) => typeof value === "string" && value.length > 0 && value.length <= 200;
  const isHeight = (value) => typeof value === "number" && value >= 0 && value <= 100000;
  const MESSAGES = {
    ready: {},
    step_changed: { step: isText },
    system_chosen: { system: isText },
    credentials_submitted: { system: isText },
    error: { error_type: isText },
    exit: { step: isText, reason: isText },
    success: { connection_id: isText, system: isText },
    resize: { height: isHeight },
  };

  let current = null;
  let sequence = 0;

  /** Return the message in ``data`` with only its documented fields, or null. */
  function readMessage(data) {
    if (!data || typeof data !== "object" || data.source !== "link-flow" || data.version !== 1) {
      return null;
    }
    if (typeof data.type !== "string" || !Object.prototype.hasOwnProperty.call(MESSAGES, data.type)) {
      return null;
    }
    const message = { type: data.type };
    const fields = MESSAGES[data.type];
    for (const name of Object.keys(fields)) {
      if (!fields[name](data[name])) {
        return null;
      }
      message[name] = data[name];
    }

    return message;
  }

  /** Return where link-flow lives, from the URL this script was loaded from. */
  function baseFrom(scriptUrl) {
    if (!scriptUrl) {
      return null;
    }
    const url = new URL(scriptUrl, global.location.href);

    return SDK_PATH.test(url.href) ? url.href.replace(SDK_PATH, "") : url.origin;
  }

  /**
   * Return the link id inside a magic link token. The token is
   * "<payload>.<signature>" with the payload base64url JSON {"l": id}; the
   * id is readable, and the server checks the signature before anything.
   */
  function linkIdFromToken(token) {
    const payload = String(token).split(".")[0];
    try {
      const padded = payload.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((payload.length + 3) % 4);
      const data = JSON.parse(global.atob(padded));
      if (data && typeof data.l === "string" && /^[\w-]+$/.test(data.l)) {
        return data.l;
      }
    } catch (error) {
      // Falls through to the error below.
    }
    throw new TypeError("LinkFlow.open: token is not a link-flow magic link token");
  }

  /** Return the flow's URL; with ``reportOrigin`` it names this page's origin. */
  function flowUrl(settings, reportOrigin) {
    let url;
    if (settings.url) {
      url = new URL(String(settings.url), global.location.href);
    } else if (settings.token) {
      const base = settings.baseUrl || LinkFlow.baseUrl;
      if (!base) {
        throw new TypeError("LinkFlow.open: with token, give baseUrl (where link-flow runs)");
      }
      const linkId = linkIdFromToken(settings.token);
      url = new URL(`${String(base).replace(/\/+$/, "")}/link/${linkId}`);
      url.hash = String(settings.token);
    } else {
      throw new TypeError("LinkFlow.open: give url (a magic link URL) or token");
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new TypeError("LinkFlow.open: url must be an http(s) URL");
    }
    if (reportOrigin) {
      url.searchParams.set("origin", global.location.origin);
    }

    return url;
  }

  /** Set styles through the CSSOM, marked important against the host's CSS. */
  function style(node, rules) {
    Object.keys(rules).forEach((name) => node.style.setProperty(name, rules[name], "important"));
  }

  function element(tag, attributes, rules) {
    const node = global.document.createElement(tag);
    Object.keys(attributes || {}).forEach((name) => node.setAttribute(name, attributes[name]));
    style(node, rules || {});

    return node;
  }

  // Host page state a dialog changes and must give back ------------------

  /** Make everything outside ``keep`` inert; return a function undoing it. */
  function isolate(keep) {
    const changed = [];
    Array.from(global.document.body.children).forEach((node) => {
      if (node !== keep && !node.hasAttribute("inert")) {
        node.setAttribute("inert", "");
        changed.push(node);
      }
    });

    return () => changed.forEach((node) => node.removeAttribute("inert"));
  }

  /** Stop the page behind from scrolling; return a function undoing it. */
  function lockScroll() {
    const root = global.document.documentElement;
    const saved = [root.style.getPropertyValue("overflow"), root.style.getPropertyPriority("overflow")];
    root.style.setProperty("overflow", "hidden", "important");

    return () => {
      if (saved[0]) {
        root.style.setProperty("overflow", saved[0], saved[1]);
      } else {
        root.style.removeProperty("overflow");
      }
    };
  }

  function returnFocusTo(node) {
    return () => {
      if (node && node.isConnected && typeof node.focus === "function") {
        node.focus();
      }
    };
  }

  // Modal -------------------------------------------------------------------

  /**
   * Lay an accessible dialog with the flow's iframe over the page. Returns
   * the view: the window messages must come from, resize() and remove().
   */
  function mountModal(settings, url, leave) {
    const doc = global.document;
    const id = `link-flow-${++sequence}`;
    const overlay = element("div", { "data-link-flow": "overlay" }, {
      position: "fixed", inset: "0", "z-index": "2147483000", display: "flex",
      "align-items": "center", "justify-content": "center", margin: "0",
      background: "rgba(17, 24, 39, 0.6)",
    });
    const dialog = element("div", {
      role: "dialog", "aria-modal": "true", "aria-labelledby": `${id}-title`, "data-link-flow": "dialog",
    }, {
      display: "flex", "flex-direction": "column", "box-sizing": "border-box", width: "100%",
      background: "#ffffff", overflow: "hidden", "box-shadow": "0 20px 50px rgba(0, 0, 0, 0.3)",
    });
    const header = element("div", {}, {
      display: "flex", "align-items": "center", "justify-content": "space-between", gap: "8px",
      padding: "6px 6px 6px 16px", "border-bottom": "1px solid #e5e7eb", "flex": "0 0 auto",
    });
    const title = element("h2", { id: `${id}-title` }, {
      margin: "0", "font": "600 15px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
      color: "#111827",
    });
    title.textContent = settings.title;
    const close = element("button", { type: "button", "aria-label": "Close dialog" }, {
      width: "40px", height: "40px", margin: "0", padding: "0", border: "0", "border-radius": "8px",
      background: "transparent", color: "#374151", cursor: "pointer",
      "font": "400 24px/1 system-ui, sans-serif",
    });
    close.textContent = "×";
    const frame = element("iframe", {
      src: url.href,
      title: settings.title,
      referrerpolicy: "no-referrer",
      sandbox: "allow-scripts allow-same-origin allow-forms allow-popups "
        + "allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation",
    }, {
      display: "block", width: "100%", border: "0", margin: "0", "flex": "1 1 auto",
      "min-height": "0", background: "#ffffff",
    });
    // Keyboard focus wraps around inside the dialog: reaching either end
    // moves it to the other one.
    const start = element("span", { tabindex: "0", "data-link-flow": "focus-start" });
    const end = element("span", { tabindex: "0", "data-link-flow": "focus-end" });
    start.addEventListener("focus", () => frame.focus());
    end.addEventListener("focus", () => close.focus());
    close.addEventListener("click", () => leave("user_closed"));

    header.append(title, close);
    dialog.append(header, frame);
    overlay.append(start, dialog, end);

    let frameHeight = DEFAULT_FRAME_HEIGHT;
    const small = global.matchMedia(SMALL_SCREEN);
    function layout() {
      if (small.matches) {
        style(overlay, { padding: "0" });
        style(dialog, { height: "100%", "max-width": "none", "max-height": "none", "border-radius": "0" });
        style(frame, { height: "auto" });
      } else {
        style(overlay, { padding: "16px" });
        style(dialog, {
          height: "auto", "max-width": "480px", "max-height": "100%", "border-radius": "12px",
        });
        style(frame, { height: `${frameHeight}px` });
      }
    }
    function onKey(event) {
      if (event.key === "Escape") {
        event.preventDefault();
        leave("user_closed");
      }
    }

    const restoreFocus = returnFocusTo(doc.activeElement);
    doc.body.append(overlay);
    const restoreInert = isolate(overlay);
    const restoreScroll = lockScroll();
    layout();
    small.addEventListener("change", layout);
    doc.addEventListener("keydown", onKey, true);
    frame.focus();

    return {
      target: frame.contentWindow,
      resize(height) {
        frameHeight = Math.max(200, Math.ceil(height));
        layout();
      },
      remove() {
        doc.removeEventListener("keydown", onKey, true);
        small.removeEventListener("change", layout);
        overlay.remove();
        restoreInert();
        restoreScroll();
        restoreFocus();
      },
    };
  }

  // Popup -------------------------------------------------------------------

  /** Open the flow in a centred window; return the view, or null if blocked. */
  function mountPopup(settings, url, leave) {
    const width = Math.min(POPUP.width, global.screen.availWidth || POPUP.width);
    const height = Math.min(POPUP.height, global.screen.availHeight || POPUP.height);
    const left = Math.max(0, Math.round(global.screenX + (global.outerWidth - width) / 2));
    const top = Math.max(0, Math.round(global.screenY + (global.outerHeight - height) / 2));
    const features = `popup=yes,width=${width},height=${height},left=${left},top=${top}`;
    let popup = null;
    try {
      popup = global.open(url.href, `link-flow-${++sequence}`, features);
    } catch (error) {
      popup = null;
    }
    if (!popup || popup.closed) {
      return null;
    }
    popup.focus();
    // The customer may close the window with the browser's own button.
    const watch = global.setInterval(() => {
      if (popup.closed) {
        leave("window_closed");
      }
    }, 400);

    return {
      target: popup,
      resize() {},
      remove() {
        global.clearInterval(watch);
        if (!popup.closed) {
          popup.close();
        }
      },
    };
  }

  /** Tell the customer the popup was blocked, with a button to try again. */
  function showPopupBlocked(settings) {
    const doc = global.document;
    const id = `link-flow-${++sequence}`;
    const overlay = element("div", { "data-link-flow": "popup-blocked" }, {
      position: "fixed", inset: "0", "z-index": "2147483000", display: "flex",
      "align-items": "center", "justify-content": "center", padding: "16px",
      background: "rgba(17, 24, 39, 0.6)",
    });
    const box = element("div", {
      role: "alertdialog", "aria-modal": "true",
      "aria-labelledby": `${id}-title`, "aria-describedby": `${id}-text`,
    }, {
      "max-width": "420px", padding: "20px 24px", background: "#ffffff", color: "#111827",
      "border-radius": "12px", font: "400 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    });
    const title = element("h2", { id: `${id}-title` }, { margin: "0 0 8px", font: "600 18px/1.3 inherit" });
    title.textContent = "The window was blocked";
    const text = element("p", { id: `${id}-text` }, { margin: "0 0 16px" });
    text.textContent = "Your browser blocked the window for connecting your system. "
      + "Allow pop-ups for this site, or open the window with the button below.";
    const retry = element("button", { type: "button" }, {
      padding: "8px 14px", "border-radius": "8px", border: "0", background: "#2451d6",
      color: "#ffffff", cursor: "pointer", font: "600 15px/1.4 inherit", "margin-right": "8px",
    });
    retry.textContent = "Open the window";
    const dismiss = element("button", { type: "button" }, {
      padding: "8px 14px", "border-radius": "8px", border: "1px solid #cfd6de",
      background: "#ffffff", color: "#111827", cursor: "pointer", font: "600 15px/1.4 inherit",
    });
    dismiss.textContent = "Not now";
    box.append(title, text, retry, dismiss);
    overlay.append(box);

    const restoreFocus = returnFocusTo(doc.activeElement);
    doc.body.append(overlay);
    const restoreInert = isolate(overlay);
    function remove() {
      doc.removeEventListener("keydown", onKey, true);
      overlay.remove();
      restoreInert();
      restoreFocus();
    }
    function onKey(event) {
      if (event.key === "Escape") {
        event.preventDefault();
        remove();
      } else if (event.key === "Tab") {
        // Two buttons: keep focus on them.
        event.preventDefault();
        (doc.activeElement === retry ? dismiss : retry).focus();
      }
    }
    retry.addEventListener("click", () => {
      remove();
      open(settings);
    });
    dismiss.addEventListener("click", remove);
    doc.addEventListener("keydown", onKey, true);
    retry.focus();
  }

  // One opened flow -----------------------------------------------------------

  function createFlow(settings, url) {
    const state = { closed: false, ready: false, succeeded: false, step: null, view: null, timer: null };

    function debug(...args) {
      if (settings.debug && global.console) {
        global.console.debug("[link-flow]", ...args);
      }
    }

    /** Call a partner callback; its error surfaces without breaking the flow. */
    function call(name, payload) {
      const callback = settings[name];
      if (typeof callback !== "function") {
        return;
      }
      try {
        callback(payload);
      } catch (error) {
        global.setTimeout(() => {
          throw error;
        });
      }
    }

    /** End this flow: remove what it added, then onExit, all at most once. */
    function end(detail) {
      if (state.closed) {
        return;
      }
      state.closed = true;
      global.clearTimeout(state.timer);
      global.removeEventListener("message", onMessage);
      if (state.view) {
        state.view.remove();
      }
      if (current === flow) {
        current = null;
      }
      debug("exit", detail);
      call("onExit", detail);
    }

    function leave(reason) {
      end({ step: state.step || "loading", reason });
    }

    function onMessage(event) {
      if (state.closed || !state.view || event.origin !== url.origin || event.source !== state.view.target) {
        return;
      }
      const message = readMessage(event.data);
      if (!message) {
        debug("ignored a message of unknown shape");
        return;
      }
      if (!state.ready && message.type !== "ready") {
        return;
      }
      debug("received", message.type);
      handle(message);
    }

    function handle(message) {
      switch (message.type) {
        case "ready":
          if (!state.ready) {
            state.ready = true;
            global.clearTimeout(state.timer);
            call("onEvent", message);
            call("onLoad", {});
          }
          break;
        case "resize":
          state.view.resize(message.height);
          break;
        case "step_changed":
          state.step = message.step;
          call("onEvent", message);
          break;
        case "success":
          if (!state.succeeded) {
            state.succeeded = true;
            state.step = "done";
            call("onEvent", message);
            call("onSuccess", { connection_id: message.connection_id, system: message.system });
          }
          break;
        case "exit":
          call("onEvent", message);
          end({ step: message.step, reason: message.reason });
          break;
        default:
          call("onEvent", message);
      }
    }

    function start() {
      if (settings.mode === "redirect") {
        state.closed = true;
        global.location.assign(url.href);
        return;
      }
      global.addEventListener("message", onMessage);
      const mount = settings.mode === "popup" ? mountPopup : mountModal;
      state.view = mount(settings, url, leave);
      if (!state.view) {
        debug("the popup was blocked");
        end({ step: null, reason: "popup_blocked" });
        showPopupBlocked(settings);
        return;
      }
      state.timer = global.setTimeout(() => {
        if (!state.closed && !state.ready) {
          // Usually an origin missing from the account's allowed origins.
          debug("the flow did not load; is this origin allowed?", global.location.origin);
          call("onEvent", { type: "error", error_type: "FLOW_NOT_LOADED" });
        }
      }, settings.loadTimeout);
    }

    const flow = {
      key: `${settings.mode} ${url.href}`,
      start,
      end,
      handle: Object.freeze({
        mode: settings.mode,
        close() {
          leave("closed_by_host");
        },
        get closed() {
          return state.closed;
        },
      }),
    };

    return flow;
  }

  /**
   * Open the flow; return a handle with close(). Opening what is already
   * open returns the same handle; opening something else first closes the
   * flow that was open, so there is never more than one.
   */
  function open(options) {
    const settings = Object.assign({}, DEFAULTS, options || {});
    if (!MODES.includes(settings.mode)) {
      throw new TypeError(`LinkFlow.open: mode must be one of ${MODES.join(", ")}`);
    }
    const url = flowUrl(settings, settings.mode !== "redirect");
    const key = `${settings.mode} ${url.href}`;
    if (current && current.key === key) {
      return current.handle;
    }
    if (current) {
      current.handle.close();
    }
    const flow = createFlow(settings, url);
    if (settings.mode !== "redirect") {
      current = flow;
    }
    flow.start();

    return flow.handle;
  }

  const script = global.document.currentScript;
  const LinkFlow = {
    version: VERSION,
    baseUrl: baseFrom(script && script.src),
    open,
    /** Close whichever flow is open, if any. */
    close() {
      if (current) {
        current.handle.close();
      }
    },
    /** Used by the module build: where link-flow lives, from import.meta.url. */
    setScriptUrl(scriptUrl) {
      LinkFlow.baseUrl = LinkFlow.baseUrl || baseFrom(scriptUrl);
    },
  };

  global.LinkFlow = LinkFlow;
})(typeof window !== "undefined" ? window : globalThis);
