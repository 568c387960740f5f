"""The service directory and the gazetteer of Pakistan's districts."""

from bot.directory.gazetteer import District, Gazetteer, Place, load_gazetteer
from bot.directory.listings import SERVICE_TYPES, Directory, ServiceListing, load_directory

__all__ = [
    "SERVICE_TYPES",
    "Directory",
    "District",
    "Gazetteer",
    "Place",
    "ServiceListing",
    "load_directory",
    "load_gazetteer",
]
