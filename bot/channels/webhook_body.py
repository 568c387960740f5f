"""Reading a provider's webhook body: a size limit first, then the form or the JSON; and
keeping the message before the provider hears "received"."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

MAX_WEBHOOK_BYTES = 64 * 1024


async def body(request: Request) -> bytes:
    if int(request.headers.get("content-length") or 0) > MAX_WEBHOOK_BYTES:
        raise HTTPException(status_code=413, detail="request too large")
    data = await request.body()
    if len(data) > MAX_WEBHOOK_BYTES:
        raise HTTPException(status_code=413, detail="request too large")
    return data


async def form(request: Request) -> dict[str, str]:
    """The form as Twilio signed it: every field once, as text."""
    data = await body(request)
    # Undecodable bytes can't carry a valid signature: they fail the signature check (403).
    return dict(parse_qsl(data.decode("utf-8", "replace"), keep_blank_values=True))


async def json_object(request: Request) -> dict[str, object]:
    data = await body(request)
    try:
        parsed = json.loads(data.decode("utf-8"))
    except ValueError as exc:  # not JSON, or not UTF-8
        raise HTTPException(status_code=400, detail="the body is not a JSON object") from exc
    if not isinstance(parsed, dict):
        raise HTTPException(status_code=400, detail="the body is not a JSON object")
    return parsed


@contextmanager
def kept_or_try_again() -> Iterator[None]:
    """A message the database could not keep is answered 503: the provider sends it again
    (Telegram always; Twilio with the retry overrides of docs/deploy.md). Without a
    traceback: the statement's parameters are sealed, but the log needs only the kind."""
    try:
        yield
    except DBAPIError as exc:
        log.error("could not keep an inbound message (%s); the provider is told to retry",
                  type(exc).__name__)  # fmt: skip
        raise HTTPException(status_code=503, detail="try again") from None
