"""The console's Jinja templates, and how a page is made from one.

Both the pages and the error handlers (security.py) render these templates, so they live
apart from either: nothing has to import a page module to show a page.
"""

from __future__ import annotations

import functools
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bot.console.auth import SignedIn
from bot.store.models import as_utc

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def page(request: Request, name: str, me: SignedIn | None, **context: Any) -> HTMLResponse:
    """A template with who is signed in, and the CSRF token that its forms carry."""
    return templates.TemplateResponse(
        request,
        name,
        {"me": me.staff if me else None, "csrf": me.csrf_token if me else "", **context},
    )


def local_time(moment: datetime | None, zone: tzinfo | None) -> str:
    """A moment as staff read it: in the staff hours' time zone, or in UTC without one."""
    if moment is None:
        return ""
    moment = as_utc(moment)
    return (moment.astimezone(zone) if zone else moment).strftime("%d %b %H:%M")


def show_times_in(zone: tzinfo | None) -> None:
    """Every template's `|local` filter shows times in this zone."""
    templates.env.filters["local"] = functools.partial(local_time, zone=zone)
