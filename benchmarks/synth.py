"""Synthetic knowledge bases shaped like the real one, for the benchmark: families with deep fine-tune chains and
wide fan-out, shared datasets and components, every field filled."""

from __future__ import annotations

import datetime
import random
from pathlib import Path

from lineagekb.records import model

HEADER = "# yaml-language-server: $schema=../schema.json\n"
ORGANIZATIONS = 20
DATASETS = 30
ENCODERS = 6
BIG_FAMILY_SHARE = 0.3
CHAIN_SHARE = 0.3  # share of a family's releases that extend its deepest chain; the rest fan out


def organization(index: int) -> str:
    return (
        f"{HEADER}kind: organization\nid: org-{index}\nname: Organisation {index}\n"
        f'url: {{value: "https://example.org/{index}", source: hub}}\n'
        f"hub_org: {{value: org-{index}, source: hub}}\n"
        f'sources:\n  hub: {{url: "https://huggingface.co/org-{index}", title: Organisation {index} on the Hub, kind: hub}}\n'
    )


def dataset(index: int) -> str:
    subset = f"subset_of: {{value: data-{index - 1}, source: card}}\n" if index % 3 else ""
    return (
        f"{HEADER}kind: dataset\nid: data-{index}\nname: Dataset {index}\n"
        f"organization: {{value: org-{index % ORGANIZATIONS}, source: card}}\n{subset}"
        f"size: {{value: {1_000_000 * (index + 1)}, source: card}}\n"
        f"filters: {{value: {{punsafe: 0.1, aesthetic_score: 5.0}}, source: card}}\n"
        f"description: {{value: Image-text pairs number {index}., source: card}}\n"
        f'sources:\n  card: {{url: "https://example.org/data/{index}", title: Dataset {index} card, kind: readme}}\n'
    )


def component(index: int, role: str) -> str:
    size = "hidden_size: {value: 768, source: card}\n" if role == "text-encoder" else "downsampling_factor: {value: 8, source: card}\n"
    return (
        f"{HEADER}kind: component\nid: {role}-{index}\nname: Component {role} {index}\nrole: {role}\n"
        f"organization: {{value: org-{index % ORGANIZATIONS}, source: card}}\n"
        f'released: {{value: "2021-01-01", source: card}}\nlicense: {{id: mit, name: MIT License, source: card}}\n'
        f"hub: {{repo: org-{index % ORGANIZATIONS}/{role}-{index}, status: live, source: card}}\n"
        f"from_scratch: true\narchitecture: {{value: Model{index}, source: card}}\n{size}"
        f'sources:\n  card: {{url: "https://huggingface.co/org-{index % ORGANIZATIONS}/{role}-{index}", title: Card, kind: model-card}}\n'
    )


def release(index: int, parent: int | None, family: str, day: int, rng: random.Random) -> str:
    org = index % ORGANIZATIONS
    date = (datetime.date(2022, 1, 1) + datetime.timedelta(days=day)).isoformat()
    lineage = (
        "from_scratch: true\n"
        if parent is None
        else f'from_scratch: false\nparents:\n  - id: rel-{parent}\n    relation: finetune\n    source: card\n    quote: "Resumed from rel-{parent}"\n'
    )
    prediction = rng.choice(["epsilon", "v_prediction"])
    return (
        f"{HEADER}kind: release\nid: rel-{index}\nname: Release {index}\nfamily: {family}\ntask: text-to-image\n"
        f'organization: {{value: org-{org}, source: card, quote: "Published by Organisation {org}"}}\n'
        f'released: {{value: "{date}", source: card, quote: "{date}"}}\n'
        f"license: {{id: creativeml-openrail-m, name: CreativeML Open RAIL-M, commercial_use: allowed, source: card}}\n"
        f'papers:\n  - {{value: "2112.10752", source: card}}\n'
        f"hub:\n  repo: org-{org}/release-{index}\n  status: live\n  mirrors: [mirror-{org}/release-{index}]\n"
        f'  revision: "{index:040x}"\n  last_modified: "{date}"\n  source: card\n'
        f"{lineage}"
        f"training:\n"
        f"  - steps: {rng.randrange(10_000, 600_000, 1000)}\n    resolution: 512\n    dataset: data-{index % DATASETS}\n"
        f"    text_conditioning_dropout: 0.1\n    filters: {{punsafe: 0.1, aesthetic_score: 5.0, watermark_probability: 0.5, min_image_size: 512}}\n"
        f'    batch_size: 2048\n    source: card\n    quote: "steps at resolution 512x512 with 10% dropping of the text-conditioning"\n'
        f'text_encoders:\n  - {{id: text-encoder-{index % ENCODERS}, layer: penultimate, max_tokens: 77, source: card, quote: "a frozen text encoder"}}\n'
        f"architecture: {{value: unet, source: card}}\n"
        f"prediction_type: {{value: {prediction}, source: card}}\n"
        f"autoencoder: {{value: autoencoder-{index % 2}, source: card}}\n"
        f"parameters:\n  - {{value: 860000000, counts: denoiser, source: card}}\nresolution: {{value: 512, source: card}}\n"
        f"nsfw_filtering: {{value: Trained on data filtered with punsafe 0.1., source: card}}\n"
        f"checkpoints:\n"
        f'  - {{file: release-{index}-ema.safetensors, weights: ema, format: safetensors, size_bytes: 4265146304, sha256: "{index:064x}", source: card}}\n'
        f'  - {{file: release-{index}-full.ckpt, weights: ema+non-ema, format: ckpt, size_bytes: 7703807346, sha256: "{index + 1:064x}", source: card}}\n'
        f'sources:\n  card: {{url: "https://huggingface.co/org-{org}/release-{index}", title: Model card of release {index}, kind: model-card}}\n'
    )


def family_parents(releases: int, families: int, rng: random.Random) -> list[int | None]:
    """A parent (or None for from scratch) for each release: per family a deep chain with wide fan-out."""
    parents: list[int | None] = []
    members: dict[int, list[int]] = {}
    chain_tip: dict[int, int] = {}
    for index in range(releases):
        # One family holds about a third of everything, as the most fine-tuned base models do on the Hub.
        family = 0 if rng.random() < BIG_FAMILY_SHARE else index % families
        if family not in members:
            parents.append(None)
            members[family] = [index]
            chain_tip[family] = index
            continue
        if rng.random() < CHAIN_SHARE:
            parent = chain_tip[family]
            chain_tip[family] = index
        else:
            parent = rng.choice(members[family][: max(1, len(members[family]) // 4)])
        parents.append(parent)
        members[family].append(index)
    return parents


def write(root: Path, releases: int, seed: int = 7) -> Path:
    """Write a synthetic knowledge base of `releases` releases under `root` and return it."""
    rng = random.Random(seed)
    families = max(1, releases // 50)
    folders = {name: root / name for name in ("organizations", "datasets", "components", "releases")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    for index in range(ORGANIZATIONS):
        (folders["organizations"] / f"org-{index}.yaml").write_text(organization(index), encoding="utf-8")
    for index in range(DATASETS):
        (folders["datasets"] / f"data-{index}.yaml").write_text(dataset(index), encoding="utf-8")
    for index in range(ENCODERS):
        (folders["components"] / f"text-encoder-{index}.yaml").write_text(component(index, "text-encoder"), encoding="utf-8")
    for index in range(2):
        (folders["components"] / f"autoencoder-{index}.yaml").write_text(component(index, "autoencoder"), encoding="utf-8")
    family_names = [family.value for family in model.Family]
    family_of: dict[int, str] = {}
    for index, parent in enumerate(family_parents(releases, families, rng)):
        # the record model's families are a closed list: synthetic lines share them round-robin by their root
        family_of[index] = family_names[index % len(family_names)] if parent is None else family_of[parent]
        (folders["releases"] / f"rel-{index}.yaml").write_text(release(index, parent, family_of[index], index // 10, rng), encoding="utf-8")
    return root
