"""Zip archives: every member a document of its own, named ``archive.zip/folder/member``.

Colleagues send an archive as a .zip: Windows' built-in zip writes member names in the
system code page (GBK on Chinese Windows) without the UTF-8 flag, which ``zipfile``
decodes as CP437 mojibake; the raw bytes are recovered and decoded as UTF-8, else GB18030.
An archive is untrusted input: a member whose path climbs out (``../``, an absolute path)
is refused by name, and the archive as a whole is refused when it holds more than
``MAX_MEMBERS`` members, would expand past ``max_total_bytes()``, or has a member that
expands more than ``MAX_RATIO`` times (a zip bomb: 42.zip's members expand about a
million times; office files and text expand 2–20 times). Sizes are checked as members are
read, not taken from the archive's own claims. An archive inside an archive is opened too,
``MAX_DEPTH`` deep.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from qa.errors import DocumentError
from qa.ingest.limits import max_document_bytes, size_mb
from qa.ingest.sniff import damaged

MAX_MEMBERS = 10_000
MAX_RATIO = 200  # expansion of one member above 1 MB; deflate itself cannot pass about 1032
MAX_DEPTH = 2  # an archive inside an archive inside the folder's archive at most
_RATIO_FLOOR = 2**20  # small members may expand a lot (a page of spaces) without harm
_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1


def max_total_bytes() -> int:
    """What one archive may expand to in all: twenty documents at the size limit."""
    return 20 * max_document_bytes()


@dataclass(frozen=True)
class Member:
    """A file inside an archive: its path there (``folder/member.docx``) and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Refused:
    """A member not read, and why (a path that climbs out, a zip password, its size)."""

    name: str
    reason: str


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its writer meant it: UTF-8 when flagged, else UTF-8 or GB18030 (Windows)."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def safe_path(name: str) -> str | None:
    """``name`` as a relative POSIX path inside the archive, or None when it climbs out or is absolute."""
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts):
        return None
    return posixpath.join(*parts) if parts else ""


def read_archive(path: Path, source: str) -> Iterator[Member | Refused]:
    """The members of the archive at ``path`` (``source`` is its name), in the archive's order.

    Folders, hidden files and macOS' ``__MACOSX`` copies are passed over, as hidden files
    are in a folder. Raises ``DocumentError`` naming ``source`` for a damaged archive, a
    zip bomb, or one with too many members.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            yield from _members(archive, source, "", 0, [0])
    except zipfile.BadZipFile as exc:
        raise damaged(source, f"not a complete zip archive ({exc})") from exc
    except OSError as exc:
        raise DocumentError(f"{source}: cannot be read ({exc.strerror or exc}).") from exc


def archive_member(path: Path, source: str, name: str) -> bytes:
    """The bytes of the member ``name`` (as ``read_archive`` names it) of the archive at ``path``."""
    for item in read_archive(path, source):
        if isinstance(item, Member) and item.name == name:
            return item.data
    raise DocumentError(f"{source}/{name}: is no longer in the archive {source}.")


def _members(
    archive: zipfile.ZipFile, source: str, prefix: str, depth: int, total: list[int]
) -> Iterator[Member | Refused]:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise DocumentError(
            f"{source}: holds {len(infos)} files, more than the {MAX_MEMBERS} one archive may hold; "
            "unpack it into folders and add those."
        )
    for info in infos:
        _check_bomb(info, source)
    limit = max_document_bytes()
    for info in infos:
        path = safe_path(member_name(info))
        raw_name = prefix + member_name(info).replace("\\", "/")
        if path is None:
            yield Refused(raw_name, "its path climbs out of the archive (../ or an absolute path); refused")
            continue
        name = prefix + path
        hidden = any(part.startswith(".") or part == "__MACOSX" for part in path.split("/"))
        if info.is_dir() or not path or hidden:
            continue
        if info.flag_bits & _ENCRYPTED_FLAG:
            yield Refused(
                name, "is encrypted inside the archive (a zip password); unpack it with the password"
            )
            continue
        if info.file_size > limit:
            yield Refused(
                name, f"is {size_mb(info.file_size)}, over the {limit // 2**20} MB limit for one document"
            )
            continue
        try:
            with archive.open(info) as handle:
                data = handle.read(limit + 1)  # no further, whatever the archive claims
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            yield Refused(name, f"is damaged inside the archive and cannot be unpacked ({exc})")
            continue
        _check_read(data, info, source, limit)
        total[0] += len(data)
        if total[0] > max_total_bytes():
            raise DocumentError(
                f"{source}: expands to more than {size_mb(max_total_bytes())}; "
                "refused as a possible zip bomb "
                "(unpack it into folders and add those)."
            )
        if path.lower().endswith(".zip") and depth < MAX_DEPTH:
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as inner:
                    yield from _members(inner, f"{source}/{path}", name + "/", depth + 1, total)
            except zipfile.BadZipFile as exc:
                yield Refused(name, f"is a damaged zip archive ({exc})")
            continue
        yield Member(name, data)


def _check_bomb(info: zipfile.ZipInfo, source: str) -> None:
    if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise DocumentError(
            f"{source}: refused as a zip bomb: its member {member_name(info)} would expand "
            f"{info.file_size // max(info.compress_size, 1)} times ({size_mb(info.file_size)}); "
            "a real document expands at most a few dozen times."
        )


def _check_read(data: bytes, info: zipfile.ZipInfo, source: str, limit: int) -> None:
    """What a member really expanded to, against what it claimed (a bomb lies in its header)."""
    ratio = len(data) > _RATIO_FLOOR and len(data) > MAX_RATIO * max(info.compress_size, 1)
    if len(data) > limit or ratio:
        raise DocumentError(
            f"{source}: refused as a zip bomb: its member {member_name(info)} "
            "expands past the size it claims."
        )
