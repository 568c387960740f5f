"""The list editors work: messages the bot did not understand, labelled or dismissed.

Kept only for people who consented to keeping what they write (DESIGN.md decision 10),
masked before they are sealed, and deleted with the person (DELETE, retention): the row
hangs off the person's contact and goes with it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.conversation.service import intent_of
from bot.directory.gazetteer import Gazetteer
from bot.learning.examples import Example, remove_examples
from bot.learning.masking import mask, still_identifying
from bot.privacy.identity import Vault
from bot.store import OUT_OF_SCOPE, Database, ReviewStatus, UnrecognisedMessage
from bot.store.models import as_utc, utcnow

log = logging.getLogger(__name__)

MAX_KEPT_CHARACTERS = 500  # a long message is kept in part: enough to label, less to leak
PAGE = 200  # rows on the review page
BACK_TO_MENU = "main_menu"  # the "0" of "which did you mean?": no answer to it


class ReviewError(ValueError):
    """A label or a row the review list refuses; the message says which and why."""


@dataclass(frozen=True)
class Unrecognised:
    """One message as editors see it: masked, with the model's guesses."""

    id: int
    language: str
    text: str
    received_at: datetime
    ranking: list[tuple[str, float]]
    chosen: str | None
    status: ReviewStatus
    label: str | None
    labelled_by: str | None


class UnrecognisedLog:
    """Where the gateway puts a message the model could not place."""

    def __init__(
        self, db: Database, vault: Vault, gazetteer: Gazetteer, nlu_dir: Path | None = None
    ) -> None:
        self.db, self.vault, self.gazetteer = db, vault, gazetteer
        self.nlu_dir = nlu_dir  # where labels became training data (None: nowhere to clean)

    def keep(
        self,
        pseudonym: str,
        language: str,
        text: str,
        ranking: tuple[tuple[str, float], ...],
        offered: list[str] | None = None,
    ) -> int | None:
        """Keep it masked; None when nothing is left to learn from once masked."""
        masked = mask(text[:MAX_KEPT_CHARACTERS], self.gazetteer).strip()
        if not masked or masked.startswith("/"):
            return None  # a payload, or an empty message: nothing an editor can label
        if still_identifying(masked):
            return None  # an address masking did not catch: better nothing than that
        with self.db.session() as session:
            row = UnrecognisedMessage(
                pseudonym=pseudonym,
                language=language,
                text_sealed=self.vault.seal(masked),
                ranking=[[intent, score] for intent, score in ranking],
                offered=offered or [],
            )
            session.add(row)
            session.flush()
            log.info("kept one unrecognised message for review")
            return row.id

    def note_choice(self, pseudonym: str, payload: str, menu: list[str]) -> None:
        """The person answered "which did you mean?" with one of its meanings: their own
        correction, kept beside the message. Only while that question's menu is the one on
        their screen (its meanings and the "0" back to the menu), not a later menu."""
        chosen = intent_of(payload)
        on_screen = {intent_of(item) for item in menu}
        with self.db.session() as session:
            latest = session.scalars(
                select(UnrecognisedMessage)
                .where(UnrecognisedMessage.pseudonym == pseudonym)
                .order_by(UnrecognisedMessage.id.desc())
                .limit(1)
            ).first()
            if latest is None or latest.chosen is not None or chosen not in latest.offered:
                return
            if on_screen - {BACK_TO_MENU} != set(latest.offered):
                return  # another menu since: its choice corrects nothing
            latest.chosen = chosen

    def forget(self, pseudonym: str) -> None:
        """The person erased their data, left (EXIT, STOP) or no longer agrees to keeping:
        nothing of theirs stays in the list, and what was labelled leaves the training data
        (a model already trained on it forgets it at the next retraining)."""
        with self.db.session() as session:
            rows = list(session.scalars(
                select(UnrecognisedMessage).where(UnrecognisedMessage.pseudonym == pseudonym)
            ))  # fmt: skip
            taught = [
                Example(row.language, row.label, self.vault.open(row.text_sealed))
                for row in rows
                if row.label and row.status in (ReviewStatus.LABELLED, ReviewStatus.TRAINED)
            ]
            for row in rows:
                session.delete(row)
        if taught and self.nlu_dir is not None:
            remove_examples(self.nlu_dir, taught)


def known_intents(dialogues_dir: Path) -> list[str]:
    """The intents of the domain: what a message may be labelled with."""
    domain = yaml.safe_load((dialogues_dir / "domain" / "intents.yml").read_text("utf-8"))
    return sorted(str(intent) for intent in domain.get("intents") or [])


def listed(
    session: Session, vault: Vault, status: ReviewStatus = ReviewStatus.OPEN
) -> list[Unrecognised]:
    """Newest first: what people write now is what the bot should learn first."""
    rows = session.scalars(
        select(UnrecognisedMessage)
        .where(UnrecognisedMessage.status == status)
        .order_by(UnrecognisedMessage.id.desc())
        .limit(PAGE)
    )
    return [_shown(row, vault) for row in rows]


def _shown(row: UnrecognisedMessage, vault: Vault) -> Unrecognised:
    return Unrecognised(
        id=row.id,
        language=row.language,
        text=vault.open(row.text_sealed),
        received_at=as_utc(row.received_at),
        ranking=[(str(intent), float(score)) for intent, score in row.ranking or []],
        chosen=row.chosen,
        status=row.status,
        label=row.label,
        labelled_by=row.labelled_by,
    )


def label(session: Session, message_id: int, intent: str, *, by: str, intents: list[str]) -> None:
    """What the person meant, in an editor's judgement: it joins the next training."""
    if intent not in intents:
        raise ReviewError(f"{intent!r} is not an intent of the bot (or {OUT_OF_SCOPE!r})")
    row = _untrained(session, message_id)
    row.status, row.label = ReviewStatus.LABELLED, intent
    row.labelled_by, row.labelled_at = by, utcnow()


def dismiss(session: Session, message_id: int, *, by: str) -> None:
    """Nothing to learn from it (a test, half a sentence, noise)."""
    row = _untrained(session, message_id)
    row.status, row.label, row.labelled_by, row.labelled_at = (
        ReviewStatus.DISMISSED, None, by, utcnow()
    )  # fmt: skip


def reopen(session: Session, message_id: int) -> None:
    """A label given by mistake, taken back before the next training."""
    row = _untrained(session, message_id)
    row.status, row.label, row.labelled_by, row.labelled_at = ReviewStatus.OPEN, None, None, None


def _untrained(session: Session, message_id: int) -> UnrecognisedMessage:
    """A row whose label may still change: once trained, the model has learnt it."""
    row = _row(session, message_id)
    if row.status is ReviewStatus.TRAINED:
        raise ReviewError("this message is in the serving model's training data already")
    return row


def _row(session: Session, message_id: int) -> UnrecognisedMessage:
    row = session.get(UnrecognisedMessage, message_id)
    if row is None:
        raise ReviewError("there is no such message (the person may have deleted their data)")
    return row
