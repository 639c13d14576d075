"""The speechwriter's tools, above retrieval and below the page and the command line.

In: a loaded index and its retriever. Out: 提法溯源 (``trace``, with ``wording`` for exact
and variant wordings), 查重与提法核对 (``draft``), exports to Word and Markdown
(``export``), and managing the documents folder with background rebuilds (``documents``,
``rebuild``).
"""
