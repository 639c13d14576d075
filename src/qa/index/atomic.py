"""Replace a folder atomically, one writer at a time, and recover from a writer that was killed.

A build writes into ``.<name>-build-<random>`` beside the target, then swaps it in with two
renames: target -> ``.<name>-old-<pid>``, scratch -> target. A process killed between the two
renames leaves no target but a complete ``-old-`` folder, which ``restore_interrupted_swap``
puts back; scratch and old folders left by killed builds are removed by the next build.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa.errors import BuildInProgressError, QAError

log = logging.getLogger(__name__)


def lock_path(target: Path) -> Path:
    """The lock file that serialises writers of ``target``."""
    return target.parent / f".{target.name}.lock"


def _unwritable(target: Path, exc: OSError) -> QAError:
    return QAError(
        f"Cannot write next to {target} ({exc.strerror or exc}); use a writable folder (--index DIR)."
    )


def _leftovers(target: Path, kind: str) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}-{kind}-*"))


@contextmanager
def exclusive(target: Path) -> Iterator[None]:
    """Hold ``target``'s writer lock, or raise ``BuildInProgressError`` at once if another process does.

    The lock is an OS file lock: it is released when its holder exits, even when killed.
    """
    from filelock import FileLock, Timeout

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(lock_path(target)), timeout=0)
        lock.acquire()
    except Timeout:
        raise BuildInProgressError(
            f"Another build is writing {target} right now (lock {lock_path(target)}); "
            "wait for it to finish and try again."
        ) from None
    except OSError as exc:
        raise _unwritable(target, exc) from exc
    try:
        yield
    finally:
        lock.release()


def remove_leftovers(target: Path) -> None:
    """Put back an interrupted swap and delete scratch folders of killed writers (hold the lock)."""
    restore_interrupted_swap(target)
    for folder in (*_leftovers(target, "build"), *_leftovers(target, "old")):
        log.info("Removing %s, left by an interrupted build", folder)
        shutil.rmtree(folder, ignore_errors=True)


def restore_interrupted_swap(target: Path) -> bool:
    """If ``target`` is missing but a writer moved it aside and died, move it back; True if it did."""
    if target.exists():
        return False
    olds = _leftovers(target, "old")
    if not olds:
        return False
    newest = max(olds, key=lambda p: p.stat().st_mtime)
    os.replace(newest, target)
    log.warning("Restored %s from %s after an interrupted build", target, newest.name)
    return True


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """A fresh scratch folder beside ``target`` that replaces it when the block succeeds.

    On an exception ``target`` is left untouched and the scratch folder is removed.
    """
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}-build-", dir=target.parent))
    except OSError as exc:
        raise _unwritable(target, exc) from exc
    scratch.chmod(0o755)  # mkdtemp makes it private; an index is meant to be shared
    try:
        yield scratch
        swap_into_place(scratch, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def swap_into_place(new: Path, target: Path) -> None:
    """Replace the folder ``target`` by ``new`` (``os.replace`` cannot replace a non-empty folder)."""
    old = target.with_name(f".{target.name}-old-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    try:
        os.replace(new, target)
    except OSError:
        if old.exists():
            os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
