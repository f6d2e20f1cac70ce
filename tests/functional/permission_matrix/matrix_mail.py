"""Email sign-in links: anyone may ask for one and anyone holding one may use it."""

from .routes import EVERYONE, Route

ROUTES: dict[str, Route] = {
    "auth.request_sign_in_link": Route(
        "POST",
        "/sign-in/link",
        EVERYONE,
        body=lambda w: {"email": "someone@example.org"},
        note="the same answer whether the address has an account or not",
    ),
    "auth.sign_in_link": Route(
        "GET",
        "/sign-in/link/not-a-real-token",
        EVERYONE,
        note="the token is the permission: an unknown one gets the 410 'cannot be used' page",
    ),
    "auth.use_sign_in_link": Route(
        "POST",
        "/sign-in/link/not-a-real-token",
        EVERYONE,
        note="the token is the permission: an unknown one gets the 410 'cannot be used' page",
    ),
}
