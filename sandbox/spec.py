"""The Bot API spec (sandbox/botapi.json) and the check every request to the double goes through.

The JSON lists each method's parameters with their types ("Integer", "String", "Array of
InputMediaPhoto", "InlineKeyboardMarkup" ...) and whether they are required, and each type's
fields the same way. Values arrive as JSON, or as strings from a form: python-telegram-bot
sends every request as a form (urlencoded, or multipart when it uploads), with strings as they
are and everything else JSON-encoded. So a form value is first coerced by its declared type,
then checked against it, recursively through objects and arrays.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("botapi.json")

_INTEGER = re.compile(r"-?\d+")
_FLOAT = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}
_DISCRIMINATOR = re.compile(r'(?:must be|always) "?([a-z_]+)"?')


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart request (what Telegram calls an InputFile)."""

    data: bytes
    filename: str | None = None
    content_type: str | None = None

    def __repr__(self) -> str:
        return f"UploadedFile({self.filename!r}, {len(self.data)} bytes, {self.content_type!r})"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One parameter of a method, or one field of a type."""

    name: str
    types: tuple[str, ...]
    required: bool
    description: str


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """A Bot API method: its parameters by name and what it returns."""

    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """A Bot API type: its fields, or the subtypes it is a union of."""

    name: str
    fields: dict[str, FieldSpec]
    subtypes: tuple[str, ...]
    # For a member of a union: the field that tells the members apart and its fixed value.
    discriminator: tuple[str, str] | None


def _fields(raw: list[dict[str, Any]] | None) -> dict[str, FieldSpec]:
    fields: dict[str, FieldSpec] = {}
    for f in raw or []:
        description = f.get("description", "")
        if isinstance(description, list):
            description = " ".join(description)
        fields[f["name"]] = FieldSpec(f["name"], tuple(f["types"]), bool(f["required"]), description)
    return fields


def _discriminator(fields: dict[str, FieldSpec]) -> tuple[str, str] | None:
    for key in ("type", "status", "source"):
        spec = fields.get(key)
        if spec is not None:
            match = _DISCRIMINATOR.search(spec.description)
            if match:
                return key, match.group(1)
    return None


class BotApiSpec:
    """The methods and types of the Bot API, with coercion and checking of request parameters."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: str = raw.get("version", "")
        self.methods: dict[str, MethodSpec] = {
            name: MethodSpec(name, _fields(m.get("fields")), tuple(m.get("returns", ())))
            for name, m in raw["methods"].items()
        }
        self.types: dict[str, TypeSpec] = {}
        for name, t in raw["types"].items():
            fields = _fields(t.get("fields"))
            self.types[name] = TypeSpec(name, fields, tuple(t.get("subtypes", ())), _discriminator(fields))
        # Telegram matches method names case-insensitively.
        self._by_lower = {name.lower(): name for name in self.methods}

    @classmethod
    @cache
    def default(cls) -> BotApiSpec:
        """The spec shipped with the sandbox, loaded once per process."""
        return cls(json.loads(SPEC_PATH.read_text(encoding="utf-8")))

    def canonical(self, method: str) -> str | None:
        """The spec's spelling of ``method`` or None when the Bot API has no such method."""
        return self._by_lower.get(method.lower())

    # -- coercion ---------------------------------------------------------------------------

    def coerce(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Turn form strings into the values their declared types call for; unknown ones stay."""
        spec = self.methods[method]
        result: dict[str, Any] = {}
        for name, value in params.items():
            field_spec = spec.fields.get(name)
            result[name] = _coerce(value, field_spec.types) if field_spec and isinstance(value, str) else value
        return result

    # -- checking ---------------------------------------------------------------------------

    def check(self, method: str, params: dict[str, Any]) -> list[str]:
        """Every way ``params`` (already coerced) break the spec of ``method``; empty when none."""
        spec = self.methods[method]
        problems: list[str] = []
        for name in params:
            if name not in spec.fields:
                problems.append(f'unknown parameter "{name}"')
        for field_spec in spec.fields.values():
            if field_spec.name not in params:
                if field_spec.required:
                    problems.append(f"{field_spec.name} is empty")
                continue
            problems.extend(self._check_value(params[field_spec.name], field_spec.types, field_spec.name))
        return problems

    def _check_value(self, value: Any, types: tuple[str, ...], path: str) -> list[str]:
        if len(types) == 1:
            return self._check_one(value, types[0], path)
        best: list[str] | None = None
        for type_name in types:
            problems = self._check_one(value, type_name, path)
            if not problems:
                return []
            # Prefer the explanation from a candidate of the right shape (object, array, scalar).
            if best is None or not problems[0].startswith(f"{path}: expected"):
                best = problems
        if best and best[0].startswith(f"{path}: expected"):
            return [f"{path}: expected {' or '.join(types)}, got {_describe(value)}"]
        return best or []

    def _check_one(self, value: Any, type_name: str, path: str) -> list[str]:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path}: expected {type_name}, got {_describe(value)}"]
            inner = type_name.removeprefix("Array of ")
            problems: list[str] = []
            for index, item in enumerate(value):
                problems.extend(self._check_one(item, inner, f"{path}[{index}]"))
            return problems
        if type_name == "InputFile":
            return [] if isinstance(value, UploadedFile) else [f"{path}: expected InputFile, got {_describe(value)}"]
        ok = _SCALARS.get(type_name)
        if ok is not None:
            return [] if ok(value) else [f"{path}: expected {type_name}, got {_describe(value)}"]
        type_spec = self.types.get(type_name)
        if type_spec is None:
            return []  # a type the spec names but does not describe: nothing to hold it to
        if not isinstance(value, dict):
            return [f"{path}: expected {type_name}, got {_describe(value)}"]
        if type_spec.subtypes:
            return self._check_union(value, type_spec, path)
        return self._check_object(value, type_spec, path)

    def _check_union(self, value: dict[str, Any], type_spec: TypeSpec, path: str) -> list[str]:
        for sub in type_spec.subtypes:
            sub_spec = self.types[sub]
            if sub_spec.discriminator and value.get(sub_spec.discriminator[0]) == sub_spec.discriminator[1]:
                return self._check_one(value, sub, path)
        for sub in type_spec.subtypes:
            if not self._check_one(value, sub, path):
                return []
        return [f"{path}: not a valid {type_spec.name}"]

    def _check_object(self, value: dict[str, Any], type_spec: TypeSpec, path: str) -> list[str]:
        if not type_spec.fields:
            return []  # e.g. CallbackGame: any object
        problems: list[str] = []
        for key in value:
            if key not in type_spec.fields:
                problems.append(f'{path}: unknown field "{key}" in {type_spec.name}')
        for field_spec in type_spec.fields.values():
            if field_spec.name not in value:
                if field_spec.required:
                    problems.append(f"{path}: {type_spec.name} needs {field_spec.name}")
                continue
            problems.extend(self._check_value(value[field_spec.name], field_spec.types, f"{path}.{field_spec.name}"))
        if type_spec.discriminator:
            key, expected = type_spec.discriminator
            if value.get(key) != expected:
                problems.append(f'{path}.{key}: must be "{expected}" in {type_spec.name}')
        return problems


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_float(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_SCALARS = {
    "Integer": _is_int,
    "Float": _is_float,
    "String": lambda v: isinstance(v, str),
    "Boolean": lambda v: isinstance(v, bool),
    "True": lambda v: v is True,
}


def _describe(value: Any) -> str:
    if isinstance(value, UploadedFile):
        return "an uploaded file"
    text = repr(value)
    return f"{type(value).__name__} {text[:40]}{'…' if len(text) > 40 else ''}"


def _coerce(value: str, types: tuple[str, ...]) -> Any:
    """Read a form string as the first declared type it can be; leave it when none fits."""
    for type_name in types:
        if type_name in ("String", "InputFile"):
            return value
        if type_name == "Integer" and _INTEGER.fullmatch(value):
            return int(value)
        if type_name == "Float" and _FLOAT.fullmatch(value):
            return float(value) if not _INTEGER.fullmatch(value) else int(value)
        if type_name in ("Boolean", "True"):
            lowered = value.lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
        if type_name.startswith("Array of ") or (type_name[:1].isupper() and type_name not in _SCALARS):
            try:
                decoded = json.loads(value)
            except ValueError:
                continue
            if isinstance(decoded, list | dict):
                return decoded
    return value
