"""Who may reach the page: loopback by default, a warning when exposed without a login."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.errors import QAError
from qa.ui.app import credentials, exposure_warning


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_needs_no_login_and_gets_no_warning(host: str) -> None:
    assert exposure_warning(host, []) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_other_addresses_without_a_login_get_a_warning_naming_the_fix(host: str) -> None:
    warning = exposure_warning(host, [])
    assert warning is not None and host in warning and "QA_AUTH" in warning


def test_other_addresses_with_a_login_get_no_warning() -> None:
    assert exposure_warning("0.0.0.0", [("editor", "s3cret")]) is None


def test_no_login_is_configured_unless_asked_for() -> None:
    assert credentials({}) == []


def test_logins_come_from_the_environment_and_a_file(tmp_path: Path) -> None:
    logins = tmp_path / "logins.txt"
    logins.write_text("# one per line\nalice:pa:ss\n\nbob:hunter2\n", encoding="utf-8")
    found = credentials({"QA_AUTH": "editor:s3cret", "QA_AUTH_FILE": str(logins)})
    assert found == [("editor", "s3cret"), ("alice", "pa:ss"), ("bob", "hunter2")]


@pytest.mark.parametrize("value", ["no-colon", ":nopassword", "nouser:"])
def test_a_malformed_login_is_refused(value: str) -> None:
    with pytest.raises(QAError, match="user:password"):
        credentials({"QA_AUTH": value})


def test_an_unreadable_login_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(QAError, match="QA_AUTH_FILE"):
        credentials({"QA_AUTH_FILE": str(tmp_path / "missing.txt")})
