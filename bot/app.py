"""The composition root: one `build_application` for `main()` and the tests alike."""

from __future__ import annotations

import time
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults, TypeHandler

from bot import jobs
from bot.ordering import OrderedUpdateProcessor
from bot.persistence import Abandoned, SqlitePersistence
from bot.transport import AiohttpRequest, environment_proxy
from config.org import load_org
from config.settings import Settings
from domain.clock import Clock, SystemClock
from domain.knowledge import KnowledgeBase
from domain.org import Organisation
from handlers import errors, guard, help, knowledge, lifecycle, lookup, major, membership, report, roster, status
from handlers import export as export_handlers
from handlers import selfcheck as selfcheck_handlers
from handlers import statistics as statistics_handlers
from handlers.context import BotContext, BotData
from kernel.services import Services
from messenger.telegram_pacing import Pacing
from usecases import sessions

App = Application[Any, BotContext, dict[Any, Any], dict[Any, Any], BotData, Any]

# Indexing the knowledge base keeps the interpreter busy for a second or so (jieba's dictionary), and updates
# handled meanwhile take several times longer (the GIL); so it starts once no update has come for a moment after
# start-up (reports and commands first), and at the latest this long after it.
KB_QUIET_SECONDS = 0.5
KB_LATEST_SECONDS = 10.0
QUIET_WATCH_GROUP = -1  # the handler group of note_update_time, alone in it


def build_application(settings: Settings, *, org: Organisation | None = None, clock: Clock | None = None,
                      kb: KnowledgeBase | None = None) -> App:
    """The bot, wired: settings, org file, clock, handlers; services open in post_init, close in post_shutdown.

    `kb` lets tests share one indexed knowledge base; otherwise it is indexed in the background once the bot polls
    and has a quiet moment, so reports and commands are answered from the start (questions meanwhile are told to
    wait).
    """
    if settings.bot_token is None:
        raise ValueError("no bot token")
    organisation = org if org is not None else load_org(settings.org_file)
    the_clock = clock if clock is not None else SystemClock()

    persistence = SqlitePersistence(settings.database_path, the_clock, settings.conversation_timeout_seconds,
                                    codec=sessions)

    async def post_init(app: App) -> None:
        # the database was opened by the persistence, which read the users' drafts during initialize()
        staged = {key for data in app.user_data.values() for key in (report.staging_key(data),
                                                                      lifecycle.staging_key(data)) if key}
        services = app.bot_data.services = await Services.open(settings, organisation, the_clock, kb,
                                                                db=await persistence.open(), staged=staged)
        jobs.wire(app)  # the outbound pipeline over this bot, behind the services' dispatcher port
        await roster.on_start(services)  # HAZARD_ADMIN_IDS is the truth; who was removed is refused at once
        await help.set_commands(app)
        assert app.job_queue is not None
        if services.kb is None:  # indexed in the background, once the bot polls (the job queue starts with it)
            app.job_queue.run_repeating(index_knowledge_when_quiet, 0.1, first=0, name="kb:load",
                                        data=time.monotonic() + KB_LATEST_SECONDS)
        for abandoned in persistence.abandoned:  # idle past the time-out while the bot was stopped: say so now
            app.job_queue.run_once(tell_abandoned, 0, data=abandoned, name=f"abandoned:{abandoned.name}")
        jobs.schedule(app, settings.sweep_interval_seconds)

    async def post_shutdown(app: App) -> None:
        services = getattr(app.bot_data, "services", None)
        if services is not None:
            await services.close()

    builder = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.zone))
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .persistence(persistence)
        # other chats' updates are not held up by one chat's (a stranger's flood, an export): bot/ordering.py
        .concurrent_updates(OrderedUpdateProcessor(settings.concurrent_updates))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.rate_limit:
        builder = builder.rate_limiter(Pacing())  # type: ignore[arg-type]
    # PTB's calls go over aiohttp (bot/transport.py), through the proxy the environment names, if any
    timeout, proxy = settings.request_timeout_seconds, environment_proxy(settings.api_base_url)
    builder = builder.request(AiohttpRequest(timeout=timeout, proxy=proxy)).get_updates_request(
        AiohttpRequest(timeout=timeout, connections=1, proxy=proxy))
    app: App = builder.build()

    guard.register(app)  # strangers in groups are silenced before any other handler
    membership.register(app)
    roster.register(app)
    report.register(app, settings.conversation_timeout_seconds)
    lifecycle.register(app, settings.conversation_timeout_seconds)
    lookup.register(app)
    major.register(app)
    status.register(app)
    knowledge.register(app)
    statistics_handlers.register(app)
    export_handlers.register(app)
    selfcheck_handlers.register(app)
    help.register(app)  # catch-alls: last
    if kb is None:  # until the knowledge base is indexed: before every other handler, stops none
        app.add_handler(TypeHandler(Update, note_update_time), group=QUIET_WATCH_GROUP)
    app.add_error_handler(errors.on_error)
    return app


ABANDONED_NOTICES = {report.NAME: report.tell_timed_out, lifecycle.NAME: lifecycle.tell_timed_out}


async def tell_abandoned(context: BotContext) -> None:
    """Tell a user their conversation ended with the time-out while the bot was stopped."""
    assert context.job is not None and isinstance(context.job.data, Abandoned)
    abandoned = context.job.data
    await ABANDONED_NOTICES[abandoned.name](context.bot, abandoned.chat_id, abandoned.data, context.services.settings)


async def note_update_time(update: Update, context: BotContext) -> None:
    """Remember when the latest update came: the knowledge base waits for a quiet moment to be indexed."""
    context.services.last_update_at = time.monotonic()


async def index_knowledge_when_quiet(context: BotContext) -> None:
    """Start indexing the knowledge base once no update has come for KB_QUIET_SECONDS (or at its latest time).

    The index is built in a task of the application's own, which stop() waits for, not in this job: JobQueue.stop()
    waits for running jobs while its scheduler still starts due ones (the sweep), and then cancels those.
    """
    job, services, now = context.job, context.services, time.monotonic()
    assert job is not None and isinstance(job.data, float)
    if now - services.last_update_at < KB_QUIET_SECONDS and now < job.data:
        return  # busy: reports and commands first
    job.schedule_removal()
    application = context.application
    for handler in list(application.handlers.get(QUIET_WATCH_GROUP, [])):  # no more need to watch (PTB iterates
        application.remove_handler(handler, QUIET_WATCH_GROUP)           # over copies: safe mid-update)
    application.create_task(services.load_knowledge(), name="kb:load")
