"""The 文档管理 tab: who may use it (``access``) and the Gradio tab (``tab``)."""
