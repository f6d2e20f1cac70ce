"""Sign in (with a second factor for the secretariat), sign out, password, language."""

import base64

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from pact_tracker.auth import links, services
from pact_tracker.auth.forms import LanguageForm, PasswordForm, SignInForm, TwoFactorForm
from pact_tracker.auth.link_forms import SignInLinkForm, UseSignInLinkForm
from pact_tracker.coalition.models import User
from pact_tracker.core import security_log
from pact_tracker.core.errors import InvalidInput
from pact_tracker.core.web import LOCALE_COOKIE, remember_locale
from pact_tracker.extensions import db, limiter

blueprint = Blueprint("auth", __name__)

#: Seconds a person has to type their second factor after the password.
PENDING_SIGN_IN_SECONDS = 300


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _next_url(candidate: str | None) -> str:
    return candidate if services.is_safe_next(candidate) else url_for("core.home")


def _complete_sign_in(user: User, next_url: str):
    # A language chosen with the switch before signing in wins over the profile's.
    chosen = session.get("locale") or request.cookies.get(LOCALE_COOKIE)
    session.clear()  # a fresh session on sign-in: no fixation
    token = services.start_session(user, request.user_agent.string or "")
    login_user(user)
    session["sid"] = token
    session["locale"] = chosen if chosen in current_app.config["LANGUAGES"] else user.locale
    flash(_("Welcome, %(name)s.", name=user.name), "success")
    return redirect(next_url)


@blueprint.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_in():
    """Email and password; the secretariat then gives a one-time code."""
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("Wrong email or password."), "danger")
            return render_template("auth/sign_in.html", form=form), 200
        next_url = _next_url(form.next.data)
        if services.needs_second_factor(user):
            session.clear()
            session["pending_user_id"] = user.id
            session["pending_next"] = next_url
            return redirect(url_for("auth.two_factor"))
        return _complete_sign_in(user, next_url)
    return render_template("auth/sign_in.html", form=form)


def _pending_user() -> User | None:
    user_id = session.get("pending_user_id")
    return db.session.get(User, user_id) if user_id else None


@blueprint.route("/sign-in/two-factor", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def two_factor():
    """Second step for the secretariat; the first time, set up the authenticator app."""
    user = _pending_user()
    if user is None or not user.active:
        return redirect(url_for("auth.sign_in"))
    credential = services.totp_credential(user)
    enrolling = credential is None or credential.confirmed_at is None
    if enrolling and request.method == "GET":
        credential = services.begin_totp_enrolment(user)
    form = TwoFactorForm()
    if form.validate_on_submit():
        if services.verify_totp(user, form.code.data):
            return _complete_sign_in(user, session.get("pending_next") or url_for("core.home"))
        form.code.errors.append(_("That code is not valid. Check your device's clock."))
    qr = None
    if enrolling and credential is not None:
        uri = services.provisioning_uri(user, credential, current_app.config["COALITION_NAME"])
        svg = segno.make(uri).svg_inline(scale=4)
        qr = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return render_template(
        "auth/two_factor.html", form=form, enrolling=enrolling, credential=credential, qr=qr
    )


@blueprint.post("/sign-out")
def sign_out():
    """End this session on the server as well as in the browser."""
    logout_user()  # first: the security log names who signed out
    services.end_session(session.get("sid"))
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("core.home"))


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's password; every other session ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if (
            user.password_hash
            and services.authenticate(user.email, form.current_password.data or "") is None
        ):
            form.current_password.errors.append(_("This is not your current password."))
        else:
            try:
                services.set_password(user, form.new_password.data)
            except InvalidInput as error:
                form.new_password.errors.extend(error.errors.get("password", []))
            else:
                session["sid"] = services.start_session(user, request.user_agent.string or "")
                flash(_("Your password was changed. Other sessions were signed out."), "success")
                return redirect(url_for("auth.change_password"))
    return render_template("auth/password.html", form=form)


@blueprint.post("/language")
def choose_language():
    """Switch the interface language and remember it (and in the profile, if signed in)."""
    form = LanguageForm()
    locale = form.locale.data
    if not form.validate_on_submit() or locale not in current_app.config["LANGUAGES"]:
        abort(400)
    if current_user.is_authenticated:
        current_user.locale = locale
    return remember_locale(redirect(_next_url(form.next.data)), locale)


# Email sign-in links (auth.links): for people without a password, or who forgot it.

#: Per client address: each request may send an email.
SIGN_IN_LINK_RATE_LIMIT = "5 per hour;20 per day"


@blueprint.route("/sign-in/link", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LINK_RATE_LIMIT, methods=["POST"])
def request_sign_in_link():
    """Ask for a sign-in link; the answer is the same whether the address has an account or not."""
    form = SignInLinkForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        next_url = form.next.data if services.is_safe_next(form.next.data) else None
        links.request_sign_in_link(form.email.data, next_url)
        flash(
            _(
                "If an account exists for %(email)s, a sign-in link is on its way. "
                "It works once, within %(minutes)d minutes.",
                email=form.email.data,
                minutes=int(links.LINK_LIFETIME.total_seconds() // 60),
            ),
            "info",
        )
        return redirect(url_for("auth.request_sign_in_link"))
    status = 422 if form.errors else 200
    return render_template("auth/sign_in_link.html", form=form), status


def _invalid_link():
    minutes = int(links.LINK_LIFETIME.total_seconds() // 60)
    return render_template("auth/sign_in_link_invalid.html", minutes=minutes), 410


@blueprint.get("/sign-in/link/<token>")
def sign_in_link(token: str):
    """The page an emailed link opens: a button signs in (scanners that follow links do not)."""
    link = links.find_valid_link(token)
    if link is None:
        page, status = _invalid_link()
    else:
        form = UseSignInLinkForm(next=request.args.get("next", ""))
        page, status = render_template("auth/sign_in_link_use.html", form=form, link=link), 200
    # The token is in the address: never let it travel in a Referer header.
    return page, status, {"Referrer-Policy": "no-referrer"}


@blueprint.post("/sign-in/link/<token>")
@limiter.limit(_sign_in_limit)
def use_sign_in_link(token: str):
    """Use the link once; the secretariat then gives its second factor as after a password."""
    form = UseSignInLinkForm()
    if not form.validate_on_submit():
        abort(400)
    user = links.redeem_sign_in_link(token)
    if user is None:
        security_log.credentials_refused("sign-in-link")
        return _invalid_link()
    next_url = _next_url(form.next.data)
    if services.needs_second_factor(user):
        session.clear()
        session["pending_user_id"] = user.id
        session["pending_next"] = next_url
        return redirect(url_for("auth.two_factor"))
    return _complete_sign_in(user, next_url)
