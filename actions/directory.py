"""The gateway's database as the actions use it: the service directory and handoff tickets.

The directory is read on every request, never cached, so an expired listing is gone at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.config import Environment, get_settings
from bot.directory import Place, emergency_listings, find_listings
from bot.directory.listings import is_local
from bot.store import Database, ServiceListing, shared_database
from bot.wording.messages import Listing

PAGE_SIZE = 3  # listings per message (at most three, with "more" as a choice)


def database() -> Database:
    """The gateway's database, one engine per URL for the action server's lifetime."""
    return shared_database(get_settings().database_url)


def _include_demo() -> bool:
    """Demo listings help try the bot out; a survivor in production never sees one."""
    return get_settings().environment != Environment.PRODUCTION


@dataclass(frozen=True)
class Referral:
    """What the directory has for one request, and whether any of it is local."""

    found: list[ServiceListing]  # of the kind asked, nearest first; else helplines anywhere
    emergency: list[ServiceListing]  # the emergency numbers that come with every answer
    local: bool  # something of the kind asked serves the person's district or province

    @property
    def empty(self) -> bool:
        return not self.found and not self.emergency


def search(kind: str | None, place: Place | None, audience: str | None = None) -> Referral:
    """Services of that kind near the place, for whom they are meant (women, men, children)
    when that was said, and the emergency numbers that come with them."""
    today, demo = date.today(), _include_demo()
    with database().session() as session:
        found = find_listings(
            session, kind, place, today=today, include_demo=demo, audience=audience
        )
        local = any(is_local(item, place) for item in found)
        if not found:  # nothing of that kind: helplines near them can route any need
            found = find_listings(
                session, None, place, today=today, include_demo=demo, audience=audience
            )
        emergency = emergency_listings(session, today=today, include_demo=demo)
    return Referral(found, emergency, local)


def helplines() -> list[ServiceListing]:
    """Helplines anywhere, in the directory's order: they can route any need."""
    today, demo = date.today(), _include_demo()
    with database().session() as session:
        return find_listings(session, None, None, today=today, include_demo=demo)


def as_listings(found: list[ServiceListing]) -> list[Listing]:
    """What a message shows of each service: its names, its first number, its hours."""
    return [Listing(item.names, item.phones[0], item.hours) for item in found]
