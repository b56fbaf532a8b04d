"""Comparing fingerprints: tensor by tensor, by what each tensor is (so layouts may differ), and what that says of a
weight edge."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..records import model
from ..records.load import KnowledgeBase

EXTRA_INPUT_CHANNELS = {"inpainting": 5, "depth-to-image": 1, "upscaling": 3}
"""Channels a task concatenates to the latent at the denoiser's input: the masked image's latent (4) and the mask (1)
for inpainting, a depth map (1), the low-resolution RGB image (3) for the x4 upscaler."""

ROLES: tuple[tuple[str, str], ...] = (
    (r"(?:model\.diffusion_model\.input_blocks\.0\.0|conv_in)\.weight", "first convolution"),
    (r"(?:model\.diffusion_model\.out\.2|conv_out)\.weight", "last convolution"),
    (r"(?:model\.diffusion_model\.input_blocks\.\d+\.1|down_blocks\.\d+\.attentions\.0)\.(.+)", "first transformer: {}"),
    (r"(?:model\.diffusion_model\.label_emb\.0\.0|add_embedding\.linear_1|class_embedding\.linear_1)\.weight", "vector embedding"),
    (r"(?:model\.diffusion_model\.label_emb|class_embedding)\.weight", "class embedding"),
)
"""What a fingerprint's UNet tensor is, whatever the layout names it: fingerprints in the original and the diffusers
layout are compared role by role."""

FIRST_CONVOLUTION = "first convolution"


def role(name: str) -> str:
    """The role a fingerprint's tensor plays (its own name for tensors no two layouts name differently)."""
    for pattern, template in ROLES:
        found = re.fullmatch(pattern, name)
        if found:
            return template.format(*found.groups())
    return name


def compare_shapes(child: dict[str, list[int]], parent: dict[str, list[int]], grown_inputs: int = 0) -> tuple[int, str | None]:
    """How many tensors both fingerprints name (by role, so layouts may differ), and the first whose shapes differ
    (None when all agree). The first convolution may take `grown_inputs` more channels in the child: a variant that
    concatenates a mask, depth map or image to its parent's input keeps the parent's other weights."""
    theirs = {role(name): shape for name, shape in parent.items()}
    shared = [(name, role(name)) for name in child if role(name) in theirs]
    for name, part in sorted(shared):
        a, b = child[name], theirs[part]
        grew = part == FIRST_CONVOLUTION and len(a) == len(b) == 4 and a[1] - b[1] == grown_inputs and a[:1] + a[2:] == b[:1] + b[2:]
        if a != b and not grew:
            return len(shared), f"{name}: {a} here, {b} in the parent"
    return len(shared), None


def same_architecture(a: model.Fingerprint, b: model.Fingerprint) -> bool:
    """Whether two fingerprints describe one architecture, in the same layout or not: every tensor agrees by role."""
    if a.architecture is not b.architecture or len(a.tensors) != len(b.tensors):
        return False
    return compare_shapes(a.tensors, b.tensors) == (len(a.tensors), None)


def counterparts(knowledge: KnowledgeBase, fingerprint: model.Fingerprint) -> list[model.Fingerprint]:
    """The fingerprints of the same architecture in the other layouts."""
    return [f for f in knowledge.of_kind(model.Fingerprint) if f.layout is not fingerprint.layout and same_architecture(f, fingerprint)]


def fingerprint_releases(knowledge: KnowledgeBase, fingerprint: model.Fingerprint) -> list[model.Lineage]:
    """The releases (or, for an autoencoder, components) with a checkpoint of this architecture: pointing to the
    fingerprint or to its counterpart in another layout (a release that records only its original file still has the
    architecture a diffusers folder shows)."""
    ids = {fingerprint.id} | {f.id for f in counterparts(knowledge, fingerprint)}
    return [r for r in knowledge.of_kind(model.Lineage) if any(c.fingerprint in ids for c in r.checkpoints)]


@dataclass(frozen=True)
class Evidence:
    """What the fingerprints say of one weight edge."""

    compared: int
    """Tensors both ends' fingerprints name (0: no header evidence yet)."""
    differs: str | None
    """The first tensor whose shapes differ, when one does."""
    unpublished: bool = False
    """The parent's weights were never published, so no header can confirm or refute the edge."""
    missing: str | None = None
    """Which end has no fingerprint yet, when the evidence is missing."""

    def __str__(self) -> str:
        if self.differs:
            return f"different architecture ({self.differs})"
        if self.compared:
            return f"weights shape-compatible ({self.compared} of {self.compared} tensors)"
        if self.unpublished:
            return "no header evidence possible (the parent's weights are not published)"
        return f"no header evidence yet ({self.missing})" if self.missing else "no header evidence yet"


def fingerprint_of(knowledge: KnowledgeBase, record: model.Record) -> model.Fingerprint | None:
    """The fingerprint a record's checkpoints point to (the first that names one)."""
    for item in getattr(record, "checkpoints", []):
        found = knowledge.records.get(item.fingerprint) if item.fingerprint else None
        if isinstance(found, model.Fingerprint):
            return found
    return None


def weight_evidence(knowledge: KnowledgeBase, record: model.Record, parent_id: str) -> Evidence:
    """The fingerprints of a record and a parent, compared where both are known (in either layout)."""
    child, parent = fingerprint_of(knowledge, record), knowledge.records.get(parent_id)
    theirs = fingerprint_of(knowledge, parent) if parent else None
    if isinstance(parent, model.Release) and parent.availability and parent.availability.value is model.Availability.api_only:
        return Evidence(0, None, unpublished=True)
    if child is None or theirs is None:
        ends = [end for end, found in (("this record", child), ("the parent", theirs)) if found is None]
        return Evidence(0, None, missing=f"no fingerprint for {' or '.join(ends)}")
    grown = 0
    if isinstance(record, model.Release) and isinstance(parent, model.Release):
        grown = EXTRA_INPUT_CHANNELS.get(record.task.value, 0) - EXTRA_INPUT_CHANNELS.get(parent.task.value, 0)
    compared, differs = compare_shapes(child.tensors, theirs.tensors, grown)
    return Evidence(compared, differs)
