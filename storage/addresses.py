"""The address book: a messenger's own ids (strings) paired with the integers the ledger keeps (migration 014)."""

from __future__ import annotations

from storage.db import Database

OFFSET = 10**12


class AddressBook:
    """(messenger, kind, external id) ⇄ the ledger's integer, given out on first sight and kept for good; both ways
    are cached in memory (an address never changes)."""

    def __init__(self, db: Database, messenger: str) -> None:
        self.db = db
        self.messenger = messenger
        self._local: dict[tuple[str, str], int] = {}
        self._external: dict[tuple[str, int], str] = {}

    async def local(self, kind: str, external_id: str) -> int:
        """The ledger's integer for an external id, given out now if it is new."""
        key = (kind, external_id)
        if key in self._local:
            return self._local[key]
        async with self.db.transaction() as tx:
            row = await tx.one("SELECT local_id FROM addresses WHERE messenger = ? AND kind = ? AND external_id = ?",
                               (self.messenger, kind, external_id))
            if row is None:
                n = await tx.scalar("SELECT COALESCE(MAX(n), 0) + 1 FROM addresses")
                local_id = -(n + OFFSET) if kind == "chat" else n + OFFSET
                await tx.execute("INSERT INTO addresses (n, messenger, kind, external_id, local_id)"
                                 " VALUES (?, ?, ?, ?, ?)", (n, self.messenger, kind, external_id, local_id))
            else:
                local_id = row[0]
        self._remember(kind, external_id, local_id)
        return local_id

    async def external(self, kind: str, local_id: int) -> str:
        """The external id the ledger's integer stands for; KeyError when it stands for none of this messenger's."""
        key = (kind, local_id)
        if key in self._external:
            return self._external[key]
        row = await self.db.one("SELECT external_id FROM addresses WHERE messenger = ? AND kind = ? AND local_id = ?",
                                (self.messenger, kind, local_id))
        if row is None:
            raise KeyError(f"no {self.messenger} {kind} for {local_id}")
        self._remember(kind, row[0], local_id)
        return str(row[0])

    async def card(self, message_local_id: int) -> str | None:
        """The card the bot last showed on a message, as JSON."""
        row = await self.db.one("SELECT card FROM addresses WHERE kind = 'message' AND local_id = ?",
                                (message_local_id,))
        return None if row is None else row[0]

    async def keep_card(self, message_local_id: int, card: str) -> None:
        """Keep what the bot now shows on a message."""
        async with self.db.transaction() as tx:
            await tx.execute("UPDATE addresses SET card = ? WHERE kind = 'message' AND local_id = ?",
                             (card, message_local_id))

    def _remember(self, kind: str, external_id: str, local_id: int) -> None:
        self._local[(kind, external_id)] = local_id
        self._external[(kind, local_id)] = external_id
