"""JSON Schema validation of one document, as findings with lines and codes.

Each constraint in our schemas carries `x-code` (and often `x-message`), so
the code and wording of an error are declared next to the constraint itself;
only the generic JSON Schema keywords fall back to generic codes here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from jsonschema import ValidationError

from ..content.yamlsrc import YamlDoc
from ..findings import Finding, Level
from . import validator, validator_registry

_KEYWORD_CODES = {"required": "DAC201", "additionalProperties": "DAC202", "type": "DAC203"}


def check_schema(doc: YamlDoc, schema_name: str) -> list[Finding]:
    """All schema violations of `doc`, one finding per distinct problem."""
    findings: dict[tuple[int, str, str], Finding] = {}
    compiled = validator(schema_name)
    for f in _drop_empty_optional(doc, compiled.schema):
        findings.setdefault((f.line, f.code, f.message), f)
    for err in _leaf_errors(compiled.iter_errors(doc.data), compiled.schema):
        f = _to_finding(doc, err, compiled.schema)
        findings.setdefault((f.line, f.code, f.message), f)
    for f in _unknown_top_level(doc, compiled.schema):
        findings.setdefault((f.line, f.code, f.message), f)
    return sorted(findings.values(), key=lambda f: (f.line, f.column, f.code))


def _drop_empty_optional(doc: YamlDoc, schema: dict[str, Any]) -> Iterable[Finding]:
    """`metadata:` with nothing after it is null; Sentinel treats it as absent, and so do we.

    The key is removed from the data (so later steps need no None checks) and
    reported as a warning, since an empty field is usually an unfinished edit.
    Required fields keep their null and fail their type check.
    """
    if not isinstance(doc.data, dict):
        return
    required = set(schema.get("required", ()))
    for key in [k for k, v in doc.data.items() if v is None and k not in required]:
        pos = doc.key_pos((key,))
        del doc.data[key]
        yield Finding(
            doc.display,
            pos.line,
            pos.column,
            "DAC204",
            f"field '{key}' is empty and will be ignored",
            level=Level.WARNING,
            field=key,
        )


def _unknown_top_level(doc: YamlDoc, schema: dict[str, Any]) -> Iterable[Finding]:
    """Fields the format does not define, in an open (Sentinel-compatible) schema.

    Sentinel ignores unknown fields, and community rules carry a few we may
    not know, so an unknown field is a warning -- unless it is one letter
    away from a known field: `customDetail` silently dropping every custom
    detail is exactly the typo this check exists for, so that is an error.
    """
    if schema.get("additionalProperties") is False or not isinstance(doc.data, dict):
        return
    known = list(schema.get("properties", {}))
    for key in doc.data:
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
        pos = doc.key_pos((key,))
        if close:
            yield Finding(
                doc.display,
                pos.line,
                pos.column,
                "DAC202",
                f"unknown field '{key}': did you mean '{close[0]}'?",
                field=key,
            )
        else:
            yield Finding(
                doc.display,
                pos.line,
                pos.column,
                "DAC202",
                f"unknown field '{key}' is not part of the format and will be ignored",
                level=Level.WARNING,
                field=key,
            )


def _leaf_errors(errors: Iterable[ValidationError], root: dict[str, Any]) -> Iterable[ValidationError]:
    """Descend into anyOf/oneOf so the author sees the concrete problem.

    An `anyOf` under a constraint with a declared code is reported once,
    with that constraint's message; an undeclared one is unpacked.
    """
    for err in errors:
        if err.validator in ("anyOf", "oneOf") and err.context and _declared_along(root, err.schema_path)[0] is None:
            yield from _leaf_errors(err.context, root)
        else:
            yield err


def _declared_along(root: dict[str, Any], schema_path: Iterable[Any]) -> tuple[str | None, str | None]:
    """The deepest `x-code` on the way to the failing keyword, and its `x-message`.

    jsonschema reports the schema node holding the failing keyword; the code
    is often declared higher up (on the property that `$ref`s a shared
    definition), so walk the schema path from the root, following `$ref`s.
    """
    resolver = validator_registry().resolver(base_uri=root.get("$id", ""))
    node: Any = root
    code = message = None
    for step in schema_path:
        if isinstance(node, dict) and "x-code" in node:
            code, message = node["x-code"], node.get("x-message")
        # jsonschema leaves `$ref` out of the path: follow it when the step is not here
        while isinstance(node, dict) and step not in node and "$ref" in node:
            resolved = resolver.lookup(node["$ref"])
            node, resolver = resolved.contents, resolved.resolver
            if isinstance(node, dict) and "x-code" in node:
                code, message = node["x-code"], node.get("x-message")
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    if isinstance(node, dict) and "x-code" in node:
        code, message = node["x-code"], node.get("x-message")
    return code, message


def _to_finding(doc: YamlDoc, err: ValidationError, root: dict[str, Any]) -> Finding:
    path = tuple(err.absolute_path)
    field = ".".join(str(p) for p in path) or None
    schema: dict[str, Any] = err.schema if isinstance(err.schema, dict) else {}
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        pos = doc.pos(path)
        where = f" in {field}" if field else ""
        return Finding(
            doc.display,
            pos.line,
            pos.column,
            schema.get("x-code", "DAC201"),
            f"required field '{missing}' is missing{where}",
            field=".".join(filter(None, [field, missing])),
        )
    if err.validator == "additionalProperties" and schema.get("additionalProperties") is False:
        extra = sorted(set(err.instance) - set(schema.get("properties", {})))
        bad = extra[0] if extra else "?"
        pos = doc.key_pos((*path, bad))
        known = ", ".join(sorted(schema.get("properties", {})))
        return Finding(
            doc.display,
            pos.line,
            pos.column,
            schema.get("x-code", "DAC202"),
            f"unknown field '{bad}'{' in ' + field if field else ''}; allowed: {known}",
            field=".".join(str(p) for p in (*path, bad)),
        )
    code, declared_message = _declared_along(root, err.schema_path)
    template = schema.get("x-message") or declared_message
    code = code or _KEYWORD_CODES.get(str(err.validator)) or "DAC200"
    message = _message(err, schema, template)
    field_prefix = bool(field) and (template is None or err.validator == "type")
    if "propertyNames" in err.relative_schema_path and isinstance(err.instance, str):
        pos = doc.key_pos((*path, err.instance))  # the error is about a key, not a value
    else:
        pos = doc.pos(path)
    return Finding(
        doc.display, pos.line, pos.column, code, f"{field}: {message}" if field_prefix else message, field=field
    )


def _message(err: ValidationError, schema: dict[str, Any], template: str | None) -> str:
    value = err.instance
    if err.validator == "type":
        expected = schema.get("type")
        return f"expected {expected}, found {_type_name(value)} ({_short(value)})"
    if template:
        length = len(value) if isinstance(value, (str, list, dict)) else 0
        return template.format(value=_short(value, 80), count=length, length=length)
    return err.message


def _type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        type(None): "nothing (null)",
    }.get(type(value), type(value).__name__)


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
