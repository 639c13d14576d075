"""The 问答 tab: questions and follow-ups (``conversation``), the page's logic (``service``)
and ratings (``feedback``)."""
