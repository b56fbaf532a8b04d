"""The record model: every kind of record, field and vocabulary, declared once.

The JSON Schema (`lineage/schema.json`), the validator, the export and the field reference page are all derived
from the classes in this module.
"""

from __future__ import annotations

import calendar
import re
from enum import StrEnum
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict

ID_PATTERN = r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$"
SOURCE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
REPO_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$"
DATE_PATTERN = r"^\d{4}-\d{2}(-\d{2})?$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
REVISION_PATTERN = r"^[0-9a-f]{40}$"
ARXIV_PATTERN = r"^\d{4}\.\d{4,5}$"
LICENSE_PATTERN = r"^[a-z0-9][a-z0-9.+-]*$"
FILE_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*(/[A-Za-z0-9_][A-Za-z0-9_.+-]*)*/?$"


class Vocabulary(StrEnum):
    """A closed set of values, each documented once."""

    doc: str

    def __new__(cls, value: str, doc: str = "") -> Vocabulary:
        member = str.__new__(cls, value)
        member._value_ = value
        member.doc = doc
        return member


class Relation(Vocabulary):
    """How a release's weights relate to a parent's (the Hub's `base_model_relation` vocabulary where it has one)."""

    finetune = "finetune", 'Initialised from the parent\'s weights and trained further ("resumed from", "fine-tuned from").'
    distill = "distill", "Trained to reproduce the parent's outputs, usually with fewer steps or parameters."
    merge = "merge", "Weights combined arithmetically from two or more parents."
    adapter = "adapter", "A small set of weights (LoRA, ControlNet, ...) used on top of the parent."
    quantized = "quantized", "The parent's weights stored at lower numeric precision."
    successor = "successor", "A later release of the same line with new weights, or whose weight relationship no source states."
    refines = "refines", "Runs after the parent on the last, low-noise denoising steps of its output; its own weights."
    decodes = "decodes", "A later stage of a cascade: turns the parent's output latents into the next stage's, or into the image."


INITIALISING_RELATIONS = frozenset({Relation.finetune, Relation.merge, Relation.adapter, Relation.quantized})
"""Relations that give the child its starting weights (a distillation teacher does not, by itself)."""
WEIGHT_RELATIONS = INITIALISING_RELATIONS | {Relation.distill}
"""Relations through the parent's weights or outputs: the parent must exist before the child."""
PIPELINE_RELATIONS = frozenset({Relation.refines, Relation.decodes})
"""Relations between models that run one after the other, each with its own weights."""


class DistillationMethod(Vocabulary):
    """How a student was distilled from its teacher."""

    adversarial_diffusion_distillation = (
        "adversarial-diffusion-distillation",
        "ADD (arXiv 2311.17042): score distillation from the teacher plus an adversarial loss in pixel space; 1 to 4 steps.",
    )
    latent_adversarial_diffusion_distillation = (
        "latent-adversarial-diffusion-distillation",
        "LADD (arXiv 2403.12015): adversarial distillation with the discriminator working on the teacher's latent features.",
    )
    guidance_distillation = "guidance-distillation", "Trained to reproduce the teacher's classifier-free-guided output in one pass, guidance scale as an input."
    timestep_distillation = "timestep-distillation", "Trained to reach the teacher's result in fewer sampling steps."


class Architecture(Vocabulary):
    """A network's design: a release's denoiser, or (for a fingerprint) also an autoencoder."""

    unet = "unet", "A convolutional UNet with attention blocks (LDM, SD 1.x and 2.x, SDXL)."
    mmdit = "mmdit", "Multimodal Diffusion Transformer: separate weights for text and image tokens joined in attention (SD 3, arXiv 2403.03206)."
    mmdit_x = "mmdit-x", "MMDiT with extra self-attention in the image stream of its first blocks (SD 3.5 Medium)."
    flux_transformer = "flux-transformer", "FLUX.1's transformer: double-stream (MMDiT-style) blocks followed by single-stream parallel blocks."
    cascade_prior = "cascade-prior", "Stable Cascade / Wuerstchen Stage C: text-conditional diffusion in a highly compressed latent space."
    cascade_decoder = "cascade-decoder", "Stable Cascade / Wuerstchen Stage B: diffusion that expands Stage C's latents into Stage A's."
    autoencoder_kl = "autoencoder-kl", "A KL-regularised convolutional autoencoder: LDM's AutoencoderKL and its descendants (FLUX.1's AutoEncoder)."
    vqgan = "vqgan", "A vector-quantised convolutional autoencoder (VQGAN): Stable Cascade's Stage A."


class ParameterScope(Vocabulary):
    """What a parameter count counts."""

    denoiser = "denoiser", "The denoising network only (UNet or transformer)."
    pipeline = "pipeline", "Every network used at inference as the source counts them (denoiser, text encoders, autoencoder, refiner)."
    model = "model", "The whole network of a component."


class Family(Vocabulary):
    """The release lines the site groups releases by; each has a heading shown on the site."""

    heading: str

    def __new__(cls, value: str, heading: str = "", doc: str = "") -> Family:
        member = str.__new__(cls, value)
        member._value_ = value
        member.doc = doc
        member.heading = heading
        return member

    ldm = "ldm", "Latent Diffusion", "The latent diffusion models of CompVis that preceded Stable Diffusion."
    sd_1 = "sd-1", "Stable Diffusion 1.x", "The 512-pixel UNet with the CLIP ViT-L/14 text encoder, and its variants."
    sd_2 = "sd-2", "Stable Diffusion 2.x", "The UNet with the OpenCLIP ViT-H/14 text encoder at 512 and 768 pixels, and its variants."
    sdxl = "sdxl", "Stable Diffusion XL", "The larger 1024-pixel UNet with two text encoders, its refiner and its variants."
    stable_cascade = "stable-cascade", "Stable Cascade", "The three-stage Wuerstchen architecture."
    sd_3 = "sd-3", "Stable Diffusion 3 and 3.5", "MMDiT rectified-flow transformers with three text encoders."
    flux_1 = "flux-1", "FLUX.1", "Black Forest Labs' rectified-flow transformers with CLIP and T5 text encoders."


class Availability(Vocabulary):
    """How the weights can be had."""

    open_weights = "open-weights", "The weights can be downloaded (possibly after accepting conditions)."
    api_only = "api-only", "Only served through the publisher's API or partners: no public weights."


class CommercialUse(Vocabulary):
    """What a licence says of commercial use."""

    allowed = "allowed", "Commercial use is allowed (use restrictions may still apply)."
    conditional = "conditional", "Allowed under conditions, e.g. below a revenue threshold or with a separate licence."
    not_allowed = "not-allowed", "Research or non-commercial use only."


class PredictionType(Vocabulary):
    """What the network is trained to predict (the `prediction_type` of a diffusers scheduler)."""

    epsilon = "epsilon", "The noise added to the sample."
    v_prediction = "v_prediction", 'The velocity v = alpha * noise - sigma * sample ("v-objective", arXiv 2202.00512).'
    flow = "flow", "The velocity of a rectified-flow / flow-matching path."


class Weights(Vocabulary):
    """Which copy of the weights a checkpoint file holds."""

    ema = "ema", "Only the exponential-moving-average weights: smaller, the ones to use for inference."
    non_ema = "non-ema", "Only the raw training weights."
    ema_and_non_ema = "ema+non-ema", "Both copies: larger, the file to keep fine-tuning from."


class CheckpointFormat(Vocabulary):
    """How a checkpoint is serialised."""

    ckpt = "ckpt", "A pickled PyTorch checkpoint (original training code layout)."
    safetensors = "safetensors", "A single safetensors file (original training code layout)."
    diffusers = "diffusers", "A diffusers folder layout (one folder per component)."
    zip = "zip", "A zip archive holding a pickled checkpoint (the LDM model zoo's model.zip files)."


class HubStatus(Vocabulary):
    """The state of a Hugging Face Hub repository."""

    live = "live", "Public and downloadable."
    gated = "gated", "Public but downloadable only after accepting conditions."
    removed = "removed", "No longer on the Hub under this id (see mirrors)."


class Task(Vocabulary):
    """What a release generates from what."""

    text_to_image = "text-to-image", "Images from a text prompt."
    class_to_image = "class-to-image", "Images from a class label."
    inpainting = "inpainting", "Fills a masked region of an image, guided by text."
    depth_to_image = "depth-to-image", "Images from text and a depth map of an input image."
    upscaling = "upscaling", "A higher-resolution version of an input image, guided by text."
    image_variation = "image-variation", "Variations of an input image (from its image embedding), optionally guided by text."
    image_to_image = "image-to-image", "A changed or refined version of an input image, guided by text."
    latent_decoding = "latent-decoding", "Expands a highly compressed latent into a larger one or an image (a cascade's decoder stage)."
    autoencoding = "autoencoding", "Encodes images into latents and decodes them back."


class Layout(Vocabulary):
    """How a checkpoint names its tensors."""

    original = "original", "The training code's names (`model.diffusion_model.input_blocks...`), as in .ckpt and single-file .safetensors."
    diffusers = "diffusers", "The diffusers library's names (`down_blocks...`), as in a diffusers folder's `unet` weights."


class ComponentKind(Vocabulary):
    """The role a component plays inside a release."""

    text_encoder = "text-encoder", "Turns the prompt into the conditioning the denoiser attends to."
    image_encoder = "image-encoder", "Turns an image into an embedding used as conditioning."
    autoencoder = "autoencoder", "Maps between pixels and the latent space the denoiser works in."
    depth_estimator = "depth-estimator", "Estimates the depth map used as conditioning."


class SourceKind(Vocabulary):
    """What a source is; only primary sources may back a fact."""

    model_card = "model-card", "A model card on the Hugging Face Hub or in a code repository."
    readme = "readme", "A code repository's README or documentation."
    paper = "paper", "A paper (arXiv or proceedings)."
    announcement = "announcement", "The publisher's own announcement or blog post."
    hub = "hub", "Hub metadata: repository listing, commit history, API answer."
    code = "code", "A configuration or source file in the publisher's repository."
    issue = "issue", "An issue, pull request or post by the publisher or the maintainers of the library that loads it."
    secondary = "secondary", "Someone else's account; may be cited in a conflict, never as the basis of a fact."


def _check_date(value: str) -> str:
    year, month, *day = (int(part) for part in value.split("-"))
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} does not exist")
    if day and not 1 <= day[0] <= calendar.monthrange(year, month)[1]:
        raise ValueError(f"day {day[0]} does not exist in {year}-{month:02d}")
    return value


StrictStr = Annotated[str, Strict()]
Text = Annotated[str, Field(min_length=1)]
RecordId = Annotated[str, Field(pattern=ID_PATTERN, description="The id of another record (its file stem).")]
SourceId = Annotated[str, Field(pattern=SOURCE_ID_PATTERN, description="The key of an entry in this record's `sources`.")]
RepoId = Annotated[str, Field(pattern=REPO_PATTERN, description="A Hub repository id, `owner/name`.")]
PartialDate = Annotated[str, Field(pattern=DATE_PATTERN, description="`YYYY-MM-DD`, or `YYYY-MM` when the day is not known."), AfterValidator(_check_date)]
Fraction = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0)]
Pixels = Annotated[int, Field(gt=0, description="The side of a square image, in pixels.")]

T = TypeVar("T")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True)


class Fact(Model, Generic[T]):
    """A value and the source that states it."""

    value: T
    """The value."""
    source: SourceId
    """Which entry of `sources` states it."""
    quote: Text | None = None
    """The few words of the source the value rests on."""


class Source(Model):
    """A document that states facts about the record."""

    url: Annotated[str, Field(pattern=r"^https://\S+$")]
    """Where to read it; for GitHub, a permalink pinned to the commit read."""
    title: Text
    """What it is, e.g. "Model card of CompVis/stable-diffusion-v1-4"."""
    kind: Annotated[SourceKind, Strict(False)]
    """What kind of source it is."""


class Hub(Model):
    """Where the weights live on the Hugging Face Hub."""

    repo: RepoId
    """The repository id as published."""
    status: Annotated[HubStatus, Strict(False)]
    """Whether the repository is there and how it can be downloaded."""
    mirrors: list[RepoId] = []
    """Other repositories holding the same files (where a removed repository lives on)."""
    revision: Annotated[str, Field(pattern=REVISION_PATTERN)] | None = None
    """The commit sha of the repository the record describes (maintained by `tools/sync_hub.py --write`)."""
    last_modified: PartialDate | None = None
    """The date of that commit (maintained by `tools/sync_hub.py --write`)."""
    access: Text | None = None
    """What downloading requires when the repository is gated, e.g. accepting the licence and sharing contact details."""
    source: SourceId
    """Which entry of `sources` states the repository and its status."""


class Parent(Model):
    """An edge of the lineage graph: a release this one comes from."""

    id: RecordId
    """The parent record's id."""
    relation: Annotated[Relation, Strict(False)]
    """How the weights relate."""
    method: Annotated[DistillationMethod, Strict(False)] | None = None
    """How it was distilled (only with `relation: distill`)."""
    source: SourceId
    """Which entry of `sources` states the edge."""
    quote: Text
    """The few words of the source the edge rests on."""


class DataFilters(Model):
    """How the training data was filtered."""

    punsafe: Fraction | None = None
    """Images with a LAION-NSFW-detector probability of being unsafe above this were removed."""
    aesthetic_score: Annotated[float, Field(ge=0, le=10)] | None = None
    """Minimum LAION aesthetic score of kept images."""
    watermark_probability: Fraction | None = None
    """Images with a watermark probability above this were removed."""
    min_image_size: Pixels | None = None
    """Minimum side of the original images, in pixels."""


class TrainingStage(Model):
    """One stage of training, in the order they ran."""

    steps: Count | None = None
    """Optimisation steps in this stage."""
    resolution: Pixels | None = None
    """Training resolution (side of the square, in pixels)."""
    dataset: RecordId | None = None
    """The dataset record trained on."""
    mixed_with: list[RecordId] = []
    """Other datasets mixed into this stage."""
    text_conditioning_dropout: Fraction | None = None
    """Fraction of samples whose text conditioning was dropped (for classifier-free guidance)."""
    filters: DataFilters | None = None
    """Data filters applied in this stage."""
    batch_size: Count | None = None
    """Global batch size."""
    note: Text | None = None
    """Anything else about the stage, in the project's own words (objective, masking, ...)."""
    source: SourceId
    """Which entry of `sources` states the stage."""
    quote: Text
    """The few words of the source the stage rests on."""


class Checkpoint(Model):
    """A downloadable weights file: what answers "which file do I download?"."""

    file: Annotated[str, Field(pattern=FILE_PATTERN)]
    """File name (or folder, for the diffusers layout) inside the repository."""
    repo: RepoId | None = None
    """The repository holding the file, when not the record's own `hub.repo`."""
    url: Annotated[str, Field(pattern=r"^https://\S+$")] | None = None
    """Where to download the file when it is not on the Hub (then without `repo`)."""
    weights: Annotated[Weights, Strict(False)] | None
    """Which copy of the weights it holds; null when no source states it (always written out)."""
    format: Annotated[CheckpointFormat, Strict(False)]
    """How it is serialised."""
    size_bytes: Annotated[int, Field(gt=0)] | None = None
    """Size in bytes (maintained by `tools/sync_hub.py --write`)."""
    sha256: Annotated[str, Field(pattern=SHA256_PATTERN)] | None = None
    """SHA-256 of the file (maintained by `tools/sync_hub.py --write`)."""
    fingerprint: RecordId | None = None
    """The fingerprint record of the network this file holds (its distinctive tensors and their shapes)."""
    fingerprint_source: SourceId | None = None
    """The entry of `sources` that shows the file has its fingerprint's architecture, where the file's own source
    does not: its header as read on the Hub at a revision (written by `tools/sync_hub.py --write`), or the
    publisher's code that loads the file as that model."""
    source: SourceId
    """Which entry of `sources` states what the file holds."""


class License(Model):
    """The licence the weights are published under."""

    id: Annotated[str, Field(pattern=LICENSE_PATTERN)] | None = None
    """The Hub's licence id, e.g. `creativeml-openrail-m`; left out when the Hub has none (it then shows `other`)."""
    name: Text
    """The licence's own name, e.g. "CreativeML Open RAIL++-M License"."""
    url: Annotated[str, Field(pattern=r"^https://\S+$")] | None = None
    """Where its text is."""
    commercial_use: Annotated[CommercialUse, Strict(False)] | None = None
    """What it says of commercial use."""
    terms: Text | None = None
    """The other terms that matter to a user, in the project's own words."""
    source: SourceId
    """Which entry of `sources` states the licence."""
    quote: Text | None = None
    """The few words of the source the licence rests on."""


class PastLicense(License):
    """A licence the weights were published under before the current one."""

    until: PartialDate
    """When it was replaced."""


class ParameterCount(Model):
    """A parameter count and what it counts."""

    value: Annotated[int, Field(gt=0)]
    """The number of parameters."""
    counts: Annotated[ParameterScope, Strict(False)]
    """What it counts."""
    source: SourceId
    """Which entry of `sources` states it."""
    quote: Text | None = None
    """The few words of the source the count rests on."""


class TextEncoderUse(Model):
    """One text encoder of a release and how the release uses it."""

    id: RecordId
    """The text encoder component's id."""
    layer: Text | None = None
    """Which of its outputs the denoiser receives, e.g. "penultimate hidden states and pooled embedding"."""
    max_tokens: Annotated[int, Field(gt=0)] | None = None
    """The longest prompt it reads, in tokens."""
    optional: Annotated[bool, Strict()] = False
    """True when the release also works without it (its embedding replaced by zeros)."""
    source: SourceId
    """Which entry of `sources` states it."""
    quote: Text
    """The few words of the source it rests on."""


class Inference(Model):
    """Sampling defaults the publisher states, where they set a release apart."""

    steps: Annotated[int, Field(gt=0)] | None = None
    """Recommended sampling steps (the upper end of a stated range)."""
    min_steps: Annotated[int, Field(gt=0)] | None = None
    """The lower end of a stated range of steps."""
    guidance_scale: Annotated[float, Field(ge=0), Strict(False)] | None = None
    """Classifier-free guidance scale (0 or 1: no guidance)."""
    shift: Annotated[float, Field(gt=0), Strict(False)] | None = None
    """The timestep shift of a flow-matching scheduler."""
    source: SourceId
    """Which entry of `sources` states them."""
    quote: Text
    """The few words of the source they rest on."""


class Claim(Model):
    """What one source says in a conflict."""

    source: SourceId
    """Which entry of `sources` says it."""
    says: Text
    """What it says, quoted."""


class Conflict(Model):
    """Primary sources that disagree, and which one the record follows."""

    field: Text
    """The field path in question, e.g. `parents[0].id` or `training[1].steps`."""
    claims: Annotated[list[Claim], Field(min_length=2)]
    """What each source says."""
    follows: SourceId
    """Which source the record follows."""
    note: Text | None = None
    """Why, in the project's own words."""


class Record(Model):
    """Fields every kind of record has."""

    kind: str
    """What kind of record it is (each kind narrows this to its own value)."""
    id: RecordId
    """Equals the file stem."""
    name: Text
    """Display name."""
    note: Text | None = None
    """Anything else a reader should know about the record, in the project's own words."""
    sources: dict[SourceId, Source]
    """The primary sources the record's facts cite, by key."""


class Organization(Record):
    """A lab, company or community group that publishes models or data."""

    kind: Literal["organization"]
    """Always `organization`."""
    url: Fact[Annotated[str, Field(pattern=r"^https://\S+$")]] | None = None
    """Home page."""
    hub_org: Fact[Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]] | None = None
    """Organisation name on the Hugging Face Hub."""


class Dataset(Record):
    """A training dataset (or a filtered subset of one)."""

    kind: Literal["dataset"]
    """Always `dataset`."""
    organization: Fact[RecordId] | None = None
    """Who built it."""
    subset_of: Fact[RecordId] | None = None
    """The dataset this one was filtered from."""
    size: Fact[Count] | None = None
    """Number of image-text pairs."""
    filters: Fact[DataFilters] | None = None
    """How it was filtered from `subset_of`."""
    description: Fact[Text] | None = None
    """What it contains, in the project's own words."""


class Lineage(Record):
    """Fields shared by everything with weights: releases and components."""

    organization: Fact[RecordId]
    """Who published it."""
    released: Fact[PartialDate] | None = None
    """Release date."""
    license: License | None = None
    """The licence the weights are published under now."""
    license_history: list[PastLicense] = []
    """Earlier licences, newest first."""
    papers: list[Fact[Annotated[str, Field(pattern=ARXIV_PATTERN)]]] = []
    """arXiv ids of the papers describing it."""
    hub: Hub | None = None
    """Hub identity."""
    from_scratch: Annotated[bool, Strict()] | None
    """True when trained from random initialisation, false when built on a parent's weights, null when no source
    states how it was initialised. Always written out: never implied by an empty `parents`."""
    parents: list[Parent] = []
    """Where it comes from."""
    training: list[TrainingStage] = []
    """Training stages, in order."""
    parameters: list[ParameterCount] = []
    """Parameter counts, each saying what it counts."""
    checkpoints: list[Checkpoint] = []
    """Downloadable weights files."""
    conflicts: list[Conflict] = []
    """Where primary sources disagree."""


class Component(Lineage):
    """A part a release is built from: text encoder, image encoder, autoencoder, depth estimator."""

    kind: Literal["component"]
    """Always `component`."""
    role: Annotated[ComponentKind, Strict(False)]
    """What it does inside a release."""
    architecture: Fact[Text] | None = None
    """Model class, e.g. `CLIPTextModel` (the `architectures` entry of its config)."""
    hidden_size: Fact[Annotated[int, Field(gt=0)]] | None = None
    """Width of the embedding it outputs (text encoders)."""
    downsampling_factor: Fact[Annotated[int, Field(gt=0)]] | None = None
    """Pixels per latent pixel along a side (autoencoders)."""
    latent_channels: Fact[Annotated[int, Field(gt=0)]] | None = None
    """Channels of the latent (autoencoders)."""


class Release(Lineage):
    """A model release: a set of weights published under one name."""

    kind: Literal["release"]
    """Always `release`."""
    family: Annotated[Family, Strict(False)]
    """The release line it belongs to."""
    task: Annotated[Task, Strict(False)]
    """What it generates from what."""
    availability: Fact[Annotated[Availability, Strict(False)]] | None = None
    """How the weights can be had; left out for ordinary open weights."""
    architecture: Fact[Annotated[Architecture, Strict(False)]] | None = None
    """The denoiser's network design."""
    text_encoders: list[TextEncoderUse] = []
    """Text encoders, in the order the release feeds them."""
    conditioning_models: list[Fact[RecordId]] = []
    """Components that compute extra conditioning from the input, e.g. a depth estimator."""
    training_data: Fact[Text] | None = None
    """What the publisher says of the training data where no dataset record applies (e.g. that it is undisclosed)."""
    inference: Inference | None = None
    """Sampling defaults the publisher states."""
    image_encoder: Fact[RecordId] | None = None
    """Image encoder component id, for image-conditioned releases."""
    prediction_type: Fact[Annotated[PredictionType, Strict(False)]] | None = None
    """What the denoiser predicts."""
    autoencoder: Fact[RecordId] | None = None
    """Autoencoder component id."""
    resolution: Fact[Pixels] | None = None
    """Native output resolution (side of the square, in pixels)."""
    nsfw_filtering: Fact[Text] | None = None
    """How unsafe content was kept out of training data or outputs, in the project's own words."""


TENSOR_NAME_PATTERN = r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$"


class Adjustment(Model):
    """A choice the derivation makes beyond the config, with the source that states it: the model version a training
    script builds, or the one change a release that publishes no config of its own makes to one that does."""

    option: Text
    """The command's option that makes the choice, e.g. `--in-channels 9`."""
    source: SourceId
    quote: Text
    """The source's words that state the change."""


class Derivation(Model):
    """How a fingerprint's shapes were obtained, so that anyone can obtain them again."""

    source: SourceId
    """The entry of `sources` the shapes come from: the publisher's config at a pinned commit, or a Hub file header."""
    command: Text
    """The command that derives the shapes from that source, e.g. `python tools/fingerprint.py v1-inference.yaml`."""
    naming: SourceId | None = None
    """The entry of `sources` that defines the layout's tensor names, when they are not the training code's (the
    diffusers library's conversion of original checkpoints)."""
    adjusted: list[Adjustment] = []
    """Choices the command's options make beyond the config, each with its own source."""


class Fingerprint(Record):
    """The distinctive tensors of a denoiser or autoencoder architecture and their shapes: what a checkpoint's header
    must show."""

    kind: Literal["fingerprint"]
    """Always `fingerprint`."""
    architecture: Annotated[Architecture, Strict(False)]
    """The network's design."""
    layout: Annotated[Layout, Strict(False)]
    """How the tensors are named."""
    tensors: Annotated[dict[Annotated[str, Field(pattern=TENSOR_NAME_PATTERN)], list[Count]], Field(min_length=1)]
    """Tensor name -> shape, for the tensors that tell architectures apart: the first and last convolutions, the first
    cross-attention's key projection, the transformer's input projection, the class or size embedding."""
    derived: Derivation
    """Where the shapes come from and how."""


KINDS: dict[str, type[Record]] = {
    "release": Release,
    "component": Component,
    "dataset": Dataset,
    "organization": Organization,
    "fingerprint": Fingerprint,
}


RESERVED_IDS = frozenset({"index", "timeline", "tags", "families", "fields"})
"""Names of the generated pages that sit next to record pages: a record with one of these ids would replace them."""


def id_slug(record_id: str) -> str:
    """The id as URLs and anchors tend to normalise it: two ids with the same slug are too easily confused."""
    return re.sub(r"[.-]+", "-", record_id)


def is_valid_id(text: str) -> bool:
    """Whether `text` may be a record id (and so a file stem and a URL path segment)."""
    return re.fullmatch(ID_PATTERN, text) is not None
