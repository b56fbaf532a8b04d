"""The newer families' lineage edges, architectures and availability as their sources state them."""

from __future__ import annotations

import pytest

from conftest import REPO
from lineagekb.records import model
from lineagekb.validate import validate

EDGES = {
    "sdxl-0-9-refiner": {("sdxl-0-9-base", "refines", None)},
    "sdxl-1-0-base": {("sdxl-0-9-base", "successor", None)},
    "sdxl-1-0-refiner": {("sdxl-1-0-base", "refines", None), ("sdxl-0-9-refiner", "successor", None)},
    "sdxl-1-0-inpainting-0-1": {("sdxl-1-0-base", "finetune", None)},
    "sdxl-turbo": {("sdxl-1-0-base", "finetune", None), ("sdxl-1-0-base", "distill", "adversarial-diffusion-distillation")},
    "sd-turbo": {("sd-v2-1", "finetune", None), ("sd-v2-1", "distill", "adversarial-diffusion-distillation")},
    "stable-cascade-stage-b": {("stable-cascade-stage-c", "decodes", None)},
    "sd-3-5-large": {("sd-3-medium", "successor", None)},
    "sd-3-5-medium": set(),  # no source read names a predecessor of SD3.5 Medium (the SD3.5 post predates it)
    "sd-3-5-large-turbo": {("sd-3-5-large", "distill", "adversarial-diffusion-distillation")},
    "flux-1-dev": {("flux-1-pro", "distill", "guidance-distillation")},
    "flux-1-schnell": {("flux-1-pro", "distill", "latent-adversarial-diffusion-distillation")},
}
ARCHITECTURES = {
    "sdxl-1-0-base": "unet",
    "sd-3-medium": "mmdit",
    "sd-3-5-large": "mmdit",
    "sd-3-5-medium": "mmdit-x",
    "flux-1-dev": "flux-transformer",
    "flux-1-schnell": "flux-transformer",
    "stable-cascade-stage-c": "cascade-prior",
    "stable-cascade-stage-b": "cascade-decoder",
}


@pytest.fixture(scope="module")
def releases() -> dict[str, model.Release]:
    knowledge, problems = validate(REPO / "lineage")
    assert problems == []
    return {release.id: release for release in knowledge.releases}


@pytest.mark.parametrize("release_id", sorted(EDGES))
def test_edges_as_the_sources_state_them(releases: dict[str, model.Release], release_id: str) -> None:
    parents = {(p.id, p.relation.value, p.method.value if p.method else None) for p in releases[release_id].parents}
    assert parents == EDGES[release_id]
    assert all(p.quote for p in releases[release_id].parents)


@pytest.mark.parametrize("release_id", sorted(ARCHITECTURES))
def test_architectures(releases: dict[str, model.Release], release_id: str) -> None:
    architecture = releases[release_id].architecture
    assert architecture is not None and architecture.value.value == ARCHITECTURES[release_id]


def test_flux_pro_is_api_only_without_weights(releases: dict[str, model.Release]) -> None:
    pro = releases["flux-1-pro"]
    assert pro.availability is not None and pro.availability.value is model.Availability.api_only
    assert pro.hub is None and pro.checkpoints == []


def test_every_family_is_populated(releases: dict[str, model.Release]) -> None:
    assert {r.family for r in releases.values()} == set(model.Family)


def test_sd3_medium_records_its_licence_change(releases: dict[str, model.Release]) -> None:
    medium = releases["sd-3-medium"]
    assert medium.license is not None and medium.license_history
    assert all(past.until for past in medium.license_history)
