"""LibreOffice in headless mode: old and foreign office files converted to .docx, .xlsx or .pptx.

One conversion at a time on the machine (a file lock: two soffice processes on one profile
hand their work to each other, and each takes 200+ MB), each in a private profile folder
(never the user's), with standard input closed and in its own process group, which is
killed whole at the deadline (killing the ``soffice`` wrapper leaves ``soffice.bin``
running). soffice exits 0 when it fails, so success is the output file existing. Measured
in /work/scratch/formats (LibreOffice 7.4.7): 3–5 s a file on a loaded two-core machine,
about 1 s on an idle one; a password-protected or truncated file fails in about 3 s with
"source file could not be loaded" — which is why ``qa.ingest.sniff`` recognises those first.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Literal

from qa.errors import DocumentError

Target = Literal["docx", "xlsx", "pptx"]
_FILTERS: dict[Target, str] = {
    "docx": "docx:MS Word 2007 XML",
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "pptx": "pptx:Impress MS PowerPoint 2007 XML",
}
_PACKAGES: dict[Target, str] = {
    "docx": "libreoffice-writer-nogui",
    "xlsx": "libreoffice-calc-nogui",
    "pptx": "libreoffice-impress-nogui",
}
TIMEOUT_VARIABLE = "QA_CONVERT_TIMEOUT"
DEFAULT_TIMEOUT = 120.0  # seconds; a 20-page .doc takes 3–5 s on a loaded machine
_in_process = threading.Lock()


def soffice() -> str | None:
    """The path of LibreOffice's ``soffice``, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


@functools.cache
def libreoffice_version() -> str:
    """ "LibreOffice 7.4.7.2" (``soffice --version``), or "LibreOffice" when it cannot be asked."""
    program = soffice()
    if program is None:
        return "LibreOffice"
    try:
        done = subprocess.run(
            [program, "--version"], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return "LibreOffice"
    words = done.stdout.split()
    return " ".join(words[:2]) if len(words) >= 2 and words[0] == "LibreOffice" else "LibreOffice"


def timeout_seconds() -> float:
    """The deadline of one conversion: ``QA_CONVERT_TIMEOUT`` seconds (default 120)."""
    try:
        return max(float(os.environ.get(TIMEOUT_VARIABLE, DEFAULT_TIMEOUT)), 1.0)
    except ValueError:
        return DEFAULT_TIMEOUT


def convert(data: bytes, suffix: str, target: Target, source: str) -> bytes:
    """``data`` (a file of type ``suffix``, e.g. ".doc") converted by LibreOffice into ``target``.

    Raises ``DocumentError`` naming ``source`` when LibreOffice is not installed, cannot load
    the file, or does not finish within ``timeout_seconds()`` (its process group is killed).
    """
    from filelock import FileLock

    program = soffice()
    if program is None:
        raise DocumentError(
            f"{source}: reading {suffix} files needs LibreOffice, which is not installed; run "
            f"`make office` (Debian: apt-get install {_PACKAGES[target]}) or save the file as .{target}."
        )
    timeout = timeout_seconds()
    lock = FileLock(Path(tempfile.gettempdir()) / "qa-libreoffice.lock")
    with _in_process, lock, tempfile.TemporaryDirectory(prefix="qa-convert-") as scratch:
        work = Path(scratch)
        original = work / f"document{suffix}"
        original.write_bytes(data)
        command = [
            program,
            f"-env:UserInstallation={_private_profile().as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            _FILTERS[target],
            "--outdir",
            str(work / "out"),
            str(original),
        ]
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, killed whole
            env={**os.environ, "HOME": str(work)},
        )
        try:
            _, errors = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid)
            process.communicate()
            raise DocumentError(
                f"{source}: LibreOffice did not finish converting it within {timeout:.0f} s (a damaged or "
                f"very large file?); open it in Word or WPS and save it as .{target}, "
                f"or raise {TIMEOUT_VARIABLE}."
            ) from None
        finally:
            _kill_group(process.pid)  # nothing of it may outlive the call
        converted = work / "out" / f"document.{target}"
        if not converted.is_file():
            said = " ".join(errors.decode("utf-8", "replace").split())[-200:] or "no output"
            raise DocumentError(
                f"{source}: LibreOffice could not load it ({said}); the file is damaged, password-protected "
                f"or not really a {suffix} file: open it in Word or WPS and save it as .{target}."
            )
        return converted.read_bytes()


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


@functools.cache
def _private_profile() -> Path:
    """This process's LibreOffice profile folder, made once and removed at exit (a warm profile
    saves about a second a file)."""
    profile = Path(tempfile.mkdtemp(prefix="qa-lo-profile-"))
    atexit.register(shutil.rmtree, profile, True)
    return profile
