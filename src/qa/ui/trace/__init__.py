"""The 提法溯源 tab: the result as HTML and export sections (``view``), the Gradio tab (``tab``)."""
