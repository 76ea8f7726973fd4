"""Generate a set from a form and download it in every export format.

``GET /generate`` shows the blueprint form (the options of ``archqa generate``); ``POST /generate`` fills the
blueprint with :func:`archqa.generate.generate` and redirects to ``GET /generate?set=TOKEN``, which shows the
preview (titles by topic, counts by difficulty, the validator's verdict) and a download link per registered
export format. A set is kept under a random token in a small in-memory cache (the last ``CACHE_SIZE`` sets);
each download link also carries the options, so a set that has left the cache is rebuilt from them (the same
options and seed give the same set).
"""

from __future__ import annotations

import mimetypes
import re
import secrets
import tempfile
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from archqa.errors import ArchqaError
from archqa.export import ExportOptions, dumps_set, exporters, get_exporter
from archqa.export.render import difficulty_label, slug
from archqa.generate import GeneratedSet, generate, load_bank
from archqa.generate.bank import store_bank
from archqa.generate.select import bank_topics
from archqa.model import CLUSTERS, Blueprint, cluster_of
from archqa.serve.auth import requires
from archqa.serve.config import ServeConfig
from archqa.serve.data import config_of
from archqa.serve.security import csrf_protected
from archqa.serve.templating import error_page, page
from archqa.store import Store
from archqa.validate.engine import format_score

CACHE_SIZE = 16
"""How many generated sets the app keeps for download (the oldest leaves first)."""
MAX_COUNT = 1000
"""The largest set the form asks for (the command line allows more)."""
MAX_LIST = 20
"""At most this many focus tags or languages."""

FORMAT_LABELS = {
    "md": "Markdown (house format)",
    "json": "JSON",
    "html": "HTML page",
    "anki": "Anki deck",
    "interviewer": "Interviewer pack",
}
"""How the built-in formats are named on the buttons; another registered exporter shows its own name."""
SUFFIX_FALLBACK = {"interviewer": "-interviewer.html"}
"""File name endings for formats that register no suffix of their own."""
CONTENT_TYPES = {
    ".md": "text/markdown; charset=utf-8",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".apkg": "application/apkg",
}
TYPE_LABELS = {
    "": "Any type but case studies (default)",
    "case-study": "Case studies (end-to-end design prompts in phases)",
    "design": "Design",
    "trade-off": "Trade-off",
    "concept": "Concept",
    "scenario": "Scenario",
    "operations": "Operations",
}
FLAG_NAMES = {
    "--count": "Number of questions",
    "--mix": "Difficulty mix",
    "--topics": "Topics",
    "--type": "Question type",
    "--focus": "Focus tags",
    "--languages": "Code languages",
    "--allow-shortfall": "“Allow a smaller set”",
    "--bank": "Source",
    "--seed": "Seed",
}
"""The command line's option names in a library message, as the form labels them."""


@dataclass(frozen=True)
class Options:
    """What the form asks for: a blueprint, a title, whether a shortfall is allowed, and the source."""

    count: int = 26
    mix: tuple[int, int, int] = (20, 40, 40)
    topics: tuple[tuple[str, int | None], ...] = ()
    focus: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    type: str = ""
    seed: int = 0
    title: str = ""
    shortfall: bool = False
    source: str = "bank"
    """``bank`` (the bundled bank, or the app's ``--bank``) or ``store`` (the questions imported into the store)."""

    def blueprint(self) -> Blueprint:
        """The library's blueprint for these options."""
        return Blueprint(
            count=self.count,
            mix=self.mix,
            topics=dict(self.topics),
            focus=list(self.focus),
            languages=list(self.languages),
            type=self.type,
            seed=self.seed,
        )

    def fields(self) -> dict[str, Any]:
        """The form's field values for these options (to fill the form and to rebuild the set from a link)."""
        out: dict[str, Any] = {
            "count": str(self.count),
            "mix_f": str(self.mix[0]),
            "mix_i": str(self.mix[1]),
            "mix_a": str(self.mix[2]),
            "topic": [t for t, _ in self.topics],
            "focus": ", ".join(self.focus),
            "languages": ", ".join(self.languages),
            "type": self.type,
            "seed": str(self.seed),
            "title": self.title,
            "source": self.source,
        }
        for t, q in self.topics:
            if q is not None:
                out[f"quota-{slug(t)}"] = str(q)
        if self.shortfall:
            out["shortfall"] = "1"
        return out

    def query(self) -> list[tuple[str, str]]:
        """The options as query pairs (repeated ``topic``), for a download link."""
        pairs: list[tuple[str, str]] = []
        for k, v in self.fields().items():
            pairs += [(k, x) for x in v] if isinstance(v, list) else [(k, v)]
        return pairs


@dataclass(frozen=True)
class TopicChoice:
    """A topic checkbox: the value the blueprint takes (a cluster slug or a topic name), its label, its size."""

    value: str
    label: str
    count: int

    @property
    def key(self) -> str:
        return slug(self.value)


def topic_choices(config: ServeConfig) -> list[TopicChoice]:
    """The bank's topics as the form offers them: one box per cluster (the case studies' files share one), then
    any other topic by name."""
    bank = load_bank(config.bank)
    sizes = Counter(e.topic for e in bank.entries)
    out: dict[str, TopicChoice] = {}
    for name in bank_topics(bank):
        c = cluster_of(name)
        value = c if c is not None else name
        prev = out.get(value)
        label = CLUSTERS[c] if c is not None else name
        out[value] = TopicChoice(value, label, sizes[name] + (prev.count if prev else 0))
    return list(out.values())


def type_choices(config: ServeConfig) -> list[tuple[str, str]]:
    """(value, label) of the question types the bank has, the default first."""
    kinds = {e.kind for e in load_bank(config.bank).entries if e.kind}
    known = [k for k in TYPE_LABELS if k == "" or k in kinds]
    return [(k, TYPE_LABELS[k]) for k in known] + [(k, k) for k in sorted(kinds - set(TYPE_LABELS))]


def _int(raw: str, label: str, low: int, high: int, errors: dict[str, str], key: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        errors[key] = f"{label}: {raw.strip()!r} is not a whole number; write one from {low} to {high}."
        return low
    if not low <= value <= high:
        errors[key] = f"{label}: {value} is out of range; write one from {low} to {high}."
    return value


def _list(raw: str, label: str, errors: dict[str, str], key: str) -> tuple[str, ...]:
    items = tuple(dict.fromkeys(x.strip() for x in raw.split(",") if x.strip()))
    if len(items) > MAX_LIST or any(len(x) > 60 for x in items):
        errors[key] = f"{label}: give at most {MAX_LIST} names of up to 60 characters, separated by commas."
    return items


def parse_options(
    form: ImmutableMultiDict[str, Any], topics: list[TopicChoice], types: list[tuple[str, str]]
) -> tuple[Options, dict[str, str]]:
    """The options a submitted form (or a download link's query) asks for, and a message per field that is
    wrong (empty when every field is fine)."""
    errors: dict[str, str] = {}

    def text(key: str, default: str = "") -> str:
        value = form.get(key, default)
        return value if isinstance(value, str) else default

    count = _int(text("count", "26"), "Number of questions", 1, MAX_COUNT, errors, "count")
    mix = tuple(
        _int(text(k, d), f"{name} share", 0, 100, errors, k)
        for k, d, name in (
            ("mix_f", "20", "Foundational"),
            ("mix_i", "40", "Intermediate"),
            ("mix_a", "40", "Advanced"),
        )
    )
    if not errors.keys() & {"mix_f", "mix_i", "mix_a"} and sum(mix) != 100:
        errors["mix_f"] = f"Difficulty mix: the three shares add up to {sum(mix)} %; make them add up to 100."
    by_value = {t.value: t for t in topics}
    chosen: list[tuple[str, int | None]] = []
    for value in dict.fromkeys(v for v in form.getlist("topic") if isinstance(v, str)):
        if value not in by_value:
            errors["topics"] = f"Topics: {value!r} is not a topic of this bank; tick the boxes shown."
            continue
        raw = text(f"quota-{slug(value)}").strip()
        quota = _int(raw, f"Quota for {by_value[value].label}", 0, MAX_COUNT, errors, "topics") if raw else None
        chosen.append((value, quota))
    qtype = text("type").strip().lower()
    if qtype not in {k for k, _ in types}:
        errors["type"] = f"Question type: {qtype!r} is not a type of this bank; choose one from the list."
    seed = _int(text("seed", "0") or "0", "Seed", 0, 2**31 - 1, errors, "seed")
    title = " ".join(text("title").split())
    if len(title) > 200:
        errors["title"] = "Title: keep it under 200 characters."
    source = text("source", "bank")
    if source not in ("bank", "store"):
        errors["source"] = "Source: choose the bank or the imported questions."
    opts = Options(
        count=count,
        mix=(mix[0], mix[1], mix[2]),
        topics=tuple(chosen),
        focus=_list(text("focus"), "Focus tags", errors, "focus"),
        languages=tuple(x.lower() for x in _list(text("languages"), "Code languages", errors, "languages")),
        type=qtype,
        seed=seed,
        title=title,
        shortfall=bool(text("shortfall")),
        source=source,
    )
    return opts, errors


PHRASES = {
    "pass --allow-shortfall": "tick “Allow a smaller set”",
    "use a larger --bank": "draw from a larger bank",
}


def form_message(exc: ArchqaError) -> str:
    """A library error worded for the form: the command line's option names become the form's labels."""
    text = str(exc)
    for phrase, form_words in PHRASES.items():
        text = text.replace(phrase, form_words)
    return re.sub(r"--[a-z-]+", lambda m: FLAG_NAMES.get(m.group(0), m.group(0)), text)


def build(config: ServeConfig, opts: Options) -> GeneratedSet:
    """Generate the set ``opts`` ask for from the app's bank or store (BlueprintError etc. when it cannot)."""
    if opts.source == "store" and config.team:  # a team's store: what reviewers published, nothing under review
        with Store.open(config.db) as store:
            store.published_only = True
            bank = store_bank(store, "store")
            return generate(opts.blueprint(), bank=bank, allow_shortfall=opts.shortfall, title=opts.title or None)
    if opts.source == "store":
        bank = load_bank(f"store:{config.db}" if config.db is not None else "store")
    else:
        bank = load_bank(config.bank)
    return generate(opts.blueprint(), bank=bank, allow_shortfall=opts.shortfall, title=opts.title or None)


@dataclass
class Cached:
    """A generated set kept for download, with the options that made it and when."""

    options: Options
    result: GeneratedSet
    created: float = field(default_factory=time.time)


T = TypeVar("T")


class Bounded(OrderedDict[str, T]):
    """A thread-safe dict that forgets its least recently used entries beyond ``size``."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size
        self.lock = threading.Lock()

    def put(self, key: str, value: T) -> None:
        with self.lock:
            self[key] = value
            self.move_to_end(key)
            while len(self) > self.size:
                self.popitem(last=False)

    def fetch(self, key: str) -> T | None:
        with self.lock:
            value = self.get(key)
            if value is not None:
                self.move_to_end(key)
            return value


_ATTACH = threading.Lock()


def app_state(request: Request, name: str, factory: Callable[[], T]) -> T:
    """An object the app keeps in ``app.state.<name>``, made on first use."""
    with _ATTACH:
        value = getattr(request.app.state, name, None)
        if value is None:
            value = factory()
            setattr(request.app.state, name, value)
    return value


def sets(request: Request) -> Bounded[Cached]:
    """The app's cache of generated sets."""
    return app_state(request, "generated_sets", lambda: Bounded[Cached](CACHE_SIZE))


# -- downloads --------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    """One export format as a download: its registry name, its label, and the file it makes."""

    format: str
    label: str
    description: str
    filename: str
    content_type: str


def downloads(title: str) -> list[Download]:
    """Every registered export format, as a download of a set titled ``title``."""
    stem = slug(title)[:60].strip("-") or "archqa-set"
    out = []
    for name, cls in sorted(
        exporters().items(), key=lambda kv: (list(FORMAT_LABELS).index(kv[0]) if kv[0] in FORMAT_LABELS else 99, kv[0])
    ):
        ending = cls.suffixes[0] if cls.suffixes else SUFFIX_FALLBACK.get(name, f".{name}")
        suffix = "." + ending.rsplit(".", 1)[-1]
        ctype = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream"
        out.append(Download(name, FORMAT_LABELS.get(name, name), cls.description, stem + ending, ctype))
    return out


def export_bytes(cached: Cached, fmt: str) -> bytes:
    """The set in format ``fmt``, as the file's bytes (ConfigError for an unknown format)."""
    exporter = get_exporter(fmt)
    result = cached.result
    if fmt == "json":  # the document `archqa generate --format json` writes, with the report generate computed
        return dumps_set(result.set, result.report).encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="archqa-download-") as tmp:
        path = Path(tmp) / "set"
        exporter.write(result.set, path, ExportOptions(timestamp=cached.created))
        return path.read_bytes()


# -- pages ------------------------------------------------------------------


def _preview(cached: Cached) -> dict[str, Any]:
    qset = cached.result.set
    by_topic: dict[str, list[Any]] = {}
    for q in qset.questions:
        by_topic.setdefault(q.topic or "Other", []).append(q)
    levels = Counter(difficulty_label(q) for q in qset.questions)
    order = ["Foundational", "Intermediate", "Advanced", "Unrated"]
    return {
        "qset": qset,
        "by_topic": by_topic,
        "levels": [(k, levels[k]) for k in order if levels[k]],
        "report": cached.result.report,
        "score": format_score(cached.result.report.score),
        "shortfalls": [s.describe() for s in cached.result.shortfalls],
    }


def _form_page(
    request: Request,
    values: Mapping[str, Any],
    *,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    message: str = "",
    token: str = "",
    cached: Cached | None = None,
    note: str = "",
) -> Response:
    config = config_of(request)
    ctx: dict[str, Any] = {}
    if cached is not None:
        ctx = _preview(cached)
        query = urlencode([("set", token), *cached.options.query()])
        ctx["downloads"] = [
            (d, f"/generate/download?format={d.format}&{query}") for d in downloads(cached.result.set.title)
        ]
    facets = request.app.state.library.facets()
    return page(
        request,
        "generate.html",
        status_code=status_code,
        active="generate",
        v=values,
        topics=topic_choices(config),
        types=type_choices(config),
        imported=dict(facets["source"]).get("imported", 0),
        errors=dict(errors or {}),
        message=message,
        note=note,
        max_count=MAX_COUNT,
        cached=cached,
        **ctx,
    )


@requires("practice")
def generate_form(request: Request) -> Response:
    """The form; with ``?set=TOKEN``, the preview and downloads of that set under the form that made it."""
    token = request.query_params.get("set", "")
    cached = sets(request).fetch(token) if token else None
    if cached is not None:
        return _form_page(request, cached.options.fields(), token=token, cached=cached)
    note = "That set is no longer kept here; generate it again." if token else ""
    return _form_page(request, Options().fields(), note=note)


def _values(form: ImmutableMultiDict[str, Any]) -> dict[str, Any]:
    """The submitted values as they were typed, to fill the form again after an error."""
    out: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    out["topic"] = [v for v in form.getlist("topic") if isinstance(v, str)]
    return out


@requires("practice")
@csrf_protected
async def generate_post(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_generate, request, form)


def _generate(request: Request, form: ImmutableMultiDict[str, Any]) -> Response:
    """Build the set the form asks for (in a worker thread: it takes a second or more), or the form with why not."""
    config = config_of(request)
    opts, errors = parse_options(form, topic_choices(config), type_choices(config))
    if errors:
        return _form_page(
            request, _values(form), status_code=400, errors=errors, message="Check the fields marked below."
        )
    try:
        result = build(config, opts)
    except ArchqaError as exc:
        return _form_page(request, _values(form), status_code=400, message=form_message(exc))
    token = secrets.token_urlsafe(12)
    sets(request).put(token, Cached(opts, result))
    return RedirectResponse(f"/generate?set={token}#preview", status_code=303)


@requires("practice")
def download(request: Request) -> Response:
    """The set as a file: ``format`` (a registered exporter), ``set`` (its token) and the options that made it,
    which rebuild it when the token has left the cache."""
    params = request.query_params
    fmt = params.get("format", "")
    known = {d.format: d for d in downloads("")}
    if fmt not in known:
        return _plain_error(request, f"Unknown download format {fmt!r}; choose one of {', '.join(sorted(known))}.", 400)
    config = config_of(request)
    token = params.get("set", "")
    cached = sets(request).fetch(token) if token else None
    if cached is None:
        opts, errors = parse_options(params, topic_choices(config), type_choices(config))
        if errors:
            return _plain_error(request, " ".join(errors.values()) + " Generate the set again from the form.", 400)
        try:
            cached = Cached(opts, build(config, opts))
        except ArchqaError as exc:
            return _plain_error(request, form_message(exc), 400)
        if token:
            sets(request).put(token, cached)
    d = next(x for x in downloads(cached.result.set.title) if x.format == fmt)
    data = export_bytes(cached, fmt)
    headers = {"content-disposition": f'attachment; filename="{d.filename}"', "cache-control": "no-store"}
    return Response(data, media_type=d.content_type, headers=headers)


def _plain_error(request: Request, message: str, status: int) -> Response:
    return error_page(
        request,
        status_code=status,
        active="generate",
        message=message,
        hint="Back to the Generate page to build the set.",
    )


__all__ = ["Options", "build", "downloads", "export_bytes", "parse_options"]

ROUTES = [
    Route("/generate", generate_form, methods=["GET"], name="generate"),
    Route("/generate", generate_post, methods=["POST"], name="generate_post"),
    Route("/generate/download", download, methods=["GET"], name="generate_download"),
]
