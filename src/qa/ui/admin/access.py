"""Who may manage the documents from the page: the login ``QA_ADMIN`` names, or, without
logins, whoever opens a page served only on this machine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from qa.errors import QAError


@dataclass(frozen=True)
class AdminAccess:
    """Who manages the documents: the login named ``admin``; without logins, whoever opens a
    page served only on this machine (``local``); otherwise nobody."""

    admin: str | None = None
    local: bool = False

    @classmethod
    def of(cls, environ: Mapping[str, str], logins: list[tuple[str, str]], local: bool) -> AdminAccess:
        """From ``QA_ADMIN``, the configured ``logins`` and whether the page is bound to loopback."""
        name = (environ.get("QA_ADMIN") or "").strip() or None
        if not logins:
            return cls(local=local)
        if name is not None and name not in {user for user, _ in logins}:
            raise QAError(f"QA_ADMIN={name} is not one of the logins (QA_AUTH / QA_AUTH_FILE); add it there.")
        return cls(admin=name)

    def allows(self, username: str | None) -> bool:
        """Whether the user logged in as ``username`` (None: no login) may manage the documents."""
        if self.admin is not None:
            return username == self.admin
        return self.local and username is None
