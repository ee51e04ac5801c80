"""The Admin API's magic links and connections, on SQLite and PostgreSQL."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import Partner, create_partner


def make_link(client: FlaskClient, partner: Partner, **body: object) -> dict:
    payload = {
        "name": "Plant 4 maintenance",
        "user_metadata": {"customer_id": "C-1001"},
    }
    payload.update(body)
    response = client.post("/api/v1/magic-links", json=payload, headers=partner.headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_creating_a_magic_link_creates_a_pending_connection_with_metadata(
    client: FlaskClient, partner: Partner
) -> None:
    link = make_link(client, partner, email="ops@example.com")

    assert link["id"].startswith("ml_")
    assert link["url"].startswith(f"http://127.0.0.1:5000/link/{link['id']}#")
    assert link["connection"]["status"] == "pending"
    connection = client.get(
        f"/api/v1/connections/{link['connection']['id']}", headers=partner.headers
    ).get_json()
    assert connection["status"] == "pending"
    assert connection["user_metadata"] == {"customer_id": "C-1001"}
    assert connection["email"] == "ops@example.com"
    assert connection["system"] is None
    assert connection["credits"] == 0


def test_metadata_breaking_the_rules_is_refused_naming_the_key(
    client: FlaskClient, partner: Partner
) -> None:
    cases = [
        ({"nested": {"a": 1}}, "nested"),
        ({"k" * 41: "v"}, "k" * 41),
        ({"long": "x" * 501}, "long"),
        ({f"k{i}": i for i in range(51)}, "user_metadata"),
    ]
    for metadata, key in cases:
        response = client.post(
            "/api/v1/magic-links",
            json={"name": "n", "user_metadata": metadata},
            headers=partner.headers,
        )
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert error["code"] == "VALIDATION_ERROR"
        assert key in error["message"]
        assert error["request_id"] == response.headers["X-Request-ID"]


def test_unicode_markup_and_rtl_text_round_trip_intact(
    client: FlaskClient, partner: Partner
) -> None:
    name = "<script>alert(1)</script> מפעל 4 🏭"
    metadata = {"עברית": "שלום <b>", "emoji": "🔧", "n": 1.5, "ok": True, "none": None}
    link = make_link(client, partner, name=name, user_metadata=metadata)
    connection = client.get(
        f"/api/v1/connections/{link['connection']['id']}", headers=partner.headers
    ).get_json()
    assert connection["name"] == name
    assert connection["user_metadata"] == metadata


def test_another_account_can_neither_read_nor_change_the_link_or_connection(
    client: FlaskClient, partner: Partner
) -> None:
    link = make_link(client, partner)
    other = create_partner(client, name="Other Co")
    connection_id = link["connection"]["id"]

    for method, path in [
        ("get", f"/api/v1/connections/{connection_id}"),
        ("patch", f"/api/v1/connections/{connection_id}"),
        ("delete", f"/api/v1/connections/{connection_id}"),
        ("get", f"/api/v1/magic-links/{link['id']}"),
        ("delete", f"/api/v1/magic-links/{link['id']}"),
        ("get", f"/api/v1/connections/{connection_id}/events"),
    ]:
        response = getattr(client, method)(
            path, json={"name": "x"}, headers=other.headers
        )
        assert response.status_code == 404, (method, path)
    listed = client.get("/api/v1/connections", headers=other.headers).get_json()
    assert listed["data"] == []
    still = client.get(f"/api/v1/connections/{connection_id}", headers=partner.headers)
    assert still.get_json()["name"] == "Plant 4 maintenance"


def test_revoked_link_has_no_url_and_its_page_says_so(
    client: FlaskClient, partner: Partner
) -> None:
    link = make_link(client, partner)
    response = client.delete(
        f"/api/v1/magic-links/{link['id']}", headers=partner.headers
    )
    assert response.get_json()["status"] == "revoked"
    assert response.get_json()["url"] is None

    page = client.get(f"/link/{link['id']}")
    assert page.status_code == 410
    assert "withdrew" in page.get_data(as_text=True)
    connection = client.get(
        f"/api/v1/connections/{link['connection']['id']}", headers=partner.headers
    ).get_json()
    assert connection["status"] == "pending"


def test_unknown_link_page_is_404_and_opening_changes_nothing(
    client: FlaskClient, partner: Partner
) -> None:
    assert client.get("/link/ml_doesnotexist").status_code == 404
    link = make_link(client, partner)
    for _ in range(3):
        assert client.get(f"/link/{link['id']}").status_code == 200
        assert client.head(f"/link/{link['id']}").status_code == 200
    again = client.get(f"/api/v1/magic-links/{link['id']}", headers=partner.headers)
    assert again.get_json()["status"] == "usable"
    assert again.get_json()["url"] == link["url"]


def test_requests_without_a_valid_token_get_401_with_a_challenge(
    client: FlaskClient,
) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}):
        response = client.get("/api/v1/connections", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["error"]["code"] == "UNAUTHORIZED"


def test_expires_in_over_thirty_days_is_refused(
    client: FlaskClient, partner: Partner
) -> None:
    response = client.post(
        "/api/v1/magic-links",
        json={"name": "n", "expires_in": 31 * 24 * 3600},
        headers=partner.headers,
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "expires_in"


def test_server_side_connection_is_checked_against_the_system(
    client: FlaskClient, partner: Partner
) -> None:
    body = {
        "system": "sandbox",
        "name": "Made by the partner",
        "credentials": {"username": "demo", "password": "bad"},
        "user_metadata": {"origin": "api"},
    }
    refused = client.post("/api/v1/connections", json=body, headers=partner.headers)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["field"] == "password"
    listed = client.get("/api/v1/connections", headers=partner.headers).get_json()
    assert listed["data"] == []

    body["credentials"]["password"] = "demo-password"
    created = client.post("/api/v1/connections", json=body, headers=partner.headers)
    assert created.status_code == 201
    connection = created.get_json()
    assert connection["status"] == "synchronizing"
    assert connection["credits"] == 1
    assert connection["user_metadata"] == {"origin": "api"}
    assert "password" not in created.get_data(as_text=True)


def test_unknown_fields_and_wrong_types_are_named_in_the_error(
    client: FlaskClient, partner: Partner
) -> None:
    response = client.post(
        "/api/v1/magic-links",
        json={"name": "n", "colour": "red"},
        headers=partner.headers,
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "colour"
    response = client.post(
        "/api/v1/magic-links", data="not json", headers=partner.headers
    )
    assert response.status_code == 400


def test_listing_pages_with_a_cursor_and_filters(
    client: FlaskClient, partner: Partner
) -> None:
    created = [make_link(client, partner, name=f"Site {i}") for i in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/v1/connections?{query}", headers=partner.headers)
        body = page.get_json()
        seen.extend(c["id"] for c in body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(link["connection"]["id"] for link in created)
    assert len(seen) == len(set(seen))
    pending = client.get(
        "/api/v1/connections?status=pending", headers=partner.headers
    ).get_json()
    assert len(pending["data"]) == 5
    bad = client.get("/api/v1/connections?cursor=garbage", headers=partner.headers)
    assert bad.status_code == 400
