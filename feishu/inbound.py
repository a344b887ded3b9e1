"""What Feishu's events ask of the use cases: the private chat (joining, /report and the `#隐患` rich-text shortcut,
the report's answers, questions, lookups, and the admins' /invite, /members, /remove, /invites, /kb, /status), a
group's @-mentions (/bind, /unbind) and answers in a hazard's thread, and presses on cards. A removed person gets no
further than being told so (their open report or action ended), as on Telegram.

Every person, chat and message is the ledger's integer here (the address book pairs them with Feishu's ids); a person's
private chat is their user id, as on Telegram. What someone is in the middle of (a report's draft) is their session,
kept in the database after every step (storage.sessions), as Telegram's are.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from datetime import timedelta
from typing import Any

from lark_oapi.api.im.v1 import P2ImChatMemberBotAddedV1, P2ImMessageReceiveV1
from lark_oapi.event.callback.model.p2_card_action_trigger import P2CardActionTrigger

from domain.hazards import MediaKind, Photo
from domain.listing import MyFilter
from domain.members import Member, Role
from domain.throttle import Throttle
from feishu.talk import Background, FeishuTalk
from kernel.services import Services
from messenger.feishu import FeishuMessenger
from messenger.port import MessengerError
from storage.addresses import AddressBook
from texts import Html, plain, t
from usecases import action_dialogue as actions
from usecases import asking, documents, exporting, figures, lookup, membership, roster, selfchecking
from usecases import report_dialogue as dialogue
from usecases.action_dialogue import Pending
from usecases.sessions import SessionStore
from usecases.status import status
from usecases.talk import Talk, take_image
from views.callbacks import (
    Answer,
    Details,
    DraftButton,
    HazardAction,
    KnowledgeButton,
    MyPage,
    RemoveMember,
    RevokeInvite,
    SelfCheckChoice,
    decode,
)
from views.cards import role_label

log = logging.getLogger(__name__)

ADMIN_COMMANDS = {"members", "remove", "invites", "kb", "status"}
KB_ADD = "kb_add"  # in a session: /kb add was sent, the document's title ("" none) until its file comes


class FeishuInbound:
    """The bot's answers to Feishu's events, through the same use cases as Telegram's."""

    def __init__(self, services: Services, messenger: FeishuMessenger, addresses: AddressBook, sessions: SessionStore,
                 configured: set[int]) -> None:  # fmt: skip
        """`configured`: the admins HAZARD_FEISHU_ADMIN_OPEN_IDS names, as the ledger's ids (they cannot be removed)."""
        self.services, self.messenger, self.addresses, self.sessions = services, messenger, addresses, sessions
        self.configured = configured
        self.background = Background()
        self.admins = services.settings.feishu_admin_open_ids
        # one person's events are handled one at a time, in the order they came (as Telegram's updates are)
        self._turns: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    # ------------------------------------------------------------------ presses
    @staticmethod
    def toast(event: P2CardActionTrigger) -> str:
        """What a press shows at once (Feishu waits 3 seconds for it): the work follows."""
        return plain("feishu.pressed")

    async def on_press(self, event: P2CardActionTrigger) -> None:
        data = event.event
        if data is None or data.operator is None or data.context is None or data.action is None:
            return
        async with self._turns[str(data.operator.open_id)]:
            await self._press(event)

    async def _press(self, event: P2CardActionTrigger) -> None:
        data = event.event
        assert data is not None and data.operator is not None and data.context is not None and data.action is not None
        open_id = str(data.operator.open_id)
        user = await self.addresses.local("user", open_id)
        chat = await self.addresses.local("chat", str(data.context.open_chat_id))
        pressed = await self.addresses.local("message", str(data.context.open_message_id))
        talk = FeishuTalk(self.messenger, chat, self.background, pressed=pressed)
        if await roster.still_removed(self.services, user):
            await self._end_sessions(user)
            await talk.refuse("roster.you_were_removed")
            return
        member = await self._member(user, open_id)
        button = decode(str((data.action.value or {}).get("d", "")))
        session = self.sessions.get(user)
        if isinstance(button, RemoveMember | RevokeInvite):
            await self._roster_press(talk, member, button)
        elif isinstance(button, DraftButton):
            if button.what == "submit" and member is None:
                await talk.say(t("join.not_member_short"))
            await dialogue.press(self.services, talk, session, button, member, None)
        elif isinstance(button, HazardAction):
            if member is None:
                await talk.say(t("join.not_member_short"))
            talk.thread = await self._thread_of(button.hazard_id, chat)
            await actions.press(self.services, talk, session, member, button, None, thread_id=talk.thread)
        elif isinstance(button, Answer):
            pending = actions.pending_of(session)
            talk.thread = pending.topic_id if pending is not None else None
            await actions.answer_button(self.services, talk, session, member, button, None)
        elif member is None and isinstance(button, KnowledgeButton | SelfCheckChoice | MyPage | Details):
            await talk.say(t("join.not_member_short"))
        elif isinstance(button, MyPage):
            assert member is not None
            if button.offset % lookup.PAGE_SIZE:
                await talk.refuse("button.invalid")
            elif not await self.messenger.is_private(chat):  # a page of /my is for the caller's eyes only
                await talk.refuse("visibility.my_private_only")
            else:
                await lookup.my_page(self.services, talk, member, button.view, button.offset)
        elif isinstance(button, Details):
            assert member is not None
            await self._details(talk, member, chat, button)
        elif isinstance(button, KnowledgeButton):
            await asking.press(self.services, talk, button)
        elif isinstance(button, SelfCheckChoice):
            assert member is not None
            await selfchecking.submit(self.services, talk, member, button)
        else:
            await talk.refuse("button.invalid" if button is None else "button.stale")
        await self.sessions.put(user, session)

    async def _roster_press(self, talk: FeishuTalk, member: Member | None, button: RemoveMember | RevokeInvite) -> None:
        """确认移除 / 取消 under a /remove, 撤销 n under /invites: for admins only."""
        if member is None or member.role is not Role.ADMIN:
            await talk.refuse("admin.only")
        elif isinstance(button, RevokeInvite):
            await roster.revoke(self.services, talk, member, button)
        else:
            removed = await roster.remove(self.services, talk, member, button, self.configured)
            if removed is not None:
                await self._end_sessions(removed, lock=True)

    async def _thread_of(self, hazard_id: int, chat: int) -> int | None:
        """The thread a hazard's card is in (its topic's first message; in an ordinary group the card itself): where
        the action's questions are asked and answered."""
        for thread in await self.services.hazards.get_threads(hazard_id):
            if thread.chat_id == chat:
                return thread.topic_id if thread.topic_id is not None else thread.anchor_message_id
        return None  # a private chat (a notice's buttons), or a group that is not one of the hazard's units

    # ------------------------------------------------------------------ groups
    async def on_bot_added(self, event: P2ImChatMemberBotAddedV1) -> None:
        """The bot was added to a group: it stays when one of its admins added it, and otherwise leaves (logged) — a
        stranger's group gets no cards, no hints, nothing of the county's."""
        data = event.event
        if data is None or data.chat_id is None or data.operator_id is None or data.operator_id.open_id is None:
            return
        open_id = str(data.operator_id.open_id)
        async with self._turns[open_id]:
            user = await self.addresses.local("user", open_id)
            chat = await self.addresses.local("chat", str(data.chat_id))
            member = await self._member(user, open_id)
            if member is not None and member.role is Role.ADMIN:
                log.info("added to group %s (%r) by admin %s", data.chat_id, data.name, open_id)
                return
            log.warning("leaving group %s (%r): added by %s, who is not an admin of the bot", data.chat_id, data.name,
                        open_id)  # fmt: skip
            try:
                await self.messenger.leave(chat)
            except MessengerError:
                log.exception("could not leave group %s", data.chat_id)

    # ------------------------------------------------------------------ messages
    async def on_message(self, event: P2ImMessageReceiveV1) -> None:
        data = event.event
        if data is None or data.message is None or data.sender is None or data.sender.sender_id is None:
            return
        async with self._turns[str(data.sender.sender_id.open_id)]:
            await self._message(event)

    async def _message(self, event: P2ImMessageReceiveV1) -> None:
        data = event.event
        assert data is not None and data.message is not None and data.sender is not None
        assert data.sender.sender_id is not None
        message, open_id = data.message, str(data.sender.sender_id.open_id)
        user = await self.addresses.local("user", open_id)
        content: dict[str, Any] = json.loads(message.content or "{}")
        chat = await self.addresses.local("chat", str(message.chat_id))
        starting = str(content.get("text", "")).strip().startswith("/start")  # a new invite still gets through
        if not starting and await roster.still_removed(self.services, user):
            await self._end_sessions(user)
            if message.chat_type == "p2p":  # in a group nothing is said
                await FeishuTalk(self.messenger, chat, self.background).say(t("roster.you_were_removed"))
            return
        if message.chat_type == "p2p":
            await self._private(user, open_id, chat, str(message.message_id), str(message.message_type), content)
        else:
            root = message.root_id or message.message_id  # a message in a thread answers in it; else it starts one
            thread = await self.addresses.local("message", str(root))
            await self._group(user, open_id, chat, thread, str(message.message_id), str(message.message_type),
                              content)  # fmt: skip

    async def _private(self, user: int, open_id: str, chat: int, message_id: str, kind: str,
                       content: dict[str, Any]) -> None:  # fmt: skip
        talk = FeishuTalk(self.messenger, chat, self.background)
        session = self.sessions.get(user)
        member = await self._member(user, open_id)
        pending = actions.pending_of(session)
        if pending is not None and not actions.elsewhere(talk, pending) and kind in {"text", "image"}:
            text = str(content.get("text", "")).strip()
            if kind == "image":
                take = self._action_taker(talk, message_id, str(content.get("image_key", "")))
                await actions.answer_photo(self.services, talk, session, take)
            elif text == "/cancel":
                await actions.cancel(self.services, talk, session)
            elif not text.startswith("/"):
                await actions.answer_text(self.services, talk, session, member, text, None)
            if kind == "image" or not text.startswith("/") or text == "/cancel":
                await self.sessions.put(user, session)
                return
        title = session.pop(KB_ADD, None)  # /kb add waits for the very next message only
        if kind == "file" and title is not None and member is not None and member.role is Role.ADMIN:
            if await self._allowed(talk, user, self.services.guards.kb_add):
                data = await self.messenger.download(message_id, str(content.get("file_key", "")), "file")
                await documents.add(self.services, talk, str(content.get("file_name", "")) or None, data,
                                    str(title) or None)  # fmt: skip
        elif kind == "text":
            await self._private_text(talk, session, user, open_id, member, str(content.get("text", "")).strip())
        elif kind == "image":
            key = str(content.get("image_key", ""))
            if dialogue.draft_of(session) is None:
                await talk.say(t("feishu.photo_without_report"))
            else:
                await dialogue.image(self.services, talk, session, None, self._taker(talk, message_id, key))
        elif kind == "post":
            await self._post(talk, session, member, message_id, content)
        elif dialogue.draft_of(session) is not None:
            await dialogue.unexpected(talk, session)
        else:
            await talk.say(t("hint.private"))
        await self.sessions.put(user, session)

    async def _private_text(self, talk: FeishuTalk, session: dict[str, Any], user: int, open_id: str,
                            member: Member | None, text: str) -> None:  # fmt: skip
        if not text.startswith("/"):
            if dialogue.draft_of(session) is not None:
                await dialogue.text(self.services, talk, session, text)
            elif member is None:
                await talk.say(t("join.how"))
            elif await self._allowed(talk, user, self.services.guards.ask):
                await asking.answer(self.services, talk, text)  # a question (讲话精神)
            return
        command, _, rest = text[1:].partition(" ")
        command, args = command.lower(), rest.split()
        if command == "start":
            if args:
                await talk.say(await membership.join(self.services, args[0], user, await self._name(user)))
            else:
                await talk.say(t("start.member" if member else "join.how"))
        elif member is None:
            await talk.say(t("join.how"))
        elif command == "help":
            role = t(f"help.{member.role}") if member.role is not Role.ADMIN else t("help.admin")
            await talk.say(Html(f"{role}\n\n{t('feishu.help_note')}"))
        elif command == "report":
            await dialogue.start(self.services, talk, session, member)
        elif command == "cancel":
            if dialogue.draft_of(session) is not None:
                await dialogue.cancel(self.services, talk, session)
            else:
                await talk.say(t("cancel.nothing"))
        elif command == "invite":
            await self._invite(talk, member, args)
        elif command == "ask":
            if not " ".join(args).strip() or await self._allowed(talk, user, self.services.guards.ask):
                await asking.ask(self.services, talk, " ".join(args))
        elif command == "my":
            await lookup.my_page(self.services, talk, member, MyFilter.ALL, 0)
        elif command == "show":
            readers = await lookup.audience(self.services, talk, member, private=True)
            hazard = await lookup.find(self.services, talk, readers, args[0]) if args and readers else None
            if not args:
                await talk.say(t("show.usage"))
            elif hazard is not None:
                await lookup.show(self.services, talk, hazard)
        elif command == "export":
            await exporting.request(self.services, talk, member, " ".join(args))
        elif command == "stats":
            readers = await lookup.audience(self.services, talk, member, private=True)
            if readers is not None:
                await figures.stats(self.services, talk, member, readers)
        elif command == "terms":
            await asking.terms(self.services, talk)
        elif command == "selfcheck":
            await selfchecking.open_week(self.services, talk, member)
        elif command == "major":
            readers = await lookup.audience(self.services, talk, member, private=True)
            if readers is not None:
                await lookup.major_list(self.services, talk, readers)
        elif command in ADMIN_COMMANDS:
            await self._admin_command(talk, session, member, command, args)
        elif command in {"bind", "unbind"}:
            await talk.say(t("bind.in_group_only"))
        else:
            await talk.say(t("hint.unknown_command"))

    async def _admin_command(self, talk: FeishuTalk, session: dict[str, Any], member: Member, command: str,
                             args: list[str]) -> None:  # fmt: skip
        """/members, /remove, /invites, /status, /kb: for admins only. /kb add asks for the file next (a Feishu file
        message carries no caption)."""
        if member.role is not Role.ADMIN:
            await talk.say(t("admin.only"))
        elif command == "members":
            await roster.members(self.services, talk, args[0] if args else "")
        elif command == "remove":
            await roster.ask_remove(self.services, talk, member, args, self.configured)
        elif command == "invites":
            await roster.invites(self.services, talk)
        elif command == "status":
            await status(self.services, talk)
        elif args[:1] == ["add"]:
            if await asking.loaded(self.services, talk) is not None:
                session[KB_ADD] = " ".join(args[1:]).strip()
                await talk.say(t("feishu.kb_send_file", mb=documents.MAX_MB))
        else:
            await documents.command(self.services, talk, args)

    async def _invite(self, talk: Talk, member: Member, args: list[str]) -> None:
        if member.role is not Role.ADMIN:
            await talk.say(t("admin.only"))
            return
        if len(args) != 2:
            await talk.say(t("invite.usage"))
            return
        made = await membership.invite(self.services, member, args[0], args[1])
        if isinstance(made, membership.Invited):
            await talk.say(t("feishu.invite_created", code=made.code, role=role_label(made.spec.role),
                             where=membership.invited_where(self.services, made), expires=made.expires))  # fmt: skip
        else:
            await talk.say(made)

    async def _post(self, talk: FeishuTalk, session: dict[str, Any], member: Member | None, message_id: str,
                    content: dict[str, Any]) -> None:  # fmt: skip
        """A rich-text message: its text and its pictures, as a photo with a caption (the `#隐患` shortcut)."""
        rows = content.get("content") or []
        text = "".join(str(e.get("text", "")) for row in rows for e in row if e.get("tag") == "text").strip()
        keys = [str(e["image_key"]) for row in rows for e in row if e.get("tag") == "img" and e.get("image_key")]
        if text.startswith("#隐患") and keys:
            if member is None:
                await talk.say(t("join.how"))
                return
            takers = [self._taker(talk, message_id, key) for key in keys]
            await dialogue.start_from_caption(self.services, talk, session, member, text, message_id, *takers)
        elif dialogue.draft_of(session) is not None and keys:
            for key in keys:
                await dialogue.image(self.services, talk, session, message_id, self._taker(talk, message_id, key))
        elif dialogue.draft_of(session) is not None:
            await dialogue.text(self.services, talk, session, text)
        else:
            await talk.say(t("feishu.photo_without_report"))

    def _action_taker(self, talk: Talk, message_id: str, key: str) -> actions.TakeImage:
        async def take(pending: Pending) -> Photo | None:
            return await take_image(self.services, talk, pending.staging_key, len(pending.photos),
                                    lambda: self.messenger.download(message_id, key), key, key, MediaKind.PHOTO,
                                    None)  # fmt: skip
        return take

    def _taker(self, talk: Talk, message_id: str, key: str) -> dialogue.TakeImage:
        async def take(draft: Any) -> Photo | None:
            return await take_image(self.services, talk, draft.key, len(draft.photos),
                                    lambda: self.messenger.download(message_id, key), key, key, MediaKind.PHOTO,
                                    None)  # fmt: skip
        return take

    async def _group(self, user: int, open_id: str, chat: int, thread: int, message_id: str, kind: str,
                     content: dict[str, Any]) -> None:  # fmt: skip
        """A message in a group that reached the bot (an @-mention, or every message with the group permission): an
        answer to the question the person was asked in this thread, or /bind and /unbind."""
        talk = FeishuTalk(self.messenger, chat, self.background, thread=thread)
        session = self.sessions.get(user)
        pending = actions.pending_of(session)
        text = " ".join(w for w in str(content.get("text", "")).split() if not w.startswith("@_user_"))
        member = await self._member(user, open_id)
        if member is None:  # a stranger: at most one hint a day per group, whatever they flood it with
            if text.startswith("/") and self.services.guards.group_hint.check(chat, self.services.now()).allowed:
                await talk.say(t("guard.group_hint"))
            return
        if pending is not None and not actions.elsewhere(talk, pending) and not text.startswith("/"):
            if kind == "image":
                key = str(content.get("image_key", ""))
                await actions.answer_photo(self.services, talk, session, self._action_taker(talk, message_id, key))
            elif kind == "text":
                await actions.answer_text(self.services, talk, session, member, text, None)
            else:
                await actions.answer_other_file(self.services, talk, session, member, None)
            await self.sessions.put(user, session)
            return
        if kind != "text" or not text.startswith("/"):
            return  # talk among the group's members is not for the bot
        command, _, rest = text[1:].partition(" ")
        if command not in {"bind", "unbind"}:
            await talk.say(t("feishu.group_hint"))
            return
        if member.role is not Role.ADMIN:
            await talk.say(t("admin.only"))
            return
        if command == "unbind":
            await talk.say(await membership.unbind(self.services, chat))
            return
        title, topics = await self.messenger.describe_group(chat)
        answer, unit_id = await membership.bind(self.services, member, rest.split()[0] if rest.split() else None,
                                                chat, title, topics)  # fmt: skip
        await talk.say(answer)
        if unit_id is not None:
            talk.soon(self.services.dispatcher.deliver(unit_id), f"deliver:{unit_id}")

    async def _details(self, talk: FeishuTalk, member: Member, chat: int, button: Details) -> None:
        """查看详情 under a notice: /show, where it was pressed — in a group, only what the group's unit may see too."""
        hazard = await self.services.hazards.get_hazard(button.hazard_id)
        private = await self.messenger.is_private(chat)
        readers = await lookup.audience(self.services, talk, member, private=private) if hazard else None
        if hazard is None or readers is None or not readers.may_view(hazard.enterprise_id, hazard.unit_ids):
            await talk.refuse("button.invalid")
            return
        talk.thread = None if private else await self._thread_of(hazard.id, chat)
        await lookup.show(self.services, talk, hazard)

    async def expire_idle(self) -> None:
        """End the reports and actions left idle longer than HAZARD_CONVERSATION_TIMEOUT_SECONDS (as Telegram's
        conversations time out), each person told where they were asked: nothing of them is kept."""
        timeout = self.services.settings.conversation_timeout_seconds
        for user in self.sessions.idle(timedelta(seconds=timeout)):
            open_id = await self.addresses.external("user", user)
            async with self._turns[open_id]:
                session = self.sessions.get(user)
                if user in self.services.removed_ids:  # removed meanwhile: ended with the membership, nothing to say
                    dialogue.discard(self.services, session)
                    actions.discard(self.services, session)
                elif dialogue.draft_of(session) is not None:
                    dialogue.discard(self.services, session)
                    await FeishuTalk(self.messenger, user, self.background).say(
                        t("report.timed_out", minutes=round(timeout / 60)))
                if (pending := actions.pending_of(session)) is not None:
                    actions.discard(self.services, session)
                    where = pending.chat_id if pending.chat_id is not None else user
                    await FeishuTalk(self.messenger, where, self.background, thread=pending.topic_id).say(
                        t("loop.timed_out"))
                await self.sessions.put(user, session)

    async def _allowed(self, talk: Talk, user: int, throttle: Throttle) -> bool:
        """Whether the person may use this expensive command now (told once per wait when not)."""
        verdict = throttle.check(user, self.services.now())
        if not verdict.allowed and verdict.tell:
            await talk.say(t("guard.wait", seconds=verdict.seconds))
        return verdict.allowed

    # ------------------------------------------------------------------ people
    async def _member(self, user: int, open_id: str) -> Member | None:
        configured = open_id in self.admins
        return await membership.caller(self.services, user, await self._name(user) if configured else "",
                                       configured_admin=configured)  # fmt: skip

    async def _name(self, user: int) -> str:
        return await self.messenger.user_name(user)

    async def _end_sessions(self, user: int, *, lock: bool = False) -> None:
        """Forget what a removed person was in the middle of (a report draft, an action's answers) and its photos
        (`lock`: someone else's event ends them, so wait for the person's own turn)."""
        async with contextlib.AsyncExitStack() as stack:
            if lock:
                await stack.enter_async_context(self._turns[await self.addresses.external("user", user)])
            session = self.sessions.get(user)
            dialogue.discard(self.services, session)
            actions.discard(self.services, session)
            session.clear()
            await self.sessions.put(user, session)
