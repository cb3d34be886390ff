"""Admission control: how many API requests the explorer works on at once, overall and per client.

A classroom is thirty phones drawing at once on a two-core laptop. Work the server cannot start soon is
better refused at once than queued for seconds: past MAX_IN_FLIGHT requests in flight the answer is
503 with `Retry-After`, and past MAX_PER_CLIENT from one address it is 429, so one busy client (or a
script) cannot starve the others. The page sends one drawing at a time, a handful of requests at
most, and sends a refused request again after `Retry-After` seconds.

By Little's law n requests in flight, served at X requests per second, each wait about n / X: 64 in
flight at 300 a second is about 0.2 s, about the most a drawing should wait for its answer. Pages, static files and the live-training stream (one long response per watcher) are
not counted: they cost next to nothing while they last.
"""

from __future__ import annotations

import json
from collections import Counter

from starlette.types import ASGIApp, Receive, Scope, Send

MAX_IN_FLIGHT = 64
"""API requests worked on at once, by every client together; one more answers 503."""

MAX_PER_CLIENT = 8
"""API requests in flight from one client address; one more answers 429."""

RETRY_AFTER_SECONDS = 1

UNCOUNTED = frozenset({"/api/train/events", "/api/openapi.json"})
"""API paths that are not counted: the event stream stays open for a whole training."""


async def refuse(send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Answer the request with status and the JSON body {"error": message}, without calling the app."""
    body = json.dumps({"error": message}).encode()
    start_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": start_headers})
    await send({"type": "http.response.body", "body": body})


class Admission:
    """ASGI middleware that counts the API requests in flight and refuses those over the bounds.

    Parameters
    ----------
    app : the application behind it.
    max_in_flight : requests in flight at most, all clients together (503 beyond).
    max_per_client : requests in flight at most from one client address (429 beyond).
    """

    def __init__(self, app: ASGIApp, max_in_flight: int = MAX_IN_FLIGHT, max_per_client: int = MAX_PER_CLIENT) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.max_per_client = max_per_client
        self.in_flight = 0
        self.per_client: Counter[str] = Counter()  # one event loop: plain counts need no lock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/") or path in UNCOUNTED:
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        retry = [(b"retry-after", str(RETRY_AFTER_SECONDS).encode())]
        if self.in_flight >= self.max_in_flight:
            message = f"the server is busy: {self.in_flight} requests in flight, at most {self.max_in_flight}; try again in {RETRY_AFTER_SECONDS} s"
            await refuse(send, 503, message, retry)
            return
        if self.per_client[client] >= self.max_per_client:
            message = f"too many requests at once from {client}: at most {self.max_per_client} in flight; try again in {RETRY_AFTER_SECONDS} s"
            await refuse(send, 429, message, retry)
            return
        self.in_flight += 1
        self.per_client[client] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            self.per_client[client] -= 1
            if not self.per_client[client]:
                del self.per_client[client]
