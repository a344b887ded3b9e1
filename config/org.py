"""Load and validate the organisation file (TOML) into a `domain.org.Organisation`."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from domain.org import Category, Enterprise, Organisation, Unit, UnitKind
from texts import plain


@dataclass
class OrgFileError(Exception):
    """The org file is unusable: which file, which entry, what is wrong (catalog key + values)."""

    path: Path
    entry: str
    problem: str
    values: Mapping[str, object]

    def __str__(self) -> str:
        return plain(
            "org.invalid", file=self.path, entry=self.entry, problem=plain(f"org.problem.{self.problem}", **self.values)
        )


def load_org(path: Path) -> Organisation:
    """Read `path` and return the organisation, or raise OrgFileError naming the entry at fault."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise OrgFileError(path, "-", "missing_file", {}) from exc
    except tomllib.TOMLDecodeError as exc:
        raise OrgFileError(path, "-", "syntax", {"detail": exc}) from exc
    return _Parser(path).parse(data)


class _Parser:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen_ids: dict[str, str] = {}

    def fail(self, entry: str, problem: str, **values: object) -> OrgFileError:
        return OrgFileError(self.path, entry, problem, values)

    def text(self, item: Mapping[str, Any], key: str, entry: str) -> str:
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(entry, "missing_field", field=key)
        return value.strip()

    def claim_id(self, item: Mapping[str, Any], entry: str) -> str:
        ident = self.text(item, "id", entry)
        if not ident.replace("_", "").replace("-", "").isalnum() or not ident.isascii() or len(ident) > 24:
            raise self.fail(entry, "bad_id", id=ident)
        if ident in self.seen_ids:
            raise self.fail(entry, "duplicate_id", id=ident, other=self.seen_ids[ident])
        self.seen_ids[ident] = entry
        return ident

    def table_list(self, data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        items = data.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise self.fail(key, "not_a_table_list", key=key)
        if not items:
            raise self.fail(key, "empty_section", key=key)
        return items

    def entries(self, data: Mapping[str, Any], key: str) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
        """Each `[[key]]` entry with its claimed id and the name errors give it: `units #3 (yjj)`."""
        for index, item in enumerate(self.table_list(data, key), start=1):
            ident = self.claim_id(item, f"{key} #{index}")
            yield f"{key} #{index} ({ident})", ident, item

    def unit_reference(self, item: Mapping[str, Any], field: str, entry: str, units: Mapping[str, Unit],
                       kind: UnitKind) -> str:
        """The id in `field`, which must name a unit of `kind` (a category's department, an enterprise's township)."""
        ident = self.text(item, field, entry)
        if ident not in units or units[ident].kind is not kind:
            raise self.fail(entry, f"unknown_{field}", **{field: ident})
        return ident

    def parse(self, data: Mapping[str, Any]) -> Organisation:
        county = data.get("county", {})
        name = county.get("name") if isinstance(county, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise self.fail("county", "missing_field", field="name")

        units: dict[str, Unit] = {}
        for entry, ident, item in self.entries(data, "units"):
            kind_text = self.text(item, "kind", entry)
            try:
                kind = UnitKind(kind_text)
            except ValueError:
                raise self.fail(entry, "bad_kind", kind=kind_text) from None
            units[ident] = Unit(ident, self.text(item, "name", entry), kind)
        if sum(u.kind is UnitKind.OFFICE for u in units.values()) > 1:
            raise self.fail("units", "two_offices")

        categories: dict[str, Category] = {}
        for entry, ident, item in self.entries(data, "categories"):
            department = self.unit_reference(item, "department", entry, units, UnitKind.DEPARTMENT)
            keywords = item.get("keywords", [])
            if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
                raise self.fail(entry, "bad_keywords")
            categories[ident] = Category(ident, self.text(item, "name", entry), department, tuple(keywords))

        enterprises: dict[str, Enterprise] = {}
        for entry, ident, item in self.entries(data, "enterprises"):
            township = self.unit_reference(item, "township", entry, units, UnitKind.TOWNSHIP)
            industry = self.text(item, "industry", entry)
            if industry not in categories:
                raise self.fail(entry, "unknown_industry", industry=industry)
            enterprises[ident] = Enterprise(ident, self.text(item, "name", entry), township, industry)

        calendar = data.get("calendar", {})
        return Organisation(
            county=name.strip(),
            units=units,
            categories=categories,
            enterprises=enterprises,
            extra_holidays=self.dates(calendar, "holidays"),
            extra_workdays=self.dates(calendar, "workdays"),
        )

    def dates(self, calendar: Any, key: str) -> frozenset[date]:
        if not isinstance(calendar, dict):
            raise self.fail("calendar", "not_a_table_list", key="calendar")
        values = calendar.get(key, [])
        if not isinstance(values, list):
            raise self.fail(f"calendar.{key}", "bad_dates", key=key)
        result: set[date] = set()
        for value in values:
            if isinstance(value, date):
                result.add(value)
                continue
            try:
                result.add(date.fromisoformat(str(value)))
            except ValueError:
                raise self.fail(f"calendar.{key}", "bad_date", value=value) from None
        return frozenset(result)
