"""/api/openapi.json: a valid OpenAPI 3.1 document that matches what the API answers."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from archive.models import Correction, Proceeding
from editorial import services
from tests.factories import (
    make_contributor,
    make_estimate,
    make_place,
    make_published,
    make_published_translation,
    make_publisher,
    make_reviewer,
)


@pytest.fixture
def spec(db, client) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()


@pytest.fixture
def archive(db):
    """Published content that fills every field the API has: parts, shares, rates, places
    with coordinates, a perpetrator unit, a proceeding, a correction, a related incident."""
    katyn = make_published("katyn-massacre", title="Katyn massacre")
    version = make_published("kulchabat", related=[katyn.incident], context=None)
    author = make_contributor()
    draft = services.version_start_draft(incident=version.incident, user=author)
    whole = draft.estimates.first()
    make_estimate(
        draft,
        ref="kulchabat-girls",
        best=20,
        as_written="20 girls",
        part_of=whole.ref,
        scope="girls",
    )
    make_estimate(
        draft,
        ref="kulchabat-share",
        best=None,
        share_low=33,
        as_written="a third",
        share_of=whole.ref,
        qualifier="at_least",
    )
    make_estimate(draft, ref="kulchabat-rate", best=10, as_written="10 a day", per="day")
    draft.places.add(make_place("Kulchabat", latitude=41.2, longitude=69.1))
    services.version_submit(version=draft, user=author)
    reviewer = make_reviewer()
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    services.version_publish(version=draft, user=make_publisher(), note="Breakdown added.")
    trial = Proceeding.objects.create(
        slug="a-trial", title="A trial", court="A court", date="1946", outcome="Convicted."
    )
    trial.incidents.add(version.incident)
    assert Correction.objects.exists()
    make_published_translation(draft, "de", title="Kultschabat", summary="Kurz gesagt.")
    return version


def schema_validator(spec: dict[str, Any], schema: dict[str, Any]) -> OAS31Validator:
    """Checks a value against ``schema``, whose references point into the document."""
    return OAS31Validator(
        {**schema, "components": spec["components"]}, format_checker=OAS31Validator.FORMAT_CHECKER
    )


def response_schema(spec, path: str, status: str) -> dict[str, Any]:
    return spec["paths"][path]["get"]["responses"][status]["content"]["application/json"]["schema"]


def test_the_document_is_valid_openapi_3_1(spec):
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    assert set(spec["paths"]) == {
        "/api/incidents/",
        "/api/incidents/{slug}/",
        "/api/aggregates/",
        "/api/changes/",
    }


def test_the_examples_are_answers_the_schemas_accept(spec):
    for path, item in spec["paths"].items():
        for status, response in item["get"]["responses"].items():
            content = response["content"]["application/json"]
            if "example" in content:
                schema_validator(spec, content["schema"]).validate(content["example"])
                assert status == "200", path


def described_fields(spec, schema, seen=None) -> set[str]:
    """Every 'Schema.field' the document describes under ``schema``."""
    seen = set() if seen is None else seen
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return set()
        seen.add(name)
        return {
            f"{name}.{field}" for field in spec["components"]["schemas"][name].get("properties", {})
        } | described_fields(spec, spec["components"]["schemas"][name], seen)
    found = set()
    for part in (*schema.get("oneOf", []), *schema.get("properties", {}).values()):
        found |= described_fields(spec, part, seen)
    if "items" in schema:
        found |= described_fields(spec, schema["items"], seen)
    return found


def given_fields(spec, schema, value, found) -> None:
    """Every 'Schema.field' a real answer fills in, walking it beside its schema."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        target = spec["components"]["schemas"][name]
        if isinstance(value, dict):
            found |= {f"{name}.{field}" for field in value}
        given_fields(spec, target, value, found)
    elif "oneOf" in schema and value is not None:
        given_fields(spec, schema["oneOf"][0], value, found)
    elif isinstance(value, dict):
        for field, inner in value.items():
            if field in schema.get("properties", {}):
                given_fields(spec, schema["properties"][field], inner, found)
    elif isinstance(value, list) and "items" in schema:
        for inner in value:
            given_fields(spec, schema["items"], inner, found)


@pytest.mark.django_db
def test_real_answers_match_the_document_field_for_field(client, spec, archive):
    answers = {
        ("/api/incidents/", "200"): client.get("/api/incidents/"),
        ("/api/incidents/{slug}/", "200"): client.get("/api/incidents/kulchabat/?lang=de"),
        ("/api/incidents/{slug}/", "400"): client.get("/api/incidents/kulchabat/?lang=xx"),
        ("/api/incidents/{slug}/", "404"): client.get("/api/incidents/nowhere/"),
        ("/api/aggregates/", "200"): client.get("/api/aggregates/"),
        ("/api/aggregates/", "400"): client.get("/api/aggregates/?year_from=x"),
        ("/api/changes/", "200"): client.get("/api/changes/"),
        ("/api/changes/", "400"): client.get("/api/changes/?since=x"),
        ("/api/incidents/", "400"): client.get("/api/incidents/?ordering=nonsense"),
    }
    described, given = set(), set()
    for (path, status), response in answers.items():
        assert str(response.status_code) == status, (path, response.content)
        schema = response_schema(spec, path, status)
        schema_validator(spec, schema).validate(response.json())
        described |= described_fields(spec, schema)
        given_fields(spec, schema, response.json(), given)
    assert described - given == set(), "described but never given"
    assert given - described == set(), "given but not described"


def test_a_field_the_document_does_not_name_is_refused(spec):
    schema = response_schema(spec, "/api/changes/", "200")
    answer = {"results": [], "next": None, "poll": "http://testserver/api/changes/"}
    schema_validator(spec, schema).validate(answer)
    with pytest.raises(ValidationError, match="Additional properties are not allowed"):
        schema_validator(spec, schema).validate({**answer, "cursor": 3})


def parameter_values(parameter: dict[str, Any]) -> st.SearchStrategy[str]:
    schema = parameter["schema"]
    if "enum" in schema:
        valid = st.sampled_from(schema["enum"])
    elif schema["type"] == "integer":
        valid = st.integers(schema.get("minimum", 0), schema.get("maximum", 10**6)).map(str)
    else:
        valid = st.text(max_size=schema.get("maxLength", 40))
    return st.one_of(valid, st.text(max_size=30))  # and whatever a client may send instead


def requests(spec) -> st.SearchStrategy[tuple[str, dict[str, str]]]:
    options = []
    for path, item in spec["paths"].items():
        query = [p for p in item["get"].get("parameters", []) if p["in"] == "query"]
        address = path.replace("{slug}", "katyn-massacre")
        options.append(
            st.tuples(
                st.just(path),
                st.fixed_dictionaries(
                    {}, optional={p["name"]: parameter_values(p) for p in query}
                ).map(lambda values, address=address: (address, values)),
            )
        )
    return st.one_of(options)


@pytest.mark.django_db
def test_generated_requests_find_no_server_error_and_no_answer_outside_the_document(
    client, archive
):
    spec = client.get("/api/openapi.json").json()

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(requests(spec))
    def check(request) -> None:
        path, (address, query) = request
        cache.clear()
        response = client.get(address, {k: v.replace("\x00", "") for k, v in query.items()})
        status = str(response.status_code)
        assert status in spec["paths"][path]["get"]["responses"], (address, query, status)
        schema_validator(spec, response_schema(spec, path, status)).validate(response.json())

    check()
