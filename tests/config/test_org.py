"""The organisation file: the example loads, and each kind of mistake is named with its entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.org import OrgFileError, load_org
from config.settings import PROJECT_ROOT
from domain.org import UnitKind

EXAMPLE = PROJECT_ROOT / "config" / "org.example.toml"


def test_example_describes_a_plausible_county() -> None:
    org = load_org(EXAMPLE)
    assert len(org.units_of_kind(UnitKind.DEPARTMENT)) >= 6
    assert len(org.units_of_kind(UnitKind.TOWNSHIP)) >= 4
    assert len(org.categories) >= 10
    assert len(org.enterprises) >= 10
    assert org.office is not None and org.office.name == "县安委办"


def test_routing_goes_to_department_and_township() -> None:
    org = load_org(EXAMPLE)
    units = org.responsible_units("e01", "xfaq")
    assert [u.id for u in units] == ["xfdd", "cgz"]


def test_keywords_put_the_likeliest_category_first() -> None:
    org = load_org(EXAMPLE)
    assert org.suggest_categories("仓库灭火器过期，安全出口被堵", "e01")[0].id == "xfaq"
    # with no keyword at all, the enterprise's own industry comes first
    assert org.suggest_categories("说不清楚的问题", "e04")[0].id == "jzsg"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "org.toml"
    path.write_text(text, encoding="utf-8")
    return path


BASE = """
[county]
name = "测试县"
[[units]]
id = "d1"
name = "部门一"
kind = "department"
[[units]]
id = "t1"
name = "乡镇一"
kind = "township"
[[categories]]
id = "c1"
name = "类别一"
department = "{department}"
[[enterprises]]
id = "{enterprise}"
name = "企业一"
{township_line}
industry = "c1"
"""


@pytest.mark.parametrize(
    ("department", "enterprise", "township_line", "entry", "words"),
    [
        ("nope", "e1", 'township = "t1"', "categories #1 (c1)", "nope"),
        ("t1", "e1", 'township = "t1"', "categories #1 (c1)", "不是行业部门"),
        ("d1", "d1", 'township = "t1"', "enterprises #1", "重复"),
        ("d1", "e1", "", "enterprises #1 (e1)", "township"),
        ("d1", "e1", 'township = "d1"', "enterprises #1 (e1)", "乡镇"),
    ],
)
def test_a_bad_file_names_file_entry_and_problem(
    tmp_path: Path, department: str, enterprise: str, township_line: str, entry: str, words: str
) -> None:
    path = _write(tmp_path, BASE.format(department=department, enterprise=enterprise, township_line=township_line))
    with pytest.raises(OrgFileError) as caught:
        load_org(path)
    message = str(caught.value)
    assert str(path) in message and entry in message and words in message


def test_syntax_errors_and_missing_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(OrgFileError, match="TOML"):
        load_org(_write(tmp_path, "[county\nname="))
    with pytest.raises(OrgFileError, match="找不到"):
        load_org(tmp_path / "missing.toml")


def test_calendar_dates_are_read(tmp_path: Path) -> None:
    text = BASE.format(department="d1", enterprise="e1", township_line='township = "t1"')
    org = load_org(_write(tmp_path, text + '[calendar]\nholidays = ["2027-01-01"]\nworkdays = [2027-02-07]\n'))
    assert {d.isoformat() for d in org.extra_holidays} == {"2027-01-01"}
    assert {d.isoformat() for d in org.extra_workdays} == {"2027-02-07"}
    with pytest.raises(OrgFileError, match="2027-13-01"):
        load_org(_write(tmp_path, text + '[calendar]\nholidays = ["2027-13-01"]\n'))
