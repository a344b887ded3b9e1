"""The county's organisation: units, hazard categories and enterprises (loaded from the org file)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class UnitKind(StrEnum):
    """What kind of unit: the safety committee office, an industry department or a township."""

    OFFICE = "office"  # 安委办
    DEPARTMENT = "department"  # 行业部门: 管行业必须管安全
    TOWNSHIP = "township"  # 乡镇/街道: 属地管理


@dataclass(frozen=True, slots=True)
class Unit:
    """A government unit with (eventually) a Telegram group of its own."""

    id: str
    name: str
    kind: UnitKind


@dataclass(frozen=True, slots=True)
class Category:
    """A hazard category (行业领域) and the department responsible for it."""

    id: str
    name: str
    department_id: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Enterprise:
    """An enterprise, located in a township and belonging to an industry (a category)."""

    id: str
    name: str
    township_id: str
    industry_id: str


@dataclass(frozen=True, slots=True)
class Organisation:
    """The whole county as the org file describes it; immutable once loaded."""

    county: str
    units: dict[str, Unit]
    categories: dict[str, Category]
    enterprises: dict[str, Enterprise]
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    def unit(self, unit_id: str) -> Unit | None:
        """The unit with this id, or None."""
        return self.units.get(unit_id)

    def units_of_kind(self, kind: UnitKind) -> list[Unit]:
        """Units of one kind, in file order."""
        return [u for u in self.units.values() if u.kind is kind]

    @property
    def office(self) -> Unit | None:
        """The county safety committee office (安委办), if the file has one."""
        offices = self.units_of_kind(UnitKind.OFFICE)
        return offices[0] if offices else None

    def responsible_units(self, enterprise_id: str, category_id: str) -> list[Unit]:
        """The department of the category and the township of the enterprise, in that order."""
        enterprise = self.enterprises[enterprise_id]
        category = self.categories[category_id]
        department = self.units[category.department_id]
        township = self.units[enterprise.township_id]
        return [department, township] if department.id != township.id else [department]

    def suggest_categories(self, description: str, enterprise_id: str | None = None) -> list[Category]:
        """All categories, likeliest first: keyword hits in the description, then the enterprise's industry."""
        industry = self.enterprises[enterprise_id].industry_id if enterprise_id in self.enterprises else None

        def score(item: tuple[int, Category]) -> tuple[int, int, int]:
            position, category = item
            hits = sum(description.count(word) for word in (category.name, *category.keywords) if word)
            return (-hits, 0 if category.id == industry else 1, position)

        return [c for _, c in sorted(enumerate(self.categories.values()), key=score)]

    def enterprises_in(self, unit_ids: Iterable[str]) -> list[Enterprise]:
        """Enterprises in the given townships or in the industries of the given departments."""
        wanted = set(unit_ids)
        industries = {c.id for c in self.categories.values() if c.department_id in wanted}
        return [
            e for e in self.enterprises.values() if e.township_id in wanted or e.industry_id in industries
        ]
