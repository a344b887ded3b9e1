"""/my's pages on a generated ledger: the same hazards as sorting the scope's whole ledger, read through indexes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from config.org import load_org
from config.settings import PROJECT_ROOT
from domain.listing import MyFilter
from domain.members import Scope
from storage.db import Database
from storage.hazards import HazardRepository, MyIds, filter_sql
from tests.storage import ledgers
from tests.storage.test_counting import FIRST, NOW, _places

SCOPES = [Scope(everything=True), Scope(unit_id="xfdd"), Scope(unit_id="cgz"), Scope(enterprise_id="e01"),
          Scope(unit_id="nobody")]  # fmt: skip


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 hazards, some filed at the very same instant (the order then falls back to the id)."""
    org = load_org(PROJECT_ROOT / "config" / "org.example.toml")
    path = tmp_path_factory.mktemp("lists") / "db.sqlite3"
    with sqlite3.connect(path) as conn:
        for number, script in _scripts():
            conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        ledgers.write(conn, ledgers.histories(9, 2000, _places(org), FIRST, NOW, NOW))
        same = conn.execute("SELECT reported_at FROM hazards WHERE id = 500").fetchone()[0]
        conn.execute("UPDATE hazards SET reported_at = ? WHERE id BETWEEN 490 AND 510", (same,))
    return path


def _scripts() -> list[tuple[int, str]]:
    from storage.db import _migrations

    return _migrations()


def _expected(path: Path, scope: Scope) -> list[int]:
    """The scope's hazards sorted newest first, the whole ledger at once (what the page must be a slice of)."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT id, department_id, township_id, enterprise_id FROM hazards"
                            " ORDER BY reported_at DESC, id DESC").fetchall()  # fmt: skip
    return [i for i, d, t, e in rows if scope.everything or e == scope.enterprise_id or scope.unit_id in (d, t)]


@pytest.mark.parametrize("scope", SCOPES, ids=["county", "department", "township", "enterprise", "unknown unit"])
async def test_pages_are_slices_of_the_sorted_ledger(ledger: Path, scope: Scope) -> None:
    expected = _expected(ledger, scope)
    db = await Database.open(ledger)
    try:
        hazards = HazardRepository(db)
        for limit, offset in ((10, 0), (10, 10), (7, 33), (10, max(len(expected) - 5, 0)), (10, len(expected) + 3)):
            page, total = await hazards.list_hazards(scope, limit, offset)
            assert total == len(expected)
            assert [h.id for h in page] == expected[offset:offset + limit]
    finally:
        await db.close()


@pytest.mark.parametrize("scope", SCOPES[:4], ids=["county", "department", "township", "enterprise"])
async def test_a_page_never_sorts_the_whole_scope(ledger: Path, scope: Scope) -> None:
    """Every statement /my runs walks an index in order: no MULTI-INDEX OR, no sort of the hazards themselves."""
    statements: list[str] = []
    db = await Database.open(ledger)
    try:
        await db.trace(statements.append)
        await HazardRepository(db).list_hazards(scope, 10, 0)
        await db.trace(None)
    finally:
        await db.close()
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert selects
    with sqlite3.connect(ledger) as conn:
        for sql in selects:
            plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
            assert not any("MULTI-INDEX OR" in step for step in plan), plan
            # a sort may only order the few rows the index scans already cut to the page
            sorts = [i for i, step in enumerate(plan) if "TEMP B-TREE" in step]
            assert all(any(step.startswith("SCAN (subquery") for step in plan[:i]) for i in sorts), plan


@pytest.mark.parametrize("view", [MyFilter.ALL, MyFilter.OVERDUE, MyFilter.MAJOR, MyFilter.DONE])
@pytest.mark.parametrize("scope", SCOPES, ids=["county", "department", "township", "enterprise", "unknown unit"])
async def test_filtered_pages_are_slices_of_the_filtered_ledger(ledger: Path, scope: Scope, view: MyFilter) -> None:
    """/my's filters page the same way: the unit's two index scans carry the filter, the total counts it."""
    me = MyIds(7, scope.unit_id, scope.enterprise_id)
    chosen, params = filter_sql(view, {}, me, NOW)
    where, scope_params = ("1 = 1", ()) if scope.everything else (
        ("enterprise_id = ?", (scope.enterprise_id,)) if scope.enterprise_id else
        ("(department_id = ? OR township_id = ?)", (scope.unit_id, scope.unit_id)))  # fmt: skip
    with sqlite3.connect(ledger) as conn:
        expected = [i for (i,) in conn.execute(f"SELECT id FROM hazards WHERE ({where}) AND ({chosen})"
                                                 " ORDER BY reported_at DESC, id DESC", (*scope_params, *params))]
    db = await Database.open(ledger)
    try:
        hazards = HazardRepository(db)
        for limit, offset in ((10, 0), (10, 10), (10, max(len(expected) - 4, 0))):
            page, total = await hazards.list_view(scope, view, {}, me, NOW, limit, offset)
            assert total == len(expected)
            assert [h.id for h in page] == expected[offset:offset + limit]
    finally:
        await db.close()
    assert expected or scope.unit_id == "nobody"


async def test_the_kept_counts_follow_filings_and_transfers(ledger: Path, tmp_path: Path) -> None:
    """migration 013's counts equal a COUNT(*) for every scope after filings and after 移送 of department and
    township (the triggers run in the moving transaction)."""
    copy = tmp_path / "copy.sqlite3"
    with sqlite3.connect(ledger) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE hazards SET department_id = 'jtj' WHERE id % 7 = 0 AND department_id != 'jtj'")
        conn.execute("UPDATE hazards SET township_id = 'hsx' WHERE id % 11 = 0 AND township_id != 'hsx'")
        kept = dict(conn.execute("SELECT scope, n FROM hazard_counts").fetchall())
        rows = conn.execute("SELECT department_id, township_id, enterprise_id FROM hazards").fetchall()
    expected: dict[str, int] = {"": len(rows)}
    for d, t, e in rows:
        for key in (f"d:{d}", f"t:{t}", f"e:{e}"):
            expected[key] = expected.get(key, 0) + 1
    assert {k: n for k, n in kept.items() if n} == expected
    db = await Database.open(copy)
    try:
        hazards = HazardRepository(db)
        for scope in (Scope(everything=True), Scope(unit_id="jtj"), Scope(unit_id="hsx"), Scope(enterprise_id="e01")):
            _, total = await hazards.list_hazards(scope, 10, 0)
            assert total == len(_expected(copy, scope))
    finally:
        await db.close()
