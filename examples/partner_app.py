"""A tiny partner web app that embeds link-flow: modal, popup, redirect, OAuth.

Run it next to link-flow (``make run`` prints the demo client credentials)::

    LINK_FLOW_URL=http://127.0.0.1:5000 \\
    LINK_FLOW_CLIENT_ID=... LINK_FLOW_CLIENT_SECRET=... \\
    python examples/partner_app.py

then open http://127.0.0.2:5001. The account must list that origin in its
allowed origins and ``http://127.0.0.2:5001/callback`` in its redirect URIs
(``link-flow accounts create --origin ... --redirect-uri ...``).

The client secret stays on this server: the page asks this server for a
magic link, and this server asks link-flow with its admin token.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import requests
from flask import Flask, Response, abort, jsonify, redirect, render_template, request
from flask import session as browser_session
from oauthlib.oauth2 import WebApplicationClient
from requests_oauthlib import OAuth2Session


def create_partner_app(
    link_flow_url: str, client_id: str = "", client_secret: str = ""
) -> Flask:
    """Return the example app; the credentials can also be set in its config later."""
    app = Flask(__name__, root_path=str(Path(__file__).resolve().parent))
    app.config.update(
        SECRET_KEY=secrets.token_hex(32),
        LINK_FLOW_URL=link_flow_url.rstrip("/"),
        CLIENT_ID=client_id,
        CLIENT_SECRET=client_secret,
    )

    @app.after_request
    def strict_csp(response: Response) -> Response:
        # The SDK needs no inline script or style: a strict policy works.
        lf = app.config["LINK_FLOW_URL"]
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'self' {lf}; frame-src {lf}; "
            "style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "base-uri 'none'; form-action 'self'"
        )
        return response

    @app.get("/")
    def index() -> str:
        return render_template(
            "index.html",
            link_flow_url=app.config["LINK_FLOW_URL"],
            module=request.args.get("sdk") == "module",
        )

    @app.post("/magic-link")
    def magic_link() -> Response:
        # A real partner checks its own user's session here.
        body = request.get_json(silent=True) or {}
        link = {"name": "Example customer", "user_metadata": {"source": "example"}}
        if body.get("redirect"):
            link["redirect_url"] = request.host_url + "callback"
        answer = _admin_call(app, "POST", "/api/v1/magic-links", json=link)
        return jsonify(
            {"url": answer["url"], "connection_id": answer["connection"]["id"]}
        )

    @app.get("/oauth/start")
    def oauth_start() -> Response:
        # PKCE: the challenge goes out now, the verifier only with the code.
        client = WebApplicationClient(app.config["CLIENT_ID"])
        verifier = client.create_code_verifier(64)
        url, state = _oauth_session(client).authorization_url(
            app.config["LINK_FLOW_URL"] + "/oauth/authorize",
            code_challenge=client.create_code_challenge(verifier, "S256"),
            code_challenge_method="S256",
        )
        browser_session["oauth"] = {"state": state, "verifier": verifier}
        return redirect(url)

    @app.get("/callback")
    def callback() -> str:
        outcome: dict[str, Any] = {"kind": "link"}
        if "code" in request.args or "error" in request.args:
            outcome = _finish_oauth(app)
        return render_template("callback.html", outcome=outcome)

    return app


def _admin_call(app: Flask, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    base = app.config["LINK_FLOW_URL"]
    token = requests.post(
        f"{base}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(app.config["CLIENT_ID"], app.config["CLIENT_SECRET"]),
        timeout=10,
    )
    token.raise_for_status()
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    answer = requests.request(
        method, base + path, headers=headers, timeout=10, **kwargs
    )
    answer.raise_for_status()
    return answer.json()  # type: ignore[no-any-return]


def _oauth_session(client: WebApplicationClient, **kwargs: Any) -> OAuth2Session:
    return OAuth2Session(
        client=client, redirect_uri=request.host_url + "callback", **kwargs
    )


def _finish_oauth(app: Flask) -> dict[str, Any]:
    """Check the state, then trade the code (with the PKCE verifier) for tokens."""
    saved = browser_session.pop("oauth", None)
    if not saved or request.args.get("state") != saved["state"]:
        abort(400, "The state does not match: this answer was not asked for here.")
    if "error" in request.args:
        return {"kind": "oauth", "error": request.args["error"]}

    client = WebApplicationClient(app.config["CLIENT_ID"])
    oauth = _oauth_session(client, state=saved["state"])
    token = oauth.fetch_token(
        app.config["LINK_FLOW_URL"] + "/oauth/token",
        code=request.args["code"],
        code_verifier=saved["verifier"],
        client_secret=app.config["CLIENT_SECRET"],
    )
    connection = oauth.get(app.config["LINK_FLOW_URL"] + "/api/v1/connection").json()
    # Store token["access_token"] and token["refresh_token"] server-side.
    return {
        "kind": "oauth",
        "connection_id": token["connection_id"],
        "name": connection["name"],
    }


if __name__ == "__main__":
    # requests-oauthlib refuses plain HTTP unless told it is a local test.
    os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
    create_partner_app(
        os.environ.get("LINK_FLOW_URL", "http://127.0.0.1:5000"),
        os.environ["LINK_FLOW_CLIENT_ID"],
        os.environ["LINK_FLOW_CLIENT_SECRET"],
    ).run(host="127.0.0.2", port=int(os.environ.get("PORT", "5001")))
