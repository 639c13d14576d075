"""Where an index lives: a folder (``Path``, the default) or a PostgreSQL database (a URL string).

``qa build --store URL``, ``app.py --store URL``, ``QA_STORE`` (the primary, which builds
write) and ``QA_STORE_READ`` (a read replica, which the app reads when given) choose it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

Location = Path | str
"""An index folder, or a ``postgresql://`` URL (kept as ``str``: ``Path`` would fold its ``//``)."""

SCHEMES = ("postgresql://", "postgres://")


def is_database(location: Location) -> bool:
    """Whether ``location`` is a database URL rather than a folder."""
    return isinstance(location, str) and location.startswith(SCHEMES)


def as_location(value: Location) -> Location:
    """``value`` as a ``Location``: a database URL stays a string, anything else becomes a ``Path``."""
    return value if is_database(value) else Path(value)


def redacted(url: str) -> str:
    """``url`` with its password replaced by ``***``, fit for messages and logs."""
    return re.sub(r"^(\w+://[^:/@]*):[^@/]*@", r"\1:***@", url)


def store_for_reading(default: Location) -> Location:
    """``QA_STORE_READ`` (a replica), else ``QA_STORE``, else ``default``."""
    chosen = os.environ.get("QA_STORE_READ") or os.environ.get("QA_STORE")
    return as_location(chosen) if chosen else default


def store_for_writing(default: Location) -> Location:
    """``QA_STORE`` (the primary), else ``default``: builds never write to a replica."""
    chosen = os.environ.get("QA_STORE")
    return as_location(chosen) if chosen else default
