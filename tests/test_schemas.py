"""The schema files themselves: valid, in step with their data, codes declared."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from importlib import resources

import pytest
from jsonschema import Draft202012Validator

from sentinel_dac.catalog.attack import sentinel_tactics
from sentinel_dac.content.durations import parse_duration, to_iso, to_short
from sentinel_dac.findings import CODES, Finding
from sentinel_dac.schemas import SCHEMA_NAMES, load_schema, validator
from sentinel_dac.schemas.generate import render


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_valid_draft_2020_12(name):
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    validator(name)  # compiles with every $ref resolvable offline


def test_generated_entity_schema_is_fresh():
    committed = resources.files("sentinel_dac.schemas").joinpath("entity-mappings.schema.json").read_text()
    assert committed == render(), "run: python -m sentinel_dac.schemas.generate"


def test_tactic_enum_matches_sentinel_table():
    assert load_schema("common")["$defs"]["tactics"]["items"]["enum"] == list(sentinel_tactics())


def test_every_code_in_schemas_is_declared():
    used = set()
    for name in SCHEMA_NAMES:
        text = json.dumps(load_schema(name))
        used |= set(re.findall(r'"x-code": "(DAC\d+)"', text))
    assert used and used <= set(CODES)


def test_codes_and_their_names_are_unique():
    # SARIF rules are named by these: two codes with one name would merge two checks in a report
    from sentinel_dac.findings import _DECLARED

    assert len({c.code for c in _DECLARED}) == len(_DECLARED)
    assert len({c.name for c in _DECLARED}) == len(_DECLARED)


def test_undeclared_code_is_refused():
    with pytest.raises(ValueError):
        Finding("f", 1, 1, "DAC999", "x")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5m", timedelta(minutes=5)),
        ("1h", timedelta(hours=1)),
        ("14d", timedelta(days=14)),
        ("PT5M", timedelta(minutes=5)),
        ("P1D", timedelta(days=1)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("PT1H30M", timedelta(minutes=90)),
        ("00:05:00", timedelta(minutes=5)),
        ("14.00:00:00", timedelta(days=14)),
    ],
)
def test_duration_forms(text, expected):
    assert parse_duration(text) == expected
    assert re.match(load_schema("common")["$defs"]["duration"]["pattern"], text)


@pytest.mark.parametrize("text", ["5", "1 hour", "P", "PT", "P1Y", "1w", "-5m", "P1DT"])
def test_bad_durations_are_rejected_by_parser_and_pattern(text):
    with pytest.raises(ValueError):
        parse_duration(text)
    assert not re.match(load_schema("common")["$defs"]["duration"]["pattern"], text)


@pytest.mark.parametrize(
    ("td", "iso", "short"),
    [
        (timedelta(minutes=5), "PT5M", "5m"),
        (timedelta(hours=5), "PT5H", "5h"),
        (timedelta(days=1), "P1D", "1d"),
        (timedelta(days=1, hours=2), "P1DT2H", "26h"),
        (timedelta(0), "PT0S", "0d"),
    ],
)
def test_duration_rendering(td, iso, short):
    assert to_iso(td) == iso and to_short(td) == short
    assert parse_duration(iso) == td
