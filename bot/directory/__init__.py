"""The service directory and the gazetteer of Pakistan's districts."""

from bot.directory.gazetteer import District, Gazetteer, Place, load_gazetteer
from bot.directory.listings import SERVICE_TYPES, due_for_check, emergency_listings, find_listings

__all__ = [
    "SERVICE_TYPES",
    "District",
    "Gazetteer",
    "Place",
    "due_for_check",
    "emergency_listings",
    "find_listings",
    "load_gazetteer",
]
