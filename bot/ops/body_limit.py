"""Request bodies are limited before they are read: a large or endless body is refused
with 413 as its bytes arrive, before anything (a form parser, a signature check, a
password hash) spends memory or time on it. The TLS proxy limits them too (deploy/Caddyfile).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_LIMIT = 256 * 1024  # the largest console form (a text in three languages) is far less
# Larger bodies for the paths that take a file: the directory's import (2 MB and the form).
# The import page refuses more than 2 MB itself, with a message an editor can act on.
LARGER_LIMITS = {"/console/directory/import": 4 * 1024 * 1024}


class BodyLimit:
    """ASGI middleware: at most `limit` bytes of body per request (413 otherwise)."""

    def __init__(
        self, app: ASGIApp, default: int = DEFAULT_LIMIT, larger: dict[str, int] | None = None
    ) -> None:
        self.app, self.default = app, default
        self.larger = LARGER_LIMITS if larger is None else larger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"], self.default)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send)
            return
        received, started, too_large = 0, False, False

        async def counted() -> Message:
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # a chunked body without a length, or one that lied:
                    too_large = True  # to the app, the client has gone; it reads no more
                    return {"type": "http.disconnect"}
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            await _refuse(send)


async def _refuse(send: Send) -> None:
    body = b'{"detail":"the request is too large"}'
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
