"""Signing in and out, changing the password, accepting an invitation."""

from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from link_flow.dashboard import bp, throttle, users
from link_flow.dashboard.sessions import (
    current_user,
    end_session,
    safe_next,
    signed_in,
    start_session,
)
from link_flow.errors import ApiError
from link_flow.services import attempts

log = logging.getLogger(__name__)

Page = str | tuple[str, int] | BaseResponse


@bp.get("")
def sign_in() -> Page:
    """Show the sign-in form, or go on when already signed in."""
    if current_user() is not None:
        return redirect(safe_next(request.args.get("next")))
    return render_template("dashboard/sign_in.html", next=request.args.get("next"))


# Checks per email and address within the attempt window, refused or running.
PARALLEL_LIMIT = throttle.FREE_FAILURES + 3


@bp.post("")
def sign_in_submit() -> Page:
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    next_page = request.form.get("next")
    key = throttle.throttle_key(email)

    wait = throttle.seconds_to_wait(key)
    if wait:
        message = (
            f"Too many failed attempts from here. Wait {wait} seconds, then try "
            "again, or sign in from another device."
        )
        return _sign_in_again(email, next_page, message, 429)
    # The back-off above acts between attempts; this counts attempts still in
    # flight too, so many sent at once cannot all be checked.
    try:
        with attempts.limited({f"sign-in:{key}": PARALLEL_LIMIT}) as attempt:
            user = users.authenticate(email, password)
            if user is None:
                attempt.refused()
    except ApiError as error:
        return _sign_in_again(email, next_page, error.message, error.status)
    if user is None:
        throttle.record_failure(key)
        return _sign_in_again(
            email, next_page, "That email and password do not match.", 401
        )

    throttle.clear(key)
    start_session(user)
    log.info("dashboard.signed_in user_id=%s", user.id)
    return redirect(safe_next(next_page))


def _sign_in_again(
    email: str, next_page: str | None, message: str, status: int
) -> tuple[str, int]:
    html = render_template(
        "dashboard/sign_in.html", email=email, next=next_page, error=message
    )
    return html, status


@bp.post("/sign-out")
def sign_out() -> Page:
    end_session()
    flash("You are signed out.", "success")
    return redirect(url_for("dashboard.sign_in"))


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def change_password() -> Page:
    """Change the password; every other browser of the user is signed out."""
    user = current_user()
    assert user is not None
    if request.method == "GET":
        return render_template("dashboard/password.html")

    new = request.form.get("new_password", "")
    if new != request.form.get("confirm_password", ""):
        return _password_again("The two new passwords differ.", "confirm_password")
    try:
        users.change_password(user, request.form.get("current_password", ""), new)
    except ApiError as error:
        return _password_again(error.message, error.field)

    start_session(user)
    flash("Password changed. Every other browser was signed out.", "success")
    return redirect(url_for("dashboard.settings"))


def _password_again(message: str, field: str | None) -> tuple[str, int]:
    html = render_template("dashboard/password.html", error=message, field=field)
    return html, 400


@bp.route("/invitation", methods=["GET", "POST"])
def accept_invitation() -> Page:
    """Let an invited person choose a password; the token rides in ``?token=``.

    A query parameter, unlike a path, is redacted from the access log.
    """
    token = request.values.get("token", "")
    try:
        account, email = users.read_invitation(token)
    except ApiError as error:
        return render_template(
            "dashboard/error.html",
            title="Invitation not usable",
            message=error.message,
            next_step="Ask the person who invited you for a new invitation.",
        ), 400

    if request.method == "GET":
        return render_template(
            "dashboard/invitation.html", token=token, email=email, account=account
        )
    password = request.form.get("new_password", "")
    error_message = None
    if password != request.form.get("confirm_password", ""):
        error_message = "The two passwords differ."
    else:
        try:
            user = users.create_user(account, email, password)
        except ApiError as error:
            error_message = error.message
    if error_message:
        html = render_template(
            "dashboard/invitation.html",
            token=token,
            email=email,
            account=account,
            error=error_message,
        )
        return html, 400

    start_session(user)
    flash(f"Welcome to the {account.name} dashboard.", "success")
    return redirect(url_for("dashboard.connections"))
