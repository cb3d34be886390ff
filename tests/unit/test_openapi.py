"""The JSON API against its hand-written OpenAPI description (web/openapi.json), with schemathesis in
process: every documented operation, fed valid and malformed requests, answers as documented (status,
content type, body schema) and never with a 5xx. The app runs in classroom mode with a token the
generated requests do not carry, so they cannot start trainings: those answer 401, as documented."""

from __future__ import annotations

import json

import numpy as np
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi import checks
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from scratchnet import Network
from scratchnet.data.mnist import MNIST, Split
from scratchnet.web import Explorer, create_app
from scratchnet.web.app import OPENAPI
from scratchnet.web.auth import new_token


def tiny_mnist() -> MNIST:
    """A stand-in data set of 40 random 'digits' per split: enough for samples and their answers."""
    rng = np.random.default_rng(0)

    def split(n: int) -> Split:
        return Split(rng.integers(0, 256, (n, 784), dtype=np.uint8), rng.integers(0, 10, n).astype(np.uint8))

    return MNIST(split(40), split(40), split(40), (28, 28), "random", "0" * 64)


DATA = tiny_mnist()
APP = create_app(
    Explorer(Network([784, 12, 10], seed=0), "a seeded network", None, None, load_data=lambda: DATA), token=new_token()
)
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)

CHECKS = [
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


@schema.parametrize()
@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)  # the same cases every run: CI never flakes
def test_every_operation_meets_its_description_and_never_answers_5xx(case):
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:200])
    case.validate_response(response, checks=CHECKS)


def test_every_route_is_described():
    described = {
        (path, method.upper())
        for path, operations in json.loads(OPENAPI.read_text())["paths"].items()
        for method in operations
    }
    served = set()
    for route in APP.routes:
        if isinstance(route, Route):
            path = route.path.replace("{index:int}", "{index}")
            served |= {(path, method) for method in route.methods or () if method != "HEAD"}
        else:
            assert isinstance(route, Mount) and route.path == "/static"
    assert served == described


def test_the_description_is_served():
    with TestClient(APP) as client:
        response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.json()["openapi"].startswith("3.1")
