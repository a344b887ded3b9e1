"""Instants in the database: UTC ISO-8601 text, sortable as strings."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db(instant: datetime) -> str:
    """An aware datetime as stored (UTC, microseconds)."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime")
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(text: str | None) -> datetime | None:
    """A stored instant back as an aware UTC datetime."""
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def from_db_required(text: str) -> datetime:
    """A stored, non-null instant."""
    return datetime.fromisoformat(text).astimezone(UTC)
