"""The connections table, a connection's page and link creation, over HTTP."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from link_flow.extensions import db
from link_flow.models import Account, Connection
from tests.dashboard.conftest import Owner, form_token, make_owner


def add_link(app: Flask, account_id: str, name: str, **options: Any) -> str:
    """Create a magic link through the service; return its connection id."""
    from link_flow.services import magic_links

    with app.app_context():
        account = db.session.get(Account, account_id)
        link = magic_links.create_link(
            account,
            name=name,
            email=options.get("email"),
            metadata=options.get("metadata", {}),
            systems=None,
            expires_in=magic_links.DEFAULT_EXPIRES_IN,
            redirect_url=None,
        )
        return link.connection_id


def listed_ids(client: FlaskClient, query: str = "") -> list[str]:
    html = client.get(f"/dashboard/connections{query}").get_data(as_text=True)
    return re.findall(r'data-connection-id="([^"]+)"', html)


def test_search_finds_by_name_email_or_metadata_value(
    app: Flask, owner: Owner, signed_in: FlaskClient
) -> None:
    by_name = add_link(app, owner.account_id, "Plant 4 maintenance")
    by_email = add_link(app, owner.account_id, "Depot", email="Ops@North.example")
    by_value = add_link(
        app, owner.account_id, "Site", metadata={"customer_id": "C-1001"}
    )
    unicode_value = add_link(
        app, owner.account_id, "Werk", metadata={"site": "Zürich 50%_off"}
    )
    by_number = add_link(app, owner.account_id, "Line", metadata={"line": 4711})

    assert listed_ids(signed_in, "?q=plant+4") == [by_name]
    assert listed_ids(signed_in, "?q=north.example") == [by_email]
    assert listed_ids(signed_in, "?q=c-1001") == [by_value]
    assert listed_ids(signed_in, "?q=Zürich") == [unicode_value]
    assert listed_ids(signed_in, "?q=50%25_") == [unicode_value]
    assert listed_ids(signed_in, "?q=4711") == [by_number]
    assert listed_ids(signed_in, "?q=%25") == [unicode_value]
    assert "No connections match" in signed_in.get(
        "/dashboard/connections?q=nothing-like-it"
    ).get_data(as_text=True)


def test_filters_by_status(app: Flask, owner: Owner, signed_in: FlaskClient) -> None:
    pending = add_link(app, owner.account_id, "Waiting")
    assert listed_ids(signed_in, "?status=pending") == [pending]
    assert listed_ids(signed_in, "?status=active") == []
    assert listed_ids(signed_in, "?system=sandbox") == []


def test_pages_follow_a_keyset_cursor_without_gaps_or_repeats(
    app: Flask, owner: Owner, signed_in: FlaskClient
) -> None:
    made = [add_link(app, owner.account_id, f"Site {n}") for n in range(30)]

    seen: list[str] = []
    url = "/dashboard/connections"
    while url:
        html = signed_in.get(url).get_data(as_text=True)
        seen += re.findall(r'data-connection-id="([^"]+)"', html)
        match = re.search(r'href="([^"]+cursor=[^"]+)">Next page', html)
        url = match.group(1).replace("&amp;", "&") if match else ""

    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen)) == 30


def test_an_empty_account_says_how_to_start(signed_in: FlaskClient) -> None:
    html = signed_in.get("/dashboard/connections").get_data(as_text=True)
    assert "No connections yet" in html
    assert "Create your first magic link" in html


def test_another_accounts_connection_is_not_found(
    app: Flask, signed_in: FlaskClient
) -> None:
    stranger = make_owner(app, name="Stranger", email="boss@stranger.example")
    theirs = add_link(app, stranger.account_id, "Their plant")
    token = form_token(signed_in, "/dashboard/connections")

    assert signed_in.get(f"/dashboard/connections/{theirs}").status_code == 404
    assert (
        signed_in.get(f"/dashboard/connections/{theirs}/live.json").status_code == 404
    )
    assert (
        signed_in.post(
            f"/dashboard/connections/{theirs}/disconnect", data={"csrf_token": token}
        ).status_code
        == 404
    )
    live = signed_in.get(f"/dashboard/connections/live.json?ids={theirs}").get_json()
    assert live == {"data": []}
    with app.app_context():
        assert db.session.get(Connection, theirs).disconnected_at is None


def test_creating_a_link_with_metadata_types_and_a_system(
    app: Flask, signed_in: FlaskClient
) -> None:
    response = signed_in.post(
        "/dashboard/magic-links",
        data={
            "csrf_token": form_token(signed_in, "/dashboard/magic-links/new"),
            "name": "Plant 4",
            "email": "ops@example.com",
            "meta_key": ["customer_id", "line", "priority", "note", ""],
            "meta_value": ["C-1001", "4.5", "true", "", ""],
            "meta_type": ["text", "number", "boolean", "null", "text"],
            "systems": ["sandbox"],
            "expires_in": str(24 * 3600),
        },
    )
    assert response.status_code == 302
    connection_id = response.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        connection = db.session.get(Connection, connection_id)
        assert connection.status == "pending"
        assert connection.user_metadata == {
            "customer_id": "C-1001",
            "line": 4.5,
            "priority": True,
            "note": None,
        }
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="magic-link"' in page and "/link/ml_" in page


def test_metadata_breaking_the_rules_is_refused_naming_the_key(
    app: Flask, signed_in: FlaskClient
) -> None:
    token = form_token(signed_in, "/dashboard/magic-links/new")
    cases = [
        ({"meta_key": "k" * 41, "meta_value": "v"}, "k" * 41),
        ({"meta_key": "long", "meta_value": "x" * 501}, "long"),
        ({"meta_key": "n", "meta_value": "many", "meta_type": "number"}, "n"),
        ({"meta_key": ["a", "a"], "meta_value": ["1", "2"]}, "appears twice"),
    ]
    for fields, named in cases:
        response = signed_in.post(
            "/dashboard/magic-links",
            data={"csrf_token": token, "name": "Plant", **fields},
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert 'role="alert"' in html and named in html
        assert 'aria-invalid="true"' in html
    with app.app_context():
        assert db.session.query(Connection).count() == 0


def test_add_metadata_without_script_shows_one_more_row(
    signed_in: FlaskClient,
) -> None:
    response = signed_in.post(
        "/dashboard/magic-links",
        data={
            "csrf_token": form_token(signed_in, "/dashboard/magic-links/new"),
            "name": "Plant",
            "meta_key": "customer_id",
            "meta_value": "C-1",
            "add_row": "1",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('name="meta_key"') == 3  # two rows and the template
    assert 'value="C-1"' in html


def test_names_emails_and_metadata_display_inertly(
    app: Flask, owner: Owner, signed_in: FlaskClient
) -> None:
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    connection_id = add_link(
        app,
        owner.account_id,
        hostile,
        email="o'neil@example.com",
        metadata={"<b>key</b>": "שלום 👋 <i>x</i>"},
    )
    for path in ("/dashboard/connections", f"/dashboard/connections/{connection_id}"):
        html = signed_in.get(path).get_data(as_text=True)
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<img src=x" not in html
    detail = signed_in.get(f"/dashboard/connections/{connection_id}")
    text = detail.get_data(as_text=True)
    assert "שלום 👋 &lt;i&gt;x&lt;/i&gt;" in text
    assert "&lt;b&gt;key&lt;/b&gt;" in text


def test_editing_details_goes_through_the_same_rules(
    app: Flask, owner: Owner, signed_in: FlaskClient
) -> None:
    connection_id = add_link(
        app, owner.account_id, "Old name", metadata={"customer_id": "C-1", "n": 3}
    )
    path = f"/dashboard/connections/{connection_id}"
    token = form_token(signed_in, path)

    refused = signed_in.post(
        f"{path}/details",
        data={"csrf_token": token, "name": "New", "email": "not-an-address"},
    )
    assert refused.status_code == 400
    assert "not an email address" in refused.get_data(as_text=True)

    saved = signed_in.post(
        f"{path}/details",
        data={
            "csrf_token": token,
            "name": "New name",
            "email": "",
            "meta_key": ["customer_id", "n"],
            "meta_value": ["C-2", "3"],
            "meta_type": ["text", "number"],
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        connection = db.session.get(Connection, connection_id)
        assert connection.name == "New name"
        assert connection.user_metadata == {"customer_id": "C-2", "n": 3}
    assert "Details changed" in signed_in.get(path).get_data(as_text=True)


def test_a_revoked_pending_link_can_be_replaced(
    app: Flask, owner: Owner, signed_in: FlaskClient
) -> None:
    connection_id = add_link(app, owner.account_id, "Plant")
    path = f"/dashboard/connections/{connection_id}"
    html = signed_in.get(path).get_data(as_text=True)
    first_url = re.search(r'id="magic-link"[^>]*value="([^"]+)"', html).group(1)
    revoke = re.search(r'action="([^"]+/revoke)"', html).group(1)
    token = form_token(signed_in, path)

    signed_in.post(revoke, data={"csrf_token": token})
    html = signed_in.get(path).get_data(as_text=True)
    assert 'id="magic-link"' not in html and "revoked" in html

    signed_in.post(f"{path}/links/renew", data={"csrf_token": token})
    html = signed_in.get(path).get_data(as_text=True)
    new_url = re.search(r'id="magic-link"[^>]*value="([^"]+)"', html).group(1)
    assert new_url != first_url
    assert (
        signed_in.get(
            first_url.split("#")[0].replace("http://127.0.0.1:5000", "")
        ).status_code
        == 410
    )
