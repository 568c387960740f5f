"""Render engine messages in the survivor's language, shaped for their channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.wording.catalogs import Catalogs
from bot.wording.messages import BotMessage, Listing, Option
from bot.wording.segments import MAX_SEGMENTS, sms_shape


class Channel(StrEnum):
    SMS = "sms"
    TELEGRAM = "telegram"


@dataclass(frozen=True)
class Reply:
    """One message as the channel will send it."""

    text: str
    options: list[str] = field(default_factory=list)  # button labels / menu lines
    menu: dict[str, str] = field(default_factory=dict)  # digit -> payload
    segments: int = 1
    encoding: str = "GSM-7"

    def as_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "options": self.options,
            "segments": self.segments,
            "encoding": self.encoding,
        }


def render(message: BotMessage, language: str, channel: Channel, catalogs: Catalogs) -> list[Reply]:
    """One engine message as the replies a channel sends (a long service list may take two)."""
    body = catalogs.render(language, message.key, message.params)
    menu: dict[str, str] = {}
    labels: list[str] = []
    for digit, option in enumerate(message.options, start=1):
        menu[str(digit)] = option.payload
        labels.append(f"{digit} {_label(option, language, catalogs)}")
    if message.zero:
        menu["0"] = message.zero.payload
        labels.append(f"0 {_label(message.zero, language, catalogs)}")

    if message.listings:
        return _render_listings(body, message.listings, language, channel, catalogs)
    if channel is Channel.SMS:
        text = "\n".join([body, *labels])
        return [_reply(text, labels, menu)]
    return [_reply(body, labels, menu)]


def plain(text: str) -> Reply:
    """A text written by a support worker, shaped for any channel (SMS segments counted)."""
    return _reply(text)


def _label(option: Option, language: str, catalogs: Catalogs) -> str:
    return catalogs.render(option.in_language or language, option.key, option.params)


def _listing_line(item: Listing, language: str, catalogs: Catalogs) -> str:
    params = {"name": item.name_in(language), "phone": item.phone, "hours": item.hours}
    key = "service.listing_line_hours" if item.hours else "service.listing_line"
    return catalogs.render(language, key, params)


def _render_listings(
    heading: str,
    listings: tuple[Listing, ...],
    language: str,
    channel: Channel,
    catalogs: Catalogs,
) -> list[Reply]:
    """Whole listings per message; on SMS a new message starts before two segments overflow."""
    lines = [_listing_line(item, language, catalogs) for item in listings]
    if channel is Channel.TELEGRAM:
        return [_reply("\n".join([heading, *lines]))]
    replies: list[Reply] = []
    current = heading
    for line in lines:
        candidate = f"{current}\n{line}"
        if sms_shape(candidate).segments > MAX_SEGMENTS and current != heading:
            replies.append(_reply(current))
            current = line
        else:
            current = candidate
    replies.append(_reply(current))
    return replies


def _reply(text: str, labels: list[str] | None = None, menu: dict[str, str] | None = None) -> Reply:
    shape = sms_shape(text)
    return Reply(text, labels or [], menu or {}, shape.segments, shape.encoding)
