"""Reading a provider's webhook body: a size limit first, then the form or the JSON."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request

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
