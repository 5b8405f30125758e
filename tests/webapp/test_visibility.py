"""Visibility is one rule: what derives from a constitution version is visible to exactly those
who can see that version. This walks every page and API route (from the URL resolver and the
OpenAPI document, so a new route is walked without anyone remembering to) as anonymous, as a user
with no role, as each role, as a non-owner and as the owner, against objects derived from a
private version and from a team version."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from alignment.constitution import from_yaml
from webapp.api import api

pytestmark = pytest.mark.django_db
SECRET, SHARED = "SECRET7f3a", "SHARED9c1b"
RULES = """\
name: {name}
principles:
  - key: helpful
    kind: comparison
    title: Helpful {marker}
    text: Prefer the more helpful answer {marker}.
    comparison: Which response is more helpful?
"""
# URL parameter -> which object of the world fills it, by the route's URL name (pages) or path
# prefix (API). A route missing here fails the test: add it, and say what it shows.
PAGE_OBJECTS = {
    "constitution": "constitution", "constitution_edit": "constitution", "constitution_yaml": "constitution",
    "constitution_resolve": "constitution", "constitution_history": "constitution", "constitution_diff": "constitution",
    "constitution_delete": "constitution", "constitution_export": "constitution", "constitution_fork": "constitution",
    "constitution_restore": "constitution", "constitution_preview": "constitution", "version_preview": "version",
    "dataset": "dataset", "dataset_download": "dataset", "job_detail": "job", "job_state": "job", "job_cancel": "job",
    "job_retry": "job", "pair": "pair", "pair_review": "pair", "prompt_set": "prompt_set", "prompt_set_split": "prompt_set",
    "judge_report": "job", "recommend_judge": "job", "dataset_judge": "dataset", "lineage_model": "model",
    "lineage_dataset": "dataset", "playground_chat": "chat", "playground_keep": "chat",
}
API_OBJECTS = {"/api/jobs/": "job", "/api/constitutions/": "constitution", "/api/pairs/datasets/": "dataset",
               "/api/pairs/": "pair", "/api/training/evaluations/": "evaluation", "/api/feedback/judges/": "job"}
PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\{(?:\w+:)?(\w+)\}")


def world(make_user, owner, visibility: str, marker: str) -> dict:
    """A constitution and everything derived from it: a feedback run with its pairs, an export, a
    training run with its model, an evaluation."""
    from webapp.constitutions import services as constitutions
    from webapp.datasets.models import Dataset
    from webapp.feedback.models import Judgment, PreferencePair
    from webapp.jobs.models import Job
    from webapp.prompts.models import Prompt, PromptSet
    from webapp.training.models import Evaluation, TrainedModel

    c = constitutions.create(owner, from_yaml(RULES.format(name=f"Rules {marker}", marker=marker)), visibility=visibility)
    version = c.head

    def job(kind: str, **config) -> Job:
        made = Job.objects.create(kind=kind, status="succeeded", constitution_version=version, created_by=owner,
                                  config={"note": marker, **config}, log=f"log {marker}")
        made.derived_from.add(version)
        return made

    prompts = PromptSet.objects.create(name=f"prompts {visibility}")  # prompt sets belong to no version
    prompt = Prompt.objects.create(prompt_set=prompts, key="k", text="A prompt anyone may read.")
    # A human set (derived from no version), and the run that judged its pairs: a judge report.
    imported = Job.objects.create(kind="import", status="succeeded", created_by=owner,
                                  config={"name": f"humans {visibility}", "source": "human"})
    given = PreferencePair.objects.create(job=imported, prompt=prompt, key="g", method="human", chosen="chosen by people",
                                          rejected="rejected", soft_label=1.0, margin=1.0)
    run = job("feedback", judge_model="judge", method="rl_cai", pairs_from=imported.pk)
    pair = PreferencePair.objects.create(job=run, prompt=prompt, key="p", method="rl_cai", constitution_version=version,
                                         chosen=f"chosen {marker}", rejected="rejected", soft_label=0.8, margin=0.6,
                                         principles=["helpful"], source_pair=given)
    Judgment.objects.create(job=run, prompt=prompt, key="j", judge_model="judge", constitution_version=version,
                            principle_key="helpful", order=1, p_a=0.8, p_first=0.8, rationale=f"because {marker}",
                            latency_ms=1)
    export = job("export")
    dataset = Dataset.objects.create(name=f"dataset {marker}", job=export, sha256="0" * 64, rows=1)
    train = job("train", name=f"model-{marker.lower()}", dataset=dataset.pk)
    model = TrainedModel.objects.create(name=f"model-{marker.lower()}", kind="policy", method="dpo", base_model="b",
                                dataset=dataset, constitution_version=version, path=f"/nowhere/{marker}", job=train)
    chat = job("chat", conversation=[{"role": "user", "content": f"Hello {marker}"}], model=f"model-{marker.lower()}")
    evaluate = job("evaluate")
    evaluation = Evaluation.objects.create(kind="win_rate", model=f"model-{marker.lower()}", score=0.5, n=1,
                                           constitution_version=version, items=[{"prompt": marker}], job=evaluate)
    return {"constitution": c, "version": version, "job": run, "pair": pair, "dataset": dataset,
            "evaluation": evaluation, "prompt_set": prompts, "marker": marker, "model": model, "chat": chat}


@pytest.fixture
def worlds(make_user):
    owner = make_user("operator", "owner")
    return {"private": world(make_user, owner, "private", SECRET), "team": world(make_user, owner, "team", SHARED)}


def page_routes(resolver=None, prefix: str = "/"):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            if "api/" not in route and "admin/" not in route:
                yield from page_routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield entry.name, route


def fill(route: str, objects: str | None, found: dict) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        if name == "number":
            return str(found["version"].number)
        if objects is None:
            raise AssertionError(f"route {route} takes ids: map it in PAGE_OBJECTS/API_OBJECTS")
        return str(found[objects].pk)

    return PARAM.sub(value, route)


def requests(found: dict):
    """(method, url) of every page and API route, filled with this world's objects."""
    for name, route in page_routes():
        yield "get", fill(route, PAGE_OBJECTS.get(name), found)
    for path, methods in api.get_openapi_schema()["paths"].items():
        objects = next((v for k, v in sorted(API_OBJECTS.items(), key=lambda kv: -len(kv[0])) if path.startswith(k)), None)
        url = fill(path, objects if PARAM.search(path) else None, found)
        for method in methods:
            yield method, url


def call(client, method: str, url: str):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, "{}", content_type="application/json")


@pytest.mark.parametrize("who", ["anonymous", "no role", "viewer", "reviewer", "editor", "operator", "admin", "owner"])
def test_every_route_shows_a_private_versions_derivatives_to_exactly_its_owner_and_admins(client, worlds, make_user, who):
    from django.contrib.auth import get_user_model

    if who == "no role":
        client.force_login(get_user_model().objects.create_user("nobody", password="x"))
    elif who == "owner":
        client.force_login(get_user_model().objects.get(username="owner"))
    elif who != "anonymous":
        client.force_login(make_user(who, f"someone-{who}"))
    sees_private = who in ("admin", "owner")
    seen_shared = 0
    for found in worlds.values():
        for method, url in requests(found):
            response = call(client, method, url)
            content = b"".join(response.streaming_content) if response.streaming else response.content
            body = content.decode(errors="replace")
            where = f"{who} {method.upper()} {url} -> {response.status_code}"
            assert response.status_code < 500, where
            if who == "anonymous":
                public = url.endswith(("schema.json", "healthz", "/login/", "favicon.ico"))
                assert response.status_code in (302, 401) or public, where
            elif who == "no role":
                assert response.status_code in (403, 302) or url.startswith(("/accounts/", "/healthz", "/favicon.ico")), where
            if SECRET in body and not sees_private:
                raise AssertionError(f"{where}: shows what derives from a private version")
            seen_shared += SHARED in body
    if who not in ("anonymous", "no role"):
        assert seen_shared > 10, "team objects are visible to everyone with a role"


def test_a_user_with_no_role_sees_only_a_message(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    response = client.get("/jobs/")
    assert response.status_code == 403 and "no role yet" in response.content.decode()
    assert client.get("/api/jobs").status_code == 403


def test_nobody_launches_on_a_dataset_or_model_they_cannot_see(client_as, worlds):
    import json

    client = client_as("operator")
    private = worlds["private"]
    body = {"name": "steal", "dataset": private["dataset"].pk, "config": {"method": "dpo"}}
    response = client.post("/api/training/runs", json.dumps(body), content_type="application/json")
    assert response.status_code == 400 and f"no dataset {private['dataset'].pk}" in response.json()["detail"]
    body = {"prompt_set": private["prompt_set"].pk, "config": {"model": f"model-{SECRET.lower()}"}}
    response = client.post("/api/jobs/sample", json.dumps({"prompt_set": private["prompt_set"].pk,
                                                           "model": f"model-{SECRET.lower()}"}),
                           content_type="application/json")
    assert response.status_code == 400 and "not found" in response.json()["detail"]


def test_a_fork_of_a_private_constitution_is_private_unless_its_owner_says_otherwise(worlds, make_user):
    from webapp.constitutions import services

    private = worlds["private"]
    admin = make_user("admin", "an-admin")
    assert services.fork(admin, private["version"], "Admin's copy").visibility == "private"
    owner = private["constitution"].owner
    assert services.fork(owner, private["version"], "Shared copy", "team").visibility == "team"
    with pytest.raises(Exception, match="admin"):
        services.fork(make_user("editor", "other-editor"), private["version"], "Other copy", "team")


def test_a_name_clash_never_reveals_another_users_private_constitution(worlds, make_user):
    from webapp.constitutions import services

    other = make_user("editor", "other-editor")
    taken = services.create(other, from_yaml(RULES.format(name=f"Rules {SECRET}", marker="x")))
    assert taken.name == f"Rules {SECRET}"  # the same name as the owner's private one: no clash, no leak
