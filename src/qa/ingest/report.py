"""The account of what cleaning did to a document."""

from __future__ import annotations

from dataclasses import dataclass, field

from qa.ingest.blocks import Removal


@dataclass(frozen=True)
class CleaningReport:
    """What cleaning did to one document, in characters (whitespace not counted).

    ``chars_kept`` counts the title line, metadata lines and body; ``removed`` maps each
    rule to the characters it removed (an elision "……略……" shortened to "……" counts whole,
    so kept and removed may add up to a little more than read); ``removals`` lists the text;
    ``suspended`` maps a rule that was not applied to the share it would have removed.
    """

    chars_read: int
    chars_kept: int
    paragraphs: int
    removed: dict[str, int] = field(default_factory=dict)
    removals: tuple[Removal, ...] = ()
    suspended: dict[str, float] = field(default_factory=dict)

    @property
    def kept_share(self) -> float:
        """``chars_kept / chars_read`` (1.0 for an empty document)."""
        return self.chars_kept / self.chars_read if self.chars_read else 1.0

    def summary(self) -> dict[str, object]:
        """The numbers without the removed text, for the manifest."""
        record: dict[str, object] = {
            "chars_read": self.chars_read,
            "chars_kept": self.chars_kept,
            "paragraphs": self.paragraphs,
            "removed": dict(self.removed),
        }
        if self.suspended:
            record["suspended"] = dict(self.suspended)
        return record


def chars(text: str) -> int:
    """The characters that count in a report: all but whitespace."""
    return sum(1 for char in text if not char.isspace())
