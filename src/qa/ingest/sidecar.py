"""A document's title, date, speaker and kind as an editor set them: the sidecar beside its file.

One hidden JSON file per folder, ``.qa-meta.json``, maps the names of that folder's documents
(relative to the folder: ``讲话.docx``, or ``材料.zip/会议/讲话.docx`` for an archive's member) to
what the editor set::

    {"讲话.docx": {"title": "在全市政协工作会议上的讲话", "date": "2024-03-05", "speaker": "张三"}}

The file travels with its folder and is skipped by every build (a hidden file); the next
``qa build`` applies it over what ingestion found (``apply_override``), and the manifest keeps
both (``found`` and ``overrides``), which ``qa inspect`` and the 文档管理 tab show.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path, PurePosixPath
from typing import Any

from qa.errors import MetadataError

SIDECAR = ".qa-meta.json"
FIELDS = ("title", "date", "speaker", "kind")
MAX_FIELD_CHARS = 200
# Where each field goes in the manifest's record: the title and date themselves, the others as metadata.
METADATA_NAMES = {"speaker": "讲话人", "kind": "文种"}
_ISO = re.compile(r"(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?")
_WRITTEN = re.compile(r"(?P<y>\d{4})\s*[年/.]\s*(?:(?P<m>\d{1,2})\s*[月/.]?\s*(?:(?P<d>\d{1,2})\s*日?)?)?")


@dataclass(frozen=True)
class Override:
    """What an editor set for one document; None where ingestion's value stands."""

    title: str | None = None
    date: str | None = None  # ISO: 2024-03-05, 2024-03 or 2024
    speaker: str | None = None
    kind: str | None = None  # the kind of document: 讲话, 工作报告, 通知…

    def to_json(self) -> dict[str, str]:
        """The fields that are set."""
        return {name: value for name, value in asdict(self).items() if value}

    @classmethod
    def from_json(cls, record: Mapping[str, Any], where: str = "") -> Override:
        """Inverse of ``to_json``; ``MetadataError`` (naming ``where``) for an unknown field or bad value."""
        unknown = set(record) - set(FIELDS)
        if unknown:
            raise MetadataError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}; allowed: {FIELDS}.")
        return make_override(where=where, **{k: v for k, v in record.items()})

    def merged(self, other: Override) -> Override:
        """This override with ``other``'s set fields on top; an empty string clears a field."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        for f in fields(other):
            value = getattr(other, f.name)
            if value is not None:
                values[f.name] = value or None
        return Override(**values)


def parse_date(text: str, where: str = "") -> str:
    """A date as the index stores it: ``2024-03-05``, ``2024-03`` or ``2024``.

    Takes 2024-03-05, 2024-3-5, 2024年3月5日, 2024/3/5, 2024.03.05, 2024年3月, 2024年, 2024.
    Raises ``MetadataError`` naming the value for anything else, an impossible day included.
    """
    given = text.strip()
    match = _ISO.fullmatch(given) or _WRITTEN.fullmatch(given)
    if not match:
        raise MetadataError(
            f"{where}{'：' if where else ''}“{given}”不是日期；"
            "请写成 2024-03-05、2024年3月5日、2024-03 或 2024"
            f" (not a date: write 2024-03-05, 2024年3月5日, 2024-03 or 2024)."
        )
    year, month, day = int(match["y"]), match["m"], match["d"]
    if not 1900 <= year <= 2100:
        raise MetadataError(f"“{given}”的年份 {year} 不在 1900—2100 之间 (year out of range).")
    if month is None:
        return f"{year}"
    if not 1 <= int(month) <= 12:
        raise MetadataError(f"“{given}”的月份 {int(month)} 不存在 (no such month).")
    if day is None:
        return f"{year}-{int(month):02d}"
    import datetime

    try:
        datetime.date(year, int(month), int(day))
    except ValueError as exc:
        raise MetadataError(f"“{given}”这一天不存在 (no such day: {exc}).") from exc
    return f"{year}-{int(month):02d}-{int(day):02d}"


def make_override(
    title: str | None = None,
    date: str | None = None,
    speaker: str | None = None,
    kind: str | None = None,
    where: str = "",
) -> Override:
    """An ``Override`` from what an editor typed: spaces trimmed, the date checked (``parse_date``),
    an empty string kept (it clears the field when merged). ``MetadataError`` for a bad value."""
    values: dict[str, str | None] = {}
    for name, value in (("title", title), ("date", date), ("speaker", speaker), ("kind", kind)):
        if value is None:
            values[name] = None
            continue
        if not isinstance(value, str):
            raise MetadataError(f"{where}: {name} must be text, not {value!r}.")
        value = " ".join(value.split())
        if len(value) > MAX_FIELD_CHARS:
            raise MetadataError(f"{where}：{name} 超过 {MAX_FIELD_CHARS} 字 (longer than {MAX_FIELD_CHARS}).")
        if value and any(c in value for c in "\n\r\t\0"):
            raise MetadataError(f"{where}: {name} holds control characters.")
        values[name] = parse_date(value, where) if name == "date" and value else value
    return Override(**values)


def sidecar_of(seeds: Path, source: str) -> tuple[Path, str]:
    """The sidecar that holds ``source``'s override and its key there: the ``.qa-meta.json`` of the
    deepest real folder on its path (an archive's members belong to the archive's folder)."""
    parts = PurePosixPath(source).parts
    folder = len(parts) - 1
    while folder > 0 and not (seeds.joinpath(*parts[:folder])).is_dir():
        folder -= 1
    return seeds.joinpath(*parts[:folder], SIDECAR), PurePosixPath(*parts[folder:]).as_posix()


def _read(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise MetadataError(f"{path} cannot be read as JSON ({exc}); fix or remove it.") from exc
    if not isinstance(record, dict) or not all(isinstance(v, dict) for v in record.values()):
        raise MetadataError(f"{path} must map file names to objects of {FIELDS}; fix or remove it.")
    return record


def _write(path: Path, record: dict[str, Any]) -> None:
    """Write the sidecar atomically (a hidden temporary file, renamed); remove it when empty."""
    if not record:
        path.unlink(missing_ok=True)
        return
    handle, temporary = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(dict(sorted(record.items())), out, ensure_ascii=False, indent=2)
            out.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_override(seeds: Path, source: str) -> Override | None:
    """The override set for ``source`` (a name relative to ``seeds``), if any."""
    path, key = sidecar_of(seeds, source)
    record = _read(path).get(key)
    return Override.from_json(record, f"{path} [{key}]") if record else None


def set_override(seeds: Path, source: str, override: Override | None) -> Override | None:
    """Store ``override`` for ``source`` (None or an empty one removes it); the one stored before."""
    path, key = sidecar_of(seeds, source)
    record = _read(path)
    before = record.pop(key, None)
    if override is not None and override.to_json():
        record[key] = override.to_json()
    _write(path, record)
    return Override.from_json(before, f"{path} [{key}]") if before else None


def read_overrides(seeds: Path) -> dict[str, Override]:
    """Every override below ``seeds`` by document name; sidecars in hidden folders (the trash) aside."""
    found: dict[str, Override] = {}
    if not seeds.is_dir():
        return found
    for path in sorted(seeds.rglob(SIDECAR)):
        folder = path.parent.relative_to(seeds)
        if any(part.startswith(".") for part in folder.parts):
            continue
        for key, record in _read(path).items():
            source = (PurePosixPath(folder.as_posix()) / key).as_posix()
            found[source] = Override.from_json(record, f"{path} [{key}]")
    return found


def apply_override(record: dict[str, Any], override: Override | None) -> dict[str, Any]:
    """A manifest document record with ``override`` applied: title and date replaced, speaker and
    kind in its metadata; what ingestion found kept under ``found`` and the override under
    ``overrides``. Without an override, the record as ingestion made it (any old override undone)."""
    found = record.get("found") or {
        "title": record.get("title"),
        "date": record.get("date"),
        "metadata": record.get("metadata") or {},
    }
    if "fields" in record and "fields" not in found:  # the fields a question may name (year, speaker…)
        found["fields"] = record["fields"]
    out = {k: v for k, v in record.items() if k not in ("found", "overrides")}
    out.update(title=found["title"], date=found["date"], metadata=dict(found["metadata"]))
    if "fields" in found:
        out["fields"] = dict(found["fields"] or {})
    if override is None or not override.to_json():
        return out
    out["title"] = override.title or out["title"]
    out["date"] = override.date or out["date"]
    for name, key in METADATA_NAMES.items():
        if value := getattr(override, name):
            out["metadata"][key] = value
    if "fields" in out:
        out["fields"].update(_fields(override))
    out["found"], out["overrides"] = found, override.to_json()
    return out


def _fields(override: Override) -> dict[str, object]:
    """The override as the document's fields (``speaker``, ``doc_type``, ``date``, ``year``, ``month``)."""
    fields: dict[str, object] = {}
    if override.speaker:
        fields["speaker"] = override.speaker
    if override.kind:
        fields["doc_type"] = override.kind
    if override.date:
        fields.update(date=override.date, year=int(override.date[:4]), month=int(override.date[5:7] or 0))
    return fields
