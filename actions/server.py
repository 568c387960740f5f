"""The action server: rasa_sdk's own, answering only the engine (security review F11).

`python -m actions.server --port 5055` (add `--host 0.0.0.0` where the engine is another
container). Every path but `/health` needs `Authorization: Bearer <RAHNUMA_ACTIONS_TOKEN>`,
which the engine sends (`headers:` of its `action_endpoint`, deploy/endpoints.yml): whoever
else reaches the port can neither open a ticket in someone's name nor pause their bot.
The process holds no keys (`RAHNUMA_HOLDS_KEYS=false`): it seals nothing and names nobody.
"""

from __future__ import annotations

import argparse
import hmac
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Request, Sanic, response
from sanic.response import HTTPResponse
from sanic.worker.loader import AppLoader

from bot.config import ACTIONS_PACKAGE, ConfigurationError, actions_token_problems, get_settings
from bot.logs import configure_logging

log = logging.getLogger(__name__)

OPEN_PATHS = frozenset({"/health"})  # says only "ok": compose's and the gateway's health checks

Middleware = Callable[[Request], Awaitable[HTTPResponse | None]]


def only_the_engine(token: str) -> Middleware:
    """A request middleware refusing every call without the engine's token (401)."""
    expected = f"Bearer {token}".encode()

    async def check(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get("authorization", "").encode()
        if hmac.compare_digest(given, expected):
            return None
        return response.json({"error": "unauthorised"}, status=401)

    return check


def create_app(token: str) -> Sanic:
    """rasa_sdk's application with our actions, behind `only_the_engine`. No CORS: the
    engine is not a browser."""
    executor = ActionExecutor()
    executor.register_package(ACTIONS_PACKAGE)
    app = create_app_for_serve(executor, cors_origins=None)
    app.register_middleware(only_the_engine(token), "request")
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m actions.server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback unless named")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)
    configure_logging()
    utils.update_sanic_log_level()
    settings = get_settings()
    problems = actions_token_problems(settings)
    if problems:
        raise ConfigurationError("refusing to start the action server: " + "; ".join(problems))
    # Sanic starts its workers from this factory, so each builds the same guarded app.
    loader = AppLoader(factory=partial(create_app, settings.actions_token))
    app = loader.load()
    app.prepare(host=args.host, port=args.port, workers=utils.number_of_sanic_workers())
    log.info("action server on %s:%d, answering the engine only", args.host, args.port)
    Sanic.serve(primary=app, app_loader=loader)


if __name__ == "__main__":
    main()
