"""The command line, ``qa``: the top of the pipeline beside the page.

In: arguments. Out: text or JSON on stdout, an exit code. ``main`` parses, ``commands``
runs each command, ``format`` renders traces and draft checks as text.
"""

from qa.cli.main import main

__all__ = ["main"]
