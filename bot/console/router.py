"""Every console page under /console, and the console's set-up from the settings."""

from __future__ import annotations

from fastapi import APIRouter

from bot.config import Settings
from bot.console import (
    audit_page,
    directory_page,
    flows_page,
    password_page,
    preview_page,
    queue_page,
    sign_in,
    staff_page,
    texts_page,
    ticket_actions,
    ticket_page,
    two_factor_page,
    understanding_page,
)
from bot.console.dependencies import trigger_words
from bot.console.rendering import show_times_in
from bot.handoff.hours import StaffHours, StaffHoursError

PAGES = (sign_in, password_page, two_factor_page, queue_page, ticket_page, ticket_actions,
         audit_page, staff_page, texts_page, understanding_page, flows_page, directory_page,
         preview_page)  # fmt: skip


def console_router(settings: Settings) -> APIRouter:
    """The routes bot/app.py includes; the pages take the rest from `app.state`."""
    router = APIRouter(include_in_schema=False)
    for module in PAGES:
        router.include_router(module.router, prefix="/console")
    try:
        zone = StaffHours.from_file(settings.staff_hours_file).zone
    except StaffHoursError:
        zone = None
    show_times_in(zone)
    # Read now, so that a broken checks.yml stops the gateway starting, not a worker's reply.
    trigger_words(settings.content_dir)
    return router
