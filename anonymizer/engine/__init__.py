"""The anonymization engine: pure Python, no Django imports.

``Engine(config).anonymize(photo_bytes, zones=..., manual_regions=...)``
decodes safely (``decode``), detects people, faces and plates with several
backends over slices and scales (``detect``), builds one mask (``mask``),
redacts irreversibly (``redact``) and encodes clean JPEGs (``encode``).
"""

# 1.3: SSD by ONNX Runtime, 320 px slices on large photos, head pass skips known heads.
# 1.4: the zoom check (zoom.py): weak person boxes SSD and people_net agree on, looked at again.
# 1.5: plates only of a plate's size beside their vehicle (lettering and tread on machines).
ENGINE_VERSION = "1.6.0"
