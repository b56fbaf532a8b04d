"""Fingerprints derived from the publishers' code and configs: arithmetic on literal parameters read from the
source text (no module imported, no model built)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

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
