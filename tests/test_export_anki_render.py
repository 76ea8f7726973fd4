"""Anki cards draw their Mermaid diagrams: the package ships Mermaid as a media file only when a question has a
diagram; imported into a real collection (the ``anki`` package, Anki's own Rust backend), a card's rendered
answer, opened in headless Chromium next to the collection's media folder, turns its diagram into an SVG,
dark in night mode."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from archqa.export import ExportOptions, export_set, number_questions
from archqa.export import anki as anki_export
from archqa.export.anki import MERMAID_MEDIA, MERMAID_VERSION
from archqa.serve.assets import asset_bytes
from tests.conftest import make_set
from tests.serve_support import CHROMIUM, watched_page


def _media(apkg: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(apkg) as z:
        names = json.loads(z.read("media"))
        assert set(z.namelist()) == {"collection.anki2", "media", *names}
        return {name: z.read(number) for number, name in names.items()}


def test_the_package_ships_mermaid_only_when_a_question_has_a_diagram(tmp_path: Path) -> None:
    assert f"mermaid {MERMAID_VERSION}" in asset_bytes("vendor/VERSION").decode().splitlines()
    assert MERMAID_MEDIA.startswith("_")  # Anki's media check keeps files whose name starts with "_"
    s = number_questions(make_set())
    assert _media(export_set(s, tmp_path / "with.apkg")) == {MERMAID_MEDIA: asset_bytes("vendor/mermaid.min.js")}
    for q in s.questions:
        q.diagrams = []
    assert _media(export_set(s, tmp_path / "without.apkg")) == {}


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_an_imported_card_draws_its_diagram_as_svg_light_and_night(chromium: Any, tmp_path: Path) -> None:
    anki_collection = pytest.importorskip("anki.collection", reason="pip install anki (in the test extra)")
    s = number_questions(make_set())
    apkg = export_set(s, tmp_path / "set.apkg")
    (tmp_path / "profile").mkdir()
    col = anki_collection.Collection(str(tmp_path / "profile" / "collection.anki2"))
    try:
        col.import_anki_package(
            anki_collection.ImportAnkiPackageRequest(
                package_path=str(apkg), options=anki_collection.ImportAnkiPackageOptions(with_scheduling=False)
            )
        )
        media = Path(col.media.dir())
        assert (media / MERMAID_MEDIA).read_bytes() == asset_bytes("vendor/mermaid.min.js")
        with_diagram = [q for q in s.questions if q.diagrams]
        assert with_diagram
        cards = [col.get_card(cid) for cid in col.find_cards(f"ID:{with_diagram[0].id}")]
        assert len(cards) == 1
        answer = cards[0].answer()
    finally:
        col.close()
    assert '<pre class="mermaid diagram-source">' in answer and MERMAID_MEDIA in answer

    fills = {}
    for mode, body in (("light", "card"), ("night", "card nightMode")):
        page_file = media / f"card-{mode}.html"
        page_file.write_text(
            f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body class="{body}">{answer}</body></html>',
            encoding="utf-8",
        )
        w = watched_page(chromium, media.as_uri())
        try:
            w.page.goto(page_file.as_uri())
            w.page.wait_for_selector("pre.mermaid svg", state="attached")
            svg = w.page.locator("pre.mermaid svg")
            box = svg.bounding_box()
            assert box is not None and box["width"] > 100, box
            assert w.page.locator("pre.mermaid svg .node").count() == 2
            fills[mode] = w.page.evaluate(
                "getComputedStyle(document.querySelector('pre.mermaid svg .node rect, "
                "pre.mermaid svg .node .label-container')).fill"
            )
            assert w.outside == [] and w.errors == [], (w.outside, w.errors)
        finally:
            w.page.context.close()
    assert fills["light"] != fills["night"], fills


def test_reimporting_brings_the_drawing_template_to_cards_imported_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    anki_collection = pytest.importorskip("anki.collection", reason="pip install anki (in the test extra)")
    s = number_questions(make_set())
    with monkeypatch.context() as m:
        m.setattr(anki_export, "BACK", anki_export.BACK.replace(anki_export.DRAW, ""))
        old = export_set(s, tmp_path / "old.apkg", options=ExportOptions(timestamp=1_700_000_000))
    new = export_set(s, tmp_path / "new.apkg", options=ExportOptions(timestamp=1_800_000_000))
    (tmp_path / "profile").mkdir()
    col = anki_collection.Collection(str(tmp_path / "profile" / "collection.anki2"))
    try:
        answers = []
        for apkg in (old, new):
            col.import_anki_package(
                anki_collection.ImportAnkiPackageRequest(
                    package_path=str(apkg), options=anki_collection.ImportAnkiPackageOptions()
                )
            )
            cids = col.find_cards("")
            assert len(cids) == len(s.questions)
            answers.append(col.get_card(cids[0]).answer())
    finally:
        col.close()
    assert MERMAID_MEDIA not in answers[0] and MERMAID_MEDIA in answers[1]
