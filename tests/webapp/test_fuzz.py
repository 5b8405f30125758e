"""No 5xx for anything a user can send: a seeded, bounded fuzz over every API operation (from the
OpenAPI document) and every query parameter of every page, as an operator and as an admin."""

from __future__ import annotations

import json
import random

import pytest

from tests.webapp.test_visibility import RULES, page_routes, world
from webapp.api import api

pytestmark = pytest.mark.django_db
SEED, BODIES, QUERIES = 20261129, 12, 8
NASTY = ["", " ", "abc", "0", "-1", "1e309", "NaN", "99999999999999999999999999", "1.5", "true", "<script>x</script>",
         "\x00", "ü" * 300, "a" * 5000, "[" * 2000, "../../etc/passwd", "%00", "null", "{}", "2"]
VALUES = [None, True, False, 0, -1, 1, 2.5, -0.0, 10**30, -(10**30), 1e308, "", "x", "1", "0.7", "true", "<b>",
          "\x00", "a" * 10_000, [], [1, "a"], {}, {"a": [{"b": None}]}, [[[[[[[[[[[]]]]]]]]]]]]


def fuzz_value(rng: random.Random, schema: dict, depth: int = 0):
    """Something of the wrong type or an absurd size about half of the time; otherwise a value of
    the declared type, so the fuzz also reaches past the schema into the services."""
    if rng.random() < 0.5 or depth > 3:
        return rng.choice(VALUES)
    kind = schema.get("type")
    if schema.get("enum"):
        return rng.choice(schema["enum"])
    if kind == "integer":
        return rng.choice([0, 1, 2, 3, -5, 2**31, 2**63, 10**20])
    if kind == "number":
        return rng.choice([0.0, 0.5, 1.0, -1.0, 1e-9, 1e9])
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "object":
        return {k: fuzz_value(rng, v, depth + 1) for k, v in (schema.get("properties") or {}).items() if rng.random() < 0.7}
    if kind == "array":
        return [fuzz_value(rng, schema.get("items") or {}, depth + 1) for _ in range(rng.randint(0, 3))]
    return rng.choice(NASTY)


def resolve(schema: dict, components: dict) -> dict:
    if "$ref" in schema:
        return resolve(components[schema["$ref"].rsplit("/", 1)[1]], components)
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return resolve(schema["allOf"][0], components)
    if schema.get("type") == "object":
        return {**schema, "properties": {k: resolve(v, components) for k, v in (schema.get("properties") or {}).items()}}
    return schema


def api_requests(rng: random.Random, ids: dict):
    spec = api.get_openapi_schema()
    components = spec.get("components", {}).get("schemas", {})
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            for _ in range(BODIES):
                url = path
                for param in ("job_id", "pk", "number"):
                    url = url.replace("{" + param + "}", str(rng.choice([ids.get(param, 1), 0, 7, 10**17, 999999999999999999])))
                query = {p["name"]: rng.choice(NASTY) for p in op.get("parameters", []) if p.get("in") == "query"}
                payload = fuzz_value(rng, resolve(body, components)) if body else None
                yield method, url, query, payload


@pytest.fixture
def ids(make_user):
    found = world(make_user, make_user("operator", "fuzz-owner"), "team", "FUZZ")
    return {"job_id": found["job"].pk, "pk": found["constitution"].pk, "number": 1}


@pytest.mark.parametrize("role", ["operator", "admin"])
def test_no_api_body_or_query_gets_a_server_error(client_as, ids, role):
    client, rng, seen = client_as(role), random.Random(SEED), 0
    for method, url, query, payload in api_requests(rng, ids):
        data = json.dumps(payload) if rng.random() < 0.9 else rng.choice(["{not json", "[" * 5000, "\xff", ""])
        url = f"/api{url.removeprefix('/api')}"
        if method == "get":
            response = client.get(url, query)
        else:
            response = getattr(client, method)(url + ("?" + "&".join(f"{k}=1" for k in query) if query else ""),
                                               data, content_type="application/json")
        assert response.status_code < 500, f"{method.upper()} {url} {str(payload)[:300]} -> {response.status_code}"
        seen += 1
    assert seen > 300


PARAMS = ["after", "run", "version", "principle", "method", "margin_min", "margin_max", "margin_below", "ties",
          "disagreement", "reviewed", "judge_human", "length_min", "length_max", "q", "sort", "job", "prompt_set",
          "constitution_version", "partial", "a", "b", "against", "preset", "model", "dataset", "after_step", "queue",
          "source", "negate", "principle", "prompt", "response_a", "response_b", "critique"]


@pytest.mark.parametrize("role", ["operator", "admin"])
def test_no_query_string_on_any_page_gets_a_server_error(client_as, ids, role):
    client, rng, seen = client_as(role), random.Random(SEED), 0
    for _, route in page_routes():
        url = route.replace("<id:pk>", str(ids["pk"])).replace("<id:number>", "1").replace("<id:version_id>", "1")
        for _ in range(QUERIES):
            query = {rng.choice(PARAMS): rng.choice(NASTY) for _ in range(rng.randint(1, 4))}
            response = client.get(url, query)
            assert response.status_code < 500, f"GET {url} {query} -> {response.status_code}"
            seen += 1
    assert seen > 200


def test_a_json_body_over_the_upload_limit_is_a_400(client_as, settings):
    big = json.dumps({"name": "x", "yaml": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    response = client_as("editor").post("/api/constitutions", big, content_type="application/json")
    assert response.status_code in (400, 413)


def test_unhashable_or_deeply_nested_yaml_is_a_clear_400(client_as):
    client = client_as("editor")
    for text, message in [("? [a]\n: b\n", "a key must be a plain value"), ("a: " + "[" * 5000 + "]" * 5000, "nested"),
                          ("a: &x [1]\nb: *x\n", "aliases")]:
        response = client.post("/api/constitutions", json.dumps({"yaml": text}), content_type="application/json")
        assert response.status_code == 400 and message in json.dumps(response.json()), text[:40]
    assert "RULES" and RULES
