"""The validator's checks on the weights: fingerprints of a format's layout, and weight edges whose fingerprints agree."""

from __future__ import annotations

from ..problems import Problem
from ..records import model
from ..records.load import KnowledgeBase
from .compare import weight_evidence


def check(knowledge: KnowledgeBase) -> list[Problem]:
    """Every problem the fingerprints show."""
    return check_weight_shapes(knowledge) + check_fingerprint_layouts(knowledge)


def check_weight_shapes(knowledge: KnowledgeBase) -> list[Problem]:
    """A weight edge joins checkpoints whose fingerprints agree: a fine-tune keeps its parent's tensor shapes."""
    problems = []
    for record in knowledge.of_kind(model.Lineage):
        for index, parent in enumerate(record.parents):
            if parent.relation not in model.WEIGHT_RELATIONS:
                continue
            evidence = weight_evidence(knowledge, record, parent.id)
            if evidence.differs:
                message = (
                    f"the weights cannot come from {parent.id!r} by {parent.relation.value}: {evidence.differs} "
                    "(the fingerprints disagree; check the parent, the relation or the checkpoints' fingerprints)"
                )
                problems.append(knowledge.problem(record.id, ("parents", index, "id"), message))
    return problems


def check_fingerprint_layouts(knowledge: KnowledgeBase) -> list[Problem]:
    """A checkpoint's fingerprint names tensors as its format does: a diffusers folder's in the diffusers layout, a
    `.ckpt` or single `.safetensors` file's in the original one."""
    problems = []
    for record in knowledge.of_kind(model.Lineage):
        for index, item in enumerate(record.checkpoints):
            fingerprint = knowledge.records.get(item.fingerprint) if item.fingerprint else None
            if not isinstance(fingerprint, model.Fingerprint):
                continue
            expected = model.Layout.diffusers if item.format is model.CheckpointFormat.diffusers else model.Layout.original
            if fingerprint.layout is not expected:
                message = (
                    f"a {item.format.value} checkpoint names its tensors in the {expected.value} layout, but {fingerprint.id!r} "
                    f"is in the {fingerprint.layout.value} layout (point to the fingerprint of the {expected.value} layout)"
                )
                problems.append(knowledge.problem(record.id, ("checkpoints", index, "fingerprint"), message))
    return problems
