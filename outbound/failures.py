"""A failed send of the sweep's one pipeline: the one retry policy applied, recorded, and a give-up told once.

Hazards' notices (sweep.py), scheduled items (periodic.py) and thread delivery (delivery.py) all end a failed
send here: a 429 waits its retry_after and is not counted as an attempt; a refusal (a bad request, the bot blocked)
is given up at once; anything else backs off until MAX_ATTEMPTS. A give-up is logged once on the sender's logger
and told to the admins once, naming the recipient (its unit) and the reason in Chinese.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from kernel.services import Services
from messenger.port import Blocked, Messenger, MessengerError, Place
from outbound.retry import MAX_ATTEMPTS, Verdict, after_failure, failure_text
from texts import Html, plain
from texts.limits import clip_html

log = logging.getLogger(__name__)

Record = Callable[[Verdict, str], Awaitable[None]]  # stores the verdict and the error text for this one send


async def send_failed(messenger: Messenger, services: Services, error: MessengerError, attempts: int, *, record: Record,
                      logger: logging.Logger, what: str, notice: Callable[[str], Awaitable[Html]]) -> Verdict:
    """Apply the one retry policy to a failed send, record it, and on a give-up log it and tell the admins once.

    `attempts`: the failed attempts before this one; `what`: the send in the log line; `notice`: the admins'
    message given the reason (the caller names the unit in it).
    """
    verdict = after_failure(error, attempts, services.now())
    await record(verdict, failure_text(error))
    if verdict.again is not None:
        if verdict.counted:
            logger.info("%s failed (attempt %d), tried again at %s: %s", what, attempts + 1, verdict.again, error)
        else:
            logger.info("%s waits until %s (429)", what, verdict.again)
        return verdict
    after = "" if verdict.refused else f" after {MAX_ATTEMPTS} attempts"
    logger.warning("giving up %s%s: %s", what, after, error)
    await tell_admins(messenger, services, await notice(give_up_reason(error, verdict)))
    return verdict


def give_up_reason(error: MessengerError, verdict: Verdict) -> str:
    """Why a send was given up on, in Chinese, with the messenger's own words."""
    if isinstance(error, Blocked):
        key = "send_failure.blocked"
    elif verdict.refused:
        key = "send_failure.refused"
    else:
        key = "send_failure.exhausted"
    return plain(key, error=str(error), attempts=MAX_ATTEMPTS)


async def recipient_name(services: Services, chat_id: int) -> str:
    """Who a chat is, as the admins know it: a unit's group, or a member with their unit or enterprise."""
    org = services.org
    if chat_id < 0:  # groups have negative ids
        binding = await services.groups.get_binding_of_chat(chat_id)
        unit = org.units.get(binding.unit_id) if binding is not None else None
        if unit is not None:
            return plain("send_failure.group", unit=unit.name, chat=chat_id)
        return plain("send_failure.chat", chat=chat_id)
    member = await services.members.get_member(chat_id)
    if member is None:
        return plain("send_failure.chat", chat=chat_id)
    unit = org.units.get(member.unit_id) if member.unit_id else None
    enterprise = org.enterprises.get(member.enterprise_id) if member.enterprise_id else None
    of = unit.name if unit is not None else enterprise.name if enterprise is not None else None
    if of is None:
        return plain("send_failure.person", name=member.display_name, chat=chat_id)
    return plain("send_failure.person_of", name=member.display_name, of=of, chat=chat_id)


async def tell_admins(messenger: Messenger, services: Services, text: Html) -> None:
    """A notice to every admin in private chat: kept first, sent at once, and what fails for now is retried by the
    sweep under the one policy (an admin who never started the bot is given up at once, logged)."""
    admin_ids = set(services.settings.admin_ids) | set(await services.members.get_admin_ids())
    await services.repos.admin_notices.queue(sorted(admin_ids), clip_html(text), services.now())
    await send_admin_notices(messenger, services)


async def send_admin_notices(messenger: Messenger, services: Services) -> None:
    """Send the admin notices whose time has come (at a tell, and every sweep)."""
    notices = services.repos.admin_notices
    async with services.admin_notice_lock:
        for notice in await notices.get_due(services.now()):
            try:
                await messenger.send_text(Place(notice.chat_id), Html(notice.text))
            except MessengerError as exc:
                verdict = after_failure(exc, notice.attempts, services.now())
                await notices.mark_retry(notice, failure_text(exc), verdict.again, counted=verdict.counted)
                if verdict.again is None:  # the admins cannot be told that telling them failed: the log says it
                    log.warning("giving up a notice to admin %s: %s", notice.chat_id, exc)
                else:
                    log.info("a notice to admin %s is tried again at %s: %s", notice.chat_id, verdict.again, exc)
            else:
                await notices.mark_sent(notice, services.now())
