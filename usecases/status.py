"""/status for admins, for every messenger alike: is the bot keeping up — the outbox, the last sweep, failed sends,
the database's size."""

from __future__ import annotations

from kernel.services import Services
from texts import plain, t
from texts.dates import datetime_cn
from usecases.talk import Talk


async def status(services: Services, talk: Talk) -> None:
    """The outbox and the database at a glance."""
    counts = await services.lifecycle.get_outbox_status(services.now())
    path = services.settings.database_path
    size = sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    last = datetime_cn(services.last_sweep, services.zone) if services.last_sweep else plain("status.never")
    await talk.say(t("status.report", last_sweep=last, size=f"{size / 1024 / 1024:.1f}", **counts))
