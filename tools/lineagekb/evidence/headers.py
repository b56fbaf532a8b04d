"""What a safetensors header shows of a network: its design, layout, dtype, EMA copy and channels, and the
distinctive tensors a fingerprint would pick from it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .fingerprints import ORIGINAL_UNET, unet_names
from .safetensors import Header

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

AUTOENCODER_KEYS = ("encoder.conv_in.weight", "encoder.conv_out.weight", "decoder.conv_in.weight", "decoder.conv_out.weight")
"""Tensors every standalone KL autoencoder file has, under the same names in LDM's, diffusers' and FLUX.1's code."""


def autoencoder_layout(names: dict[str, Any]) -> str | None:
    """The layout of a standalone autoencoder file: diffusers calls the encoder's levels `down_blocks`, LDM `down`."""
    if not all(key in names for key in AUTOENCODER_KEYS):
        return None
    return "diffusers" if any(n.startswith("encoder.down_blocks.") for n in names) else "original"


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


def _present(tensors: dict[str, list[int]], wanted: Sequence[str | None]) -> dict[str, list[int]]:
    """The wanted tensors the header has, in the order wanted."""
    return {name: tensors[name] for name in wanted if name is not None and name in tensors}


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
    if "in_block.1.weight" in tensors and "out_block.0.weight" in tensors:  # Stable Cascade's Stage A
        down = _last_block(tensors, "down_blocks.", ".0.weight")
        return "vqgan", "original", _present(tensors, ("in_block.1.weight", down, "up_blocks.0.0.weight", "out_block.0.weight"))
    if "clip_txt_pooled_mapper.weight" in tensors:  # Stage C (its downscalers are named otherwise: not fingerprinted)
        mappers = ("clip_txt_mapper.weight", "clip_txt_pooled_mapper.weight", "clip_img_mapper.weight")
        return "cascade-prior", "original", _present(tensors, (*mappers, "embedding.1.weight", "clf.1.weight"))
    if "effnet_mapper.0.weight" in tensors:  # Stage B
        downscaler = _last_block(tensors, "down_downscalers.", ".1.weight")
        mappers = ("effnet_mapper.0.weight", "pixels_mapper.0.weight", "clip_mapper.weight")
        return "cascade-decoder", "original", _present(tensors, (*mappers, downscaler, "embedding.1.weight", "clf.1.weight"))
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
