"""What a file looked like, cheaply: for caches of what is parsed from content and code.

A stamp is the file's path, modification time (ns) and size; any save changes it, so a
cache keyed by the stamps of its files is read again after an editor's change.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

FileStamps = tuple[tuple[Path, int, int], ...]


def file_stamps(paths: Iterable[Path]) -> FileStamps:
    stamps = []
    for path in paths:
        stat = path.stat()
        stamps.append((path, stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)
