"""The data the site's identify page matches a dropped header and a pasted hash against."""

from __future__ import annotations

import json

from ..evidence.compare import EXTRA_INPUT_CHANNELS, fingerprint_releases
from ..evidence.headers import AUTOENCODER_KEYS, DESIGN_KEYS, LAYOUTS
from ..evidence.match import architecture_index
from ..evidence.safetensors import MAX_HEADER_BYTES
from ..records import model
from ..records.load import KnowledgeBase
from .markdown import folder


def identify_data(knowledge: KnowledgeBase) -> str:
    """What the site's identify page matches a dropped file's header and a pasted hash against, as JSON: the same
    key patterns and architecture table `identify.py` uses, and the recorded checkpoints by SHA-256."""
    checkpoints = {
        item.sha256: {"record": record.id, "name": record.name, "file": item.file, "folder": folder(record)}
        for record in knowledge.of_kind(model.Lineage)
        for item in record.checkpoints
        if item.sha256
    }
    data = {
        "max_header_bytes": MAX_HEADER_BYTES,
        "layouts": {name: dict(zip(("prefix", "conv_in", "conv_out", "attention"), keys, strict=True)) for name, keys in LAYOUTS.items()},
        "design_keys": DESIGN_KEYS,
        "autoencoder_keys": AUTOENCODER_KEYS,
        "extra_input_channels": EXTRA_INPUT_CHANNELS,
        "architectures": architecture_index(knowledge),
        "fingerprints": {
            f.id: {
                "tensors": f.tensors,
                "layout": f.layout.value,
                "releases": [{"id": r.id, "name": r.name, "folder": folder(r)} for r in fingerprint_releases(knowledge, f)],
            }
            for f in knowledge.of_kind(model.Fingerprint)
        },
        "checkpoints": dict(sorted(checkpoints.items())),
    }
    return json.dumps(data, indent=1, sort_keys=True) + "\n"
