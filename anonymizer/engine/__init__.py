"""The anonymization engine: pure Python, no Django imports.

``Engine(config).anonymize(photo_bytes, zones=..., manual_regions=...)``
decodes safely (``decode``), detects people, faces and plates with several
backends over slices and scales (``detect``), builds one mask (``mask``),
redacts irreversibly (``redact``) and encodes clean JPEGs (``encode``).
"""

ENGINE_VERSION = (
    "1.3.0"  # 1.3: SSD by ONNX Runtime, 320 px slices on large photos, head pass skips known heads
)
