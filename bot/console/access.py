"""Who is asking, and may they: the session behind a request, roles, CSRF and origin checks,
and which tickets a staff member may open.

NotSignedInError is raised here and turned into a redirect or a 401 by security.py; it lives
here, not with the pages, so that security.py can import it without importing any page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.console import audit
from bot.console.auth import Attempt, SignedIn, find_session, same_token
from bot.console.dependencies import AppSettings, Db
from bot.store import Database, Role, StaffMember, Ticket, TicketStatus

SESSION_COOKIE = "rahnuma_console"
# Where cookies are Secure (production), the browser itself holds the session cookie to
# what the `__Host-` prefix promises: set by this very host over HTTPS, for Path=/, with no
# Domain, so a sibling subdomain can neither plant one nor shadow ours (review F19h).
HOST_SESSION_COOKIE = "__Host-rahnuma_console"
LOGIN_COOKIE = "rahnuma_login"  # CSRF token of the sign-in form, before there is a session
DEVICE_COOKIE = "rahnuma_device"  # this browser signed in to the account before (auth.py)


# What an account told to choose a new password may still open.
_WHILE_MUST_CHANGE = ("/console/password", "/console/logout")
# What an account that must set up two-step sign-in may still open (the set-up's own pages).
TWO_FACTOR_PAGE = "/console/two-factor"
# The roles that read conversations: the policy makes them set up two-step sign-in.
TWO_FACTOR_ROLES = (Role.WORKER, Role.ADMIN)


class NotSignedInError(Exception):
    """No valid session: pages redirect to sign-in, scripts get 401."""


class PasswordChangeNeededError(Exception):
    """An admin reset the password: only the password page opens until a new one is chosen."""


class TwoFactorNeededError(Exception):
    """The policy wants two-step sign-in: only its set-up opens until it is on."""


def needs_two_factor(staff: StaffMember, settings: Settings) -> bool:
    """Whether this account must set up two-step sign-in before anything else."""
    return (
        bool(settings.require_two_factor)
        and staff.role in TWO_FACTOR_ROLES
        and (not staff.two_factor)
    )


def session_cookie(settings: Settings) -> tuple[str, str]:
    """The session cookie's name and path: `__Host-` and "/" where cookies are Secure
    (a plain-HTTP development console can't have the prefix; it keeps /console)."""
    if settings.secure_cookies:
        return HOST_SESSION_COOKIE, "/"
    return SESSION_COOKIE, "/console"


def session_token(request: Request, settings: Settings) -> str | None:
    """The token of the session this browser presents, under this deployment's cookie name."""
    return request.cookies.get(session_cookie(settings)[0])


def session_limits(settings: Settings) -> tuple[timedelta, timedelta]:
    """How long a session may sit idle, and how long it may last however busy."""
    return (
        timedelta(minutes=settings.console_idle_minutes),
        timedelta(hours=settings.console_session_hours),
    )


def _session_of(request: Request, settings: Settings, db: Database, *, touch: bool) -> SignedIn:
    idle, lifetime = session_limits(settings)
    with db.session() as session:
        found = find_session(
            session, session_token(request, settings), idle=idle, lifetime=lifetime, touch=touch
        )
    if found is None:
        raise NotSignedInError
    path = request.url.path
    if found.staff.must_change_password and path not in _WHILE_MUST_CHANGE:
        raise PasswordChangeNeededError
    if needs_two_factor(found.staff, settings) and not (
        path == "/console/logout" or path.startswith(TWO_FACTOR_PAGE)
    ):
        raise TwoFactorNeededError
    return found


def signed_in(request: Request, settings: AppSettings, db: Db) -> SignedIn:
    """The dependency of every page but sign-in: the session behind the request's cookie.

    A person's own request (a page, a form) keeps the session alive for another idle period.
    """
    return _session_of(request, settings, db, touch=True)


def watching(request: Request, settings: AppSettings, db: Db) -> SignedIn:
    """The dependency of what an open page fetches by itself (the live stream, polls): it
    checks the session but does not keep it alive, so an unattended console still times out."""
    return _session_of(request, settings, db, touch=False)


Staff = Annotated[SignedIn, Depends(signed_in)]
Watching = Annotated[SignedIn, Depends(watching)]


def caller(
    request: Request, username: str, secret: str = "", *, signed_in: bool = False
) -> Attempt:
    """Who is giving `secret` for `username`, as the limits on guessing count them.

    A browser already signed in (asked again for a secret, to change something) is not spared
    the account's wait by its device cookie: that cookie is there to keep guessers elsewhere
    from slowing its owner at sign-in, not to give whoever sits at an open console free tries.
    """
    client = request.client.host if request.client else "-"
    device = None if signed_in else request.cookies.get(DEVICE_COOKIE)
    return Attempt(username, secret, client, device)


def start_page(role: Role) -> str:
    """Where a role begins: workers and admins at the queue, editors at the texts."""
    return "/console/texts" if role == Role.EDITOR else "/console/queue"


def need(me: SignedIn, *roles: Role) -> None:
    """Refuse a page to a role it isn't for (editors never read conversations)."""
    if me.staff.role not in roles:
        raise HTTPException(status_code=403, detail="your role can't open this page")


def check_origin(request: Request) -> None:
    """Refuse a state change that another site's page started (besides the CSRF token).

    Browsers say where a request comes from in Sec-Fetch-Site; Origin is "null" under our
    no-referrer policy, so a named origin must match, and "null" proves nothing either way.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise HTTPException(status_code=403, detail="cross-site request refused")
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(status_code=403, detail="cross-site request refused")


async def checked_form(request: Request, me: SignedIn) -> dict[str, str]:
    """The form of a state-changing request, after the CSRF and origin checks."""
    check_origin(request)
    form = {key: str(value) for key, value in (await request.form()).items()}
    if not same_token(me.csrf_token, form.get("csrf") or request.headers.get("X-CSRF-Token")):
        raise HTTPException(status_code=403, detail="the form has expired; reload the page")
    return form


def allowed_ticket(session: Session, ticket_id: int, staff: StaffMember) -> Ticket:
    """A worker opens only unassigned tickets and their own; an admin opens any."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise _no_such_ticket()
    if not (
        staff.role == Role.ADMIN
        or ticket.status == TicketStatus.QUEUED
        or ticket.claimed_by == staff.id
    ):
        audit.record(session, staff, "refused: not their ticket", ticket_id=ticket_id)
        session.commit()
        raise _no_such_ticket()
    return ticket


def _no_such_ticket() -> HTTPException:
    # The same answer whether it exists or not: nothing to learn by trying numbers.
    return HTTPException(status_code=404, detail="no such ticket for you")
