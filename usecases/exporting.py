"""/export [period] for every messenger alike: the hazard ledger of the person's scope as Excel (with the quarterly
table) and CSV, built in the background (the heavy part in a worker process) with a progress message edited as it
grows (行数 / 百分比), then sent as files. One export at a time per person, and at most one per
HAZARD_EXPORT_COOLDOWN_SECONDS."""

from __future__ import annotations

import asyncio
import logging
import zipfile
from pathlib import Path

from domain.members import Member, Scope, scope_of
from domain.periods import FIRST_YEAR, LAST_YEAR, Period, PeriodProblem, month_of, parse_period
from kernel.services import Services
from reports.service import ExportStopped, export_files
from reports.text import period_label, scope_label
from texts import Html, t
from usecases.talk import Talk

log = logging.getLogger(__name__)

MAX_PERIOD_TEXT = 40


async def request(services: Services, talk: Talk, member: Member, text: str) -> bool:
    """Start an export of `text`'s period (this month when empty); whether it was started (it runs after this)."""
    today = services.local_now().date()
    text = text.strip()[:MAX_PERIOD_TEXT]
    period = parse_period(text, today) if text else month_of(today)
    if isinstance(period, PeriodProblem):
        await talk.say(t(f"period.problem.{period}", text=text, first=FIRST_YEAR, last=LAST_YEAR))
        return False
    guards, user_id = services.guards, member.telegram_id
    if user_id in guards.exporting:
        await talk.say(t("guard.export_running"))
        return False
    verdict = guards.export.check(user_id, services.now())
    if not verdict.allowed:
        if verdict.tell:
            await talk.say(t("guard.wait", seconds=verdict.seconds))
        return False
    guards.exporting.add(user_id)
    talk.soon(send_export(services, talk, scope_of(member, services.org), period, user_id), f"export:{user_id}")
    return True


async def send_export(services: Services, talk: Talk, scope: Scope, period: Period, user_id: int) -> None:
    """Build the ledger files (in the worker process, a chunk at a time) with a progress message edited as they
    grow, then send them; a failure is said, never silent, and so is an export cut short by the bot's stop."""
    what = {"scope": scope_label(services.org, scope), "period": period_label(period)}
    try:
        status = await talk.say(t("export.progress_start", **what))

        async def progress(done: int, total: int) -> None:
            percent = 100 * done // total if total else 100
            if status is not None:
                await talk.edit(status, t("export.progress", done=done, total=total, percent=percent, **what))

        with services.media.scratch_folder("export-") as folder:
            files = await export_files(services, scope, period, Path(folder), progress, services.dispatcher.stopping())
            if status is not None:
                await talk.edit(status, t("export.progress_done", count=files.count, **what))
            for path, caption in ((files.xlsx, t("export.caption", count=files.count, **what)),
                                  (files.csv, t("export.caption_csv"))):  # fmt: skip
                await _send_within(talk, path, f"{files.name}{path.suffix}", caption)
    except ExportStopped:  # the bot is stopping: no stop waits for an export's minute, and the person knows
        log.info("export for user %s stopped: the bot is stopping", user_id)
        await talk.say(t("export.stopped", **what))
    except Exception:
        log.exception("export for user %s failed", user_id)
        await talk.say(t("error.generic"))
    finally:
        services.guards.exporting.discard(user_id)


async def _send_within(talk: Talk, path: Path, name: str, caption: Html) -> None:
    """Send a file of the export; one over the messenger's limit goes zipped (a CSV shrinks about fivefold), and
    one still over it is not sent: the person is told to export a shorter period."""
    fitted = await asyncio.to_thread(_fit, path, name, talk.file_limit)
    if fitted is None:
        await talk.say(t("export.too_large", file=name, mb=talk.file_limit // 2**20))
        return
    sent, sent_name = fitted
    await talk.send_file(sent, sent_name, caption if sent is path else t("export.zipped", caption=caption))


def _fit(path: Path, name: str, limit: int) -> tuple[Path, str] | None:
    """The file as it can be sent: itself, or deflated into a .zip beside it (a chunk at a time) when over `limit`;
    None when even that is over."""
    if path.stat().st_size <= limit:
        return path, name
    packed = path.with_name(f"{path.name}.zip")
    with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.write(path, arcname=name)
    return (packed, f"{name}.zip") if packed.stat().st_size <= limit else None
