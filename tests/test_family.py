"""The Stable Diffusion family is complete, and its lineage edges are the ones the official cards state."""

from __future__ import annotations

import pytest

from conftest import REPO
from lineagekb.records import model
from lineagekb.records.lineage import steps_from_scratch
from lineagekb.validate import validate

RELEASES = [
    "ldm-text2im-large-256",
    "sd-v1-1",
    "sd-v1-2",
    "sd-v1-3",
    "sd-v1-4",
    "sd-v1-5",
    "sd-v1-5-inpainting",
    "sd-v2-0-base",
    "sd-v2-0",
    "sd-v2-1-base",
    "sd-v2-1",
    "sd-v2-0-depth",
    "sd-v2-0-inpainting",
    "sd-x4-upscaler",
    "sd-v2-1-unclip",
]
FINETUNES = [
    ("sd-v1-2", "sd-v1-1"),
    ("sd-v1-3", "sd-v1-2"),
    ("sd-v1-4", "sd-v1-2"),
    ("sd-v1-5", "sd-v1-2"),  # not v1-4: both were resumed from v1-2
    ("sd-v1-5-inpainting", "sd-v1-5"),
    ("sd-v2-0", "sd-v2-0-base"),
    ("sd-v2-1-base", "sd-v2-0-base"),
    ("sd-v2-1", "sd-v2-0"),  # the card: fine-tuned from stable-diffusion-2 (768-v-ema.ckpt), not from 2.1-base
    ("sd-v2-0-depth", "sd-v2-0-base"),
    ("sd-v2-0-inpainting", "sd-v2-0-base"),
    ("sd-v2-1-unclip", "sd-v2-1"),
]


@pytest.fixture(scope="module")
def knowledge():
    found, problems = validate(REPO / "lineage")
    assert problems == []
    return found


@pytest.mark.parametrize("release_id", RELEASES)
def test_release_is_recorded_with_sources(knowledge, release_id: str) -> None:
    release = knowledge.records[release_id]
    assert isinstance(release, model.Release)
    assert release.sources


@pytest.mark.parametrize(("child", "parent"), FINETUNES)
def test_finetune_edges(knowledge, child: str, parent: str) -> None:
    edges = {(p.id, p.relation) for p in knowledge.records[child].parents}
    assert (parent, model.Relation.finetune) in edges


def test_trained_from_scratch(knowledge) -> None:
    assert knowledge.records["sd-v1-1"].from_scratch
    assert knowledge.records["sd-v2-0-base"].from_scratch


def test_improved_autoencoders(knowledge) -> None:
    assert [p.id for p in knowledge.records["sd-vae-ft-ema"].parents] == ["kl-f8"]
    assert [p.id for p in knowledge.records["sd-vae-ft-mse"].parents] == ["sd-vae-ft-ema"]


def test_runwayml_repos_are_removed_with_a_mirror(knowledge) -> None:
    hub = knowledge.records["sd-v1-5"].hub
    assert hub.status is model.HubStatus.removed
    assert "stable-diffusion-v1-5/stable-diffusion-v1-5" in hub.mirrors


def test_prediction_types(knowledge) -> None:
    assert knowledge.records["sd-v2-1"].prediction_type.value is model.PredictionType.v_prediction
    assert knowledge.records["sd-v2-0-base"].prediction_type.value is model.PredictionType.epsilon
    assert knowledge.records["sd-v1-5"].prediction_type.value is model.PredictionType.epsilon


def test_v1_5_steps_from_scratch(knowledge) -> None:
    # v1-1: 237k + 194k, v1-2: 515k, v1-5: 595k (runwayml/stable-diffusion README).
    assert steps_from_scratch(knowledge, "sd-v1-5") == 237_000 + 194_000 + 515_000 + 595_000


def test_which_file_to_download(knowledge) -> None:
    files = {c.file: c.weights for c in knowledge.records["sd-v1-5"].checkpoints}
    assert files["v1-5-pruned-emaonly.ckpt"] is model.Weights.ema
    assert files["v1-5-pruned.ckpt"] is model.Weights.ema_and_non_ema
