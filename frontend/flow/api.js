/*
 * The flow's JSON calls. No cookies are sent or needed: the flow works in a
 * cross-site iframe with third-party cookies blocked, so the session rides
 * in the X-Link-Flow-Token header instead.
 */
(function () {
  "use strict";

  const page = window.LinkFlowPage;
  if (!page) {
    return;
  }

  const FLOW_TOKEN_HEADER = "X-Link-Flow-Token";

  /**
   * Return a client for the flow API under ``base``. Each call resolves to
   * ``{ok, status, data, error}``; it never rejects. ``error`` is the API's
   * error object, or ``{code: "NETWORK_ERROR" | "CLIENT_TIMEOUT"}``.
   */
  function createApi(base) {
    const apiBase = (base || "").replace(/\/+$/, "");
    let flowToken = null;

    async function post(path, body, { timeoutMs = 30000, keepalive = false } = {}) {
      const headers = {
        Accept: "application/json",
        "Content-Type": "application/json",
      };
      if (flowToken) {
        headers[FLOW_TOKEN_HEADER] = flowToken;
      }
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);

      try {
        const response = await fetch(apiBase + path, {
          method: "POST",
          headers,
          body: JSON.stringify(body),
          credentials: "omit",
          cache: "no-store",
          keepalive,
          signal: controller.signal,
        });
        const data = await readJson(response);
        const error = response.ok ? null : errorFrom(data, response.status);
        page.debug("POST", path, response.status, error ? error.code : "ok");

        return { ok: response.ok, status: response.status, data, error };
      } catch (failure) {
        const code = failure.name === "AbortError" ? "CLIENT_TIMEOUT" : "NETWORK_ERROR";
        page.debug("POST", path, "failed", code);

        return { ok: false, status: 0, data: null, error: { code } };
      } finally {
        clearTimeout(timer);
      }
    }

    return {
      post,
      setFlowToken(token) {
        flowToken = token;
      },
    };
  }

  async function readJson(response) {
    try {
      return await response.json();
    } catch (error) {
      return null;
    }
  }

  function errorFrom(data, status) {
    const error = data && typeof data.error === "object" ? data.error : null;
    if (error && typeof error.code === "string") {
      return error;
    }

    return { code: `HTTP_${status}` };
  }

  page.createApi = createApi;
})();
