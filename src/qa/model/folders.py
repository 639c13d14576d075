"""Publish a model folder built beside its target, so a reader never sees a half-written one."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def publishing(target: Path, prefix: str) -> Iterator[Path]:
    """An empty folder beside ``target`` (a scratch folder named ``prefix``…) to fill.

    When the block ends without an error the folder replaces ``target`` (readable by all, 0755);
    whatever happens, the scratch is removed. Raises what the block or the rename raises."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
    try:
        folder = scratch / "folder"
        folder.mkdir()
        yield folder
        folder.chmod(0o755)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(folder, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
