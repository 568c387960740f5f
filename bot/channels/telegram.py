"""Telegram through python-telegram-bot: webhook (secret token) or polling, buttons for menus.

Both ways in reach `receive_update`: parse, drop retries, stop the button's spinner, answer.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, Response
from sqlalchemy.exc import DBAPIError
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.request import BaseRequest

from bot.channels import webhook_body
from bot.channels.base import Inbound, Intake
from bot.wording.render import Channel, Reply

log = logging.getLogger(__name__)

# The polling loop hands each update to the same handler as the webhook.
OnUpdate = Callable[[dict[str, object]], Awaitable[None]]
MAX_DELETE_BATCH = 100  # deleteMessages takes at most 100 ids
ALLOWED_UPDATES = ["message", "callback_query"]


@dataclass(frozen=True)
class TelegramInbound:
    """A private chat's message or button press; `text` is None for anything that isn't text."""

    update_id: int
    chat_id: str
    text: str | None
    message_id: int | None = None
    button_query: str | None = None  # a button press's callback query id, to answer it


class TelegramChannel:
    def __init__(
        self, *, token: str, secret: str, base_url: str, request: BaseRequest | None = None
    ) -> None:
        self.secret = secret
        self.bot = Bot(token, base_url=base_url, request=request, get_updates_request=request)
        self._polling: asyncio.Task[None] | None = None

    def has_secret(self, header: str | None) -> bool:
        # Bytes: compare_digest refuses non-ASCII str, and headers may carry anything.
        return bool(header) and hmac.compare_digest((header or "").encode(), self.secret.encode())

    async def start(self, webhook_url: str | None, on_update: OnUpdate) -> None:
        """Set the webhook when we have a public URL; otherwise poll (development)."""
        await self.bot.initialize()
        if webhook_url:
            await self.bot.set_webhook(
                webhook_url, secret_token=self.secret, allowed_updates=ALLOWED_UPDATES
            )
        else:
            await self.bot.delete_webhook()
            self._polling = asyncio.create_task(self._poll(on_update))

    async def stop(self) -> None:
        if self._polling:
            self._polling.cancel()
        await self.bot.shutdown()

    async def _poll(self, on_update: OnUpdate) -> None:
        offset = 0
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=20, allowed_updates=ALLOWED_UPDATES
                )
            except TelegramError as exc:
                log.warning("polling failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(5)
                continue
            for update in updates:
                try:
                    await on_update(update.to_dict())
                except DBAPIError as exc:  # not kept: asked for again (the offset stays)
                    log.error("could not keep a polled update (%s); again soon",
                              type(exc).__name__)  # fmt: skip
                    await asyncio.sleep(5)
                    break
                except Exception as exc:  # one bad update must not end polling
                    log.error("a polled update failed: %s", type(exc).__name__)
                offset = update.update_id + 1
            if not updates:
                await asyncio.sleep(0.2)  # the real API long-polls; don't spin on a quick answer

    def parse(self, data: object) -> TelegramInbound | None:
        """The update as an inbound message, or None for what we ignore (groups, edits...)."""
        if not isinstance(data, dict):
            raise ValueError("an update is a JSON object")
        update = Update.de_json(data, self.bot)
        if update.callback_query is not None:
            query = update.callback_query
            message = query.message
            if not isinstance(message, Message) or message.chat.type != ChatType.PRIVATE:
                return None
            chat_id = str(message.chat.id)
            return TelegramInbound(update.update_id, chat_id, query.data or "", None, query.id)
        message = update.message
        if message is None or message.chat.type != ChatType.PRIVATE:
            return None  # edited messages, channel posts, groups: not a conversation with us
        return TelegramInbound(
            update.update_id, str(message.chat.id), message.text, message.message_id
        )

    async def answer_button(self, update: TelegramInbound) -> None:
        """Stop the button's spinner; the answer itself comes as a message."""
        if update.button_query is None:
            return
        try:
            await self.bot.answer_callback_query(update.button_query)
        except TelegramError as exc:
            log.warning("answerCallbackQuery failed: %s", type(exc).__name__)

    async def send(self, address: str, replies: list[Reply]) -> list[int]:
        sent = []
        for reply in replies:
            markup = None
            if reply.menu:
                markup = InlineKeyboardMarkup(
                    [[InlineKeyboardButton(label, callback_data=digit)]
                     for digit, label in zip(reply.menu, reply.options, strict=True)]
                )  # fmt: skip
            message = await self.bot.send_message(int(address), reply.text, reply_markup=markup)
            sent.append(message.message_id)
        return sent

    async def delete(self, address: str, message_ids: list[int]) -> None:
        for start in range(0, len(message_ids), MAX_DELETE_BATCH):
            try:
                await self.bot.delete_messages(
                    int(address), message_ids[start : start + MAX_DELETE_BATCH]
                )
            except TelegramError as exc:  # too old or already gone: nothing more we can do
                log.warning("deleteMessages failed: %s", type(exc).__name__)


def accept_update(
    telegram: TelegramChannel, intake: Intake, data: dict[str, object]
) -> tuple[TelegramInbound, str] | None:
    """Keep one update's message (raises when it can't be kept); the update and the person's
    pseudonym, or None for what is not a message to answer or a retry of one kept."""
    try:
        update = telegram.parse(data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # python-telegram-bot trusts the Bot API's shapes; a forged-but-authenticated or
        # corrupted update can break it in any of these ways.
        log.warning("unreadable Telegram update: %s", type(exc).__name__)
        return None
    if update is None:
        return None
    inbound = Inbound(Channel.TELEGRAM, update.chat_id, update.text, update.message_id)
    pid = intake.receive(inbound, str(update.update_id))
    return None if pid is None else (update, pid)


async def answer_update(
    telegram: TelegramChannel, intake: Intake, update: TelegramInbound, pseudonym: str
) -> None:
    await telegram.answer_button(update)
    await intake.answer_waiting(pseudonym)


async def receive_update(
    telegram: TelegramChannel, intake: Intake, data: dict[str, object]
) -> None:
    """One update from polling (development): kept (raises when it can't be, so that it
    is polled again), then answered."""
    accepted = accept_update(telegram, intake, data)
    if accepted is not None:
        await answer_update(telegram, intake, *accepted)


router = APIRouter()


@router.post("/webhooks/telegram")
async def telegram_webhook(request: Request, background: BackgroundTasks) -> Response:
    """A Telegram update. Answered at once; replies go out through the Bot API."""
    telegram: TelegramChannel | None = request.app.state.telegram
    if telegram is None:
        raise HTTPException(status_code=404, detail="Telegram is not configured")
    if not telegram.has_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token")):
        raise HTTPException(status_code=403, detail="invalid secret token")
    data = await webhook_body.json_object(request)
    intake: Intake = request.app.state.intake
    with webhook_body.kept_or_try_again():  # Telegram is told "received" only once it is kept
        accepted = accept_update(telegram, intake, data)
    if accepted is not None:
        background.add_task(answer_update, telegram, intake, *accepted)
    return Response(status_code=200)
