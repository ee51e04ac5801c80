"""Creating a magic link: the form, and the call the Admin API also makes."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from link_flow.adapters.catalog import all_systems
from link_flow.dashboard import bp, forms
from link_flow.dashboard.sessions import current_account, signed_in
from link_flow.errors import ValidationError
from link_flow.services import magic_links
from link_flow.services.metadata import clean_email, clean_name

DAY = 24 * 3600
EXPIRY_CHOICES = (
    (1 * DAY, "1 day"),
    (3 * DAY, "3 days"),
    (7 * DAY, "7 days"),
    (14 * DAY, "14 days"),
    (30 * DAY, "30 days"),
)


@bp.get("/magic-links/new")
@signed_in
def new_link() -> ResponseReturnValue:
    return _form({"expires_in": str(magic_links.DEFAULT_EXPIRES_IN)})


@bp.post("/magic-links")
@signed_in
def create_link() -> ResponseReturnValue:
    account = current_account()
    values = request.form
    rows = forms.rows_from_form(values)
    if forms.rows_after_button(values, rows):
        return _form(values, rows)
    try:
        expires_in = _expires_in(values.get("expires_in"))
        link = magic_links.create_link(
            account,
            name=clean_name(values.get("name")),
            email=clean_email(values.get("email")),
            metadata=forms.metadata_from_rows(rows),
            systems=magic_links.clean_systems(values.getlist("systems") or None),
            expires_in=magic_links.clean_expires_in(expires_in),
            redirect_url=magic_links.clean_redirect_url(
                account, values.get("redirect_url") or None
            ),
        )
    except ValidationError as error:
        return _form(values, rows, error=error, status=400)

    flash("Magic link created. Copy it and send it to your customer.", "success")
    return redirect(
        url_for("dashboard.connection_page", connection_id=link.connection_id)
    )


def _expires_in(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError(
            "Choose how long the link stays valid.", field="expires_in"
        )
    return int(raw)


def _form(
    values: Any,
    rows: list[forms.MetadataRow] | None = None,
    *,
    error: ValidationError | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    account = current_account()
    chosen = values.getlist("systems") if hasattr(values, "getlist") else []
    html = render_template(
        "dashboard/new_link.html",
        account=account,
        values=values,
        rows=rows or [forms.MetadataRow()],
        systems=all_systems(),
        chosen=chosen,
        expiry_choices=EXPIRY_CHOICES,
        error=error,
    )
    return html, status
