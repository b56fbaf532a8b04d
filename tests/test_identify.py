"""`tools/identify.py` on synthetic checkpoints: headers built to each family's shapes, data regions left sparse so a
multi-gigabyte file costs no disk, and every kind of bad input."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO, run_tool

GB = 1 << 30
ORIGINAL = "model.diffusion_model."


def write_safetensors(path: Path, tensors: dict[str, tuple[str, list[int]]], size: int = 0) -> Path:
    """A safetensors file with these tensors in its header; the data region is sparse (zeros, no disk) up to `size`."""
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        count = 1
        for n in shape:
            count *= n
        nbytes = count * (2 if dtype in ("F16", "BF16") else 4)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    raw = json.dumps(header).encode()
    with path.open("wb") as stream:
        stream.write(len(raw).to_bytes(8, "little"))
        stream.write(raw)
        stream.truncate(max(size, 8 + len(raw) + offset))
    return path


def unet(context: int, in_channels: int = 4, prefix: str = ORIGINAL, dtype: str = "F16", ema: bool = False) -> dict[str, tuple[str, list[int]]]:
    """The tensors that tell UNet checkpoints apart, in the original (ldm) or diffusers layout."""
    if prefix == ORIGINAL:
        tensors = {
            f"{prefix}input_blocks.0.0.weight": (dtype, [320, in_channels, 3, 3]),
            f"{prefix}input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight": (dtype, [320, context]),
            f"{prefix}out.2.weight": (dtype, [4, 320, 3, 3]),
        }
    else:
        tensors = {
            "conv_in.weight": (dtype, [320, in_channels, 3, 3]),
            "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight": (dtype, [320, context]),
            "conv_out.weight": (dtype, [4, 320, 3, 3]),
        }
    if ema:
        tensors["model_ema.diffusion_modelinput_blocks00weight"] = (dtype, [320, in_channels, 3, 3])
    return tensors


def identify(*files: Path, root: Path | None = None) -> tuple[int, list[dict]]:
    args = [str(f) for f in files] + ["--json"] + (["--root", str(root)] if root else [])
    result = run_tool("identify", *args, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout) if result.stdout.strip() else []


def test_help_has_examples() -> None:
    result = run_tool("identify", "--help")
    assert result.returncode == 0 and "Example:" in result.stdout


@pytest.mark.parametrize(
    ("tensors", "architecture", "some", "none_of"),
    [
        (unet(768), "unet-ctx768-extra0", {"sd-v1-5", "sd-v1-4", "sd-v1-1"}, {"sd-v2-1", "sd-v1-5-inpainting"}),
        (unet(768, 9), "unet-ctx768-extra5", {"sd-v1-5-inpainting"}, {"sd-v1-5"}),
        (unet(1024), "unet-ctx1024-extra0", {"sd-v2-1", "sd-v2-0-base", "sd-turbo"}, {"sd-v1-5", "sd-v2-0-inpainting"}),
        (unet(1024, 9), "unet-ctx1024-extra5", {"sd-v2-0-inpainting"}, {"sd-v2-1"}),
        (unet(1024, 5), "unet-ctx1024-extra1", {"sd-v2-0-depth"}, {"sd-v2-1"}),
        (unet(2048, prefix="diffusers"), "unet-ctx2048-extra0", {"sdxl-1-0-base", "sdxl-turbo"}, {"sdxl-1-0-refiner", "sd-v1-5"}),
        (unet(1280, prefix="diffusers"), "unet-ctx1280-extra0", {"sdxl-1-0-refiner", "sdxl-0-9-refiner"}, {"sdxl-1-0-base"}),
        ({"double_blocks.0.img_attn.qkv.weight": ("BF16", [9216, 3072])}, "flux-transformer", {"flux-1-dev", "flux-1-schnell"}, {"sd-3-medium"}),
        ({"model.diffusion_model.joint_blocks.0.x_block.attn.qkv.weight": ("F16", [4608, 1536])}, "mmdit", {"sd-3-medium"}, {"flux-1-dev"}),
    ],
)
def test_architecture_from_the_header(tmp_path: Path, tensors: dict, architecture: str, some: set, none_of: set) -> None:
    code, [found] = identify(write_safetensors(tmp_path / "model.safetensors", tensors))
    assert code == 0
    assert found["architecture"]["id"] == architecture
    assert some <= set(found["architecture"]["releases"]) and not none_of & set(found["architecture"]["releases"])
    assert found["match"] is None and found["layout"] in ("original", "diffusers", None)


def test_a_sparse_file_reports_size_hash_layout_dtype_and_ema(tmp_path: Path) -> None:
    path = write_safetensors(tmp_path / "big.safetensors", unet(768, dtype="F32", ema=True), size=GB // 4)
    code, [found] = identify(path)
    assert code == 0
    assert found["size_bytes"] == GB // 4
    assert found["layout"] == "original" and found["dtype"] == "F32"
    assert any("EMA" in note for note in found["notes"])
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 24):
            digest.update(chunk)
    assert found["sha256"] == digest.hexdigest() and found["autov2"] == digest.hexdigest()[:10]


def test_a_recorded_hash_names_the_record_and_checkpoint(tmp_path: Path) -> None:
    path = write_safetensors(tmp_path / "renamed.safetensors", unet(768))
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    lineage = tmp_path / "lineage"
    shutil.copytree(REPO / "lineage", lineage)
    record = lineage / "releases" / "sd-v1-5.yaml"
    text = record.read_text(encoding="utf-8")
    old = next(line.split("sha256:")[1].strip() for line in text.splitlines() if "sha256:" in line)
    record.write_text(text.replace(old, sha256, 1), encoding="utf-8")
    code, [found] = identify(path, root=lineage)
    assert code == 0
    assert found["match"]["record"] == "sd-v1-5" and found["match"]["checkpoint"].endswith((".ckpt", ".safetensors"))


def test_a_ckpt_is_only_hashed_never_unpickled(tmp_path: Path) -> None:
    path = tmp_path / "model.ckpt"
    path.write_bytes(b"\x80\x04cos\nsystem\n(S'touch pwned'\ntR.")  # a pickle that would run a command if loaded
    code, [found] = identify(path)
    assert code == 1 and found["sha256"] and found["architecture"] is None
    assert any("pickle" in note for note in found["notes"])
    assert not (tmp_path / "pwned").exists()


def test_bad_inputs_get_one_clear_line_each(tmp_path: Path) -> None:
    short = tmp_path / "short.safetensors"
    short.write_bytes(b"\x01\x02")
    absurd = tmp_path / "absurd.safetensors"
    absurd.write_bytes((1 << 40).to_bytes(8, "little") + b"{}")
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes((500).to_bytes(8, "little") + b'{"a": ')
    not_object = tmp_path / "list.safetensors"
    not_object.write_bytes((2).to_bytes(8, "little") + b"[]")
    not_json = tmp_path / "garbage.safetensors"
    not_json.write_bytes((3).to_bytes(8, "little") + b"\xff\xfe{")
    dangling = tmp_path / "gone.safetensors"
    dangling.symlink_to(tmp_path / "nowhere")
    folder = tmp_path / "folder"
    folder.mkdir()
    code, found = identify(short, absurd, truncated, not_object, not_json, dangling, folder)
    assert code == 1
    notes = {Path(f["file"]).name: " ".join(f["notes"]) for f in found}
    assert "shorter than the 8-byte header length" in notes["short.safetensors"]
    assert "absurd" in notes["absurd.safetensors"]
    assert "truncated" in notes["truncated.safetensors"]
    assert "not an object" in notes["list.safetensors"]
    assert "not JSON" in notes["garbage.safetensors"]
    assert "cannot read" in notes["gone.safetensors"]
    assert "folder" in notes["folder"]
    text = run_tool("identify", str(short), str(folder))
    assert text.returncode == 1 and "Traceback" not in text.stderr
    assert "note: not a readable safetensors file: truncated" in text.stdout


def test_usage_error_exits_2() -> None:
    assert run_tool("identify").returncode == 2


def test_every_fingerprint_names_its_releases(tmp_path: Path) -> None:
    """A header with a fingerprint's tensors is named by that fingerprint, and lists the releases pointing to it."""
    import yaml

    fingerprints = sorted((REPO / "lineage" / "fingerprints").glob("*.yaml"))
    files = []
    for path in fingerprints:
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        tensors = {name: ("F16", shape) for name, shape in record["tensors"].items()}
        if record["architecture"] == "autoencoder-kl":  # the six tensors are named alike: the encoder's levels tell the layout
            level = "encoder.down_blocks.0.resnets.0" if record["layout"] == "diffusers" else "encoder.down.0.block.0"
            tensors[f"{level}.conv1.weight"] = ("F16", [128, 128, 3, 3])
        files.append(write_safetensors(tmp_path / f"{path.stem}.safetensors", tensors))
    code, found = identify(*files)
    assert code == 0
    for path, result in zip(fingerprints, found, strict=True):
        assert result["architecture"]["id"] == path.stem, result
        assert path.stem in result["fingerprints"] and result["architecture"]["releases"]
    named = {Path(f["file"]).stem: f["architecture"]["releases"] for f in found}
    assert named["flux-1-dev-transformer"] == ["flux-1-dev"] and named["flux-1-schnell-transformer"] == ["flux-1-schnell"]
    assert named["sd-2-inpainting-unet"] == ["sd-v2-0-inpainting"]
    assert named["kl-f8-autoencoder-diffusers"] == named["kl-f8-autoencoder"] == ["kl-f8", "sd-vae-ft-ema", "sd-vae-ft-mse", "sdxl-vae"]
    assert named["flux-1-autoencoder"] == ["flux-vae"] and named["stable-cascade-stage-c-lite-network"] == ["stable-cascade-stage-c"]


def test_every_recorded_safetensors_checkpoint_is_recognised_by_its_architecture(tmp_path: Path) -> None:
    """A header of each recorded safetensors checkpoint's architecture names a design and the checkpoint's record:
    through the fingerprint the checkpoint points to, else through the design its release records (SD 3.x)."""
    import yaml
    from test_fingerprint_header import mmdit

    from lineagekb.records import model
    from lineagekb.validate import validate

    knowledge, _ = validate(REPO / "lineage")
    files, owners = [], []
    for record in knowledge.of_kind(model.Lineage):
        for index, checkpoint in enumerate(c for c in record.checkpoints if c.file.endswith(".safetensors")):
            if checkpoint.fingerprint:
                fingerprint = yaml.safe_load((REPO / "lineage" / "fingerprints" / f"{checkpoint.fingerprint}.yaml").read_text(encoding="utf-8"))
                tensors = {name: ("BF16", shape) for name, shape in fingerprint["tensors"].items()}
                if fingerprint["architecture"] == "autoencoder-kl":
                    tensors["encoder.down.0.block.0.conv1.weight"] = ("BF16", [128, 128, 3, 3])
            else:
                assert isinstance(record, model.Release) and record.architecture, (record.id, checkpoint.file)
                design = record.architecture.value.value
                tensors = {name: ("BF16", shape) for name, shape in mmdit(24, extra_attention=13 if design == "mmdit-x" else 0).items()}
            files.append(write_safetensors(tmp_path / f"{record.id}-{index}.safetensors", tensors))
            owners.append(record.id)
    assert len(files) >= 40
    code, found = identify(*files)
    assert code == 0
    for owner, result in zip(owners, found, strict=True):
        assert result["architecture"] and owner in result["architecture"]["releases"], (owner, result["architecture"])


def test_a_design_named_only_by_its_own_code_gets_its_fingerprints_layout(tmp_path: Path) -> None:
    import yaml

    tensors = yaml.safe_load((REPO / "lineage" / "fingerprints" / "stable-cascade-stage-b-lite-network.yaml").read_text(encoding="utf-8"))["tensors"]
    code, [found] = identify(write_safetensors(tmp_path / "stage_b_lite.safetensors", {n: ("BF16", s) for n, s in tensors.items()}))
    assert code == 0 and found["layout"] == "original" and found["architecture"]["releases"] == ["stable-cascade-stage-b"]
