"""Anki packages (.apkg) with genanki: one note per question, a sub-deck per topic, stable ids.

Ids are derived, never random: the note type's id is fixed, a deck's id is a
hash of its full name, and a note's GUID is ``genanki.guid_for(question.id)``.
Importing a re-exported package into Anki therefore updates the notes it
already has (same GUID) instead of adding duplicates, and keeps their
review history.

Mermaid diagrams are drawn on the card: a package with one ships the vendored
Mermaid as the media file MERMAID_MEDIA (its name starts with an underscore, so
Anki keeps it though no field names it), and the back template loads it when the
card has a diagram and draws it, dark in night mode.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from archqa.export.base import Exporter, ExportOptions, atomic_write
from archqa.export.render import (
    code_html,
    diagram_html,
    difficulty_label,
    esc,
    follow_ups_html,
    inline_html,
    key_points_html,
    level_signals_html,
    markdown_html,
    metrics_html,
    sections_html,
    slug,
    tradeoffs_html,
)
from archqa.model import Question, QuestionSet

MODEL_NAME = "archqa question v1"
"""Name of the note type. Changing its fields needs a new name (and so a new id); a changed template or CSS reaches
notes imported before when a newer package is imported (Anki updates a note type whose ``mod`` is newer)."""

FIELDS = [
    "Title",
    "Topic",
    "Difficulty",
    "KeyInsight",
    "Answer",
    "KeyPoints",
    "Code",
    "Diagram",
    "Metrics",
    "TradeOffs",
    "ID",
]

FRONT = """<div class="title">{{Title}}</div>
<div class="meta">{{Topic}} &middot; {{Difficulty}}</div>"""

MERMAID_VERSION = "11.17.2"
"""The vendored Mermaid's version (serve/static/vendor/VERSION; a test keeps the two equal)."""
MERMAID_MEDIA = f"_archqa-mermaid-{MERMAID_VERSION}.js"
"""The media file that carries Mermaid; named by its version, so a newer one never clashes with an older one."""

DRAW = """<script>
(function () {
  "use strict";
  // Draw the card's Mermaid diagrams: load the package's copy of Mermaid once, theme it like the card.
  var nodes = document.querySelectorAll("pre.mermaid:not([data-processed])");
  if (!nodes.length) { return; }
  var night = document.querySelector(".nightMode, .night_mode, .night-mode") !== null;
  function draw() {
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: night ? "dark" : "default" });
    window.mermaid.run({ nodes: nodes, suppressErrors: true });
  }
  if (window.mermaid) { draw(); return; }
  var s = document.createElement("script");
  s.src = "MEDIA";
  s.onload = draw;
  document.head.appendChild(s);
})();
</script>""".replace("MEDIA", MERMAID_MEDIA)

BACK = (
    """{{FrontSide}}
<hr id="answer">
{{#KeyInsight}}<div class="insight"><b>Key insight:</b> {{KeyInsight}}</div>{{/KeyInsight}}
{{#Answer}}<h4>Answer</h4>{{Answer}}{{/Answer}}
{{#KeyPoints}}<h4>Key points</h4>{{KeyPoints}}{{/KeyPoints}}
{{#Code}}<h4>Implementation</h4>{{Code}}{{/Code}}
{{#Diagram}}<h4>Diagram</h4>{{Diagram}}{{/Diagram}}
{{#Metrics}}<h4>Metrics</h4>{{Metrics}}{{/Metrics}}
{{#TradeOffs}}<h4>Trade-offs</h4>{{TradeOffs}}{{/TradeOffs}}
<div class="id">{{ID}}</div>
"""
    + DRAW
)

CSS = """.card { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; font-size: 17px;
  text-align: left; color: #1f2328; background: #fff; line-height: 1.5; max-width: 48em; margin: 0 auto; }
.nightMode.card, .night_mode .card { color: #e6edf3; background: #0d1117; }
.title { font-size: 1.2em; font-weight: 600; }
.meta, .id { color: #59636e; font-size: .8em; }
.insight { border-left: 4px solid #0969da; padding: .3em .7em; background: rgba(9, 105, 218, .08); }
h4 { margin: 1em 0 .3em; }
figure { margin: .5em 0; }
figcaption { font-size: .7em; color: #59636e; text-transform: uppercase; }
figure.code pre, pre.diagram-source { background: #f6f8fa; color: #1f2328; border: 1px solid #d1d9e0;
  border-radius: 6px; padding: .5em .7em; overflow-x: auto; font-size: .85em; text-align: left; }
pre.diagram-source { border-left: 4px solid #8250df; }
pre.mermaid[data-processed] { white-space: normal; text-align: center; }
pre.mermaid svg { max-width: 100%; height: auto; }
.nightMode pre.mermaid, .night_mode pre.mermaid { background: #161b22; color: #e6edf3; border-color: #3d444d; }
table { border-collapse: collapse; font-size: .85em; }
th, td { border: 1px solid #d1d9e0; padding: .25em .5em; text-align: left; vertical-align: top; }
"""


def stable_int(name: str) -> int:
    """A positive id in Anki's usual range (2**30 to 2**31), derived from ``name``."""
    h = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    return (1 << 30) + h % (1 << 30)


MODEL_ID = stable_int("archqa-model:" + MODEL_NAME)


def deck_id(name: str) -> int:
    """The id of the deck with this full name (``Parent::Topic``)."""
    return stable_int("archqa-deck:" + name)


def note_tags(q: Question) -> list[str]:
    """Anki tags (no spaces): the topic, the difficulty and the question's own tags, slugified."""
    tags = [slug(q.topic or "general"), slug(difficulty_label(q)), *(slug(t) for t in q.tags)]
    return list(dict.fromkeys(tags))


def note_fields(q: Question) -> list[str]:
    """The note's fields, in the order of FIELDS; every piece of user text is sanitized HTML."""
    return [
        inline_html(q.title),
        esc(q.topic or "General"),
        esc(difficulty_label(q)),
        inline_html(q.key_insight),
        markdown_html(q.answer)
        + sections_html(q)
        + (f"<h4>Follow-ups</h4>{follow_ups_html(q)}" if q.follow_ups else "")
        + (f"<h4>Level signals</h4>{level_signals_html(q)}" if q.level_signals and q.level_signals.items() else ""),
        key_points_html(q.key_points),
        "".join(code_html(c) for c in q.code),
        "".join(diagram_html(d) for d in q.diagrams),
        metrics_html(q.metrics),
        tradeoffs_html(q.tradeoffs),
        esc(q.id),
    ]


def _deck_part(name: str) -> str:
    return name.replace("::", " - ").strip() or "General"


class AnkiExporter(Exporter):
    """An Anki package: one note per question, in a sub-deck per topic."""

    suffixes = (".apkg",)
    description = "Anki package (.apkg) with stable note ids, a sub-deck per topic"

    def build(self, qset: QuestionSet, options: ExportOptions) -> Any:
        """The genanki.Package for ``qset``."""
        import genanki

        model = genanki.Model(
            MODEL_ID,
            MODEL_NAME,
            fields=[{"name": f} for f in FIELDS],
            templates=[{"name": "Question", "qfmt": FRONT, "afmt": BACK}],
            css=CSS,
        )
        parent = (options.deck_name or qset.title).strip() or "archqa"
        decks = {parent: genanki.Deck(deck_id(parent), parent, description=esc(qset.title))}
        for q in qset.questions:
            name = f"{parent}::{_deck_part(q.topic)}"
            if name not in decks:
                decks[name] = genanki.Deck(deck_id(name), name)
            decks[name].add_note(
                genanki.Note(model=model, fields=note_fields(q), tags=note_tags(q), guid=genanki.guid_for(q.id))
            )
        return genanki.Package(list(decks.values()))

    def media(self, qset: QuestionSet) -> dict[str, bytes]:
        """The media files the package carries, by name: Mermaid when a question has a Mermaid diagram."""
        if not any(d.kind == "mermaid" for q in qset.questions for d in q.diagrams):
            return {}
        from archqa.serve.assets import asset_bytes

        return {MERMAID_MEDIA: asset_bytes("vendor/mermaid.min.js")}

    def write(self, qset: QuestionSet, path: Path, options: ExportOptions) -> None:
        package = self.build(qset, options)
        media = self.media(qset)
        timestamp = options.timestamp if options.timestamp is not None else time.time()

        def write_zip(tmp: Path) -> None:
            # genanki's own write_to_file leaves its SQLite file behind in /tmp; write the
            # same collection.anki2 + media layout from a directory that is cleaned up.
            import itertools

            with tempfile.TemporaryDirectory(prefix="archqa-anki-") as work:
                db_path = Path(work) / "collection.anki2"
                conn = sqlite3.connect(db_path)
                try:
                    package.write_to_db(conn.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
                    conn.commit()
                finally:
                    conn.close()
                with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
                    z.write(db_path, "collection.anki2")
                    # Anki's layout: each media file stored under a number, "media" maps the numbers to names.
                    for i, data in enumerate(media.values()):
                        z.writestr(str(i), data)
                    z.writestr("media", json.dumps({str(i): name for i, name in enumerate(media)}))

        atomic_write(path, write_zip)
