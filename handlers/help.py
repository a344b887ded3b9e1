"""/help and the command menu; what is left over in private chat gets a hint; unknown buttons a refusal."""

from __future__ import annotations

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from domain.members import Role
from handlers.common import find_member, refuse_button, reply
from handlers.context import BotContext
from texts import plain, t

PRIVATE_COMMANDS = ["report", "my", "show", "major", "selfcheck", "stats", "export", "ask", "terms", "cancel", "help"]
ADMIN_COMMANDS = ["invite", "invites", "members", "remove", "kb", "status"]
GROUP_COMMANDS = ["show", "major", "stats", "ask", "bind", "unbind", "help"]  # /invite, /export, /my: private chat only


async def help_command(update: Update, context: BotContext) -> None:
    """/help: what the caller can do in their role."""
    member = await find_member(update, context)
    if member is None:
        await reply(update, t("join.how"))
        return
    await reply(update, t(f"help.{member.role}") if member.role is not Role.ADMIN else t("help.admin"))


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    """/cancel with no flow open."""
    await reply(update, t("cancel.nothing"))


async def leftover_message(update: Update, context: BotContext) -> None:
    """A private message no flow is waiting for."""
    message = update.effective_message
    if message is not None and (message.photo or message.document):
        await reply(update, t("hint.photo_without_report"))
    else:
        await reply(update, t("hint.private"))


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have."""
    await reply(update, t("hint.unknown_command"))


async def unknown_button(update: Update, context: BotContext) -> None:
    """Callback data nothing recognises: forged, or from an older version of the bot."""
    await refuse_button(update, "button.invalid")


async def set_commands(app: Application) -> None:
    """Register the command menu with Chinese descriptions."""
    private = [BotCommand(c, plain(f"command.{c}")) for c in PRIVATE_COMMANDS + ADMIN_COMMANDS]
    group = [BotCommand(c, plain(f"command.{c}")) for c in GROUP_COMMANDS]
    await app.bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())
    await app.bot.set_my_commands(group, scope=BotCommandScopeAllGroupChats())


def register(app: Application) -> None:
    """Add the catch-all handlers; register last."""
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("cancel", nothing_to_cancel))
    app.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    app.add_handler(MessageHandler(private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, leftover_message))
    app.add_handler(CallbackQueryHandler(unknown_button))
