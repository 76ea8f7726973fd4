"""`archqa export`: Anki packages read back from SQLite, an offline HTML page, JSON, Markdown, sanitizing."""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import genanki
import pytest

import archqa
from archqa import CodeExample, Diagram, MetricRow, QuestionSet, read_set, validate_file, write_set
from archqa.errors import ConfigError, ExportError, InputError
from archqa.export import (
    SCHEMA_ID,
    ExportOptions,
    SetDocument,
    TextExporter,
    export_set,
    export_source,
    json_schema,
    json_schema_text,
    load_source,
    number_questions,
    register_exporter,
    select_questions,
)
from archqa.export.anki import MODEL_ID, deck_id
from tests.conftest import make_set, run_cli

ROOT = Path(__file__).resolve().parents[1]

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    '<a href="javascript:alert(2)">click</a>',
    '<a href=" JaVaScRiPt:alert(3)">again</a>',
    "<details ontoggle=alert(4) open><summary>s</summary>t</details>",
    '<iframe src="https://example.org/frame"></iframe>',
    '<span style="background:url(https://example.org/x.png)">styled</span>',
    "<svg><script>alert(5)</script></svg>",
    "<style>@import url(https://example.org/a.css);</style>",
]


def hostile_set() -> QuestionSet:
    """The fixture set with raw hostile HTML in every kind of user text of its first question."""
    s = make_set()
    q = s.questions[0]
    bad = " ".join(HOSTILE)
    q.title = "Is this safe <img src=x onerror=alert(6)>?"
    q.key_insight += " " + bad
    q.answer += "\n\n" + bad + "\n\n<p onclick=alert(7)>para</p>"
    q.key_points.append(bad)
    q.code.append(CodeExample(language="python", code='page = "</pre><script>alert(8)</script>"'))
    q.code.append(CodeExample(language="html", code="<script>alert(11)</script>"))
    q.diagrams.append(Diagram(kind="mermaid", source="graph LR\n  A[<script>alert(9)</script>] --> B"))
    q.metrics = [MetricRow(metric=HOSTILE[1], formula=HOSTILE[3], target=HOSTILE[0])]
    q.tags.append("<b onmouseover=alert(10)>")
    s.topics[0].overview = bad
    s.glossary[0].definition = bad
    s.tools[0].url = "javascript:alert(12)"
    return s


class _Scan(HTMLParser):
    """Every start tag with its attributes, for checks that do not depend on formatting."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k.lower(): (v or "") for k, v in attrs}))


def scan(html: str) -> list[tuple[str, dict[str, str]]]:
    p = _Scan()
    p.feed(html)
    p.close()
    return p.tags


def assert_inert(html: str, *, own_scripts: int = 0) -> None:
    """No script but ours, no event handler, no javascript: link, nothing a browser would fetch."""
    tags = scan(html)
    assert sum(1 for t, _ in tags if t == "script") == own_scripts, html
    for tag, attrs in tags:
        assert tag not in ("img", "iframe", "object", "embed", "svg", "video", "audio", "source", "base"), tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            compact = "".join(value.split()).lower()
            assert not compact.startswith(("javascript:", "vbscript:")), (tag, name, value)
            assert "url(" not in compact, (tag, name, value)
            assert name not in ("src", "srcset", "action", "formaction", "poster", "background"), (tag, name)
        if tag == "link":
            assert attrs.get("href", "").startswith("data:"), attrs
    # Outside the page's own scripts (Mermaid's code mentions @import in its CSS handling).
    assert "@import" not in re.sub(r"<script>.*?</script>", "", html, flags=re.DOTALL)


# -- Anki ------------------------------------------------------------------


def read_apkg(path: Path, tmp: Path) -> dict[str, Any]:
    """Open the package as Anki would: a zip with a collection.anki2 SQLite database."""
    with zipfile.ZipFile(path) as z:
        assert "collection.anki2" in z.namelist()
        z.extract("collection.anki2", tmp)
    db = sqlite3.connect(tmp / "collection.anki2")
    try:
        notes = {
            guid: {"id": nid, "mid": mid, "tags": tags.split(), "fields": flds.split("\x1f")}
            for nid, guid, mid, tags, flds in db.execute("SELECT id, guid, mid, tags, flds FROM notes")
        }
        cards = db.execute("SELECT nid, did FROM cards").fetchall()
        decks_json, models_json = db.execute("SELECT decks, models FROM col").fetchone()
    finally:
        db.close()
    decks = {d["name"]: int(i) for i, d in json.loads(decks_json).items()}
    models = json.loads(models_json)
    return {"notes": notes, "cards": cards, "decks": decks, "models": models}


def test_anki_package_has_one_note_per_question_with_stable_guids_tags_and_decks(tmp_path: Path) -> None:
    s = number_questions(make_set())
    out = export_set(s, tmp_path / "set.apkg")
    pkg = read_apkg(out, tmp_path)
    notes = pkg["notes"]
    assert len(notes) == 5
    assert set(notes) == {genanki.guid_for(q.id) for q in s.questions}
    by_guid = {genanki.guid_for(q.id): q for q in s.questions}
    for guid, note in notes.items():
        q = by_guid[guid]
        assert note["mid"] == MODEL_ID
        expected_topic = "structural-architecture" if q.topic.startswith("Structural") else "data-architecture"
        assert expected_topic in note["tags"]
        assert q.difficulty is not None and q.difficulty.value.lower() in note["tags"]
        assert all(" " not in t for t in note["tags"])
        title, topic, difficulty, insight, answer, points, code = note["fields"][:7]
        assert title == q.title and topic == q.topic and difficulty == q.difficulty.value
        assert q.key_insight in insight and "<p>" in answer and points.startswith("<ul><li>")
        assert 'style="color' in code and "handle_" in code  # Pygments, inline styles
    first = notes[genanki.guid_for(s.questions[0].id)]["fields"]
    assert '<pre class="mermaid diagram-source">graph LR' in first[7] and "A[Client] --&gt; B[Service]" in first[7]
    second = notes[genanki.guid_for(s.questions[1].id)]["fields"]
    assert "<table>" in second[8] and "Duplicate rate" in second[8]
    assert "<table>" in second[9] and "Dedup table" in second[9]
    # A sub-deck per topic under the set's title, with ids derived from the names.
    decks = pkg["decks"]
    for name in ("Fixture set", "Fixture set::Structural Architecture", "Fixture set::Data Architecture"):
        assert decks[name] == deck_id(name)
    note_topic = {n["id"]: by_guid[g].topic for g, n in notes.items()}
    for nid, did in pkg["cards"]:
        assert did == decks[f"Fixture set::{note_topic[nid]}"]
    assert str(MODEL_ID) in pkg["models"]


def test_anki_reexport_of_an_edited_set_keeps_guids_and_updates_fields(tmp_path: Path) -> None:
    s = make_set()
    first = read_apkg(export_set(s, tmp_path / "a.apkg"), tmp_path / "a")
    s.questions[2].answer = "An edited answer that now says something **else** entirely."
    s.questions[2].key_points.append("A new key point")
    second = read_apkg(export_set(s, tmp_path / "b.apkg"), tmp_path / "b")
    assert set(first["notes"]) == set(second["notes"])
    edited = genanki.guid_for(s.questions[2].id)
    for guid in first["notes"]:
        before, after = first["notes"][guid]["fields"], second["notes"][guid]["fields"]
        if guid == edited:
            assert before[4] != after[4] and "<strong>else</strong>" in after[4]
            assert "A new key point" in after[5] and "A new key point" not in before[5]
        else:
            assert before == after
    assert first["decks"] == second["decks"]
    assert set(first["models"]) == set(second["models"]) == {str(MODEL_ID)}


def test_anki_deck_name_option_names_the_parent_deck(tmp_path: Path) -> None:
    out = export_set(make_set(), tmp_path / "d.apkg", "anki", ExportOptions(deck_name="Interview prep"))
    decks = read_apkg(out, tmp_path)["decks"]
    assert {"Interview prep", "Interview prep::Structural Architecture", "Interview prep::Data Architecture"} <= set(
        decks
    )
    assert decks["Interview prep::Data Architecture"] == deck_id("Interview prep::Data Architecture")


def test_anki_note_fields_are_sanitized(tmp_path: Path) -> None:
    s = hostile_set()
    pkg = read_apkg(export_set(s, tmp_path / "h.apkg"), tmp_path)
    note = pkg["notes"][genanki.guid_for(s.questions[0].id)]
    for field in note["fields"]:
        assert_inert(field)
    joined = "\n".join(note["fields"])
    assert "para" in joined and "click" in joined  # the text survives, the handlers do not
    assert "&lt;/pre&gt;&lt;script&gt;" in joined  # code is escaped by the highlighter
    assert all(" " not in t and "<" not in t for t in note["tags"])


# -- HTML ------------------------------------------------------------------


def test_html_page_is_one_offline_file_with_contents_filters_and_collapsible_answers(tmp_path: Path) -> None:
    s = number_questions(make_set())
    html = (export_set(s, tmp_path / "set.html")).read_text(encoding="utf-8")
    # Three scripts of its own: the fold for narrow screens, Mermaid (the set has a diagram) and the page's.
    assert_inert(html, own_scripts=3)
    tags = scan(html)
    assert not any(t == "link" and a.get("rel") != "icon" for t, a in tags)
    csp = next(a["content"] for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and csp.count("'sha256-") == 3
    assert "The MIT License" in html and "Knut Sveidqvist" in html
    assert "@font-face" not in html and "cdn" not in html.lower()
    # Contents: a link to every question and topic.
    toc_links = {a["href"] for t, a in tags if t == "a" and a.get("href", "").startswith("#")}
    assert {f"#q{q.number}" for q in s.questions} | {"#topic-1", "#topic-2"} <= toc_links
    # Filters: one checkbox per topic and per difficulty present.
    boxes = [(a["name"], a["value"]) for t, a in tags if t == "input" and a.get("type") == "checkbox"]
    assert boxes == [
        ("topic", "structural-architecture"),
        ("topic", "data-architecture"),
        ("difficulty", "foundational"),
        ("difficulty", "intermediate"),
        ("difficulty", "advanced"),
    ]
    articles = [a for t, a in tags if t == "article"]
    assert [a["data-difficulty"] for a in articles] == [q.difficulty.value.lower() for q in s.questions if q.difficulty]
    # Answers collapsed, code highlighted inline, diagrams shown as source, tables rendered.
    assert html.count('<details class="answer">') == 5
    assert '<span style="color' in html
    assert '<pre class="mermaid diagram-source">graph LR\n    A[Client] --&gt; B[Service]</pre>' in html
    assert "<th>Approach</th>" in html and "<td>Duplicate rate</td>" in html
    assert '[Ref: <a href="#ref-A1">A1</a>]' in html
    # Plain links to references are allowed: they are not fetched.
    assert '<a href="https://kafka.apache.org" rel="noopener noreferrer">' in html


def test_html_sanitizes_hostile_text(tmp_path: Path) -> None:
    html = export_set(hostile_set(), tmp_path / "h.html").read_text(encoding="utf-8")
    assert_inert(html, own_scripts=3)
    assert "Is this safe" in html and "para" in html and "styled" in html
    assert "&lt;/pre&gt;&lt;script&gt;alert(8)" in html
    assert "A[&lt;script&gt;alert(9)&lt;/script&gt;]" in html


def test_hostile_markdown_file_through_the_cli(tmp_path: Path) -> None:
    src = tmp_path / "hostile.md"
    src.write_text(write_set(hostile_set()), encoding="utf-8")
    for fmt in ("html", "anki"):
        out = tmp_path / f"out.{fmt}"
        r = run_cli("export", str(src), "--format", fmt, "--out", str(out))
        assert r.returncode == 0, r.stderr
        if fmt == "html":
            assert_inert(out.read_text(encoding="utf-8"), own_scripts=3)
        else:
            for note in read_apkg(out, tmp_path)["notes"].values():
                for field in note["fields"]:
                    assert_inert(field)


# -- JSON and Markdown ----------------------------------------------------


def test_json_export_is_the_versioned_set_document(tmp_path: Path) -> None:
    s = number_questions(make_set())
    data = json.loads(export_set(s, tmp_path / "set.json").read_text(encoding="utf-8"))
    assert list(data) == ["schema", "set", "validation"]
    assert data["schema"] == SCHEMA_ID == "archqa.set/1"
    doc = SetDocument.model_validate(data)
    assert doc.set == s
    assert doc.validation is not None and doc.validation.questions == 5 and doc.validation.errors == 0
    assert set(json_schema()["properties"]) == set(data)


def test_committed_json_schema_is_current() -> None:
    committed = (ROOT / "docs" / "set.schema.json").read_text(encoding="utf-8")
    assert committed == json_schema_text(), (
        'docs/set.schema.json is out of date; regenerate it with: python -c "from archqa.export import '
        "json_schema_text; open('docs/set.schema.json', 'w').write(json_schema_text())\""
    )
    schema = json.loads(committed)
    assert schema["properties"]["schema"]["const"] == SCHEMA_ID
    assert schema["required"] == ["schema", "set", "validation"]


def test_markdown_export_is_the_house_format(tmp_path: Path) -> None:
    s = number_questions(make_set())
    out = export_set(s, tmp_path / "set.md")
    assert out.read_text(encoding="utf-8") == write_set(s)
    back = read_set(out)
    assert [q.id for q in back.questions] == [q.id for q in s.questions]
    assert validate_file(out).errors == 0


# -- sources, filters, registry ---------------------------------------------


def test_load_source_reads_a_set_file_and_rejects_a_missing_one(tmp_path: Path) -> None:
    f = tmp_path / "set.md"
    f.write_text(write_set(make_set()), encoding="utf-8")
    s = load_source(f)
    assert [q.number for q in s.questions] == [1, 2, 3, 4, 5]
    with pytest.raises(InputError, match="bank"):
        load_source(tmp_path / "missing.md")


def test_filters_by_topic_and_difficulty_renumber_and_prune() -> None:
    s = number_questions(make_set())
    data = select_questions(s, topics=["data"])
    assert [q.topic for q in data.questions] == ["Data Architecture"] * 2
    assert [q.number for q in data.questions] == [1, 2]
    assert [t.name for t in data.topics] == ["Data Architecture"]
    assert {b.id for b in data.bibliography} == {r for q in data.questions for r in q.citations}
    both = select_questions(s, topics=["Structural Architecture"], difficulties=["intermediate", "A"])
    assert [q.difficulty.value for q in both.questions if q.difficulty] == ["Intermediate", "Intermediate"]
    assert select_questions(s) is s
    with pytest.raises(ConfigError, match="--topic 'nope'.*Structural Architecture"):
        select_questions(s, topics=["nope"])
    with pytest.raises(ConfigError, match="--difficulty 'extreme'"):
        select_questions(s, difficulties=["extreme"])
    with pytest.raises(ConfigError, match="no question matches"):
        select_questions(s, topics=["data"], difficulties=["foundational"])


def test_a_registered_exporter_is_used_like_a_built_in_one(tmp_path: Path) -> None:
    from archqa.export.base import _EXPORTERS

    class TitlesExporter(TextExporter):
        suffixes = (".titles",)

        def render(self, qset: QuestionSet, options: ExportOptions) -> str:
            return "\n".join(q.title for q in qset.questions) + "\n"

    register_exporter("titles", TitlesExporter)
    try:
        out = archqa.export_set(make_set(), tmp_path / "x.titles")
        assert out.read_text().count("\n") == 5
    finally:
        del _EXPORTERS["titles"]


def test_unwritable_output_is_an_export_error_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="exists and is writable"):
        export_set(make_set(), tmp_path / "no" / "such" / "dir.html")
    with pytest.raises(ConfigError, match="--format"):
        export_set(make_set(), tmp_path / "x.txt")
    assert list(tmp_path.iterdir()) == []


# -- the bundled bank -------------------------------------------------------


@pytest.fixture(scope="module")
def bank_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bank-cache")


@pytest.fixture
def isolated_cache(bank_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ARCHQA_CACHE_DIR", str(bank_cache))
    return bank_cache


def test_whole_bank_source_keeps_each_questions_text_and_numbers_them(isolated_cache: Path) -> None:
    from archqa.generate import load_bank

    b = load_bank()
    original = {q.id: q for q in b.questions(b.entries)}
    n = len(original)
    s = load_source("bank")
    assert n >= 100 and len(s.questions) == n
    assert [q.number for q in s.questions] == list(range(1, n + 1))
    assert len({q.id for q in s.questions}) == n
    assert all(q.provenance and q.provenance.file.startswith("archqa/bank/") for q in s.questions)

    # The text is kept but for the citations, renumbered to ids unique in the set, each one listed.
    def uncited(text: str) -> str:
        return re.sub(r"\[Ref: [^\]]*\]", "[Ref]", text)

    assert all(uncited(q.answer) == uncited(original[q.id].answer) for q in s.questions)
    listed = {b.id for b in s.bibliography} | {t.id for t in s.tools} | {g.id for g in s.glossary}
    cited = {r for q in s.questions for r in q.citations}
    assert len(cited) > 100 and cited <= listed
    assert len({b.id for b in s.bibliography}) == len(s.bibliography)
    assert len({b.key for b in s.bibliography}) == len(s.bibliography)


def test_cli_exports_the_bank_to_anki_with_a_filter(isolated_cache: Path, tmp_path: Path) -> None:
    out = tmp_path / "bank.apkg"
    from archqa.generate import load_bank
    from archqa.model import Difficulty

    advanced = sum(1 for e in load_bank().entries if e.difficulty == Difficulty.ADVANCED.rank)
    r = run_cli("export", "bank", "--format", "anki", "--out", str(out), "--difficulty", "advanced")
    assert r.returncode == 0, r.stderr
    assert f"wrote {advanced} questions" in r.stderr
    notes = read_apkg(out, tmp_path)["notes"]
    assert len(notes) == advanced and all("advanced" in n["tags"] for n in notes.values())


def test_cli_exports_the_bank_to_html(isolated_cache: Path, tmp_path: Path) -> None:
    out = tmp_path / "bank.html"
    r = run_cli("export", "bank", "--out", str(out), "--topic", "data", "--topic", "evolution")
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert_inert(html, own_scripts=3)
    from archqa.generate import load_bank
    from archqa.model import cluster_of

    expected = sum(1 for e in load_bank().entries if cluster_of(e.topic) in ("data", "evolution"))
    assert expected >= 30 and html.count('<article class="q"') == expected
    # Every work cited is listed and linked: the bank files' ids are renumbered to ids unique in the set.
    cited = re.findall(r"\[Ref: ([^\]]*)\]", html)
    assert len(cited) >= 30
    listed = set(re.findall(r'<(?:li|dt) id="ref-([A-Z]\d+)"', html))
    for refs in cited:
        for part in refs.split(", "):
            m = re.fullmatch(r'<a href="#ref-([A-Z]\d+)">([A-Z]\d+)</a>', part)
            assert m and m[1] == m[2] and m[1] in listed, refs


def test_html_page_without_a_diagram_carries_no_mermaid(tmp_path: Path) -> None:
    s = number_questions(make_set())
    for q in s.questions:
        q.diagrams = []
    html = export_set(s, tmp_path / "plain.html").read_text(encoding="utf-8")
    assert_inert(html, own_scripts=2)
    assert "Knut Sveidqvist" not in html and "__esbuild_esm_mermaid_nm" not in html and len(html) < 200_000


# -- the command line -------------------------------------------------------


@pytest.mark.parametrize("fmt,suffix", [("anki", "apkg"), ("html", "html"), ("json", "json"), ("md", "md")])
def test_cli_export_each_format(tmp_path: Path, fmt: str, suffix: str) -> None:
    src = tmp_path / "set.md"
    src.write_text(write_set(make_set()), encoding="utf-8")
    out = tmp_path / f"out.{suffix}"
    r = run_cli("export", str(src), "--format", fmt, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert f"wrote 5 questions to {out}" in r.stderr
    assert out.stat().st_size > 0
    # Without --format the suffix decides.
    again = tmp_path / f"again.{suffix}"
    assert run_cli("export", str(src), "--out", str(again)).returncode == 0
    if fmt in ("md", "html"):
        assert again.read_text() == out.read_text()


def test_cli_bad_source_and_options_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "x.html"
    r = run_cli("export", str(tmp_path / "missing.md"), "--out", str(out))
    assert r.returncode == 2 and "missing.md: no such file" in r.stderr and "`bank`" in r.stderr
    binary = tmp_path / "b.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    r = run_cli("export", str(binary), "--out", str(out))
    assert r.returncode == 2 and "binary" in r.stderr
    good = tmp_path / "set.md"
    good.write_text(write_set(make_set()), encoding="utf-8")
    r = run_cli("export", str(good), "--format", "pdf", "--out", str(out))
    assert r.returncode == 2 and "--format 'pdf'" in r.stderr and "anki, html, interviewer, json, md" in r.stderr
    r = run_cli("export", str(good), "--out", str(tmp_path / "x.txt"))
    assert r.returncode == 2 and "--format" in r.stderr
    r = run_cli("export", str(good), "--topic", "nope", "--out", str(out))
    assert r.returncode == 2 and "--topic 'nope'" in r.stderr
    assert not out.exists()


def test_export_source_checks_the_format_before_reading(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        export_source(tmp_path / "missing.md", tmp_path / "x", "pdf")


def test_generate_json_is_the_same_set_document(isolated_cache: Path, tmp_path: Path) -> None:
    out = tmp_path / "gen.json"
    r = run_cli("generate", "--count", "6", "--format", "json", "--out", str(out))
    assert r.returncode == 0, r.stderr
    doc = SetDocument.model_validate(json.loads(out.read_text(encoding="utf-8")))
    assert doc.schema_id == SCHEMA_ID and len(doc.set.questions) == 6
    assert doc.validation is not None and doc.validation.questions == 6


def test_anki_timestamp_option_makes_packages_reproducible(tmp_path: Path) -> None:
    opts = ExportOptions(timestamp=1_700_000_000.0)
    a = read_apkg(export_set(make_set(), tmp_path / "a.apkg", options=opts), tmp_path / "a")
    b = read_apkg(export_set(make_set(), tmp_path / "b.apkg", options=opts), tmp_path / "b")
    assert a["notes"] == b["notes"] and a["cards"] == b["cards"]
