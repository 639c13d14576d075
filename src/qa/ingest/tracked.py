"""Text that remembers, for every character, where it came from in the source file."""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TrackedText:
    """A string plus the source offset of each of its characters.

    Cleaning deletes and rejoins text; keeping offsets per character lets every passage
    point back at the exact span of the original file it was cut from. The offsets are a
    compact ``array`` of 32-bit ints: 4 bytes a character, where a tuple of Python ints
    took ~36 and a build of 100k passages held gigabytes of them.
    """

    text: str
    offsets: Sequence[int]

    def __post_init__(self) -> None:
        if not isinstance(self.offsets, array):
            object.__setattr__(self, "offsets", array("i", self.offsets))

    @classmethod
    def from_source(cls, text: str, start: int = 0) -> TrackedText:
        """Wrap ``text`` that begins at ``start`` in the source."""
        return cls(text, array("i", range(start, start + len(text))))

    @classmethod
    def join(cls, parts: Iterable[TrackedText]) -> TrackedText:
        """Concatenate pieces, keeping each character's offset."""
        parts = list(parts)
        offsets = array("i")
        for part in parts:
            offsets.extend(part.offsets)
        return cls("".join(p.text for p in parts), offsets)

    def __len__(self) -> int:
        return len(self.text)

    def __getitem__(self, key: slice) -> TrackedText:
        return TrackedText(self.text[key], self.offsets[key])  # an array slice is an array

    @property
    def start(self) -> int:
        """Offset of the first character in the source."""
        return self.offsets[0] if self.offsets else 0

    @property
    def end(self) -> int:
        """Offset just past the last character in the source."""
        return self.offsets[-1] + 1 if self.offsets else 0

    def strip(self, chars: str | None = None) -> TrackedText:
        """Drop leading and trailing whitespace (or ``chars``)."""
        stripped_left = len(self.text) - len(self.text.lstrip(chars))
        stripped_right = len(self.text.rstrip(chars))
        return self[stripped_left:stripped_right] if stripped_right > stripped_left else self[0:0]

    def sub(self, pattern: str | re.Pattern[str], replacement: str = "") -> TrackedText:
        """Replace matches of ``pattern`` by the literal ``replacement``.

        Replacement characters take the offset where the match began.
        """
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        text: list[str] = []
        offsets = array("i")
        last = 0
        for match in regex.finditer(self.text):
            text.append(self.text[last : match.start()])
            offsets.extend(self.offsets[last : match.start()])
            anchor = self.offsets[match.start()] if match.start() < len(self.offsets) else self.end
            text.append(replacement)
            offsets.extend([anchor] * len(replacement))
            last = match.end()
        text.append(self.text[last:])
        offsets.extend(self.offsets[last:])
        return TrackedText("".join(text), offsets)

    def split(self, pattern: str | re.Pattern[str]) -> Iterator[TrackedText]:
        """Pieces between matches of ``pattern`` (the separators are dropped)."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        last = 0
        for match in regex.finditer(self.text):
            yield self[last : match.start()]
            last = match.end()
        yield self[last:]


def source_lines(text: str) -> list[TrackedText]:
    """Split decoded file text into lines, each tracked back to the file."""
    return [TrackedText.from_source(m.group(), m.start()) for m in re.finditer(r"[^\r\n]+", text)]
