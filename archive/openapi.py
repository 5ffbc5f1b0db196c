"""The OpenAPI 3.1 description of the JSON API (``/api/openapi.json``).

Written beside the serializers it describes (``archive.serializers``, ``archive.api``): the
vocabularies come from the models' choices and the list's parameters from the filters, so
neither can drift. Every object schema names all its fields as required and admits no other,
so the tests that check real answers against it fail on a field added, renamed or dropped on
one side only. The examples (archive/openapi_examples.py) are the seed content's Katyn massacre.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.conf import settings
from django.db import models
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from archive import changes
from archive.api import API_PAGE_SIZE
from archive.filters import IncidentFilter, YearFilter
from archive.models import (
    ORIGINAL_LANGUAGE,
    TRANSLATED_FIELDS,
    Assessment,
    ClaimantPosition,
    Correction,
    Measure,
    Per,
    Place,
    Proceeding,
    PublicChange,
    Qualifier,
    Source,
    translation_languages,
)
from archive.openapi_examples import KATYN_DETAIL, KATYN_SUMMARY

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
TEXT_LIST: Schema = {"type": "array", "items": STRING}
DATE: Schema = {"type": "string", "format": "date"}
DATE_TIME: Schema = {"type": "string", "format": "date-time"}
URI: Schema = {"type": "string", "format": "uri"}


def nullable(schema: Schema) -> Schema:
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    return {
        **schema,
        "type": [kind, "null"],
        **({"enum": [*schema["enum"], None]} if "enum" in schema else {}),
    }


def choice(options: type[models.TextChoices], *, blank: bool = False) -> Schema:
    return {"type": "string", "enum": [*([""] if blank else []), *options.values]}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def strict(properties: dict[str, Schema], description: str = "") -> Schema:
    """An object with exactly these fields, each always present (null where it says so)."""
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    return {"description": description, **schema} if description else schema


COUNT = {"type": "integer", "minimum": 0}
NULLABLE_COUNT = nullable(COUNT)

SOURCE = strict(
    {
        "key": {**STRING, "description": "Stable key, used by estimates and citations."},
        "kind": choice(Source.Kind),
        "authors": {**STRING, "description": "“Last, First”, several joined by “ and ”."},
        "title": STRING,
        "container": {**STRING, "description": "Journal, book or site it appears in."},
        "year": nullable({"type": "integer"}),
        "publisher": STRING,
        "place": {**STRING, "description": "Place of publication."},
        "isbn": STRING,
        "doi": STRING,
        "url": STRING,
        "archived_url": STRING,
        "language": {**STRING, "description": "ISO 639-1, e.g. en; empty when not recorded."},
    },
    "A publication that gives a figure or a fact.",
)

PLACE = strict(
    {
        "name": STRING,
        "slug": STRING,
        "alternative_names": TEXT_LIST,
        "country": {**STRING, "description": "Modern country; empty when none applies."},
        "region": {**STRING, "description": "Historical region."},
        "latitude": nullable({"type": "number"}),
        "longitude": nullable({"type": "number"}),
        "coordinate_precision": choice(Place.Precision, blank=True),
    }
)

CITATION = strict(
    {
        "source": {**STRING, "description": "The key of a source in `sources`."},
        "locator": {**STRING, "description": "Page, section or paragraph."},
        "quote": STRING,
        "note": STRING,
    }
)

PROVENANCE = strict(
    {
        "citation": nullable(
            strict(
                {
                    "source": {**STRING, "description": "The key of a source in `sources`."},
                    "locator": {**STRING, "description": "Page, section or paragraph."},
                    "quote": STRING,
                }
            )
        ),
        "snapshot": nullable(
            strict(
                {
                    "url": {
                        **STRING,
                        "format": "uri",
                        "description": "The archived copy, served by the archive.",
                    },
                    "sha256": {**STRING, "pattern": "^[0-9a-f]{64}$"},
                    "captured_at": DATE_TIME,
                },
                "The newest archived copy of the cited source's web page; null when it has "
                "none (not on the web, or not captured).",
            )
        ),
        "verified": nullable(
            strict(
                {
                    "at": DATE_TIME,
                    "by_role": {
                        **STRING,
                        "enum": ["reviewer", "publisher", "contributor", "administrator", "editor"],
                        "description": "The verifier's role; never their name.",
                    },
                },
                "When a second person checked the figure against its citation.",
            )
        ),
    },
    "The chain from the figure to its evidence: citation, archived copy, verification.",
)

ESTIMATE = strict(
    {
        "ref": {**STRING, "description": "Stable reference of the figure."},
        "measure": choice(Measure),
        "low": NULLABLE_COUNT,
        "best": NULLABLE_COUNT,
        "high": NULLABLE_COUNT,
        "qualifier": choice(Qualifier),
        "as_written": {**STRING, "description": "The figure as the source words it."},
        "claimant": {**STRING, "description": "Who gives the figure."},
        "claimant_position": choice(ClaimantPosition),
        "claim_year": nullable({"type": "integer"}),
        "assessment": choice(Assessment),
        "assessment_reason": STRING,
        "verified": {
            "type": "boolean",
            "description": "Checked against its citation before publication.",
        },
        "source": nullable(STRING),
        "locator": STRING,
        "quote": STRING,
        "citations": {"type": "array", "items": ref("Citation")},
        "scope": {**STRING, "description": "Which group or part the figure counts."},
        "part_of": nullable({**STRING, "description": "The ref of the figure this breaks down."}),
        "share_low": nullable({"type": "number", "minimum": 0, "maximum": 100}),
        "share_high": nullable({"type": "number", "minimum": 0, "maximum": 100}),
        "share_of": nullable(
            {**STRING, "description": "The ref of the figure this is a share of."}
        ),
        "per": nullable(choice(Per)),
        "provenance": ref("Provenance"),
    },
    "One figure as one source gives it. Parts (`part_of`), shares (`share_of`) and rates (`per`) "
    "are never alternatives to a whole.",
)

HEADLINE = strict(
    {
        "measure": choice(Measure),
        "low": NULLABLE_COUNT,
        "high": NULLABLE_COUNT,
        "low_open": {"type": "boolean", "description": "“up to”: no lower bound given."},
        "high_open": {"type": "boolean", "description": "“over”: no upper bound given."},
        "text": {**STRING, "description": "The headline as the page words it."},
    },
    "Per measure, what the incident's figures say together; `low` and `high` are null when "
    "there is no overall figure.",
)

PROCEEDING = strict(
    {
        "slug": STRING,
        "title": STRING,
        "court": STRING,
        "date": {**STRING, "description": "EDTF."},
        "date_text": STRING,
        "defendants": TEXT_LIST,
        "outcome": STRING,
        "in_absentia": {
            **choice(Proceeding.InAbsentia),
            "description": "Whether defendants were tried in their absence; empty: not stated.",
        },
        "appeal": STRING,
    }
)

CORRECTION = strict({"kind": choice(Correction.Kind), "note": STRING, "date": DATE_TIME})

SUMMARY_FIELDS: dict[str, Schema] = {
    "slug": STRING,
    "url": URI,
    "api_url": URI,
    "title": STRING,
    "summary": STRING,
    "date": {**STRING, "description": "Extended Date/Time Format (EDTF)."},
    "date_text": {**STRING, "description": "The date as written."},
    "date_earliest": {**DATE, "description": "The first day the date can mean."},
    "date_latest": {**DATE, "description": "The last day the date can mean."},
    "places": TEXT_LIST,
    "countries": TEXT_LIST,
    "categories": TEXT_LIST,
    "perpetrators": TEXT_LIST,
    "context": nullable(STRING),
    "conflicting_estimates": {
        "type": "boolean",
        "description": "Some measure's estimates cannot all be right.",
    },
    "version": {"type": "integer", "minimum": 1},
    "published_at": nullable(DATE_TIME),
    "languages": {
        **strict({name: STRING for name in TRANSLATED_FIELDS}),
        "description": "The language each text field is in: the one `lang` asks for where a "
        "published translation gives it, else the original's (en).",
    },
    "translation": nullable(
        {
            **strict(
                {
                    "language": STRING,
                    "out_of_date": {
                        "type": "boolean",
                        "description": "The original was corrected after it was translated.",
                    },
                }
            ),
            "description": "The published translation into the language `lang` asks for; "
            "null when there is none (or none was asked for).",
        }
    ),
}

DETAIL_FIELDS: dict[str, Schema] = {
    **SUMMARY_FIELDS,
    "description": {**STRING, "description": "Markdown."},
    "places": {"type": "array", "items": ref("Place")},
    "perpetrators": {
        "type": "array",
        "items": strict({"name": STRING, "slug": STRING, "parent": nullable(STRING)}),
    },
    "victim_groups": TEXT_LIST,
    "headline": {"type": "array", "items": ref("Headline")},
    "estimates": {"type": "array", "items": ref("Estimate")},
    "citations": {"type": "array", "items": ref("Citation")},
    "sources": {"type": "array", "items": ref("Source")},
    "proceedings": {"type": "array", "items": ref("Proceeding")},
    "related": {**TEXT_LIST, "description": "Slugs of published related incidents."},
    "corrections": {"type": "array", "items": ref("Correction")},
}

AGGREGATE = strict(
    {
        "measure": choice(Measure),
        "low": COUNT,
        "high": NULLABLE_COUNT,
        "high_open": {"type": "boolean"},
        "incidents_with": COUNT,
        "incidents_without": COUNT,
    },
    "The sum of the matching incidents' headlines for one measure.",
)

CHANGE = strict(
    {
        "slug": STRING,
        "change": choice(PublicChange.Kind),
        "at": DATE_TIME,
        "version": {"type": "integer", "minimum": 1},
    }
)

ERRORS = strict(
    {
        "errors": {
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": strict({"message": STRING, "code": STRING}),
            },
        }
    },
    "Each parameter that could not be read, with the reasons.",
)

NOT_FOUND = strict({"detail": STRING})

FILTER_HELP = {
    "q": "Words to find in the title, summary, description and places; letter case and "
    "diacritics are ignored, every word must match, prefixes count.",
    "country": "A modern country, as the places give it (Russia).",
    "category": "A category's slug (massacre).",
    "perpetrator": "A perpetrator's slug (nkvd); its units are included.",
    "victim_group": "A victim group's slug.",
    "context": "A context's slug.",
    "year_from": "Incidents that had not ended before this year.",
    "year_to": "Incidents that had begun by this year.",
    "conflicting": "true: only incidents where some measure's estimates cannot all be right.",
    "ordering": "The order of the list.",
}


def filter_parameters() -> list[Schema]:
    """The list's filters as query parameters, read from ``IncidentFilter`` itself."""
    parameters = []
    for name, field in IncidentFilter.base_filters.items():
        schema: Schema
        if isinstance(field, YearFilter):
            schema = {"type": "integer", "minimum": 1, "maximum": 9999}
        elif isinstance(field, django_filters.BooleanFilter):
            schema = {"type": "string", "enum": ["true", "false"]}
        elif isinstance(field, django_filters.OrderingFilter):
            names = [value for value, _ in field.extra["choices"]]
            schema = {"type": "string", "enum": names}
        else:
            schema = {"type": "string", "maxLength": field.extra["max_length"]}
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": FILTER_HELP[name],
                "schema": schema,
            }
        )
    return parameters


def json_response(description: str, schema: Schema, example: Any = None) -> Schema:
    content: Schema = {"schema": schema}
    if example is not None:
        content["example"] = example
    return {"description": description, "content": {"application/json": content}}


BAD_REQUEST = json_response("A parameter could not be read.", ref("Errors"))


def language_parameter() -> Schema:
    codes = [ORIGINAL_LANGUAGE, *(code for code, _name in translation_languages())]
    return {
        "name": "lang",
        "in": "query",
        "required": False,
        "description": "The language of the title, summary, description and date as written, "
        "where a published translation gives them (the rest stays in the original); figures, "
        "names of sources and quotes are never translated. Default: the original (en).",
        "schema": {"type": "string", "enum": codes},
    }


def document() -> Schema:
    page = {"type": "integer", "minimum": 1}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Incident Archive API",
            "version": "1",
            "summary": "Published incidents, every figure with who gives it and where.",
            "description": "Read-only. Only published versions appear; a withdrawn incident "
            "leaves the list, answers 404 and is announced in the change feed. Field names "
            "are stable: fields may be added, never renamed. Responses carry an ETag; ask "
            "with If-None-Match.",
            "license": {"name": settings.DATA_LICENCE_NAME, "url": settings.DATA_LICENCE_URL},
        },
        "servers": [{"url": "/"}],
        "paths": {
            "/api/incidents/": {
                "get": {
                    "operationId": "listIncidents",
                    "summary": f"Published incidents, {API_PAGE_SIZE} a page.",
                    "parameters": [
                        *filter_parameters(),
                        {"name": "page", "in": "query", "required": False, "schema": page},
                        language_parameter(),
                    ],
                    "responses": {
                        "200": json_response(
                            "A page of incidents.",
                            strict(
                                {
                                    "count": COUNT,
                                    "next": nullable(URI),
                                    "previous": nullable(URI),
                                    "results": {"type": "array", "items": ref("IncidentSummary")},
                                }
                            ),
                            {
                                "count": 1,
                                "next": None,
                                "previous": None,
                                "results": [KATYN_SUMMARY],
                            },
                        ),
                        "400": BAD_REQUEST,
                    },
                }
            },
            "/api/incidents/{slug}/": {
                "get": {
                    "operationId": "getIncident",
                    "summary": "One published incident with its figures, sources and history.",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
                            "example": "katyn-massacre",
                        },
                        language_parameter(),
                    ],
                    "responses": {
                        "200": json_response("The incident.", ref("IncidentDetail"), KATYN_DETAIL),
                        "400": BAD_REQUEST,
                        "404": json_response("No published incident here.", ref("NotFound")),
                    },
                }
            },
            "/api/aggregates/": {
                "get": {
                    "operationId": "getAggregates",
                    "summary": "Per measure, the sum of the headlines of the matching incidents.",
                    "parameters": filter_parameters(),
                    "responses": {
                        "200": json_response(
                            "Totals per measure, in the vocabulary's order.",
                            strict({"results": {"type": "array", "items": ref("Aggregate")}}),
                        ),
                        "400": BAD_REQUEST,
                    },
                }
            },
            "/api/changes/": {
                "get": {
                    "operationId": "listChanges",
                    "summary": "What was published, corrected or withdrawn, in order, "
                    f"{changes.PAGE_SIZE} a page.",
                    "parameters": [
                        {
                            "name": "since",
                            "in": "query",
                            "required": False,
                            "description": "ISO 8601 date or date-time; without a zone, UTC.",
                            "schema": STRING,
                            "example": "2026-11-30T12:00:00Z",
                        },
                        {
                            "name": "cursor",
                            "in": "query",
                            "required": False,
                            "description": "From `next` or `poll`; takes precedence over since.",
                            "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
                        },
                    ],
                    "responses": {
                        "200": json_response(
                            "Changes in the order they became public.",
                            strict(
                                {
                                    "results": {"type": "array", "items": ref("Change")},
                                    "next": {
                                        **nullable(URI),
                                        "description": "The next page while more wait now.",
                                    },
                                    "poll": {
                                        **URI,
                                        "description": "Where to ask on the next visit.",
                                    },
                                }
                            ),
                            {
                                "results": [
                                    {
                                        "slug": "katyn-massacre",
                                        "change": "published",
                                        "at": "2026-11-30T12:00:00Z",
                                        "version": 1,
                                    }
                                ],
                                "next": None,
                                "poll": "https://archive.example.org/api/changes/?cursor=1",
                            },
                        ),
                        "400": BAD_REQUEST,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "IncidentSummary": strict(SUMMARY_FIELDS),
                "IncidentDetail": strict(DETAIL_FIELDS),
                "Place": PLACE,
                "Estimate": ESTIMATE,
                "Provenance": PROVENANCE,
                "Headline": HEADLINE,
                "Citation": CITATION,
                "Source": SOURCE,
                "Proceeding": PROCEEDING,
                "Correction": CORRECTION,
                "Aggregate": AGGREGATE,
                "Change": CHANGE,
                "Errors": ERRORS,
                "NotFound": NOT_FOUND,
            }
        },
    }


@require_safe
def description(request: HttpRequest) -> JsonResponse:
    """``/api/openapi.json``."""
    return JsonResponse(document(), json_dumps_params={"ensure_ascii": False})
