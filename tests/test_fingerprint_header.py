"""Fingerprints picked from a safetensors header agree with the ones derived from configs, for every design; the
command reads a local file's header or a Hub file's by range request and cites the revision it read."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, run_tool
from fakehub.runner import environment
from fakehub.server import FakeHub, safetensors_header
from lineagekb.evidence.headers import header_fingerprint

FINGERPRINTS = REPO / "lineage" / "fingerprints"


def record(name: str) -> dict[str, Any]:
    return yaml.safe_load((FINGERPRINTS / f"{name}.yaml").read_text(encoding="utf-8"))


def unet_header(fingerprint: dict[str, list[int]], layout: str) -> dict[str, list[int]]:
    """A header with the fingerprint's tensors and the ones a real UNet has around them: later transformers with
    other widths, the middle block, the decoder's attention, the time embedding."""
    if layout == "original":
        prefix = "model.diffusion_model."
        others = {f"{prefix}input_blocks.{n}.1.transformer_blocks.0.attn2.to_k.weight": [1280, 7] for n in (7, 8, 11)} | {
            f"{prefix}middle_block.1.transformer_blocks.0.attn2.to_k.weight": [1280, 7],
            f"{prefix}output_blocks.2.1.transformer_blocks.0.attn2.to_k.weight": [1280, 7],
            f"{prefix}time_embed.0.weight": [1280, 320],
            "first_stage_model.encoder.conv_in.weight": [128, 3, 3, 3],
        }
    else:
        others = {f"down_blocks.{n}.attentions.0.transformer_blocks.0.attn2.to_k.weight": [1280, 7] for n in (2, 3)} | {
            "down_blocks.1.attentions.1.transformer_blocks.0.attn2.to_k.weight": [640, 7],
            "mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight": [1280, 7],
            "time_embedding.linear_1.weight": [1280, 320],
        }
    return {**others, **fingerprint}


@pytest.mark.parametrize("path", sorted(FINGERPRINTS.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_header_of_each_fingerprinted_architecture_gives_back_its_fingerprint(path: Path) -> None:
    fingerprint = yaml.safe_load(path.read_text(encoding="utf-8"))
    tensors = fingerprint["tensors"]
    if fingerprint["architecture"] == "unet":
        header = unet_header(tensors, fingerprint["layout"])
    elif fingerprint["architecture"].startswith("cascade-"):  # the other levels' downscalers and the blocks around them
        header = {**tensors, "down_downscalers.1.1.weight": [640, 320, 2, 2], "down_blocks.0.0.channelwise.0.weight": [1280, 320]}
    elif fingerprint["architecture"] == "autoencoder-kl":
        level = "encoder.down_blocks.0.resnets.0" if fingerprint["layout"] == "diffusers" else "encoder.down.0.block.0"
        header = {**tensors, f"{level}.conv1.weight": [128, 128, 3, 3], "decoder.mid.attn_1.q.weight": [512, 512, 1, 1]}
    else:  # FLUX.1: every double-stream block's projection, not only the last
        header = {**tensors, **{f"double_blocks.{n}.img_attn.qkv.weight": [9216, 3072] for n in range(0, 18)}, "single_blocks.37.linear1.weight": [21504, 3072]}
    assert header_fingerprint(header) == (fingerprint["architecture"], fingerprint["layout"], tensors)


def mmdit(depth: int, extra_attention: int = 0, prefix: str = "model.diffusion_model.") -> dict[str, list[int]]:
    """The header of an SD 3-style MMDiT of this depth (hidden size 64 per block), as the reference code builds it."""
    hidden = 64 * depth
    header = {
        f"{prefix}x_embedder.proj.weight": [hidden, 16, 2, 2],
        f"{prefix}pos_embed": [1, 36864, hidden],
        f"{prefix}context_embedder.weight": [hidden, 4096],
        f"{prefix}y_embedder.mlp.0.weight": [hidden, 2048],
        f"{prefix}final_layer.linear.weight": [64, hidden],
    }
    for block in range(depth):
        header[f"{prefix}joint_blocks.{block}.x_block.attn.qkv.weight"] = [3 * hidden, hidden]
        if block < extra_attention:
            header[f"{prefix}joint_blocks.{block}.x_block.attn2.qkv.weight"] = [3 * hidden, hidden]
    return header


def test_an_mmdit_header_gives_its_depth_and_its_extra_attention() -> None:
    architecture, layout, tensors = header_fingerprint(mmdit(38))
    assert (architecture, layout) == ("mmdit", "original")
    assert tensors["model.diffusion_model.joint_blocks.37.x_block.attn.qkv.weight"] == [7296, 2432]
    assert not any("joint_blocks.9." in name for name in tensors)  # block 9 sorts after 37 as text, not as a number
    architecture, _, tensors = header_fingerprint(mmdit(24, extra_attention=13))
    assert architecture == "mmdit-x" and "model.diffusion_model.joint_blocks.0.x_block.attn2.qkv.weight" in tensors
    with pytest.raises(ValueError, match="no recorded design"):
        header_fingerprint({"text_model.embeddings.token_embedding.weight": [49408, 768]})


def write_safetensors(path: Path, tensors: dict[str, list[int]]) -> Path:
    path.write_bytes(safetensors_header({name: {"dtype": "BF16", "shape": shape} for name, shape in tensors.items()}))
    return path


def test_the_command_reads_a_local_files_header(tmp_path: Path) -> None:
    result = run_tool("fingerprint", str(write_safetensors(tmp_path / "sd3.5_large.safetensors", mmdit(38))))
    assert result.returncode == 0, result.stderr
    printed = yaml.safe_load(result.stdout)
    assert printed["architecture"] == "mmdit" and len(printed["tensors"]) == 6
    clip = {"text_model.embeddings.token_embedding.weight": [49408, 768]}
    unknown = run_tool("fingerprint", str(write_safetensors(tmp_path / "clip.safetensors", clip)))
    assert unknown.returncode == 1 and unknown.stderr.count("\n") == 1 and "Traceback" not in unknown.stderr
    assert "clip.safetensors: cannot derive a fingerprint: no recorded design" in unknown.stderr


def test_the_command_reads_a_hub_files_header_by_range_request_and_cites_the_revision() -> None:
    repo, file = "stabilityai/stable-diffusion-3.5-large", "sd3.5_large.safetensors"
    header = {name: {"dtype": "BF16", "shape": shape} for name, shape in mmdit(38).items()}
    with FakeHub({repo: {"files": {file: {"size": 16_000_000_000}}, "headers": {file: header}}}) as hub, tempfile.TemporaryDirectory() as home:
        sha = hub.models[repo.lower()]["sha"]
        result = subprocess.run(
            [sys.executable, str(REPO / "tools" / "fingerprint.py"), "--hub", repo, file, "--timeout", "5"],
            env=environment(hub.url, home),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    printed = yaml.safe_load(result.stdout)
    assert printed["architecture"] == "mmdit"
    assert printed["derived"] == {"source": "hub-header", "command": f"python tools/fingerprint.py --hub {repo} {file} --revision {sha}"}
    assert printed["sources"]["hub-header"]["url"] == f"https://huggingface.co/{repo}/blob/{sha}/{file}"
    # the header only: ranges within the first 100 kB of a 16 GB file
    assert hub.ranges and all(re.fullmatch(r"bytes=\d+-\d+", r) and int(r.split("-")[1]) <= 100_000 for _, r in hub.ranges)
