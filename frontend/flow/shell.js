/*
 * What the link flow and its error page share: messages to the host page,
 * the Close button's "You can close this window" state, debug output and
 * safe text helpers. Exposed as window.LinkFlowPage for the other scripts.
 */
(function () {
  "use strict";

  const root = document.querySelector("main[data-page]");
  if (!root) {
    return;
  }

  const debugEnabled = root.hasAttribute("data-debug");
  const hostOrigin = exactOrigin(root.getAttribute("data-host-origin"));
  const framed = window.parent !== window;

  /** Write to the console, but only when the page was rendered in debug mode. */
  function debug(...args) {
    if (debugEnabled && window.console) {
      window.console.debug("[link-flow]", ...args);
    }
  }

  /** Return ``value`` when it is exactly an http(s) origin, else null. */
  function exactOrigin(value) {
    if (!value) {
      return null;
    }
    try {
      const url = new URL(value);
      const isWeb = url.protocol === "https:" || url.protocol === "http:";
      return isWeb && url.origin === value ? value : null;
    } catch (error) {
      return null;
    }
  }

  /**
   * Tell the page that opened the flow (iframe parent or popup opener) what
   * happened. Posts only to the exact origin the server rendered; without
   * one nothing is sent. Never pass credentials or tokens in ``detail``.
   */
  function notifyHost(type, detail) {
    const target = framed ? window.parent : window.opener;
    if (!hostOrigin || !target) {
      return;
    }
    const message = { ...detail, source: "link-flow", version: 1, type };
    try {
      target.postMessage(message, hostOrigin);
      debug("posted", type, detail || {});
    } catch (error) {
      debug("postMessage failed", error);
    }
    if (type === "ready" && framed) {
      reportHeight();
    }
  }

  /**
   * After the ready handshake, tell a framing host how tall the content is,
   * so the frame needs no scrollbar; again whenever it changes. Measured
   * from the children, since the card may stretch to the viewport.
   */
  function reportHeight() {
    const container = root.parentElement;
    if (!container || !("ResizeObserver" in window)) {
      return;
    }
    let reported = 0;
    const observer = new ResizeObserver(() => {
      const height = Math.ceil(contentBottom(container) + window.scrollY);
      if (height !== reported) {
        reported = height;
        notifyHost("resize", { height });
      }
    });
    [container, ...container.children, ...root.children].forEach((node) => observer.observe(node));
  }

  /** Return where ``node``'s content ends, in viewport pixels. */
  function contentBottom(node) {
    const style = getComputedStyle(node);
    const ends = Array.from(node.children, (child) =>
      child === root ? contentBottom(child) : child.getBoundingClientRect().bottom,
    );
    const edge = parseFloat(style.paddingBottom) + parseFloat(style.borderBottomWidth);

    return Math.max(node.getBoundingClientRect().top, ...ends) + (edge || 0);
  }

  /**
   * Fill ``element`` with ``template``, putting each {name} value in its own
   * <bdi> as text: names may hold markup, right-to-left text or emoji.
   */
  function fillText(element, template, values) {
    element.textContent = "";
    template.split(/(\{\w+\})/).forEach((part) => {
      const match = /^\{(\w+)\}$/.exec(part);
      if (match && Object.prototype.hasOwnProperty.call(values, match[1])) {
        const isolate = document.createElement("bdi");
        isolate.textContent = String(values[match[1]]);
        element.appendChild(isolate);
      } else if (part) {
        element.appendChild(document.createTextNode(part));
      }
    });
  }

  /** Set the text of every [data-bind=name] element to ``value``. */
  function bindText(name, value) {
    root.querySelectorAll(`[data-bind="${name}"]`).forEach((node) => {
      node.textContent = value;
    });
  }

  /** Move focus to a step's heading so screen readers announce the change. */
  function focusHeading(section) {
    const heading = section && section.querySelector("h1");
    if (heading) {
      heading.focus();
    }
  }

  /**
   * Leave the flow: tell the host (which closes its iframe or popup), close
   * a popup we own, and report whether this window may still be showing.
   */
  function requestExit(step, reason) {
    notifyHost("exit", { step, reason });
    if (!framed && window.opener) {
      try {
        window.close();
      } catch (error) {
        debug("window.close failed", error);
      }
    }
  }

  /** Create an element, optionally with a class and text (never HTML). */
  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }

    return node;
  }

  /** Apply the partner's colour (a #rrggbb) and a logo the CSP allows. */
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
      root.querySelector("[data-brand]").prepend(image);
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


  function setUpErrorPage() {
    const closeButton = root.querySelector('[data-action="close"]');
    const errorSection = root.querySelector('[data-step="error"]');
    const closedSection = root.querySelector('[data-step="closed"]');
    const status = root.getAttribute("data-status");
    const code = root.getAttribute("data-error-code") || `HTTP_${status}`;

    closeButton.hidden = false;
    closeButton.addEventListener("click", () => {
      requestExit("error", "user_closed");
      errorSection.hidden = true;
      closedSection.hidden = false;
      closeButton.hidden = true;
      focusHeading(closedSection);
    });
    notifyHost("ready", {});
    notifyHost("error", { error_type: code });
  }

  window.LinkFlowPage = {
    root,
    framed,
    debug,
    notifyHost,
    fillText,
    bindText,
    focusHeading,
    requestExit,
    element,
    applyBranding,
  };

  if (root.getAttribute("data-page") === "error") {
    setUpErrorPage();
  }
})();
