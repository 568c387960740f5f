"""The staff console: sign-in, live handoff queues, tickets, audit log, staff accounts."""

from bot.console.router import console_router
from bot.console.security import CONSOLE_STATIC, install_console_handlers, security_headers

__all__ = ["CONSOLE_STATIC", "console_router", "install_console_handlers", "security_headers"]
