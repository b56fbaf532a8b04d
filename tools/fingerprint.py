"""Derive a denoiser's fingerprint (its distinctive tensors and their shapes): from the publisher's inference config,
or from a safetensors header (a local file's, or a Hub file's read by range request)."""

import sys
from pathlib import Path
from typing import Any

import yaml

from lineagekb import cli
from lineagekb.escape import terminal
from lineagekb.evidence.fingerprints import (
    autoencoder_fingerprint,
    autoencoder_params,
    cascade_fingerprint,
    class_defaults,
    flux_autoencoder_fingerprint,
    flux_fingerprint,
    flux_params,
    unet_config,
    unet_fingerprint,
    version_call,
)
from lineagekb.evidence.headers import header_fingerprint
from lineagekb.evidence.safetensors import HeaderError, read_header

EXAMPLES = """\
  python tools/fingerprint.py stablediffusion/configs/stable-diffusion/v2-inference.yaml
  python tools/fingerprint.py generative-models/configs/inference/sd_xl_base.yaml --layout diffusers --in-channels 9
  python tools/fingerprint.py flux/src/flux/util.py --name flux-dev
  python tools/fingerprint.py flux/src/flux/util.py --name flux-dev --autoencoder
  python tools/fingerprint.py StableCascade/modules/stage_c.py --train StableCascade/train/train_c.py --version 1B
  python tools/fingerprint.py StableCascade/modules/stage_a.py --name StageA
  python tools/fingerprint.py sd3.5_large.safetensors                      # a local file's header
  python tools/fingerprint.py --hub stabilityai/stable-diffusion-3.5-large sd3.5_large.safetensors

With --hub the header is read by range request at the repository's current revision (or --revision), never the
weights; the output then includes the `derived:` and `sources:` entries that cite that revision. HF_TOKEN (never
printed) is used for gated repositories."""


def from_config(path: Path, options: Any) -> dict[str, Any]:
    """Tensors from an LDM/SGM inference YAML or FLUX.1's util.py: arithmetic on the params, no model built."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py" and options.train:
        stage, overrides = version_call(options.train.read_text(encoding="utf-8"), options.version or "")
        return {"tensors": cascade_fingerprint(stage, {**class_defaults(text, stage), **overrides})}
    if path.suffix == ".py" and (options.name or "").startswith("Stage"):
        return {"tensors": cascade_fingerprint(options.name, class_defaults(text, options.name))}
    if path.suffix == ".py" and options.autoencoder:
        return {"tensors": flux_autoencoder_fingerprint(flux_params(text, options.name or "", "ae_params"))}
    if path.suffix == ".py":
        return {"tensors": flux_fingerprint(flux_params(text, options.name or ""))}
    config = yaml.safe_load(text)
    autoencoder = autoencoder_params(config)
    if autoencoder is not None:
        return {"tensors": autoencoder_fingerprint(autoencoder)}
    params, sgm = unet_config(config)
    if options.in_channels:
        params["in_channels"] = options.in_channels
    return {"tensors": unet_fingerprint(params, options.layout, sgm)}


def from_header(tensors: dict[str, list[int]]) -> dict[str, Any]:
    architecture, layout, picked = header_fingerprint(tensors)
    return {"architecture": architecture, "layout": layout, "tensors": picked}


def from_hub(repo: str, path: str, revision: str | None, timeout: float) -> dict[str, Any]:
    """The fingerprint of a Hub file's header, with the source entry that pins the revision read."""
    from sync_hub import HfClient

    from lineagekb.hubsync.hub import HubError, header_source

    client = HfClient(timeout)
    try:
        pinned = revision or client.model(repo).sha
        if not pinned:
            raise ValueError(f"{repo}: the Hub gave no revision to pin")
        found = from_header(client.header(repo, pinned, path))
    except HubError as error:
        raise ValueError(f"{repo}/{path}: {error.reason}") from None
    command = f"python tools/fingerprint.py --hub {repo} {path} --revision {pinned}"
    return {**found, "derived": {"source": "hub-header", "command": command}, "sources": {"hub-header": header_source(repo, pinned, path)}}


def main(argv: list[str] | None = None) -> int:
    args = cli.parser(
        "Print the `tensors:` of a fingerprint record: derived from the publisher's config at a pinned commit (an LDM or "
        "SGM inference YAML, or the FluxParams in FLUX.1's util.py, read as text, never imported), or picked from a "
        "safetensors header. No model is built and no weights are read.",
        EXAMPLES,
    )
    args.add_argument(
        "config", type=Path, nargs="?", help="an LDM or SGM config (YAML), FLUX.1's src/flux/util.py, a Stable Cascade stage module, or a .safetensors file"
    )
    args.add_argument("--name", help="with util.py: the model's key in its `configs`, e.g. flux-dev; with a Stable Cascade module: the class, e.g. StageA")
    args.add_argument("--autoencoder", action="store_true", help="with util.py: the model's autoencoder (its ae_params)")
    args.add_argument("--layout", choices=("original", "diffusers"), default="original", help="name the UNet tensors as this layout does")
    args.add_argument("--in-channels", type=int, help="a UNet's input channels, where a release changes only these (e.g. 9 for inpainting)")
    args.add_argument("--train", type=Path, help="with a Stable Cascade stage module: the training script that builds it per --version")
    args.add_argument("--version", help="with --train: the model_version whose `generator` to read, e.g. 3.6B or 1B")
    args.add_argument("--hub", nargs=2, metavar=("REPO", "FILE"), help="read the header of FILE in the Hub repository REPO")
    args.add_argument("--revision", help="with --hub: the commit to read (default: the repository's current one)")
    args.add_argument("--timeout", type=float, default=30.0, help="with --hub: seconds per request (default 30)")
    options = args.parse_args(argv)
    if (options.config is None) == (options.hub is None):
        args.error("give a config or safetensors file, or --hub REPO FILE")
    shown = "/".join(options.hub) if options.hub else str(options.config)
    try:
        if options.hub:
            found = from_hub(*options.hub, options.revision, options.timeout)
        elif options.config.suffix == ".safetensors":
            found = from_header({name: list(t.shape) for name, t in read_header(options.config).tensors.items()})
        else:
            found = from_config(options.config, options)
    except (OSError, yaml.YAMLError, ValueError, KeyError, TypeError, AttributeError, HeaderError) as error:
        print(terminal(f"{shown}: cannot derive a fingerprint: {error}"), file=sys.stderr)
        return 1
    print(yaml.safe_dump(found, sort_keys=False, default_flow_style=None, width=1_000_000), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
