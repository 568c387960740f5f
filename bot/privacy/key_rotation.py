"""Key rotation: a new address-encryption key and a new pseudonym key, losing no one.

Everything sealed is sealed again with the new address key. Every pseudonym is computed
again from the person's (decrypted) address with the new pseudonym key, and moved
everywhere it is used: the gateway's tables and Rasa's tracker store. Opt-outs, languages,
open tickets and conversations carry over.

Run it with the gateway and the engine stopped (docs/privacy.md). It is idempotent: after
a failure, run it again with the same keys.
"""

from __future__ import annotations

import base64
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from bot.privacy.erasure import TrackerStore
from bot.privacy.identity import Vault, pseudonym
from bot.store import (
    ChatMessage,
    Contact,
    Database,
    InboundMessage,
    OutboundMessage,
    PendingMessage,
    StaffMember,
    Ticket,
    TicketMessage,
    UnrecognisedMessage,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Keys:
    pseudonym_key: str
    address_key: str


@dataclass(frozen=True)
class Rotated:
    people: int
    sealed: int  # values sealed again with the new address key
    tracker_events: int  # Rasa events moved to the new pseudonyms


def new_address_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def new_pseudonym_key() -> str:
    return secrets.token_urlsafe(48)


def rotate_keys(db: Database, trackers: TrackerStore, old: Keys, new: Keys) -> Rotated:
    vault = Vault(new.address_key, old.address_key)  # opens both: a re-run after a failure
    with db.session() as session:
        contacts = list(session.scalars(select(Contact)))
        renamed = {}
        for contact in contacts:
            address = vault.open(contact.address_sealed)
            fresh = pseudonym(new.pseudonym_key, contact.channel, address)
            if fresh != contact.pseudonym:
                renamed[contact.pseudonym] = fresh
    # The tracker store first: moving events is idempotent, so a failure later is mended
    # by running again (the gateway still has the old pseudonyms then).
    moved = 0
    with trackers.engine.begin() as conn:
        if trackers.has_events():
            for old_id, new_id in renamed.items():
                moved += (
                    conn.execute(
                        text("UPDATE events SET sender_id = :new WHERE sender_id = :old"),
                        {"new": new_id, "old": old_id},
                    ).rowcount
                    or 0
                )
    sealed = 0
    with db.session() as session:
        for contact in session.scalars(select(Contact)):
            contact.address_sealed = vault.reseal(contact.address_sealed)
            sealed += 1
        for message in session.scalars(select(PendingMessage)):
            message.text_sealed = vault.reseal(message.text_sealed)
            sealed += 1
        for kept in session.scalars(select(UnrecognisedMessage)):
            kept.text_sealed = vault.reseal(kept.text_sealed)
            sealed += 1
        for waiting in session.scalars(select(OutboundMessage)):
            waiting.address_sealed = vault.reseal(waiting.address_sealed)
            waiting.reply_sealed = vault.reseal(waiting.reply_sealed)
            sealed += 2
        for line in session.scalars(select(TicketMessage)):
            line.text_sealed = vault.reseal(line.text_sealed)
            sealed += 1
        sealed += _seal_arrived_again(session, vault, new.pseudonym_key)
        for ticket in session.scalars(select(Ticket).where(Ticket.summary_sealed.is_not(None))):
            if ticket.summary_sealed is not None:  # the query says so; the type can't
                ticket.summary_sealed = vault.reseal(ticket.summary_sealed)
                sealed += 1
        sealed += _seal_staff_secrets_again(session, vault)
        session.flush()
        for old_id, new_id in renamed.items():
            _move_person(session, old_id, new_id)
    log.info("keys rotated: %d people renamed, %d values sealed again", len(renamed), sealed)
    return Rotated(len(contacts), sealed, moved)


def _seal_staff_secrets_again(session: Session, vault: Vault) -> int:
    """Staff's two-step sign-in secrets, sealed again; returns how many. Their recovery
    codes' HMACs are keyed with the secret itself, which stays the same: they keep working."""
    sealed = 0
    for staff in session.scalars(select(StaffMember)):
        if staff.totp_sealed is not None:
            staff.totp_sealed = vault.reseal(staff.totp_sealed)
            sealed += 1
        if staff.totp_pending_sealed is not None:
            staff.totp_pending_sealed = vault.reseal(staff.totp_pending_sealed)
            sealed += 1
    return sealed


def _seal_arrived_again(session: Session, vault: Vault, pseudonym_key: str) -> int:
    """Messages received but not yet answered: renamed by their own address (they may come
    before their person's contact exists) and sealed again."""
    sealed = 0
    for arrived in session.scalars(select(InboundMessage)):
        address = vault.open(arrived.address_sealed)
        arrived.pseudonym = pseudonym(pseudonym_key, arrived.channel, address)
        arrived.address_sealed = vault.reseal(arrived.address_sealed)
        if arrived.text_sealed is not None:
            arrived.text_sealed = vault.reseal(arrived.text_sealed)
        sealed += 2
    return sealed


def _move_person(session: Session, old_id: str, new_id: str) -> None:
    """A primary key can't change under its foreign keys: copy, repoint, delete."""
    old = session.get(Contact, old_id)
    if old is None:
        raise LookupError("a person to rename is gone mid-rotation")  # inside one transaction
    session.add(
        Contact(
            pseudonym=new_id,
            channel=old.channel,
            address_sealed=old.address_sealed,
            language=old.language,
            last_menu=old.last_menu,
            opted_out=old.opted_out,
            engine_paused=old.engine_paused,
            consent=old.consent,
            created_at=old.created_at,
            last_seen_at=old.last_seen_at,
        )
    )
    session.flush()
    for model in (Ticket, PendingMessage, ChatMessage, UnrecognisedMessage, OutboundMessage):
        session.execute(update(model).where(model.pseudonym == old_id).values(pseudonym=new_id))
    session.delete(old)
    session.flush()
