"""Public names imported on first use (PEP 562), so that a command loads only what it needs:
``qa search`` never imports the build, the format readers or the page."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(package: str, modules: Mapping[str, str]) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` for ``package``: the name's module (``modules[name]``) is
    imported when the name is first asked for, and the value kept in the package for later
    look-ups. Raises ``AttributeError`` for a name not in ``modules``."""

    def __getattr__(name: str) -> Any:
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
