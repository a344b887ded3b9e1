"""The framework's floor for bench_inbound.py: a bare python-telegram-bot echo bot, polling as the bot does.

Text is echoed (the floor proper). So that a report flow's shape of calls can be measured too, a text
starting with ▶ is echoed with a button, a photo is downloaded and its size said back (with a button), and a
button press is answered and its message edited in place: the calls our bot makes per step, without any of its
own work.
Reads the same HAZARD_BOT_TOKEN / HAZARD_API_BASE_URL / HAZARD_API_BASE_FILE_URL as `python -m bot`.

PTB's own transport (httpx) by default: the floor as the goal names it. With `--aiohttp`, the bot's transport
(bot/transport.py), to show what of the difference is the transport and what is the bot's work. With `--paced`,
the bot's pacing as deployed (messenger/telegram_pacing.py: PTB's rate limiter at 29.5 calls a second).
"""

from __future__ import annotations

import os
import sys

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler, filters

NEXT = InlineKeyboardMarkup([[InlineKeyboardButton("下一步", callback_data="next")]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say the text back."""
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text, reply_markup=NEXT if message.text.startswith("▶") else None,
                                 do_quote=False)


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Download the photo and say its size."""
    message = update.effective_message
    if message is not None and message.photo:
        data = await (await message.photo[-1].get_file()).download_as_bytearray()
        await message.reply_text(f"照片 {len(data)} 字节", reply_markup=NEXT, do_quote=False)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press and edit its message in place (a ✓ more, the button kept): as the bot answers a press."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    await query.answer()
    await query.edit_message_text(f"{query.message.text} ✓", reply_markup=NEXT)


def main() -> None:
    """Poll until SIGTERM."""
    builder = (
        ApplicationBuilder()
        .token(os.environ["HAZARD_BOT_TOKEN"])
        .base_url(os.environ["HAZARD_API_BASE_URL"])
        .base_file_url(os.environ["HAZARD_API_BASE_FILE_URL"])
    )
    if "--aiohttp" in sys.argv:
        from bot.transport import AiohttpRequest

        builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest(connections=1))
    if "--paced" in sys.argv:
        from messenger.telegram_pacing import Pacing

        builder = builder.rate_limiter(Pacing())  # type: ignore[arg-type]
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(MessageHandler(filters.PHOTO, photo))
    app.add_handler(CallbackQueryHandler(pressed))
    app.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"], drop_pending_updates=False)


if __name__ == "__main__":
    main()
