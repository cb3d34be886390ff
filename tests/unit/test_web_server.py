"""The explorer as a server for a classroom: the compact drawing, the token rules, closed CORS, and the
bounds on requests in flight. Expected answers come from the rules themselves (RFC 6750's 401/403, a
byte g meaning the grey level g / 255), never from the code under test."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from starlette.testclient import TestClient

from scratchnet import MNIST
from scratchnet.io import load_model
from scratchnet.web import Explorer, create_app
from scratchnet.web.admission import Admission
from tests.unit.test_web_app import drawing_of, wait_for_training

TOKEN = "teacher-secret-token"
QUICK_TRAINING = {"layers": [784, 10], "epochs": 1, "training_size": 100}


@pytest.fixture
def explorer(trained_model: Path, mnist: MNIST, tmp_path: Path) -> Explorer:
    net, header = load_model(trained_model)
    return Explorer(
        net, str(trained_model), header.get("test_accuracy"), save_directory=tmp_path / "home", load_data=lambda: mnist
    )


@pytest.fixture
def classroom(explorer: Explorer) -> Iterator[TestClient]:
    """The explorer in classroom mode: state changes need TOKEN."""
    with TestClient(create_app(explorer, token=TOKEN), follow_redirects=False) as client:
        yield client


def compact(image: np.ndarray, scale: int = 4) -> dict[str, Any]:
    """Return the compact /api/predict body for a 28×28 digit blown up `scale` times: base64 grey bytes."""
    levels = np.kron(image.reshape(28, 28), np.ones((scale, scale), dtype=np.uint8)).astype(np.uint8)
    return {"width": 28 * scale, "height": 28 * scale, "grey": base64.b64encode(levels.tobytes()).decode()}


# The compact drawing ---------------------------------------------------------------------------


def test_the_compact_drawing_reads_as_the_same_grey_levels_as_the_json_numbers(classroom, mnist):
    for image in mnist.test.images[:5]:
        levels = np.kron(image.reshape(28, 28), np.ones((4, 4), dtype=np.uint8))
        as_numbers = {"width": 112, "height": 112, "pixels": (levels.ravel() / 255).tolist()}  # g / 255, unrounded
        by_bytes = classroom.post("/api/predict", json=compact(image)).json()
        by_numbers = classroom.post("/api/predict", json=as_numbers).json()
        assert by_bytes["prediction"] == by_numbers["prediction"]
        np.testing.assert_allclose(by_bytes["input"], by_numbers["input"], atol=1e-3)
        np.testing.assert_allclose(by_bytes["probabilities"], by_numbers["probabilities"], atol=1e-4)


def test_the_compact_drawing_is_much_smaller_than_the_json_numbers(mnist):
    import json

    image = mnist.test.images[0]
    assert len(json.dumps(compact(image))) * 3 < len(json.dumps(drawing_of(image)))


@pytest.mark.parametrize(
    "body, message",
    [
        ({"width": 2, "height": 2, "grey": "AAAA"}, "width × height = 4"),  # 3 bytes
        ({"width": 2, "height": 2, "grey": "AA=A"}, "invalid base64"),
        ({"width": 2, "height": 2, "grey": "AAAA AA=="}, "invalid base64"),
        ({"width": 2, "height": 2, "grey": [0, 0, 0, 0]}, "base64 text"),
        ({"width": 2, "height": 2, "grey": "AAAAAA==", "pixels": [0, 0, 0, 0]}, "both"),
        ({"width": 2, "height": 2}, "neither"),
        ({"width": 0, "height": 2, "grey": ""}, "width"),
    ],
)
def test_a_bad_compact_drawing_gets_a_400_naming_the_problem(classroom, body, message):
    response = classroom.post("/api/predict", json=body)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_a_blank_compact_drawing_is_not_guessed(classroom):
    blank = {"width": 8, "height": 8, "grey": base64.b64encode(bytes(64)).decode()}
    assert classroom.post("/api/predict", json=blank).json()["blank"] is True


# The token -------------------------------------------------------------------------------------


def test_training_without_the_token_is_401_with_a_wrong_one_403_with_it_202(classroom):
    missing = classroom.post("/api/train", json=QUICK_TRAINING)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    assert "token" in missing.json()["error"]
    wrong = classroom.post("/api/train", json=QUICK_TRAINING, headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 403 and "wrong token" in wrong.json()["error"]
    assert classroom.post("/api/train/stop").status_code == 401
    assert classroom.get("/api/train").json()["run"] is None  # nothing was started
    right = classroom.post("/api/train", json=QUICK_TRAINING, headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 202
    assert wait_for_training(classroom)["state"] == "done"


def test_drawing_browsing_and_the_perceptron_stay_open_to_students(classroom, mnist):
    assert classroom.post("/api/predict", json=compact(mnist.test.images[0])).status_code == 200
    assert classroom.post("/api/neuron", json={"layer": 1, "index": 0}).status_code == 200
    assert classroom.post("/api/perceptron", json={"weights": [6, 2, 2], "threshold": 5}).status_code == 200
    for path in ("/", "/api/model", "/api/train", "/api/samples?limit=2", "/api/samples/3", "/static/app.js"):
        assert classroom.get(path).status_code == 200, path
    assert classroom.get("/api/access").json() == {"token_required": True, "authorised": False}


def test_opening_the_tokened_url_sets_a_strict_cookie_that_then_authorises(classroom):
    opened = classroom.get(f"/?token={TOKEN}&lang=zh")
    assert opened.status_code == 303 and opened.headers["location"] == "/?lang=zh"  # the token leaves the address bar
    cookie = opened.headers["set-cookie"]
    assert f"scratchnet_token={TOKEN}" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert classroom.get("/api/access").json() == {"token_required": True, "authorised": True}
    assert classroom.post("/api/train", json=QUICK_TRAINING).status_code == 202
    wait_for_training(classroom)
    classroom.cookies.clear()
    classroom.cookies.set("scratchnet_token", "forged")
    assert classroom.post("/api/train", json=QUICK_TRAINING).status_code == 403


def test_a_wrong_token_in_the_url_is_refused_and_sets_nothing(classroom):
    opened = classroom.get("/?token=guess")
    assert opened.status_code == 403 and "set-cookie" not in opened.headers


def test_without_a_token_everything_is_open_as_on_this_machine(explorer):
    with TestClient(create_app(explorer)) as client:
        assert client.get("/?token=anything").status_code == 200
        assert client.get("/api/access").json() == {"token_required": False, "authorised": True}
        assert client.post("/api/train", json=QUICK_TRAINING).status_code == 202
        wait_for_training(client)


def test_cors_stays_closed_and_the_security_headers_stay(classroom):
    preflight = classroom.options(
        "/api/train", headers={"Origin": "http://elsewhere.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers
    response = classroom.get("/api/model", headers={"Origin": "http://elsewhere.example"})
    assert "access-control-allow-origin" not in response.headers
    for refused in (classroom.post("/api/train", json={}), classroom.get("/?token=guess")):
        assert "default-src 'self'" in refused.headers["content-security-policy"]
        assert refused.headers["x-frame-options"] == "DENY" and refused.headers["referrer-policy"] == "no-referrer"


def test_a_state_change_from_another_sites_page_is_refused_even_with_the_token(classroom, explorer):
    elsewhere = {"Origin": "http://elsewhere.example", "Authorization": f"Bearer {TOKEN}"}
    refused = classroom.post("/api/train/stop", headers=elsewhere)  # a bodiless form POST needs no preflight
    assert refused.status_code == 403 and "cross-site" in refused.json()["error"]
    assert (
        classroom.post("/api/train/stop", headers={**elsewhere, "Origin": "http://testserver"}).status_code == 409
    )  # own page: no training runs
    with TestClient(create_app(explorer)) as open_client:  # on this machine, without a token, too
        assert open_client.post("/api/train/stop", headers={"Origin": "null"}).status_code == 403
        assert (
            open_client.post(
                "/api/predict", json={"width": 1, "height": 1, "grey": "AA=="}, headers={"Origin": "http://testserver"}
            ).status_code
            == 200
        )


def test_bodies_stay_capped_for_the_teacher_too(classroom):
    body = b'{"layers": [' + b"1, " * 400_000 + b"1]}"
    response = classroom.post(
        "/api/train", content=body, headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 413


# Requests in flight ----------------------------------------------------------------------------


def held_app() -> tuple[Any, asyncio.Event]:
    """Return an ASGI app whose every request waits until the returned event is set, and the event."""
    release = asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b"{}"})

    return app, release


async def statuses_when_held(
    admission_arguments: dict[str, int], clients: list[str], path: str = "/api/predict"
) -> tuple[list[int], list[httpx.Response], int]:
    """Send one request from each client address while the app holds them all; return their statuses,
    the responses, and how many were answered while the app still held the others (the refusals)."""
    app, release = held_app()
    admission = Admission(app, **admission_arguments)
    transports = {client: httpx.ASGITransport(admission, client=(client, 5000)) for client in set(clients)}
    async with asyncio.timeout(20):
        tasks = [
            asyncio.create_task(httpx.AsyncClient(transport=transports[c], base_url="http://test").get(path))
            for c in clients
        ]
        await asyncio.sleep(0.5)
        answered_while_held = sum(task.done() for task in tasks)
        release.set()
        responses = await asyncio.gather(*tasks)
    return [r.status_code for r in responses], list(responses), answered_while_held


def test_past_the_bound_in_flight_the_answer_is_an_immediate_503_with_retry_after():
    statuses, responses, answered_while_held = asyncio.run(
        statuses_when_held({"max_in_flight": 3, "max_per_client": 10}, [f"10.0.0.{i}" for i in range(5)])
    )
    assert sorted(statuses) == [200, 200, 200, 503, 503] and answered_while_held == 2  # refused at once, not queued
    refused = next(r for r in responses if r.status_code == 503)
    assert refused.headers["retry-after"] == "1" and "busy" in refused.json()["error"]


def test_one_client_cannot_take_more_than_its_share():
    clients = ["10.0.0.1"] * 4 + ["10.0.0.2"]
    statuses, responses, answered_while_held = asyncio.run(
        statuses_when_held({"max_in_flight": 10, "max_per_client": 2}, clients)
    )
    assert statuses.count(429) == 2 and statuses[-1] == 200 and answered_while_held == 2  # the other client is served
    assert next(r for r in responses if r.status_code == 429).headers["retry-after"] == "1"


def test_the_event_stream_and_pages_are_not_counted():
    for path in ("/api/train/events", "/", "/static/app.js"):
        statuses, _, _ = asyncio.run(
            statuses_when_held({"max_in_flight": 1, "max_per_client": 1}, ["10.0.0.1"] * 3, path)
        )
        assert statuses == [200, 200, 200], path


# Mutated bodies ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/predict", "/api/neuron", "/api/train"])
def test_mutated_request_bodies_get_an_answer_or_a_json_4xx_never_a_5xx(classroom, mnist, path):
    import json

    from hypothesis import HealthCheck, given, settings

    from tests.strategies import mutated

    valid = {
        "/api/predict": json.dumps(compact(mnist.test.images[0], scale=1)).encode(),
        "/api/neuron": json.dumps(
            {"layer": 1, "index": 3, "input": (mnist.test.images[0] / 255).round(2).tolist()}
        ).encode(),
        "/api/train": json.dumps({**QUICK_TRAINING, "epochs": 100}).encode(),  # refused: no token
    }[path]

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=mutated(valid))
    def check(body: bytes) -> None:
        response = classroom.post(path, content=body, headers={"Content-Type": "application/json"})
        assert response.status_code in (200, 400, 401, 413), (response.status_code, response.text[:200])
        assert response.headers["content-type"] == "application/json"
        assert ("error" in response.json()) == (response.status_code != 200)

    check()
