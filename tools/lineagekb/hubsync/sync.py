"""Comparing records with what the Hub states: which repositories to ask, and the findings where they disagree."""

from __future__ import annotations

import re
from typing import Any

from ..evidence.headers import header_fingerprint
from ..records import model
from ..records.document import Location
from ..records.load import KnowledgeBase
from .findings import Finding, SyncResult, Unchecked
from .hub import HubError, Job, NotFound, RepoFacts, header_source

CLASS_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ENCODER_SLOTS = ("text_encoder", "text_encoder_2", "text_encoder_3")
"""The folders of a diffusers pipeline's text encoders, in the order the pipeline feeds them."""
FLOW_SCHEDULER = "FlowMatch"
"""Schedulers whose class name starts with this sample a flow-matching (rectified-flow) model: prediction type `flow`."""
PROJECTION = "WithProjection"
"""`CLIPTextModelWithProjection` is `CLIPTextModel` with its projection head loaded: the same encoder."""
Answers = dict[str, RepoFacts | HubError]


def hub_records(knowledge: KnowledgeBase, ids: list[str] | None = None) -> list[model.Lineage]:
    """The records with a Hub repository, sorted by id (only `ids`, when given)."""
    chosen = [r for r in knowledge.of_kind(model.Lineage) if r.hub is not None]
    return [r for r in chosen if ids is None or r.id in ids]


DIFFUSERS_WEIGHTS = "diffusion_pytorch_model.safetensors"
"""The weights file of a diffusers folder (when not sharded)."""


def weights_file(checkpoint: model.Checkpoint) -> str | None:
    """The safetensors file whose header shows a checkpoint's tensors: the file itself, or a diffusers folder's
    single weights file (read only for a folder with a fingerprint: the folder name does not say which model it holds)."""
    if checkpoint.url:  # not on the Hub
        return None
    if checkpoint.file.endswith(".safetensors"):
        return checkpoint.file
    if checkpoint.format is model.CheckpointFormat.diffusers and checkpoint.fingerprint:
        return checkpoint.file.rstrip("/") + "/" + DIFFUSERS_WEIGHTS
    return None


def jobs(records: list[model.Lineage]) -> dict[str, Job]:
    """The repositories to ask about, whether their configs are wanted (a release's own repos, and the repos holding a
    release's diffusers-format checkpoint, e.g. SD 3 Medium's separate `-diffusers` repository), and which files'
    headers to read (the fingerprinted safetensors checkpoints, in the repo that holds them)."""
    configs: dict[str, bool] = {}
    headers: dict[str, set[str]] = {}
    for record in records:
        assert record.hub is not None
        release = isinstance(record, model.Release)
        for repo in [record.hub.repo, *record.hub.mirrors]:
            configs[repo] = configs.get(repo, False) or release
        for checkpoint in record.checkpoints:
            if checkpoint.repo:
                diffusers = release and checkpoint.format is model.CheckpointFormat.diffusers
                configs[checkpoint.repo] = configs.get(checkpoint.repo, False) or diffusers
            # every single safetensors file's header is read (a file without its fingerprint may fit one, which
            # `--write` fills in, or show a design no fingerprint records yet), and a fingerprinted folder's
            weights = weights_file(checkpoint)
            if weights:
                headers.setdefault(checkpoint.repo or record.hub.repo, set()).add(weights)
    return {repo: Job(wanted, frozenset(headers.get(repo, ()))) for repo, wanted in configs.items()}


def compare(knowledge: KnowledgeBase, records: list[model.Lineage], answers: Answers) -> SyncResult:
    """Every finding and unchecked repository for `records`, given the Hub's answers."""
    result = SyncResult([r.id for r in records])
    repo_records = {repo.lower(): r.id for r in knowledge.of_kind(model.Lineage) if r.hub for repo in [r.hub.repo, *r.hub.mirrors]}
    for record in records:
        _Comparison(knowledge, record, answers, repo_records, result).run()
    result.checked = sorted({repo for repo, answer in answers.items() if isinstance(answer, RepoFacts | NotFound)})
    result.findings.sort(key=lambda f: (f.record, f.line, f.field, f.kind))
    result.unchecked = sorted(set(result.unchecked), key=lambda u: (u.record, u.repo, u.reason))
    return result


class _Comparison:
    """The findings for one record."""

    def __init__(self, knowledge: KnowledgeBase, record: model.Lineage, answers: Answers, repo_records: dict[str, str], result: SyncResult) -> None:
        assert record.hub is not None
        self.knowledge, self.record, self.hub, self.answers = knowledge, record, record.hub, answers
        self.repo_records, self.result = repo_records, result
        self.document = knowledge.documents[record.id]

    def check_unfingerprinted(self, facts: RepoFacts, checkpoint: model.Checkpoint, loc: Location, path: str, header: dict[str, list[int]]) -> None:
        """A header that shows a recorded design no fingerprint fits: the command that derives its fingerprint."""
        try:
            design, layout, tensors = header_fingerprint(header)
        except ValueError:
            return  # not a network the knowledge base fingerprints (a text encoder, say)
        revision = f" --revision {facts.sha}" if facts.sha else ""
        detail = f"{design}, {layout} layout, {len(tensors)} distinctive tensors; derive: python tools/fingerprint.py --hub {facts.id} {path}{revision}"
        self.add(facts.id, "unfingerprinted", (*loc, "fingerprint"), None, design, checkpoint.source, detail)

    def header_source(self, repo: str, revision: str, path: str) -> tuple[str, dict[str, str]]:
        """A `sources` entry for a header read on the Hub, under a key the record does not use yet."""
        taken = set(self.record.sources) | {f.cites[0] for f in self.result.findings if f.cites and f.record == self.record.id}
        key = next(k for k in ("hub-header", *(f"hub-header-{n}" for n in range(2, 1000))) if k not in taken)
        return key, header_source(repo, revision, path)

    def add(
        self,
        repo: str,
        kind: str,
        loc: Location,
        record_value: Any,
        hub_value: Any,
        source: str | None = None,
        detail: str | None = None,
        cites: tuple[str, dict[str, str]] | None = None,
    ) -> None:
        severity = "info" if record_value is None else "drift"
        self.result.findings.append(
            Finding(
                self.record.id,
                repo,
                kind,
                loc,
                record_value,
                hub_value,
                severity,
                self.document.path,
                self.document.line_of(loc),
                source,
                detail,
                cites,
            )
        )

    def answer(self, repo: str) -> RepoFacts | HubError | None:
        answer = self.answers.get(repo)
        if isinstance(answer, HubError) and not isinstance(answer, NotFound):
            self.result.unchecked.append(Unchecked(self.record.id, repo, answer.reason))
        return answer

    def run(self) -> None:
        facts = self.check_repo()
        for index, mirror in enumerate(self.hub.mirrors):
            answer = self.answer(mirror)
            if isinstance(answer, NotFound):
                self.add(mirror, "repo-missing", ("hub", "mirrors", index), mirror, "not found", self.hub.source)
            elif isinstance(answer, RepoFacts):
                self.check_identity(mirror, answer, ("hub", "mirrors", index))
                facts = facts or answer
        if facts is not None:
            self.check_card(facts)
            self.check_revision(facts)
        if isinstance(self.record, model.Release):
            pipeline = self.diffusers_repo(facts)
            if pipeline is not None:
                self.check_configs(pipeline, self.record)
        self.check_checkpoints(facts)

    def diffusers_repo(self, own: RepoFacts | None) -> RepoFacts | None:
        """The repo whose diffusers configs state the release's facts: its own when it is in the diffusers layout,
        else the repo of its diffusers-format checkpoint (SD 3 Medium keeps those in a separate repository)."""
        if own is not None and "model_index.json" in own.files:
            return own
        for checkpoint in self.record.checkpoints:
            if checkpoint.repo and checkpoint.format is model.CheckpointFormat.diffusers:
                answer = self.answers.get(checkpoint.repo)
                if isinstance(answer, RepoFacts) and "model_index.json" in answer.files:
                    return answer
        return own

    def check_repo(self) -> RepoFacts | None:
        """The repository itself against the record's status; its facts when it answers."""
        repo, status = self.hub.repo, self.hub.status
        answer = self.answer(repo)
        if isinstance(answer, NotFound):
            if status is not model.HubStatus.removed:
                self.add(repo, "repo-missing", ("hub", "status"), str(status), "removed", self.hub.source)
            return None
        if not isinstance(answer, RepoFacts):
            return None
        if status is model.HubStatus.removed:
            self.add(repo, "status", ("hub", "status"), "removed", "gated" if answer.gated else "live", self.hub.source)
        elif (status is model.HubStatus.gated) != answer.gated:
            self.add(repo, "gated", ("hub", "status"), str(status), "gated" if answer.gated else "live", self.hub.source)
        self.check_identity(repo, answer, ("hub", "repo"))
        return answer

    def check_identity(self, repo: str, facts: RepoFacts, loc: Location) -> None:
        if facts.id.lower() != repo.lower():
            self.add(repo, "repo-renamed", loc, repo, facts.id, self.hub.source)
        if facts.disabled:
            self.add(repo, "repo-missing", loc, repo, "disabled", self.hub.source)

    def check_card(self, facts: RepoFacts) -> None:
        """License and base models declared in the card metadata."""
        recorded = self.record.license
        # the Hub shows `other` for every licence it has no id for; a record without an id agrees with it
        expected = recorded.id or "other" if recorded else None
        if facts.license and expected != facts.license:
            self.add(facts.id, "license", ("license", "id"), expected, facts.license, recorded.source if recorded else None)
        own = {self.record.id}
        for base in facts.base_models:
            parent_id = self.repo_records.get(base.lower())
            if parent_id in own:
                continue
            index = next((i for i, p in enumerate(self.record.parents) if p.id == parent_id), None)
            if index is None:
                shown = f"{base} ({parent_id})" if parent_id else f"{base} (not recorded)"
                parents = [f"{p.id} ({p.relation})" for p in self.record.parents]
                self.add(facts.id, "base-model", ("parents",), parents, shown)
                continue
            parent = self.record.parents[index]
            if facts.base_model_relation and facts.base_model_relation != parent.relation:
                self.add(facts.id, "base-model", ("parents", index, "relation"), str(parent.relation), facts.base_model_relation, parent.source)

    def check_revision(self, facts: RepoFacts) -> None:
        if facts.sha and facts.sha != self.hub.revision:
            self.add(facts.id, "revision", ("hub", "revision"), self.hub.revision, facts.sha, self.hub.source)
        if facts.last_modified and facts.last_modified != self.hub.last_modified:
            self.add(facts.id, "revision", ("hub", "last_modified"), self.hub.last_modified, facts.last_modified, self.hub.source)

    def check_configs(self, facts: RepoFacts, release: model.Release) -> None:
        """Facts the diffusers configs reveal: prediction type, scheduler shift, native resolution, text encoders."""
        if facts.configs_unread:
            self.result.unchecked.append(Unchecked(self.record.id, facts.id, f"configs not read: {facts.configs_unread}"))
        scheduler = facts.configs.get("scheduler/scheduler_config.json")
        if isinstance(scheduler, dict):
            self.check_prediction_type(facts, release, scheduler)
            self.check_shift(facts, release, scheduler)
        self.check_resolution(facts, release)
        self.check_text_encoders(facts, release)

    def check_prediction_type(self, facts: RepoFacts, release: model.Release, scheduler: dict[str, Any]) -> None:
        scheduler_class = scheduler.get("_class_name")
        if isinstance(scheduler_class, str) and scheduler_class.startswith(FLOW_SCHEDULER):
            predicted = str(model.PredictionType.flow)
        else:
            # diffusers schedulers default to epsilon; early repos leave the key out
            predicted = scheduler.get("prediction_type", "epsilon")
        recorded = release.prediction_type
        if recorded is None or str(recorded.value) != predicted:
            source = recorded.source if recorded else None
            self.add(facts.id, "prediction-type", ("prediction_type", "value"), recorded and str(recorded.value), predicted, source)

    def check_shift(self, facts: RepoFacts, release: model.Release, scheduler: dict[str, Any]) -> None:
        """The flow-matching scheduler's timestep shift, where the record states one (FLUX.1 shifts by image size instead)."""
        recorded = release.inference.shift if release.inference else None
        shift = scheduler.get("shift")
        if recorded is None or isinstance(shift, bool) or not isinstance(shift, int | float):
            return
        if float(shift) != float(recorded):
            assert release.inference is not None
            self.add(facts.id, "shift", ("inference", "shift"), recorded, shift, release.inference.source)

    def check_resolution(self, facts: RepoFacts, release: model.Release) -> None:
        """`sample_size` of the denoiser (the UNet, else the transformer of SD 3) times the autoencoder's factor."""
        autoencoder = self.knowledge.records.get(release.autoencoder.value) if release.autoencoder else None
        factor = autoencoder.downsampling_factor if isinstance(autoencoder, model.Component) else None
        for denoiser in ("unet", "transformer"):
            config = facts.configs.get(f"{denoiser}/config.json")
            if isinstance(config, dict):
                break
        sample_size = config.get("sample_size") if isinstance(config, dict) else None
        if not isinstance(sample_size, int) or isinstance(sample_size, bool) or factor is None:
            return
        native = sample_size * factor.value
        recorded = release.resolution
        if recorded is None or recorded.value != native:
            detail = f"{denoiser} sample_size {sample_size} x {factor.value}"
            self.add(facts.id, "resolution", ("resolution", "value"), recorded and recorded.value, native, recorded.source if recorded else None, detail)

    def encoder_slots(self, facts: RepoFacts) -> list[str] | None:
        """The pipeline's text encoder folders, in order; None when it names its encoders otherwise (LDM's `bert`).

        `model_index.json` says which slots the pipeline fills (SDXL's refiner has `text_encoder: [null, null]` and
        only `text_encoder_2`); without it, the folders present in the repository."""
        index = facts.configs.get("model_index.json")
        if isinstance(index, dict):
            if not any(slot in index for slot in ENCODER_SLOTS):
                return None
            return [slot for slot in ENCODER_SLOTS if isinstance(index.get(slot), list) and any(index[slot])]
        present = [slot for slot in ENCODER_SLOTS if f"{slot}/config.json" in facts.files]
        return present or None

    def check_text_encoders(self, facts: RepoFacts, release: model.Release) -> None:
        """Each text encoder the record lists against the pipeline's encoder in the same position."""
        slots = self.encoder_slots(facts)
        if slots is None:
            return
        for index, use in enumerate(release.text_encoders):
            loc: Location = ("text_encoders", index, "id")
            if index >= len(slots):
                has = ", ".join(slots) or "none"
                self.add(facts.id, "text-encoder", loc, use.id, None, use.source, f"no text encoder #{index + 1}; the pipeline has: {has}")
                continue
            path = f"{slots[index]}/config.json"
            if path not in facts.files:
                self.add(facts.id, "text-encoder", loc, use.id, None, use.source, f"{path} missing")
                continue
            config = facts.configs.get(path)
            encoder = self.knowledge.records.get(use.id)
            if isinstance(config, dict) and isinstance(encoder, model.Component):
                self.check_text_encoder(facts, encoder, use, loc, config)

    def check_text_encoder(self, facts: RepoFacts, encoder: model.Component, use: model.TextEncoderUse, loc: Location, config: dict[str, Any]) -> None:
        # CLIP configs call the width `hidden_size`, T5 configs `d_model`
        hidden = config.get("hidden_size", config.get("d_model"))
        if encoder.hidden_size and isinstance(hidden, int) and hidden != encoder.hidden_size.value:
            detail = f"hidden size: {encoder.id}'s record against the pipeline's encoder config"
            self.add(facts.id, "text-encoder", loc, encoder.hidden_size.value, hidden, use.source, detail)
        architectures = config.get("architectures")
        architecture = architectures[0] if isinstance(architectures, list) and architectures else None
        # only a recorded class name is comparable; a prose architecture such as "open_clip ViT-H-14" is not
        recorded = encoder.architecture.value if encoder.architecture and CLASS_NAME.match(encoder.architecture.value) else None
        if recorded and isinstance(architecture, str) and architecture not in (recorded, recorded + PROJECTION):
            self.add(
                facts.id, "text-encoder", loc, recorded, architecture, use.source, f"model class: {encoder.id}'s record against the pipeline's encoder config"
            )

    def check_checkpoints(self, own: RepoFacts | None) -> None:
        """Each checkpoint file is there, with the recorded size and hash."""
        for index, checkpoint in enumerate(self.record.checkpoints):
            loc: Location = ("checkpoints", index)
            if checkpoint.url:  # not on the Hub
                continue
            if checkpoint.repo is None:
                facts = own
            else:
                answer = self.answer(checkpoint.repo)
                if isinstance(answer, NotFound):
                    self.add(checkpoint.repo, "repo-missing", (*loc, "repo"), checkpoint.repo, "not found", checkpoint.source)
                facts = answer if isinstance(answer, RepoFacts) else None
                if facts is not None:
                    self.check_identity(checkpoint.repo, facts, (*loc, "repo"))
            if facts is not None:
                self.check_file(facts, checkpoint, loc)

    def check_file(self, facts: RepoFacts, checkpoint: model.Checkpoint, loc: Location) -> None:
        name = checkpoint.file
        entry = facts.files.get(name)
        if name.endswith("/") or (entry is None and checkpoint.format is model.CheckpointFormat.diffusers):
            # a folder: a diffusers-format checkpoint is one (Stable Cascade's `decoder`) with or without the slash
            folder = name.rstrip("/") + "/"
            if not any(path.startswith(folder) for path in facts.files):
                self.add(facts.id, "file-missing", (*loc, "file"), name, None, checkpoint.source)
            else:
                self.check_header(facts, checkpoint, loc)
            return
        if entry is None:
            self.add(facts.id, "file-missing", (*loc, "file"), name, None, checkpoint.source)
            return
        if entry.size is not None and entry.size != checkpoint.size_bytes:
            self.add(facts.id, "file-changed", (*loc, "size_bytes"), checkpoint.size_bytes, entry.size, checkpoint.source)
        if entry.sha256 is not None and entry.sha256 != checkpoint.sha256:
            self.add(facts.id, "file-changed", (*loc, "sha256"), checkpoint.sha256, entry.sha256, checkpoint.source)
        self.check_header(facts, checkpoint, loc)

    def check_header(self, facts: RepoFacts, checkpoint: model.Checkpoint, loc: Location) -> None:
        """The live header of a fingerprinted safetensors file (or diffusers folder) against its fingerprint's
        distinctive tensors."""
        fingerprint = self.knowledge.records.get(checkpoint.fingerprint) if checkpoint.fingerprint else None
        path = weights_file(checkpoint)
        if path is None:
            return
        header = facts.headers.get(path)
        if header is None:
            if path not in facts.files and checkpoint.format is model.CheckpointFormat.diffusers:
                note = f"header of {checkpoint.file} not read: no single {DIFFUSERS_WEIGHTS} in the folder (sharded or absent)"
                self.result.unchecked.append(Unchecked(self.record.id, facts.id, note))
            return
        if isinstance(header, str):
            self.result.unchecked.append(Unchecked(self.record.id, facts.id, f"header of {path} not read: {header}"))
            return
        if not isinstance(fingerprint, model.Fingerprint):
            fits = [f for f in self.knowledge.of_kind(model.Fingerprint) if all(header.get(n) == s for n, s in f.tensors.items())]
            if not fits:
                self.check_unfingerprinted(facts, checkpoint, loc, path, header)
            else:
                best = max(fits, key=lambda f: (len(f.tensors), f.id))
                detail = f"every tensor of {best.id} in the header read at revision {facts.sha or 'main'}"
                cites = self.header_source(facts.id, facts.sha, path) if facts.sha else None  # only a pinned revision is cited
                self.add(facts.id, "fingerprint", (*loc, "fingerprint"), None, best.id, checkpoint.source, detail, cites)
            return
        for name, shape in fingerprint.tensors.items():
            found = header.get(name)
            if found != shape:
                detail = f"{name}: {shape} in {fingerprint.id}, {'absent' if found is None else found} in the header"
                self.add(facts.id, "header-changed", (*loc, "fingerprint"), fingerprint.id, None, checkpoint.source, detail)
                return
