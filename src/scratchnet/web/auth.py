"""Classroom mode: a token guards whatever changes the server's state; drawing and browsing stay open.

Served beyond this machine, `scratchnet serve` makes a random token and prints the teacher's URL
`http://HOST:PORT/?token=TOKEN` (Jupyter's way). Opening it sets the token as a cookie and redirects to
the plain URL, so the token leaves the address bar (a projected screen shows it to the class).

Every request that may change the server's state (any method but GET, HEAD and OPTIONS, except the
read-only computations in OPEN) must carry the token, as `Authorization: Bearer TOKEN` or the cookie:
    no token     → 401 (with `WWW-Authenticate: Bearer`)
    wrong token  → 403
Students draw, predict and browse without one. The cookie is HttpOnly and SameSite=Strict, and the
API accepts only JSON bodies, which another site's page cannot send here without a CORS preflight that
this server never grants: no other origin can use a teacher's cookie. Whatever the mode, a browser's
state-changing request whose Origin is another site is refused (403): not even a bodiless form POST
from elsewhere (POST /api/train/stop) reaches the explorer.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from scratchnet.web.admission import refuse

COOKIE = "scratchnet_token"

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

OPEN = frozenset(
    {"/api/predict", "/api/read", "/api/neuron", "/api/filter", "/api/perceptron", "/api/wishes", "/api/wishes/step"}
)
"""POST endpoints that only compute an answer (a drawing's trace, a neuron, a map's filter, a truth table, the
wishes of backpropagation and a step along them on a copy of the network): open to all."""


def new_token() -> str:
    """Return a fresh random token: 128 bits, URL-safe text."""
    return secrets.token_urlsafe(16)


def _header(scope: Scope, name: bytes) -> str | None:
    """Return the request header `name` (lower case) as text, or None."""
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def presented_token(scope: Scope) -> str | None:
    """Return the token a request carries (Bearer header first, then the cookie), or None."""
    authorization = _header(scope, b"authorization")
    if authorization is not None:
        scheme, _, credentials = authorization.partition(" ")
        return credentials.strip() if scheme.lower() == "bearer" else ""
    cookie = _header(scope, b"cookie")
    if cookie:
        try:
            jar = SimpleCookie(cookie)
        except CookieError:
            return None
        if COOKIE in jar:
            return jar[COOKIE].value
    return None


def same_origin(scope: Scope) -> bool:
    """Return whether the request's Origin, if it sends one (browsers do on POST), is this server's own host."""
    origin = _header(scope, b"origin")
    if origin is None:  # not a browser's cross-site request: curl, scripts, the tests
        return True
    return urlsplit(origin).netloc.lower() == (_header(scope, b"host") or "").lower()


class TokenGuard:
    """ASGI middleware enforcing the classroom rules above; with token None it lets everything through.

    `scope["state"]["authorised"]` tells the routes whether the request carried the right token.
    """

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    def matches(self, presented: str | None) -> bool:
        """Return whether presented is the token (compared in constant time)."""
        return (
            self.token is not None
            and presented is not None
            and hmac.compare_digest(presented.encode(), self.token.encode())
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS and not same_origin(scope):
            await refuse(
                send,
                403,
                f"cross-site request refused: Origin {_header(scope, b'origin')} is not this server ({_header(scope, b'host')})",
            )
            return
        presented = presented_token(scope)
        scope.setdefault("state", {})["authorised"] = self.token is None or self.matches(presented)
        if self.token is not None:
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            if scope["method"] in ("GET", "HEAD") and scope["path"] == "/" and "token" in query:
                await self._open_tokened_url(send, query)
                return
            if scope["method"] not in SAFE_METHODS and scope["path"] not in OPEN and not self.matches(presented):
                await self._refuse(send, presented)
                return
        await self.app(scope, receive, send)

    async def _open_tokened_url(self, send: Send, query: dict[str, str]) -> None:
        """Answer /?token=…: right, set the cookie and redirect to the URL without it; wrong, 403."""
        if not self.matches(query.pop("token")):
            await refuse(
                send, 403, "the token in this address is not this server's; open the URL `scratchnet serve` printed"
            )
            return
        rest = urlencode(query)
        location = "/" + (f"?{rest}" if rest else "")
        cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
        headers = [
            (b"location", location.encode()),
            (b"set-cookie", cookie.encode()),
            (b"cache-control", b"no-store"),
            (b"content-length", b"0"),
        ]
        await send({"type": "http.response.start", "status": 303, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    async def _refuse(self, send: Send, presented: str | None) -> None:
        """Answer a state-changing request without the right token: 401 without one, 403 with a wrong one."""
        if not presented:
            message = "this changes the server (training, models): it needs the teacher's token, as Authorization: Bearer TOKEN or by opening the URL with ?token="
            await refuse(send, 401, message, [(b"www-authenticate", b'Bearer realm="scratchnet"')])
        else:
            await refuse(send, 403, "wrong token: this server's token is the one `scratchnet serve` printed")
