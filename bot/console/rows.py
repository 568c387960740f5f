"""A ticket and its lines as staff see them: nothing that identifies the person.

A ticket number, the person's language and channel, their wish for a woman worker, never
a phone number, chat id or pseudonym.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.handoff.desk import ShownMessage
from bot.store import Author, Contact, Ticket
from bot.wording.catalogs import Catalogs
from bot.wording.segments import sms_shape

CHANNEL_NAMES = {"sms": "SMS", "telegram": "Telegram"}
AUTHORS: dict[str, str] = {
    Author.SURVIVOR: "Person",
    Author.BOT: "Bot (sent automatically)",
    Author.NOTE: "Note for staff",
    Author.HELD: "Held, not sent (the person used quick exit)",
}


@dataclass(frozen=True)
class TicketRow:
    """A ticket as a queue lists it: nothing that identifies the person."""

    id: int
    status: str
    urgent: bool
    wants_woman_worker: bool | None
    language: str
    channel: str
    created_at: datetime
    updated_at: datetime
    claimed_by: str


def ticket_row(
    ticket: Ticket, contact: Contact | None, names: dict[int, str], catalogs: Catalogs
) -> TicketRow:
    language = contact.language if contact else "en"
    return TicketRow(
        id=ticket.id,
        status=ticket.status,
        urgent=ticket.urgent,
        wants_woman_worker=ticket.wants_woman_worker,
        language=f"{catalogs.render(language, 'language.name')} ({language})",
        channel=CHANNEL_NAMES.get(contact.channel, "-") if contact else "-",
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        claimed_by=names.get(ticket.claimed_by or 0, ""),
    )


def shown_message(
    message: ShownMessage, names: dict[int, str], contact: Contact | None
) -> dict[str, Any]:
    """One line of the conversation, for _messages.html."""
    who = AUTHORS.get(message.author) or names.get(message.staff_id or 0, "Support worker")
    shape = sms_shape(message.text)
    sms = contact is not None and contact.channel == "sms"
    return {
        "id": message.id,
        "author": message.author,
        "who": who,
        "text": message.text,
        "sent_at": message.sent_at,
        # What each line cost the person's SMS plan (or the NGO's), so staff keep it short.
        "segments": shape.segments
        if sms and message.author not in (Author.NOTE, Author.HELD)
        else 0,
    }
