"""Derive a denoiser's fingerprint (its distinctive tensors and their shapes) from the publisher's inference config."""

import sys
from pathlib import Path

import yaml

from lineagekb import cli
from lineagekb.escape import terminal
from lineagekb.weights import flux_fingerprint, flux_params, unet_config, unet_fingerprint


def main(argv: list[str] | None = None) -> int:
    args = cli.parser(
        "Print the `tensors:` of a fingerprint record, derived from the publisher's config at a pinned commit: an LDM or "
        "SGM inference YAML, or the FluxParams in FLUX.1's util.py (read as text, never imported). Pure arithmetic on "
        "the params: no model is built and no weights are read.",
        "  python tools/fingerprint.py stablediffusion/configs/stable-diffusion/v2-inference.yaml\n"
        "  python tools/fingerprint.py generative-models/configs/inference/sd_xl_base.yaml --layout diffusers --in-channels 9\n"
        "  python tools/fingerprint.py flux/src/flux/util.py --name flux-dev",
    )
    args.add_argument("config", type=Path, help="an LDM or SGM inference config (YAML), or FLUX.1's src/flux/util.py")
    args.add_argument("--name", help="with util.py: the model's key in its `configs`, e.g. flux-dev")
    args.add_argument("--layout", choices=("original", "diffusers"), default="original", help="name the UNet tensors as this layout does")
    args.add_argument("--in-channels", type=int, help="a UNet's input channels, where a release changes only these (e.g. 9 for inpainting)")
    options = args.parse_args(argv)
    try:
        text = options.config.read_text(encoding="utf-8")
        if options.config.suffix == ".py":
            tensors = flux_fingerprint(flux_params(text, options.name or ""))
        else:
            params, sgm = unet_config(yaml.safe_load(text))
            if options.in_channels:
                params["in_channels"] = options.in_channels
            tensors = unet_fingerprint(params, options.layout, sgm)
    except (OSError, yaml.YAMLError, ValueError, KeyError, TypeError, AttributeError) as error:
        print(terminal(f"{options.config}: cannot derive a fingerprint: {error}"), file=sys.stderr)
        return 1
    print("tensors:")
    for name, shape in tensors.items():
        print(f"  {name}: {shape}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
