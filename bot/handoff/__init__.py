"""Human handoff: tickets, staff hours, and handing the conversation back to the bot."""
