"""Naming the records a header fits: by fingerprint, or by the architecture the records imply."""

from __future__ import annotations

from typing import Any

from ..records import model
from ..records.load import KnowledgeBase
from .compare import EXTRA_INPUT_CHANNELS, fingerprint_releases
from .headers import DESIGN_KEYS, Reading
from .safetensors import Header


def conditioning_width(knowledge: KnowledgeBase, release: model.Release) -> int | None:
    """The width of the text conditioning a UNet release attends to: its text encoders' widths side by side."""
    widths = [getattr(knowledge.records.get(use.id), "hidden_size", None) for use in release.text_encoders]
    known = [width.value for width in widths if width is not None]
    return sum(known) if known and len(known) == len(widths) else None


def latent_channels(knowledge: KnowledgeBase, release: model.Release) -> int | None:
    """The latent channels of a release's autoencoder, where its record names the autoencoder and states them."""
    autoencoder = knowledge.records.get(release.autoencoder.value) if release.autoencoder else None
    latent = getattr(autoencoder, "latent_channels", None)
    return latent.value if latent else None


def matching_fingerprints(knowledge: KnowledgeBase, header: Header) -> list[str]:
    """The fingerprint records whose every tensor the header lists with the same shape."""
    return [
        fingerprint.id
        for fingerprint in knowledge.of_kind(model.Fingerprint)
        if all(name in header.tensors and list(header.tensors[name].shape) == shape for name, shape in fingerprint.tensors.items())
    ]


def by_fingerprint(knowledge: KnowledgeBase, matched: list[str], layout: str | None = None) -> tuple[str, list[str]] | None:
    """The most specific of the fingerprints a header matches (the one of the header's layout naming most tensors:
    [dev] over [schnell], which lacks the guidance embedder) and the records whose checkpoints hold that architecture,
    in either layout."""
    if not matched:
        return None
    fingerprints = [f for f in knowledge.of_kind(model.Fingerprint) if f.id in matched]
    best = max(fingerprints, key=lambda f: (f.layout.value == layout, len(f.tensors), f.id))
    return best.id, [r.id for r in fingerprint_releases(knowledge, best)]


def architecture_key(reading: Reading) -> str | None:
    """The key under which `architecture_index` files the releases a header's shapes fit."""
    if reading.design:
        return reading.design
    if reading.context_width is None:
        return None
    extra = reading.in_channels - reading.out_channels if reading.in_channels and reading.out_channels else None
    return f"unet-ctx{reading.context_width}" + (f"-extra{extra}" if extra is not None else "")


def architecture_index(knowledge: KnowledgeBase) -> dict[str, list[dict[str, Any]]]:
    """Releases by the architecture key their records imply, each with the latent channels its autoencoder has (or
    None when the record does not name it): the one table both `identify.py` and the site's identify page match
    headers against. A UNet release is filed under its conditioning width, with and without the channels its task
    adds at the input (a header without both convolutions gives no such count)."""
    index: dict[str, list[dict[str, Any]]] = {}
    for release in knowledge.releases:
        entry = {"id": release.id, "name": release.name, "latent_channels": latent_channels(knowledge, release)}
        design = release.architecture.value.value if release.architecture else None
        width = conditioning_width(knowledge, release)
        if design is not None and design in DESIGN_KEYS.values():
            index.setdefault(design, []).append(entry)
        elif design in (None, "unet") and width is not None:
            extra = EXTRA_INPUT_CHANNELS.get(release.task.value, 0)
            for key in (f"unet-ctx{width}", f"unet-ctx{width}-extra{extra}"):
                index.setdefault(key, []).append(entry)
    return index


def candidates(knowledge: KnowledgeBase, reading: Reading, index: dict[str, list[dict[str, Any]]] | None = None) -> tuple[str, list[str]] | None:
    """An id for the architecture a header shows, and the releases whose records describe that architecture."""
    key = architecture_key(reading)
    if key is None:
        return None
    entries = (index if index is not None else architecture_index(knowledge)).get(key, [])
    return key, [e["id"] for e in entries if e["latent_channels"] in (None, reading.out_channels) or reading.out_channels is None]
