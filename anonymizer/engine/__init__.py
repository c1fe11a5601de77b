"""The anonymization engine: pure Python, no Django imports.

So far it holds safe decoding (``decode``); detection, masking, redaction and
encoding follow in the engine issue.
"""
