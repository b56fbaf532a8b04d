"""Derive a denoiser's fingerprint (its distinctive tensors and their shapes) from the publisher's inference config."""

import sys
from pathlib import Path

import yaml

from lineagekb import cli
from lineagekb.escape import terminal
from lineagekb.weights import unet_config, unet_fingerprint


def main(argv: list[str] | None = None) -> int:
    args = cli.parser(
        "Print the `tensors:` of a fingerprint record, derived from an LDM or SGM inference config (the publisher's YAML "
        "at a pinned commit). Pure arithmetic on the config's UNet params: no model is built and no weights are read.",
        "  python tools/fingerprint.py stablediffusion/configs/stable-diffusion/v2-inference.yaml",
    )
    args.add_argument("config", type=Path, help="an LDM or SGM inference config (YAML)")
    options = args.parse_args(argv)
    try:
        params = unet_config(yaml.safe_load(options.config.read_text(encoding="utf-8")))
        tensors = unet_fingerprint(params)
    except (OSError, yaml.YAMLError, ValueError, KeyError, TypeError, AttributeError) as error:
        print(terminal(f"{options.config}: cannot derive a fingerprint: {error}"), file=sys.stderr)
        return 1
    print("tensors:")
    for name, shape in tensors.items():
        print(f"  {name}: {shape}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
