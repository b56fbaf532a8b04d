"""Evidence from the weights: fingerprints derived from the publishers' configs confirm or refute weight edges."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import REPO, run_tool
from lineagekb.evidence.compare import compare_shapes, weight_evidence
from lineagekb.evidence.fingerprints import unet_config, unet_fingerprint
from lineagekb.records import model
from lineagekb.records.load import KnowledgeBase
from lineagekb.validate import validate


@pytest.fixture(scope="module")
def knowledge() -> KnowledgeBase:
    found, problems = validate(REPO / "lineage")
    assert problems == []
    return found


def weight_edges(knowledge: KnowledgeBase, families: set[str]) -> list[tuple[model.Release, model.Parent]]:
    return [
        (release, parent)
        for release in knowledge.releases
        if release.family.value in families
        for parent in release.parents
        if parent.relation in model.WEIGHT_RELATIONS
    ]


def validate_edited(tmp_path: Path, record: str, old: str, new: str, marker: str) -> tuple[str, int]:
    """Validate a copy of the records with `old` replaced by `new` in `record` (exit 1 expected); the validator's
    output and the line of the edited record that holds `marker`."""
    lineage = tmp_path / "lineage"
    shutil.copytree(REPO / "lineage", lineage)
    path = lineage / record
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    result = run_tool("validate", str(lineage))
    assert result.returncode == 1, result.stdout + result.stderr
    return result.stderr, next(i for i, row in enumerate(text.splitlines(), 1) if marker in row)


def test_every_sd_1_and_2_weight_edge_is_confirmed_by_its_fingerprints(knowledge: KnowledgeBase) -> None:
    edges = weight_edges(knowledge, {"sd-1", "sd-2"})
    assert len(edges) >= 12
    for release, parent in edges:
        evidence = weight_evidence(knowledge, release, parent.id)
        assert evidence.differs is None and evidence.compared >= 4, (release.id, parent.id, str(evidence))


def test_newer_weight_edges_with_fingerprints_are_confirmed(knowledge: KnowledgeBase) -> None:
    evidence = {(r.id, p.id, p.relation.value): str(weight_evidence(knowledge, r, p.id)) for r, p in weight_edges(knowledge, {"sdxl"})}
    assert evidence[("sdxl-turbo", "sdxl-1-0-base", "finetune")] == "weights shape-compatible (5 of 5 tensors)"
    # a diffusers folder against an original single file: compared tensor by tensor through the layouts' names
    assert evidence[("sdxl-1-0-inpainting-0-1", "sdxl-1-0-base", "finetune")] == "weights shape-compatible (5 of 5 tensors)"


def test_an_edge_to_a_model_without_published_weights_says_no_evidence_is_possible(knowledge: KnowledgeBase) -> None:
    dev = knowledge.records["flux-1-dev"]
    assert str(weight_evidence(knowledge, dev, "flux-1-pro")) == "no header evidence possible (the parent's weights are not published)"


def test_layouts_are_compared_by_what_each_tensor_is() -> None:
    params = {"in_channels": 4, "out_channels": 4, "model_channels": 320, "num_res_blocks": 2, "attention_resolutions": [4, 2, 1], "context_dim": 768}
    original = unet_fingerprint(params)
    diffusers = unet_fingerprint(params, "diffusers")
    assert "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight" in diffusers
    assert compare_shapes(diffusers, original) == (4, None)
    wider = unet_fingerprint({**params, "context_dim": 1024}, "diffusers")
    assert compare_shapes(wider, original)[1] == (
        "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight: [320, 1024] here, [320, 768] in the parent"
    )
    sdxl = {**params, "attention_resolutions": [4, 2], "num_classes": "sequential", "adm_in_channels": 2816}
    assert "add_embedding.linear_1.weight" in unet_fingerprint(sdxl, "diffusers", sgm=True)
    assert "class_embedding.linear_1.weight" in unet_fingerprint(sdxl, "diffusers", sgm=False)
    assert "class_embedding.weight" in unet_fingerprint({**params, "num_classes": 1000}, "diffusers")


def test_a_checkpoint_points_to_a_fingerprint_of_its_own_layout(tmp_path: Path) -> None:
    marker = "fingerprint: sdxl-base-unet"
    stderr, line = validate_edited(tmp_path, "releases/sdxl-1-0-inpainting-0-1.yaml", "fingerprint: sdxl-inpainting-unet-diffusers", marker, marker)
    assert (
        f"releases/sdxl-1-0-inpainting-0-1.yaml:{line}: checkpoints[0].fingerprint: a diffusers checkpoint names its tensors in the "
        "diffusers layout, but 'sdxl-base-unet' is in the original layout"
    ) in stderr, stderr


def test_reparenting_sd_2_base_onto_sd_1_5_fails_validation(tmp_path: Path) -> None:
    parents = '  - {id: sd-v1-5, relation: finetune, source: readme, quote: "resumed from sd-v1-5"}\n'
    edit = ("from_scratch: true\n", "from_scratch: false\nparents:\n" + parents)
    stderr, line = validate_edited(tmp_path, "releases/sd-v2-0-base.yaml", *edit, "id: sd-v1-5")
    expected = (
        f"releases/sd-v2-0-base.yaml:{line}: parents[0].id: the weights cannot come from 'sd-v1-5' by finetune: "
        "model.diffusion_model.input_blocks.1.1.proj_in.weight: [320, 320] here, [320, 320, 1, 1] in the parent"
    )
    assert expected in stderr, stderr


def test_a_variant_may_grow_its_first_convolution_by_what_its_task_adds() -> None:
    base = {"model.diffusion_model.input_blocks.0.0.weight": [320, 4, 3, 3], "model.diffusion_model.out.2.weight": [4, 320, 3, 3]}
    inpainting = {**base, "model.diffusion_model.input_blocks.0.0.weight": [320, 9, 3, 3]}
    assert compare_shapes(inpainting, base, grown_inputs=5) == (2, None)
    assert compare_shapes(inpainting, base, grown_inputs=0)[1] is not None
    assert compare_shapes(base, {"other": [1]}) == (0, None)


def test_fingerprints_are_derived_from_config_params() -> None:
    config = {
        "model": {
            "params": {
                "network_config": {
                    "target": "sgm.modules.diffusionmodules.openaimodel.UNetModel",
                    "params": {
                        "in_channels": 4,
                        "out_channels": 4,
                        "model_channels": 384,
                        "num_res_blocks": 2,
                        "channel_mult": [1, 2, 4, 4],
                        "attention_resolutions": [4, 2],
                        "transformer_depth": 4,
                        "context_dim": [1280, 1280, 1280, 1280],
                        "use_linear_in_transformer": True,
                        "num_classes": "sequential",
                        "adm_in_channels": 2560,
                    },
                }
            }
        }
    }
    tensors = unet_fingerprint(*unet_config(config)[:1])
    assert tensors == yaml.safe_load((REPO / "lineage" / "fingerprints" / "sdxl-refiner-unet.yaml").read_text())["tensors"]
    with pytest.raises(ValueError):
        unet_config({"model": {"params": {}}})


def test_fingerprint_command_prints_the_tensors_and_refuses_other_files(tmp_path: Path) -> None:
    config = tmp_path / "v1.yaml"
    params = {
        "in_channels": 4,
        "out_channels": 4,
        "model_channels": 320,
        "num_res_blocks": 2,
        "channel_mult": [1, 2, 4, 4],
        "attention_resolutions": [4, 2, 1],
        "num_heads": 8,
        "context_dim": 768,
    }
    config.write_text(yaml.safe_dump({"model": {"params": {"unet_config": {"params": params}}}}), encoding="utf-8")
    result = run_tool("fingerprint", str(config))
    assert result.returncode == 0
    printed = yaml.safe_load(result.stdout)["tensors"]
    assert printed == yaml.safe_load((REPO / "lineage" / "fingerprints" / "sd-1-unet.yaml").read_text())["tensors"]
    other = tmp_path / "other.yaml"
    other.write_text("a: 1\n", encoding="utf-8")
    refused = run_tool("fingerprint", str(other))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert re.search(r"cannot derive a fingerprint: no model\.params", refused.stderr)
    sgm = tmp_path / "sd_xl_base.yaml"
    sdxl = {**params, "attention_resolutions": [4, 2], "context_dim": 2048, "use_linear_in_transformer": True}
    sgm.write_text(yaml.safe_dump({"model": {"params": {"network_config": {"params": {**sdxl, "num_classes": "sequential", "adm_in_channels": 2816}}}}}))
    inpainting = run_tool("fingerprint", str(sgm), "--layout", "diffusers", "--in-channels", "9")
    assert inpainting.returncode == 0, inpainting.stderr
    record = yaml.safe_load((REPO / "lineage" / "fingerprints" / "sdxl-inpainting-unet-diffusers.yaml").read_text())
    assert yaml.safe_load(inpainting.stdout)["tensors"] == record["tensors"]


def test_release_pages_show_each_edges_evidence(knowledge: KnowledgeBase) -> None:
    from lineagekb.website.pages import pages

    generated = pages(knowledge)
    assert "| finetune | weights shape\\-compatible \\(4 of 4 tensors\\) |" in generated["releases/sd-v1-5.md"]
    assert "| refines | not a weight edge |" in generated["releases/sdxl-1-0-refiner.md"]
    assert "fingerprints/sd-2-unet.md" in generated and "sd-v2-1" in generated["fingerprints/sd-2-unet.md"]


def test_the_edges_table_and_comparison_rows_carry_the_evidence(knowledge: KnowledgeBase) -> None:
    from lineagekb.website.export import edge_rows
    from lineagekb.website.pages import Site, release_row

    rows = {(row["child"], row["parent"], row["relation"]): row for row in edge_rows(knowledge)}
    assert rows[("sd-v1-5", "sd-v1-2", "finetune")]["weights_evidence"] == "weights shape-compatible (4 of 4 tensors)"
    assert rows[("sdxl-1-0-refiner", "sdxl-1-0-base", "refines")]["weights_evidence"] == ""
    row = release_row(Site(knowledge), knowledge.records["sd-v2-1"])
    assert "shapes match \\(4 tensors\\)" in row["parents"]


def test_each_unet_fingerprint_has_its_counterpart_in_the_other_layout(knowledge: KnowledgeBase) -> None:
    from lineagekb.evidence.compare import counterparts, fingerprint_releases

    originals = [f for f in knowledge.of_kind(model.Fingerprint) if f.architecture is model.Architecture.unet and f.layout is model.Layout.original]
    assert len(originals) >= 10
    for original in originals:
        [twin] = counterparts(knowledge, original)
        assert twin.id == f"{original.id}-diffusers" and counterparts(knowledge, twin) == [original]
        assert fingerprint_releases(knowledge, twin) == fingerprint_releases(knowledge, original) != []
    # inpainting differs from its base in the first convolution only: not the same architecture
    base, inpainting = knowledge.records["sd-1-unet"], knowledge.records["sd-1-inpainting-unet-diffusers"]
    assert isinstance(base, model.Fingerprint) and inpainting not in counterparts(knowledge, base)


def test_a_diffusers_unet_header_names_the_releases_recorded_with_original_files(knowledge: KnowledgeBase) -> None:
    from lineagekb.evidence.match import by_fingerprint, matching_fingerprints
    from lineagekb.evidence.safetensors import Header, Tensor

    twin = knowledge.records["sd-1-unet-diffusers"]
    assert isinstance(twin, model.Fingerprint)
    header = Header({name: Tensor("F32", tuple(shape)) for name, shape in twin.tensors.items()})
    found = by_fingerprint(knowledge, matching_fingerprints(knowledge, header))
    assert found is not None and found[0] == "sd-1-unet-diffusers" and {"sd-v1-4", "sd-v1-5"} <= set(found[1])


def test_fingerprint_pages_link_the_other_layout(knowledge: KnowledgeBase) -> None:
    from lineagekb.website.pages import pages

    page = pages(knowledge)["fingerprints/sd-2-unet-diffusers.md"]
    assert "## The same architecture in another layout" in page and "(../fingerprints/sd-2-unet.md) (original layout)" in page
    assert "(../releases/sd-v2-1.md)" in page


def test_autoencoder_fingerprints_come_from_the_ldm_config_and_confirm_the_vae_fine_tunes(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    ddconfig = {"double_z": True, "z_channels": 4, "in_channels": 3, "out_ch": 3, "ch": 128, "ch_mult": [1, 2, 4, 4], "num_res_blocks": 2}
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"model": {"target": "ldm.models.autoencoder.AutoencoderKL", "params": {"embed_dim": 4, "ddconfig": ddconfig}}}))
    result = run_tool("fingerprint", str(config))
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["tensors"] == yaml.safe_load((REPO / "lineage" / "fingerprints" / "kl-f8-autoencoder.yaml").read_text())["tensors"]
    mse = knowledge.records["sd-vae-ft-mse"]
    assert str(weight_evidence(knowledge, mse, "sd-vae-ft-ema")) == "weights shape-compatible (6 of 6 tensors)"
    # kl-f8 is a zip off the Hub (the LDM model zoo), built by the config the fingerprint comes from
    assert str(weight_evidence(knowledge, knowledge.records["sd-vae-ft-ema"], "kl-f8")) == "weights shape-compatible (6 of 6 tensors)"
    turbo = knowledge.records["sd-3-5-large-turbo"]
    assert str(weight_evidence(knowledge, turbo, "sd-3-5-large")) == "no header evidence yet (no fingerprint for this record or the parent)"


def test_a_checkpoint_off_the_hub_has_a_url_and_no_repo(tmp_path: Path) -> None:
    from lineagekb.website.pages import pages

    knowledge, problems = validate(REPO / "lineage")
    assert problems == [] and "[kl\\-f8\\.zip](https://ommer-lab.com/files/latent-diffusion/kl-f8.zip)" in pages(knowledge)["components/kl-f8.md"]
    marker = "    url: https://ommer-lab"
    stderr, line = validate_edited(tmp_path, "components/kl-f8.yaml", marker, "    repo: CompVis/kl-f8\n" + marker, marker)
    assert f"components/kl-f8.yaml:{line}: checkpoints[0].url: a checkpoint has either a Hub `repo`" in stderr, stderr


def test_the_fingerprints_index_tables_design_layout_and_checkpoints(knowledge: KnowledgeBase) -> None:
    from lineagekb.website.pages import pages

    page = pages(knowledge)["fingerprints/index.md"]
    row = next(
        line for line in page.splitlines() if line.startswith("| [Stable Diffusion XL base UNet (diffusers layout)") or "sdxl-base-unet-diffusers.md" in line
    )
    assert "| unet | diffusers | 5 |" in row and "(../releases/sdxl-1-0-base.md)" in row and "(../releases/sdxl-turbo.md)" in row
