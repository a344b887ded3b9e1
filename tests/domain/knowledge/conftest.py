"""Fixtures for the knowledge base tests: the bundled corpus, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.knowledge import KnowledgeBase
from storage.documents import load_knowledge

REPO = Path(__file__).parents[3]
BUNDLED = REPO / "config" / "corpus"


@pytest.fixture(scope="session")
def bundled_kb() -> KnowledgeBase:
    """The bundled speeches, indexed once for all read-only tests."""
    return load_knowledge(BUNDLED)
