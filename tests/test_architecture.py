"""The layers, read from the modules' own imports (ast): what may import what (README "Architecture").

bot/ composes and runs; handlers/ (Telegram's inbound adapter) and messenger/ (the port and its implementations) are
the adapters; outbound/ is the sweep behind the port; views/ builds what the bot shows; reports/ counts and exports;
kernel/ is what they share; storage/ is the only SQL; domain/ is pure.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paths import REPO

PACKAGES = ("bot", "handlers", "feishu", "messenger", "outbound", "usecases", "views", "kernel", "reports", "storage",
            "domain", "config", "texts", "sandbox")  # fmt: skip
# the messenger libraries: only the adapters (and the composition root) may import them
MESSENGER_LIBRARIES = ("telegram", "lark_oapi")
ADAPTERS = ("bot", "handlers", "feishu", "sandbox")  # and the implementations in messenger/ (not its port)


def _modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            yield ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__"), path


def _imports(path: Path, *, module_level: bool = False) -> set[str]:
    """Every module name the file imports (absolute imports; the project uses no relative ones); `module_level`: only
    those run on import, not those inside a function (imported when that function runs)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = [n for n in tree.body if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
    for node in (n for top in nodes for n in ast.walk(top)) if module_level else ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            assert node.module is not None
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return found


IMPORTS = {module: _imports(path) for module, path in _modules()}
ON_IMPORT = {module: _imports(path, module_level=True) for module, path in _modules()}


def _ours(name: str) -> str | None:
    top = name.split(".")[0]
    return top if top in PACKAGES else None


def _violations(package: str, allowed: set[str]) -> list[str]:
    return sorted(f"{module} imports {name}" for module, names in IMPORTS.items() if module.split(".")[0] == package
                  for name in names if (top := _ours(name)) is not None and top not in allowed | {package})  # fmt: skip


def test_the_modules_are_found() -> None:
    assert {"domain.lifecycle", "storage.lifecycle", "outbound.sweep", "messenger.port", "views.cards"} <= set(IMPORTS)


def test_domain_imports_nothing_of_ours_but_itself() -> None:
    assert _violations("domain", set()) == []


def test_storage_imports_only_the_domain() -> None:
    assert _violations("storage", {"domain"}) == []


@pytest.mark.parametrize("package", ["domain", "storage", "kernel", "views", "reports", "outbound", "usecases"])
def test_no_messenger_library_below_the_adapters(package: str) -> None:
    found = sorted(f"{module} imports {name}" for module, names in IMPORTS.items() if module.split(".")[0] == package
                   for name in names if name.split(".")[0] in MESSENGER_LIBRARIES)  # fmt: skip
    assert found == []


def test_the_messenger_port_is_neutral() -> None:
    assert not {n for n in IMPORTS["messenger.port"] if n.split(".")[0] in MESSENGER_LIBRARIES}


def test_handlers_and_outbound_do_not_import_each_other() -> None:
    assert _violations("outbound", set(PACKAGES) - {"handlers", "feishu"}) == []
    assert _violations("handlers", set(PACKAGES) - {"outbound", "feishu"}) == []
    assert _violations("feishu", set(PACKAGES) - {"outbound", "handlers"}) == []  # the two inbound adapters stay apart


@pytest.mark.parametrize("package", [p for p in PACKAGES if p != "bot"])
def test_only_the_composition_root_is_bot(package: str) -> None:
    if package == "sandbox":  # the sandbox runs the real bot: it is a composition root of its own
        return
    assert _violations(package, set(PACKAGES) - {"bot"}) == []


def test_the_sandbox_is_imported_only_on_the_no_token_path() -> None:
    """The production entry point starts the sandbox when it has no token: inside main(), never on import."""
    lazy = sorted(m for m, names in IMPORTS.items()
                  if m.startswith("bot") and any(_ours(n) == "sandbox" for n in names))  # fmt: skip
    assert lazy == ["bot.__main__"]
    assert not [n for m, names in ON_IMPORT.items() if m.startswith("bot") for n in names if _ours(n) == "sandbox"]


def _package_graph() -> dict[str, set[str]]:
    """Which package imports which (bot's lazy import of the sandbox, on the no-token path, is the test above)."""
    graph: dict[str, set[str]] = {p: set() for p in PACKAGES}
    for module, names in (IMPORTS | {"bot.__main__": ON_IMPORT["bot.__main__"]}).items():
        here = module.split(".")[0]
        graph[here] |= {top for name in names if (top := _ours(name)) is not None and top != here}
    return graph


def test_no_import_cycle_between_packages() -> None:
    graph = _package_graph()
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in path:
                cycles.append([*path[path.index(nxt):], nxt])
            elif len(path) < len(PACKAGES):
                visit(nxt, [*path, nxt])

    for package in PACKAGES:
        visit(package, [package])
    assert cycles == []


def test_the_export_worker_imports_none_of_the_bots_running_parts() -> None:
    """The export worker process (`python -m reports.worker`) imports reports.ledger_export: the ledger's storage,
    the domain and openpyxl, not the kernel, the messengers, the knowledge base or photos' hashes (each tens of MB in
    a process of its own)."""
    import subprocess
    import sys

    heavy = ("kernel", "messenger", "telegram", "lark_oapi", "numpy", "PIL", "jieba", "bm25s", "pydantic")
    probe = (f"import sys; import reports.worker; print([m for m in {heavy!r} if m in sys.modules])")
    found = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]", found.stdout + found.stderr
