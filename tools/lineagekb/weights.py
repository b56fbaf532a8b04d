"""What a local checkpoint file is, read without loading it: its SHA-256 and AutoV2 hash, and the header of a
safetensors file (an 8-byte little-endian length, then a JSON object naming every tensor's dtype and shape). Nothing
here unpickles a `.ckpt` or reads the tensors' data."""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import model
from .load import KnowledgeBase
from .markdown import folder

MAX_HEADER_BYTES = 100_000_000
"""The safetensors format's own limit on the JSON header."""
CHUNK = 1 << 20

# Where the denoiser's first and last convolutions and first cross-attention key projection sit, per checkpoint
# layout: the first gives the input channels (the latent's, more for inpainting, depth and upscaling), the last the
# latent channels it predicts, the third the width of the text conditioning the denoiser attends to.
LAYOUTS: dict[str, tuple[str, str, str, str]] = {
    "original": (
        "model.diffusion_model.",
        "model.diffusion_model.input_blocks.0.0.weight",
        "model.diffusion_model.out.2.weight",
        r"^model\.diffusion_model\.input_blocks\.\d+\.1\.transformer_blocks\.0\.attn2\.to_k\.weight$",
    ),
    "diffusers": (
        "down_blocks.",
        "conv_in.weight",
        "conv_out.weight",
        r"^down_blocks\.\d+\.attentions\.0\.transformer_blocks\.0\.attn2\.to_k\.weight$",
    ),
}
DESIGN_KEYS: dict[str, str] = {
    r"^(model\.diffusion_model\.)?joint_blocks\.\d+\.x_block\.attn2\.": "mmdit-x",
    r"^(model\.diffusion_model\.)?joint_blocks\.": "mmdit",
    r"^(model\.diffusion_model\.)?double_blocks\.": "flux-transformer",
    r"^clip_txt_pooled_mapper\.": "cascade-prior",
    r"^effnet_mapper\.": "cascade-decoder",
}
"""Tensor-name patterns (JavaScript-compatible regular expressions) that only one denoiser design has, first match
wins: SD 3.5 Medium's extra self-attention, SD 3's joint blocks, FLUX.1's double-stream blocks, Stable Cascade's
pooled-text mapper (Stage C) and EfficientNet-latent mapper (Stage B)."""


class HeaderError(Exception):
    """The file is not a readable safetensors file; the message says why, in one line."""


@dataclass(frozen=True)
class Tensor:
    dtype: str
    shape: tuple[int, ...]


@dataclass
class Header:
    """The tensors a safetensors header lists, and its free-form metadata."""

    tensors: dict[str, Tensor]
    metadata: dict[str, str] = field(default_factory=dict)


def file_hashes(path: Path, progress: Callable[[int], None] | None = None) -> tuple[str, str]:
    """The SHA-256 of a file, read in 1 MiB chunks, and its AutoV2 hash (the first 10 hex digits, as A1111-style UIs
    and Civitai show it). `progress` is called with the bytes read so far."""
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(done)
    sha256 = digest.hexdigest()
    return sha256, sha256[:10]


def read_header(path: Path) -> Header:
    """The header of a safetensors file, reading no more than the header however large the file or its claims."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        prefix = stream.read(8)
        if len(prefix) < 8:
            raise HeaderError(f"truncated: {len(prefix)} bytes, shorter than the 8-byte header length of a safetensors file")
        length = int.from_bytes(prefix, "little")
        if length > MAX_HEADER_BYTES:
            raise HeaderError(f"the header length {length:,} is absurd (the format allows at most {MAX_HEADER_BYTES:,} bytes)")
        if 8 + length > size:
            raise HeaderError(f"truncated: the header claims {length:,} bytes but the file has {size - 8:,} after the length")
        raw = stream.read(length)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HeaderError(f"the header is not JSON ({error.__class__.__name__}: {str(error)[:80]})") from None
    if not isinstance(data, dict):
        raise HeaderError(f"the header is JSON but not an object (got {type(data).__name__})")
    return parse_header(data)


def parse_header(data: dict[str, Any]) -> Header:
    """Tensors and metadata from a decoded header object; anything malformed is a HeaderError naming the tensor."""
    metadata = data.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict):
        raise HeaderError("__metadata__ is not an object")
    tensors = {}
    for name, entry in data.items():
        shape = entry.get("shape") if isinstance(entry, dict) else None
        dtype = entry.get("dtype") if isinstance(entry, dict) else None
        if not isinstance(dtype, str) or not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
            raise HeaderError(f"tensor {name[:80]!r} has no valid dtype and shape")
        tensors[name] = Tensor(dtype, tuple(shape))
    return Header(tensors, {str(k): str(v) for k, v in metadata.items()})


@dataclass(frozen=True)
class Reading:
    """What a header shows of a denoiser checkpoint."""

    layout: str | None
    """`original` (the training code's key names), `diffusers`, or None when neither is recognised."""
    dtype: str | None
    """The dtype most tensors have."""
    ema: bool
    """Whether a second, exponential-moving-average copy of the weights is present (`model_ema.` keys)."""
    in_channels: int | None
    """Input channels of the first convolution: the latent's, more when an image, mask or depth map is concatenated."""
    out_channels: int | None
    """Output channels of the last convolution: the latent channels the denoiser predicts."""
    context_width: int | None
    """Width of the text conditioning the cross-attention reads."""
    design: str | None
    """The denoiser design, for the designs whose keys give it away (`DESIGN_KEYS`)."""


def read_denoiser(header: Header) -> Reading:
    """The layout, dtype, EMA copy, input channels and conditioning width a header shows."""
    names = header.tensors
    dtypes = Counter(t.dtype for t in names.values())
    ema = any(name.startswith("model_ema.") for name in names)
    design = next((found for pattern, found in DESIGN_KEYS.items() if any(re.match(pattern, n) for n in names)), None)
    dtype = dtypes.most_common(1)[0][0] if dtypes else None
    for layout, (prefix, conv_in, conv_out, attention) in LAYOUTS.items():
        if conv_in in names or (design is None and any(n.startswith(prefix) for n in names)):
            first, last = names.get(conv_in), names.get(conv_out)
            key = next((n for n in sorted(names) if re.match(attention, n)), None)
            return Reading(
                layout=layout,
                dtype=dtype,
                ema=ema,
                in_channels=first.shape[1] if first and len(first.shape) == 4 else None,
                out_channels=last.shape[0] if last and len(last.shape) == 4 else None,
                context_width=names[key].shape[1] if key and len(names[key].shape) == 2 else None,
                design=design,
            )
    original = any(n.startswith("model.diffusion_model.") for n in names)
    return Reading("original" if original else autoencoder_layout(names), dtype, ema, None, None, None, design)


AUTOENCODER_KEYS = ("encoder.conv_in.weight", "encoder.conv_out.weight", "decoder.conv_in.weight", "decoder.conv_out.weight")
"""Tensors every standalone KL autoencoder file has, under the same names in LDM's, diffusers' and FLUX.1's code."""


def autoencoder_layout(names: dict[str, Any]) -> str | None:
    """The layout of a standalone autoencoder file: diffusers calls the encoder's levels `down_blocks`, LDM `down`."""
    if not all(key in names for key in AUTOENCODER_KEYS):
        return None
    return "diffusers" if any(n.startswith("encoder.down_blocks.") for n in names) else "original"


EXTRA_INPUT_CHANNELS = {"inpainting": 5, "depth-to-image": 1, "upscaling": 3}
"""Channels a task concatenates to the latent at the denoiser's input: the masked image's latent (4) and the mask (1)
for inpainting, a depth map (1), the low-resolution RGB image (3) for the x4 upscaler."""


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


ORIGINAL_UNET = "model.diffusion_model."


@dataclass(frozen=True)
class UnetNames:
    """Where a layout keeps the UNet tensors a fingerprint names."""

    conv_in: str
    conv_out: str
    attention: str
    """The first transformer of down level `{level}` (in the original layout, input block `{index}`, which counts the
    residual blocks of the levels before)."""
    vector_embedding: str
    class_embedding: str

    @property
    def attention_blocks(self) -> tuple[str, str]:
        """What comes before and after the block number in the name of a down block's first cross-attention key."""
        before, after = self.attention.split("{", 1)[0], self.attention.split("}", 1)[1]
        return before, f"{after}.transformer_blocks.0.attn2.to_k.weight"


def unet_names(layout: str, sgm: bool) -> UnetNames:
    """Tensor names in the original layout, or in the diffusers layout as diffusers' conversion of an LDM/SGM
    checkpoint names them: an SGM model's vector input (SDXL's pooled text and sizes) becomes `add_embedding`, an LDM
    model's (the unCLIP image embedding) `class_embedding`."""
    if layout == "original":
        return UnetNames(
            f"{ORIGINAL_UNET}input_blocks.0.0.weight",
            f"{ORIGINAL_UNET}out.2.weight",
            ORIGINAL_UNET + "input_blocks.{index}.1",
            f"{ORIGINAL_UNET}label_emb.0.0.weight",
            f"{ORIGINAL_UNET}label_emb.weight",
        )
    if layout == "diffusers":
        vector = "add_embedding" if sgm else "class_embedding"
        return UnetNames("conv_in.weight", "conv_out.weight", "down_blocks.{level}.attentions.0", f"{vector}.linear_1.weight", "class_embedding.weight")
    raise ValueError(f"unknown layout {layout!r} (expected original or diffusers)")


def unet_config(config: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The UNet's `params` in an LDM (`model.params.unet_config`) or SGM (`model.params.network_config`) config, and
    whether it is an SGM config."""
    params = config.get("model", {}).get("params", {})
    sgm = "network_config" in params
    unet = params.get("network_config") if sgm else params.get("unet_config")
    if not isinstance(unet, dict) or not isinstance(unet.get("params"), dict):
        raise ValueError("no model.params.unet_config or network_config with params (expected an LDM or SGM inference config)")
    return dict(unet["params"]), sgm


def unet_fingerprint(params: dict[str, Any], layout: str = "original", sgm: bool = False) -> dict[str, list[int]]:
    """The distinctive tensors of an LDM/SGM `UNetModel` and their shapes, from its params: the first convolution
    `conv_nd(dims, in_channels, model_channels, 3)`, the last `conv_nd(dims, model_channels, out_channels, 3)`, the
    first cross-attention's `to_k = Linear(context_dim, inner_dim)` and the transformer's `proj_in` (a Linear with
    `use_linear_in_transformer`, else a 1x1 convolution), and `label_emb` when the model takes a vector
    (`adm_in_channels`) or a class. Named as `layout` names them."""
    names = unet_names(layout, sgm)
    channels = int(params["model_channels"])
    levels = list(params.get("channel_mult", [1, 2, 4, 4]))
    blocks = int(params["num_res_blocks"])
    depth = params.get("transformer_depth", 1)
    depths = depth if isinstance(depth, list) else [depth] * len(levels)
    attention = set(params.get("attention_resolutions", []))
    tensors = {
        names.conv_in: [channels, int(params["in_channels"]), 3, 3],
        names.conv_out: [int(params["out_channels"]), channels, 3, 3],
    }
    context = params.get("context_dim")
    for level, mult in enumerate(levels):
        if 2**level in attention and depths[level] > 0 and context:
            width = channels * int(mult)
            block = names.attention.format(level=level, index=1 + level * (blocks + 1))
            # the SDXL refiner gives one context width per level
            tensors[f"{block}.transformer_blocks.0.attn2.to_k.weight"] = [width, int(context[level] if isinstance(context, list) else context)]
            tensors[f"{block}.proj_in.weight"] = [width, width] if params.get("use_linear_in_transformer") else [width, width, 1, 1]
            break
    classes = params.get("num_classes")
    if classes == "sequential" and params.get("adm_in_channels"):
        tensors[names.vector_embedding] = [channels * 4, int(params["adm_in_channels"])]
    elif isinstance(classes, int):
        tensors[names.class_embedding] = [classes, channels * 4]
    return tensors


def autoencoder_params(config: dict[str, Any]) -> dict[str, Any] | None:
    """The `params` of an LDM `AutoencoderKL` config (`model.target` names the class), or None for another model."""
    found = config.get("model", {})
    if not isinstance(found, dict) or not str(found.get("target", "")).endswith(".AutoencoderKL"):
        return None
    return dict(found.get("params", {}))


def flux_autoencoder_fingerprint(params: dict[str, Any]) -> dict[str, list[int]]:
    """The distinctive tensors of FLUX.1's `AutoEncoder` (`src/flux/modules/autoencoder.py`) from its
    `AutoEncoderParams`: LDM's encoder and decoder convolutions (`Conv2d(in_channels, ch, 3)`, `Conv2d(ch *
    ch_mult[-1], 2 * z_channels, 3)`, `Conv2d(z_channels, ch * ch_mult[-1], 3)`, `Conv2d(ch * ch_mult[0], out_ch, 3)`),
    without LDM's quant convolutions."""
    ch, mult, z = int(params["ch"]), list(params["ch_mult"]), int(params["z_channels"])
    return {
        "encoder.conv_in.weight": [ch, int(params["in_channels"]), 3, 3],
        "encoder.conv_out.weight": [2 * z, ch * int(mult[-1]), 3, 3],
        "decoder.conv_in.weight": [ch * int(mult[-1]), z, 3, 3],
        "decoder.conv_out.weight": [int(params["out_ch"]), ch * int(mult[0]), 3, 3],
    }


def autoencoder_fingerprint(params: dict[str, Any]) -> dict[str, list[int]]:
    """The distinctive tensors of LDM's `AutoencoderKL` (`ldm/models/autoencoder.py`, `ldm/modules/diffusionmodules/
    model.py`) from its params: the encoder's first convolution `Conv2d(in_channels, ch, 3)` and last `Conv2d(ch *
    ch_mult[-1], 2 * z_channels, 3)`, `quant_conv = Conv2d(2 * z_channels, 2 * embed_dim, 1)`, `post_quant_conv =
    Conv2d(embed_dim, z_channels, 1)`, and the decoder's `Conv2d(z_channels, ch * ch_mult[-1], 3)` and `Conv2d(ch *
    ch_mult[0], out_ch, 3)`. diffusers names these six alike."""
    dd = params["ddconfig"]
    ch, mult, z, embed = int(dd["ch"]), list(dd["ch_mult"]), int(dd["z_channels"]), int(params["embed_dim"])
    doubled = 2 if dd.get("double_z", True) else 1
    return {
        "encoder.conv_in.weight": [ch, int(dd["in_channels"]), 3, 3],
        "encoder.conv_out.weight": [doubled * z, ch * int(mult[-1]), 3, 3],
        "quant_conv.weight": [2 * embed, 2 * z, 1, 1],
        "post_quant_conv.weight": [z, embed, 1, 1],
        "decoder.conv_in.weight": [ch * int(mult[-1]), z, 3, 3],
        "decoder.conv_out.weight": [int(dd["out_ch"]), ch * int(mult[0]), 3, 3],
    }


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


def flux_params(source: str, name: str, field: str = "params") -> dict[str, Any]:
    """The `FluxParams(...)` (or, with `field="ae_params"`, the `AutoEncoderParams(...)`) of the model called `name`
    in black-forest-labs/flux's `src/flux/util.py` `configs`, read as literals from the source text (the module is
    never imported)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == name and isinstance(value, ast.Call):
                    params = next((k.value for k in value.keywords if k.arg == field), None)
                    if isinstance(params, ast.Call):
                        return {k.arg: ast.literal_eval(k.value) for k in params.keywords if k.arg}
    raise ValueError(f"no {name!r} entry with {field} in the configs (expected black-forest-labs/flux src/flux/util.py)")


def flux_fingerprint(params: dict[str, Any]) -> dict[str, list[int]]:
    """The distinctive tensors of a FLUX.1 transformer (`src/flux/model.py`), from its `FluxParams`: the image and
    text input projections `Linear(in_channels | context_in_dim, hidden_size)`, the timestep, vector and (guidance-
    distilled models only) guidance embedders `MLPEmbedder(in_dim, hidden_size)`, the last double-stream block's
    `qkv = Linear(hidden, 3 * hidden)` (which also fixes the depth), and the final `Linear(hidden, in_channels)`."""
    hidden, channels = int(params["hidden_size"]), int(params["in_channels"])
    tensors = {
        "img_in.weight": [hidden, channels],
        "txt_in.weight": [hidden, int(params["context_in_dim"])],
        "time_in.in_layer.weight": [hidden, 256],
        "vector_in.in_layer.weight": [hidden, int(params["vec_in_dim"])],
        f"double_blocks.{int(params['depth']) - 1}.img_attn.qkv.weight": [3 * hidden, hidden],
        "final_layer.linear.weight": [channels, hidden],
    }
    if params.get("guidance_embed"):
        tensors["guidance_in.in_layer.weight"] = [hidden, 256]
    return tensors


def _index(name: str, before: str) -> int:
    """The block number that follows `before` in a tensor name."""
    return int(name[len(before) :].split(".", 1)[0])


def _last_block(tensors: dict[str, list[int]], prefix: str, suffix: str) -> str | None:
    """The tensor `prefix{N}suffix` with the largest block number N (the depth shows in it)."""
    found = [n for n in tensors if n.startswith(prefix) and n.endswith(suffix) and n[len(prefix) : -len(suffix)].isdigit()]
    return max(found, key=lambda n: _index(n, prefix), default=None)


def _first_block(tensors: dict[str, list[int]], prefix: str, suffix: str) -> str | None:
    found = [n for n in tensors if n.startswith(prefix) and n.endswith(suffix) and n[len(prefix) : -len(suffix)].isdigit()]
    return min(found, key=lambda n: _index(n, prefix), default=None)


def header_fingerprint(tensors: dict[str, list[int]]) -> tuple[str, str, dict[str, list[int]]]:
    """The architecture, layout and distinctive tensors of a denoiser, picked from a checkpoint header (name -> shape)
    the way the config-derived fingerprints pick them: for an architecture whose publisher states no config we could
    cite, a fingerprint is read from a published file's header instead. ValueError when no recorded design shows."""
    for prefix in (ORIGINAL_UNET, ""):
        if f"{prefix}img_in.weight" in tensors and _last_block(tensors, f"{prefix}double_blocks.", ".img_attn.qkv.weight"):
            wanted = ["img_in.weight", "txt_in.weight", "time_in.in_layer.weight", "vector_in.in_layer.weight", "final_layer.linear.weight"]
            picked = {f"{prefix}{n}": tensors[f"{prefix}{n}"] for n in [*wanted, "guidance_in.in_layer.weight"] if f"{prefix}{n}" in tensors}
            last = _last_block(tensors, f"{prefix}double_blocks.", ".img_attn.qkv.weight")
            return "flux-transformer", "original", {**picked, str(last): tensors[str(last)]}
        last = _last_block(tensors, f"{prefix}joint_blocks.", ".x_block.attn.qkv.weight")
        if last:
            wanted = ["x_embedder.proj.weight", "pos_embed", "context_embedder.weight", "y_embedder.mlp.0.weight", "final_layer.linear.weight"]
            picked = {f"{prefix}{n}": tensors[f"{prefix}{n}"] for n in wanted if f"{prefix}{n}" in tensors}
            picked[last] = tensors[last]
            extra = _first_block(tensors, f"{prefix}joint_blocks.", ".x_block.attn2.qkv.weight")
            if extra:
                picked[extra] = tensors[extra]
            return ("mmdit-x" if extra else "mmdit"), "original", picked
    for layout in ("original", "diffusers"):
        names = unet_names(layout, sgm=True)
        if names.conv_in not in tensors:
            continue
        key = _first_block(tensors, *names.attention_blocks)
        picked = {n: tensors[n] for n in (names.conv_in, names.conv_out) if n in tensors}
        if key:
            block = key[: -len(".transformer_blocks.0.attn2.to_k.weight")]
            picked.update({n: tensors[n] for n in (key, f"{block}.proj_in.weight") if n in tensors})
        for embedding in (names.vector_embedding, unet_names(layout, sgm=False).vector_embedding, names.class_embedding):
            if embedding in tensors:
                picked[embedding] = tensors[embedding]
                break
        return "unet", layout, picked
    if "in_block.1.weight" in tensors and "out_block.0.weight" in tensors:
        down = _last_block(tensors, "down_blocks.", ".0.weight")
        return "vqgan", "original", {n: tensors[n] for n in ("in_block.1.weight", str(down), "up_blocks.0.0.weight", "out_block.0.weight") if n in tensors}
    cascade = {"clip_txt_pooled_mapper.weight": "cascade-prior", "effnet_mapper.0.weight": "cascade-decoder"}
    for key, design in cascade.items():
        if key in tensors:
            wanted = ["clip_txt_mapper.weight", "clip_txt_pooled_mapper.weight", "clip_img_mapper.weight", "effnet_mapper.0.weight"]
            wanted += ["pixels_mapper.0.weight", "clip_mapper.weight", str(_last_block(tensors, "down_downscalers.", ".1.weight"))]
            if design == "cascade-prior":  # Stage C's downscalers are named otherwise and not part of its fingerprint
                wanted = wanted[:3]
            return design, "original", {n: tensors[n] for n in [*wanted, "embedding.1.weight", "clf.1.weight"] if n in tensors}
    autoencoder = autoencoder_layout(tensors)
    if autoencoder:
        keys = (
            "encoder.conv_in.weight",
            "encoder.conv_out.weight",
            "quant_conv.weight",
            "post_quant_conv.weight",
            "decoder.conv_in.weight",
            "decoder.conv_out.weight",
        )
        return "autoencoder-kl", autoencoder, {key: tensors[key] for key in keys if key in tensors}
    raise ValueError("no recorded design in this header (no FLUX.1, MMDiT, UNet or KL autoencoder keys)")


def class_defaults(source: str, name: str) -> dict[str, Any]:
    """The literal default arguments of class `name`'s `__init__` in a module's source (never imported)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef) and node.name == name:
            init = next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
            if init is not None:
                named = init.args.args[len(init.args.args) - len(init.args.defaults) :]
                return {arg.arg: ast.literal_eval(value) for arg, value in zip(named, init.args.defaults, strict=True)}
    raise ValueError(f"no class {name} with an __init__ in the module")


def version_call(source: str, version: str) -> tuple[str, dict[str, Any]]:
    """The class a Stable Cascade training script builds as `generator` when `model_version == version`, and the
    keyword arguments it passes (read from the source text, never imported)."""
    for node in ast.walk(ast.parse(source)):
        test = node.test if isinstance(node, ast.If) else None
        if isinstance(test, ast.Compare) and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value == version:
            for statement in node.body:  # type: ignore[attr-defined]
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call) and isinstance(statement.value.func, ast.Name):
                    if any(isinstance(t, ast.Name) and t.id == "generator" for t in statement.targets):
                        return statement.value.func.id, {k.arg: ast.literal_eval(k.value) for k in statement.value.keywords if k.arg}
    raise ValueError(f"no `generator = ...(...)` under `model_version == {version!r}` in the training script")


def cascade_fingerprint(stage: str, params: dict[str, Any]) -> dict[str, list[int]]:
    """The distinctive tensors of a Stable Cascade stage (`modules/stage_c.py`, `modules/stage_b.py`) from its
    `__init__` arguments: the text (and, for Stage C, image) conditioning mappers `Linear(c_clip..., c_cond * ...)`, the
    input embedding `Conv2d(c_in * patch_size², c_hidden[0], 1)`, the output `Conv2d(c_hidden[0], c_out * patch_size²,
    1)`; for Stage B also the EfficientNet and pixel mappers' first `Conv2d(c_effnet | c_pixels, c_hidden[0] * 4, 1)`
    and the last level's downscaler `Conv2d(c_hidden[-2], c_hidden[-1], 2)`, which sets its width apart."""
    if stage == "StageA":
        return stage_a_fingerprint(params)
    hidden, patch = list(params["c_hidden"]), int(params["patch_size"])
    cond, seq = int(params["c_cond"]), int(params["c_clip_seq"])
    tensors: dict[str, list[int]] = {}
    if stage == "StageC":
        tensors["clip_txt_mapper.weight"] = [cond, int(params["c_clip_text"])]
        tensors["clip_txt_pooled_mapper.weight"] = [cond * seq, int(params["c_clip_text_pooled"])]
        tensors["clip_img_mapper.weight"] = [cond * seq, int(params["c_clip_img"])]
    elif stage == "StageB":
        tensors["effnet_mapper.0.weight"] = [hidden[0] * 4, int(params["c_effnet"]), 1, 1]
        tensors["pixels_mapper.0.weight"] = [hidden[0] * 4, int(params["c_pixels"]), 1, 1]
        tensors["clip_mapper.weight"] = [cond * seq, int(params["c_clip"])]
        tensors[f"down_downscalers.{len(hidden) - 1}.1.weight"] = [hidden[-1], hidden[-2], 2, 2]
    else:
        raise ValueError(f"{stage} is not a Stable Cascade stage with a fingerprint (StageA, StageB or StageC)")
    tensors["embedding.1.weight"] = [hidden[0], int(params["c_in"]) * patch**2, 1, 1]
    tensors["clf.1.weight"] = [int(params["c_out"]) * patch**2, hidden[0], 1, 1]
    return tensors


def stage_a_fingerprint(params: dict[str, Any]) -> dict[str, list[int]]:
    """The distinctive tensors of Stable Cascade's Stage A (`modules/stage_a.py`, a VQGAN) from its `__init__`
    arguments: the input `Conv2d(3 * 4, c_levels[0], 1)` after a 2 x 2 pixel unshuffle, the encoder's last
    `Conv2d(c_levels[-1], c_latent, 1)` (after a ResBlock per level and a downscaler between levels), the decoder's first
    `Conv2d(c_latent, c_levels[-1], 1)` and the output `Conv2d(c_levels[0], 3 * 4, 1)`."""
    levels, hidden, latent = int(params["levels"]), int(params["c_hidden"]), int(params["c_latent"])
    widths = [hidden // 2**i for i in reversed(range(levels))]
    return {
        "in_block.1.weight": [widths[0], 12, 1, 1],
        f"down_blocks.{2 * levels - 1}.0.weight": [latent, widths[-1], 1, 1],
        "up_blocks.0.0.weight": [widths[-1], latent, 1, 1],
        "out_block.0.weight": [12, widths[0], 1, 1],
    }
