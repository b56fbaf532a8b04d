"""Generating the site's Markdown pages from the records; knows nothing of any site generator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..escape import html_text
from ..evidence.compare import counterparts, fingerprint_releases, weight_evidence
from ..records import lineage, model
from ..records.check import references
from ..records.load import KnowledgeBase
from ..records.schema import field_reference, schema_text
from .export import export_schema_text, to_csv, to_edges_csv, to_graphml, to_json
from .graph import SMALL_SITE, family_dot, legend
from .identify_data import identify_data
from .markdown import code, environment, finalize, folder, graph_placeholder, link


class PageContext:
    """Prepared values for one record's page: facts with footnotes, links to other records."""

    def __init__(self, knowledge: KnowledgeBase, record: model.Record | None) -> None:
        self.knowledge = knowledge
        self.record = record

    def cite(self, key: str) -> Markup:
        return Markup(f"[^{key}]")

    def fact(self, value: model.Fact[Any] | None, unit: str = "") -> Markup:
        if value is None:
            return self.not_stated()
        shown = value.value
        if isinstance(shown, list):
            text = Markup(", ").join(self.ref(item) if item in self.knowledge.records else finalize(item) for item in shown)
        elif isinstance(shown, str) and shown in self.knowledge.records and not isinstance(value.value, model.Vocabulary):
            text = self.ref(shown)
        elif isinstance(shown, int) and not isinstance(shown, bool):
            text = finalize(f"{shown:,}{unit}")
        else:
            text = finalize(shown)
        return text + self.cite(value.source)

    def not_stated(self) -> Markup:
        """What a page shows for a fact no source in the knowledge base states, and where to contribute it."""
        return Markup('not stated ([add a source](../contribute.md "How to contribute a fact with its source"))')

    def ref(self, record_id: str) -> Markup:
        target = self.knowledge.records.get(record_id)
        if target is None:
            return finalize(record_id)
        return link(target.name, f"../{folder(target)}/{record_id}.md")


def record_page(site: Site, record: model.Record, edit_url: str) -> str:
    """The Markdown page of one record."""
    knowledge = site.knowledge
    context = PageContext(knowledge, record)
    values: dict[str, Any] = {"r": record, "c": context, "edit_url": edit_url, "model": model, "graph": graph_placeholder(record.id)}
    if isinstance(record, model.Lineage):
        values["children"] = site.graph.children.get(record.id, [])
        values["history"] = history_rows(site.histories.rows(record.id) or [])
        values["steps_from_scratch"] = site.histories.steps_from_scratch(record.id)
        family = site.family_of.get(record.id)
        values["family"] = link(model.Family(family).heading, f"../families/{family}.md") if family else None
    values.update(text_encoder_details=text_encoder_details, license_details=license_details, inference_details=inference_details)
    values["evidence"] = lambda parent: edge_evidence(knowledge, record, parent)
    values["used_by"] = site.used_by.get(record.id, [])
    if isinstance(record, model.Fingerprint):
        values["counterparts"] = counterparts(knowledge, record)
        values["through_counterparts"] = [r for r in fingerprint_releases(knowledge, record) if r not in values["used_by"]]
    return front_matter(record.name, tags(knowledge, record)) + site.env.get_template(f"{record.kind}.md.j2").render(values)


def edge_evidence(knowledge: KnowledgeBase, record: model.Record, parent: model.Parent) -> str:
    """What the checkpoints' fingerprints say of an edge; pipeline and successor edges share no weights to compare."""
    if parent.relation not in model.WEIGHT_RELATIONS:
        return "not a weight edge"
    return str(weight_evidence(knowledge, record, parent.id))


def text_encoder_details(encoder: model.TextEncoderUse) -> Markup:
    """How a release uses one text encoder, e.g. " (penultimate layer, 77 tokens, optional)"."""
    details = [finalize(encoder.layer)] if encoder.layer else []
    if encoder.max_tokens:
        details.append(finalize(f"{encoder.max_tokens} tokens"))
    if encoder.optional:
        details.append(Markup("optional"))
    return Markup(" (") + Markup(", ").join(details) + Markup(")") if details else Markup("")


def license_details(license: model.License) -> Markup:
    """A licence's name (linked to its text), Hub id, commercial-use terms and other terms."""
    shown = link(license.name, license.url) if license.url else finalize(license.name)
    if license.id:
        shown += Markup(" (Hub id ") + code(license.id) + Markup(")")
    if license.commercial_use:
        shown += Markup("; commercial use: ") + finalize(license.commercial_use)
    if license.terms:
        shown += Markup("; ") + finalize(license.terms)
    return shown


def inference_details(inference: model.Inference) -> Markup:
    """Stated sampling defaults, e.g. "1-4 steps, guidance 0, shift 3"."""
    parts = []
    if inference.steps:
        parts.append(f"{inference.min_steps}-{inference.steps} steps" if inference.min_steps else f"{inference.steps} steps")
    if inference.guidance_scale is not None:
        parts.append(f"guidance scale {inference.guidance_scale:g}")
    if inference.shift is not None:
        parts.append(f"shift {inference.shift:g}")
    return finalize(", ".join(parts))


PREDICTION_TAGS = {model.PredictionType.epsilon: "epsilon", model.PredictionType.v_prediction: "v-prediction", model.PredictionType.flow: "flow"}


def tags(knowledge: KnowledgeBase, record: model.Record) -> list[str]:
    """Tags of a record's page: organisation, task, prediction type, encoders, Hub status."""
    found: list[str] = []
    if isinstance(record, (model.Lineage, model.Dataset)) and record.organization:
        organization = knowledge.records.get(record.organization.value)
        found.append(organization.name if organization else record.organization.value)
    if isinstance(record, model.Release):
        found.append(record.task.value)
        if record.availability and record.availability.value is model.Availability.api_only:
            found.append("API only")
        if record.prediction_type:
            found.append(PREDICTION_TAGS[record.prediction_type.value])
        for encoder_id in [*(e.id for e in record.text_encoders), *([record.image_encoder.value] if record.image_encoder else [])]:
            encoder = knowledge.records.get(encoder_id)
            found.append(encoder.name if encoder else encoder_id)
    if isinstance(record, model.Component):
        found.append(record.role.value)
    if isinstance(record, model.Lineage) and record.hub and record.hub.status is not model.HubStatus.live:
        found.append(f"{record.hub.status.value} on the Hub")
    return list(dict.fromkeys(found))


def front_matter(title: str, page_tags: list[str]) -> str:
    """YAML front matter with the page's title and tags. The theme inserts both into HTML as they are (its `<title>`,
    tag chips, tags page and search results), so they are HTML-escaped here; JSON strings are valid YAML."""
    lines = [f"title: {json.dumps(html_text(title))}\n"]
    if page_tags:
        lines += ["tags:\n", *(f"  - {json.dumps(html_text(tag))}\n" for tag in page_tags)]
    return "---\n" + "".join(lines) + "---\n\n"


HISTORY_HEAD, HISTORY_TAIL = 4, 8
"""A history longer than head + tail shows its first and last stages around one "N more stages" row."""


def history_rows(history: list[lineage.StageRow]) -> list[tuple[int, lineage.StageRow | None]]:
    """(stage number, stage) rows for the training table; a None stage stands for the stages left out, counted."""
    numbered: list[tuple[int, lineage.StageRow | None]] = list(enumerate(history, start=1))
    if len(history) <= HISTORY_HEAD + HISTORY_TAIL + 1:
        return numbered
    return [*numbered[:HISTORY_HEAD], (len(history) - HISTORY_HEAD - HISTORY_TAIL, None), *numbered[-HISTORY_TAIL:]]


def used_by(knowledge: KnowledgeBase) -> dict[str, list[model.Record]]:
    """For each record id, the records that reference it in a field other than their parents, sorted by id."""
    found: dict[str, dict[str, model.Record]] = {}
    for record in knowledge.records.values():
        for loc, target, _, _ in references(record):
            if loc[0] != "parents":
                found.setdefault(target, {})[record.id] = record
    return {target: [users[key] for key in sorted(users)] for target, users in found.items()}


class Site:
    """What page generation needs, computed once: the template environment and the indexes over the records."""

    def __init__(self, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge
        self.env = environment()
        self.env.globals["legend"] = lambda opened=False: Markup(legend(opened))
        self.graph = lineage.Graph(knowledge)
        self.histories = lineage.Histories(knowledge)
        self.used_by = used_by(knowledge)
        self.families = lineage.release_families(self.graph)
        self.family_of = {member: family for family, members in self.families.items() for member in members}


def pages(knowledge: KnowledgeBase, edit_base: str = "") -> dict[str, str]:
    """Every generated page, by its path under the docs folder; `edit_base` + a record's path is where to edit it."""
    site = Site(knowledge)
    env, context = site.env, PageContext(knowledge, None)
    result: dict[str, str] = {}
    for record_id, record in sorted(knowledge.records.items()):
        edit_url = edit_base + relative_path(knowledge, record_id) if edit_base else ""
        result[f"{folder(record)}/{record_id}.md"] = record_page(site, record, edit_url)
    families = site.families
    family_rows = [family_row(knowledge, family, members) for family, members in families.items()]
    result["index.md"] = env.get_template("home.md.j2").render(families=[home_row(knowledge, row) for row in family_rows])
    for family, members in families.items():
        rows = [release_row(site, release) for m in members if isinstance(release := knowledge.records[m], model.Release)]
        result[f"families/{family}.md"] = env.get_template("family.md.j2").render(
            family=model.Family(family), rows=rows, graph=graph_placeholder(f"family-{family}"), c=context
        )
    small = len(knowledge.releases) <= SMALL_SITE
    in_family_order = [release for members in families.values() for m in members if isinstance(release := knowledge.records[m], model.Release)]
    rows = [release_row(site, release) for release in in_family_order] if small else []
    result["releases/index.md"] = env.get_template("releases-index.md.j2").render(rows=rows, families=family_rows, graph=graph_placeholder("family"), c=context)
    result["releases/timeline.md"] = env.get_template("timeline.md.j2").render(months=timeline(knowledge), c=context)
    kinds = (("components", model.Component), ("datasets", model.Dataset), ("organizations", model.Organization))
    for name, kind in kinds:
        result[f"{name}/index.md"] = env.get_template("kind-index.md.j2").render(title=name.capitalize(), records=knowledge.of_kind(kind), ctx=context)
    fingerprints = [fingerprint_row(knowledge, f) for f in knowledge.of_kind(model.Fingerprint)]
    result["fingerprints/index.md"] = env.get_template("fingerprints-index.md.j2").render(rows=fingerprints, c=context)
    result["reference/fields.md"] = field_reference()
    result["reference/graphs.md"] = env.get_template("graphs.md.j2").render()
    return result


def fingerprint_row(knowledge: KnowledgeBase, fingerprint: model.Fingerprint) -> dict[str, Any]:
    """One row of the fingerprints table: the design, the layout, and the records with a checkpoint of it."""
    return {
        "id": fingerprint.id,
        "architecture": fingerprint.architecture.value,
        "layout": fingerprint.layout.value,
        "tensors": len(fingerprint.tensors),
        "records": [r.id for r in fingerprint_releases(knowledge, fingerprint)],
    }


def family_row(knowledge: KnowledgeBase, family: str, members: list[str]) -> dict[str, Any]:
    """One row of the family list: its name, size, the span of its release dates, its denoisers and publishers."""
    releases = [r for m in members if isinstance(r := knowledge.records[m], model.Release)]
    dates = sorted(r.released.value for r in releases if r.released)
    organizations = sorted({r.organization.value for r in releases})
    return {
        "id": family,
        "family": link(model.Family(family).heading, f"../families/{family}.md"),
        "about": model.Family(family).doc,
        "architectures": ", ".join(sorted({r.architecture.value.value for r in releases if r.architecture})),
        "organizations": Markup(", ").join(
            link(short_name(knowledge.records[o]), f"../organizations/{o}.md") if o in knowledge.records else finalize(o) for o in organizations
        ),
        "releases": len(members),
        "first": dates[0] if dates else "",
        "last": dates[-1] if dates else "",
    }


def home_row(knowledge: KnowledgeBase, row: dict[str, Any]) -> dict[str, Any]:
    """A family row as the home page shows it: links from the site root rather than from a section."""
    family = model.Family(row["id"])
    organizations = sorted({r.organization.value for r in knowledge.releases if r.family is family})
    return row | {
        "family": link(family.heading, f"families/{family.value}.md"),
        "organizations": Markup(", ").join(
            link(short_name(knowledge.records[o]), f"organizations/{o}.md") if o in knowledge.records else finalize(o) for o in organizations
        ),
    }


def short_name(record: model.Record) -> str:
    """A record's name without its parenthesised qualifier, for narrow table cells: names are written "Head (detail)"."""
    return record.name.partition(" (")[0]


def relative_path(knowledge: KnowledgeBase, record_id: str) -> str:
    """A record file's path from the repository root (the folder above the records)."""
    path = Path(knowledge.documents[record_id].path).resolve()
    return path.relative_to(knowledge.root.resolve().parent).as_posix()


def release_row(site: Site, release: model.Release) -> dict[str, Any]:
    """One row of the comparison table: facts only, empty where no source states them."""
    knowledge = site.knowledge
    steps = site.histories.steps_from_scratch(release.id)
    from_scratch = {True: "from scratch", False: "", None: "not stated"}[release.from_scratch]
    return {
        "release": short_link(knowledge, release.id),
        "family": release.family.heading,
        "organization": short_link(knowledge, release.organization.value),
        "released": release.released.value if release.released else "",
        "parents": Markup("<br>").join(
            short_link(knowledge, p.id) + finalize(f" ({parent_relation(p)}{evidence_mark(knowledge, release, p)})") for p in release.parents
        )
        or from_scratch,
        "architecture": release.architecture.value.value if release.architecture else "",
        "steps": f"{steps:,}" if steps is not None else "",
        "resolution": release.resolution.value if release.resolution else "",
        "text_encoders": Markup("<br>").join(
            short_link(knowledge, e.id) + (Markup(" (optional)") if e.optional else Markup("")) for e in release.text_encoders
        ),
        "prediction": release.prediction_type.value.value if release.prediction_type else "",
        "punsafe": punsafe_history(site.histories.rows(release.id) or []),
        "license": license_text(release.license),
    }


def license_text(license: model.License | None) -> str:
    """A licence in a table cell: its Hub id (or name) and what it says of commercial use."""
    if license is None:
        return ""
    shown = license.id or license.name
    return f"{shown}; commercial use {license.commercial_use.value}" if license.commercial_use else shown


def parent_relation(parent: model.Parent) -> str:
    """A parent edge's relation, with the distillation method where there is one."""
    return f"{parent.relation.value}, {parent.method.value}" if parent.method else parent.relation.value


def evidence_mark(knowledge: KnowledgeBase, release: model.Release, parent: model.Parent) -> str:
    """A short word on what the fingerprints say of a weight edge, for a table cell."""
    if parent.relation not in model.WEIGHT_RELATIONS:
        return ""
    evidence = weight_evidence(knowledge, release, parent.id)
    return "; shapes differ" if evidence.differs else f"; shapes match ({evidence.compared} tensors)" if evidence.compared else ""


def short_link(knowledge: KnowledgeBase, record_id: str) -> Markup:
    """A link to a record labelled with its short name, for narrow table cells."""
    target = knowledge.records.get(record_id)
    return link(short_name(target), f"../{folder(target)}/{record_id}.md") if target else finalize(record_id)


def punsafe_history(history: list[lineage.StageRow]) -> str:
    """The NSFW (`punsafe`) thresholds of the training stages behind a checkpoint, in order, e.g. `0.1 → 0.98`."""
    values = [row.stage.filters.punsafe for row in history if row.stage.filters]
    return " → ".join(dict.fromkeys(f"{v:g}" for v in values if v is not None))


def timeline(knowledge: KnowledgeBase) -> list[tuple[str, list[model.Lineage]]]:
    """Dated releases and components grouped by month, oldest first."""
    dated = sorted((r for r in knowledge.of_kind(model.Lineage) if r.released), key=lambda r: (r.released.value, r.id))
    months: dict[str, list[model.Lineage]] = {}
    for record in dated:
        months.setdefault(record.released.value[:7], []).append(record)
    return list(months.items())


def data_files(knowledge: KnowledgeBase) -> dict[str, str]:
    """The machine-readable exports published with the site, by file name."""
    return {
        "lineage.json": to_json(knowledge),
        "lineage.schema.json": export_schema_text(),
        "lineage.csv": to_csv(knowledge),
        "lineage-edges.csv": to_edges_csv(knowledge),
        "lineage.dot": family_dot(knowledge, ""),
        "lineage.graphml": to_graphml(knowledge),
        "schema.json": schema_text(),
        "identify.json": identify_data(knowledge),
    }


def write(pages_by_path: dict[str, str], out: Path) -> None:
    """Write generated pages to a folder, for site generators that do not run hooks."""
    for path, text in pages_by_path.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
