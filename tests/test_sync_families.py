"""The Hub sync on the newer families (SDXL, Turbo, SD 3/3.5, Stable Cascade, FLUX.1): flow-matching schedulers and
their shift, transformer sample sizes, up to three text encoders, gated repositories with and without a token."""

from __future__ import annotations

import json
from typing import Any

from test_sync import golden

from fakehub.runner import FAST, run_sync
from fakehub.server import scenario

RECORDS = [
    "flux-1-dev",
    "flux-1-schnell",
    "openclip-vit-bigg-14",
    "sd-3-5-large",
    "sd-3-5-large-turbo",
    "sd-3-5-medium",
    "sd-3-medium",
    "sd-turbo",
    "sdxl-0-9-base",
    "sdxl-0-9-refiner",
    "sdxl-1-0-base",
    "sdxl-1-0-inpainting-0-1",
    "sdxl-1-0-refiner",
    "sdxl-turbo",
    "sdxl-vae",
    "stable-cascade-stage-b",
    "stable-cascade-stage-c",
    "t5-v1-1-xxl",
]
"""The new records with a Hub repository (flux-1-pro is API-only; the SD 3 and FLUX autoencoders and Stage A have none)."""
PIPELINES = {
    "black-forest-labs/FLUX.1-dev",
    "black-forest-labs/FLUX.1-schnell",
    "diffusers/stable-diffusion-xl-1.0-inpainting-0.1",
    "stabilityai/sd-turbo",
    "stabilityai/sdxl-turbo",
    "stabilityai/stable-cascade",
    "stabilityai/stable-cascade-prior",
    "stabilityai/stable-diffusion-3-medium-diffusers",
    "stabilityai/stable-diffusion-3.5-large",
    "stabilityai/stable-diffusion-3.5-large-turbo",
    "stabilityai/stable-diffusion-3.5-medium",
    "stabilityai/stable-diffusion-xl-base-0.9",
    "stabilityai/stable-diffusion-xl-base-1.0",
    "stabilityai/stable-diffusion-xl-refiner-0.9",
    "stabilityai/stable-diffusion-xl-refiner-1.0",
}
"""The repositories in the diffusers layout, whose configs are read."""
REPOS = PIPELINES | {
    "stabilityai/stable-diffusion-3-medium",
    "stabilityai/sdxl-vae",
    "laion/CLIP-ViT-bigG-14-laion2B-39B-b160k",
    "google/t5-v1_1-xxl",
}
GATED = ["sd-3-medium", "sd-3-5-large", "flux-1-dev"]
GATED_PIPELINES = {"stabilityai/stable-diffusion-3-medium-diffusers", "stabilityai/stable-diffusion-3.5-large", "black-forest-labs/FLUX.1-dev"}


def drift(output: dict[str, Any]) -> set[tuple[str, str, str, Any, Any]]:
    return {(f["record"], f["kind"], f["field"], f["record_value"], f["hub_value"]) for f in output["findings"] if f["severity"] == "drift"}


def configs_read(path: str) -> str:
    """`owner/name/file` of a `/owner/name/resolve/<revision>/file` request."""
    repo, rest = path.split("/resolve/", 1)
    return f"{repo.lstrip('/')}/{rest.split('/', 1)[1]}"


def test_untouched_hub_is_in_sync_for_every_new_repo() -> None:
    result, fake = run_sync(None, "--json", *RECORDS, *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    output = json.loads(result.stdout)
    assert drift(output) == set() and output["unchecked"] == []
    assert set(output["checked"]) == REPOS
    # what the records leave out is information only: revisions, sizes, the refiners' and SD 3.5 Medium's resolution,
    # and the files whose headers show a design no fingerprint of this snapshot records
    assert {f["kind"] for f in output["findings"]} == {"revision", "file-changed", "resolution", "prediction-type", "unfingerprinted"}
    designs = {(f["record"], f["hub_value"]) for f in output["findings"] if f["kind"] == "unfingerprinted"}
    assert {("sd-3-5-large", "mmdit"), ("sd-3-5-medium", "mmdit-x"), ("stable-cascade-stage-c", "cascade-prior"), ("sdxl-vae", "autoencoder-kl")} <= designs
    read = {configs_read(path) for _, path in fake.requests if "/resolve/" in path}
    assert {f"{repo}/model_index.json" for repo in PIPELINES} <= read
    for repo in ("stabilityai/stable-diffusion-3-medium-diffusers", "stabilityai/stable-diffusion-3.5-large", "stabilityai/stable-diffusion-3.5-medium"):
        assert {f"{repo}/text_encoder_3/config.json", f"{repo}/transformer/config.json", f"{repo}/scheduler/scheduler_config.json"} <= read
    assert "black-forest-labs/FLUX.1-dev/text_encoder_2/config.json" in read
    assert "stabilityai/stable-diffusion-xl-refiner-1.0/text_encoder_2/config.json" in read
    # SD 3 Medium's own repository holds the original-layout files only: its configs come from the -diffusers one, and
    # only its checkpoint's header is read there
    own = "stabilityai/stable-diffusion-3-medium/"
    assert {path for path in read if path.startswith(own)} == {f"{own}sd3_medium.safetensors"}


def test_each_new_check_finds_injected_drift() -> None:
    result, _ = run_sync(scenario("families"), "--json", *RECORDS, *FAST)
    assert result.returncode == 1, result.stderr
    output = json.loads(result.stdout)
    golden("families", output)
    assert drift(output) == {
        # a flow-matching scheduler means prediction type `flow`, and another scheduler on a flow model is drift
        ("sdxl-1-0-base", "prediction-type", "prediction_type.value", "epsilon", "flow"),
        ("sd-3-medium", "prediction-type", "prediction_type.value", "flow", "v_prediction"),
        ("sd-3-5-large", "shift", "inference.shift", 3.0, 1.0),
        ("sd-3-5-large-turbo", "resolution", "resolution.value", 1024, 512),
        ("sd-3-5-medium", "text-encoder", "text_encoders[2].id", 4096, 2048),
        # the refiner's pipeline has no first encoder: the record's only encoder is text_encoder_2
        ("sdxl-1-0-refiner", "text-encoder", "text_encoders[0].id", 1280, 1024),
        ("flux-1-schnell", "text-encoder", "text_encoders[1].id", "t5-v1-1-xxl", None),
        ("flux-1-dev", "text-encoder", "text_encoders[1].id", "t5-v1-1-xxl", None),
        ("sdxl-turbo", "gated", "hub.status", "live", "gated"),
        ("stable-cascade-stage-b", "file-missing", "checkpoints[5].file", "decoder_lite", None),
    }
    assert output["unchecked"] == []


def test_gated_repos_without_a_token_are_unchecked_not_compared() -> None:
    result, _ = run_sync(scenario("families"), "--json", *GATED, *FAST, token=None)
    assert result.returncode == 3, result.stdout + result.stderr
    output = json.loads(result.stdout)
    # SD 3 Medium's own repo is gated too: the header of its single-file checkpoint cannot be read either
    assert {u["repo"] for u in output["unchecked"]} == GATED_PIPELINES | {"stabilityai/stable-diffusion-3-medium"}
    assert all("gated: HTTP 401" in u["reason"] and "HF_TOKEN" in u["reason"] for u in output["unchecked"])
    # the model info is public: the gating itself is still compared, and agrees with the records
    assert drift(output) == set()


def test_gated_repos_with_a_token_are_checked_like_any_other() -> None:
    result, _ = run_sync(scenario("families"), "--json", *GATED, *FAST)
    assert result.returncode == 1, result.stderr
    output = json.loads(result.stdout)
    assert output["unchecked"] == [] and GATED_PIPELINES <= set(output["checked"])
    assert {(f[0], f[1]) for f in drift(output)} == {("sd-3-medium", "prediction-type"), ("sd-3-5-large", "shift"), ("flux-1-dev", "text-encoder")}


def test_a_record_that_says_live_while_the_hub_says_gated_is_drift() -> None:
    result, _ = run_sync({"stabilityai/stable-diffusion-xl-base-1.0": {"gated": "manual"}}, "--format", "github", "sdxl-1-0-base", *FAST)
    assert result.returncode == 1, result.stderr
    assert [line for line in result.stdout.splitlines() if line.startswith("::error")] == [
        "::error file=lineage/releases/sdxl-1-0-base.yaml,line=21,title=hub sync%3A gated::hub.status: the record says live "
        "(source: hub-tree); stabilityai/stable-diffusion-xl-base-1.0 on the Hub says gated"
    ]


def test_json_findings_carry_their_place_and_how_the_hub_value_was_found() -> None:
    result, _ = run_sync(scenario("families"), "--json", *RECORDS, *FAST)
    findings = {(f["record"], f["field"]): f for f in json.loads(result.stdout)["findings"]}
    turbo = findings[("sd-3-5-large-turbo", "resolution.value")]
    assert turbo["hub_value"] == 512 and turbo["detail"] == "transformer sample_size 64 x 8"
    assert turbo["path"] == "lineage/releases/sd-3-5-large-turbo.yaml" and turbo["line"] > 1 and turbo["source"]
    dev = findings[("flux-1-dev", "text_encoders[1].id")]
    assert dev["hub_value"] is None and dev["detail"] == "no text encoder #2; the pipeline has: text_encoder"
    text, _ = run_sync(scenario("families"), *RECORDS, *FAST)
    assert "512 (transformer sample_size 64 x 8)" in text.stdout


def test_a_checkpoint_header_that_no_longer_fits_its_fingerprint_is_drift() -> None:
    """The sync reads each fingerprinted safetensors header by range request and compares the distinctive tensors."""
    changed = {
        "model.diffusion_model.input_blocks.0.0.weight": {"dtype": "F16", "shape": [320, 9, 3, 3]},
        "model.diffusion_model.out.2.weight": {"dtype": "F16", "shape": [4, 320, 3, 3]},
    }
    result, fake = run_sync({"stabilityai/sdxl-turbo": {"headers": {"sd_xl_turbo_1.0_fp16.safetensors": changed}}}, "--json", "sdxl-turbo", *FAST)
    assert result.returncode == 1, result.stderr
    [finding] = [f for f in json.loads(result.stdout)["findings"] if f["kind"] == "header-changed"]
    assert finding["field"].endswith(".fingerprint") and finding["record_value"] == "sdxl-base-unet" and finding["hub_value"] is None
    assert finding["detail"] == "model.diffusion_model.input_blocks.0.0.weight: [320, 4, 3, 3] in sdxl-base-unet, [320, 9, 3, 3] in the header"
    assert {path.rsplit("/", 1)[1] for path, _ in fake.ranges} == {"sd_xl_turbo_1.0.safetensors", "sd_xl_turbo_1.0_fp16.safetensors"}


def test_a_diffusers_folder_with_a_fingerprint_has_its_weights_header_read() -> None:
    """A diffusers folder names no model; its single weights file's header is read and compared like a file's."""
    repo = "diffusers/stable-diffusion-xl-1.0-inpainting-0.1"
    quiet, fake = run_sync(None, "--json", "sdxl-1-0-inpainting-0-1", *FAST)
    assert [f for f in json.loads(quiet.stdout)["findings"] if f["kind"] == "header-changed"] == [], quiet.stdout
    assert [path.rsplit("/", 2)[1:] for path, _ in fake.ranges] == [["unet", "diffusion_pytorch_model.safetensors"]]
    base = {"conv_in.weight": {"dtype": "F32", "shape": [320, 4, 3, 3]}, "conv_out.weight": {"dtype": "F32", "shape": [4, 320, 3, 3]}}
    result, _ = run_sync({repo: {"headers": {"unet/diffusion_pytorch_model.safetensors": base}}}, "--json", "sdxl-1-0-inpainting-0-1", *FAST)
    [finding] = [f for f in json.loads(result.stdout)["findings"] if f["kind"] == "header-changed"]
    assert finding["detail"] == "conv_in.weight: [320, 9, 3, 3] in sdxl-inpainting-unet-diffusers, [320, 4, 3, 3] in the header"


def test_a_fingerprinted_diffusers_folder_without_a_single_weights_file_is_reported_unchecked() -> None:
    repo = "diffusers/stable-diffusion-xl-1.0-inpainting-0.1"
    sharded = {"unet/diffusion_pytorch_model.safetensors": None, "unet/diffusion_pytorch_model-00001-of-00002.safetensors": {"size": 10}}
    result, fake = run_sync({repo: {"files": sharded}}, "--json", "sdxl-1-0-inpainting-0-1", *FAST)
    output = json.loads(result.stdout)
    assert fake.ranges == [] and [f for f in output["findings"] if f["kind"] == "header-changed"] == []
    assert any("no single diffusion_pytorch_model.safetensors in the folder" in u["reason"] for u in output["unchecked"]), output["unchecked"]


def test_a_header_of_a_design_no_fingerprint_records_gets_the_command_that_derives_one() -> None:
    result, fake = run_sync(None, "--json", "sd-3-5-large", *FAST)
    output = json.loads(result.stdout)
    [finding] = [f for f in output["findings"] if f["kind"] == "unfingerprinted"]
    sha = next(info for repo, info in fake.models.items() if repo == "stabilityai/stable-diffusion-3.5-large")["sha"]
    assert finding["severity"] == "info" and finding["field"] == "checkpoints[0].fingerprint" and finding["hub_value"] == "mmdit"
    assert finding["detail"] == (
        "mmdit, original layout, 6 distinctive tensors; derive: "
        f"python tools/fingerprint.py --hub stabilityai/stable-diffusion-3.5-large sd3.5_large.safetensors --revision {sha}"
    )
    # information, not a value --write can fill: the records stay as they are
    assert result.returncode == 0, result.stdout + result.stderr
