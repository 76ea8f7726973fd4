"""The Generate page without a browser: the form's options and labels, a set built from it, every export
format downloaded and read back, the rebuild from the options, CSRF, and bad options as a 400 on the form."""

from __future__ import annotations

import html
import io
import json
import re
import sqlite3
import tempfile
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from archqa.export import SetDocument, exporters
from archqa.formats.house import read_text_document
from archqa.serve import ServeConfig, create_app


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(ServeConfig(db=tmp_path / "store.db")))


def token(client: TestClient) -> str:
    page = client.get("/generate")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "the form carries no CSRF field"
    return found.group(1)


def form(client: TestClient, **fields: Any) -> dict[str, Any]:
    base = {"count": "6", "mix_f": "0", "mix_i": "50", "mix_a": "50", "seed": "7", "type": "", "source": "bank"}
    return {"csrf": token(client), **base, **fields}


class Controls(HTMLParser):
    """The form controls of a page and the ids its labels name."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label" and a.get("for"):
            self.labelled.add(str(a["for"]))
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a)


def downloads(page: str) -> dict[str, str]:
    return {
        m.group(2): html.unescape(m.group(1))
        for m in re.finditer(r'<a class="button" href="(/generate/download\?[^"]+)"[^>]*data-format="([^"]+)"', page)
    }


def visible_text(page: str) -> str:
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def plain(title: str) -> str:
    return " ".join(re.sub(r"[`*_]", "", title).split())


def test_the_form_offers_the_blueprint_options_each_labelled(client: TestClient) -> None:
    r = client.get("/generate")
    assert r.status_code == 200
    parser = Controls()
    parser.feed(r.text)
    names = {c.get("name") for c in parser.controls}
    assert {"count", "mix_f", "mix_i", "mix_a", "topic", "type", "seed", "focus", "languages", "title"} <= names
    unlabelled = [c for c in parser.controls if c.get("id") not in parser.labelled]
    assert unlabelled == []
    topics = re.findall(r'name="topic" value="([^"]+)"', r.text)
    assert topics[:6] == ["structural", "behavioral", "quality", "data", "integration", "evolution"]
    assert "case-studies" in topics
    types = re.findall(r'<option value="([^"]*)"', r.text.split('id="f-type"')[1].split("</select>")[0])
    assert types[0] == "" and "case-study" in types and "trade-off" in types
    assert 'value="26"' in r.text and 'value="20"' in r.text  # the command line's defaults


def test_a_generated_set_previews_and_downloads_in_every_format_that_reads_back(client: TestClient) -> None:
    r = client.post("/generate", data=form(client), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/generate?set=")
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    summary = visible_text(page.text.split('id="preview-summary"')[1].split("</p>")[0])
    assert "6 questions" in summary and "3 Intermediate" in summary and "3 Advanced" in summary
    assert "Foundational" not in summary
    links = downloads(page.text)
    assert set(links) == set(exporters())  # a button for every registered export format
    preview_ids = re.findall(r'<ol class="gen-titles">.*?</ol>', page.text, flags=re.S)
    ids = re.findall(r'href="/questions/([^"]+)"', "".join(preview_ids))
    assert len(ids) == 6

    got: dict[str, Any] = {}
    for fmt, href in links.items():
        d = client.get(href)
        assert d.status_code == 200, (fmt, d.text[:300])
        disposition = d.headers["content-disposition"]
        assert disposition.startswith("attachment; filename=")
        filename = re.search(r'filename="([^"]+)"', disposition)
        assert filename is not None
        got[fmt] = (d.headers["content-type"], filename.group(1), d.content)

    ctype, name, body = got["json"]
    assert ctype == "application/json" and name.endswith(".json")
    doc = SetDocument.model_validate(json.loads(body))
    assert [q.id for q in doc.set.questions] == ids
    assert doc.validation is not None and doc.validation.questions == 6
    titles = [q.title for q in doc.set.questions]

    ctype, name, body = got["md"]
    assert ctype.startswith("text/markdown") and name.endswith(".md")
    parsed = read_text_document(body.decode("utf-8"), name)
    assert [q.id for q in parsed.set.questions] == ids
    assert [q.title for q in parsed.set.questions] == titles

    ctype, name, body = got["anki"]
    assert ctype == "application/apkg" and name.endswith(".apkg")
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        collection = next(n for n in z.namelist() if n.startswith("collection.anki2"))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "collection.anki2"
            path.write_bytes(z.read(collection))
            db = sqlite3.connect(path)
            try:
                assert db.execute("SELECT count(*) FROM notes").fetchone()[0] == 6
            finally:
                db.close()

    for fmt, suffix in (("html", ".html"), ("interviewer", "-interviewer.html")):
        ctype, name, body = got[fmt]
        assert ctype.startswith("text/html") and name.endswith(suffix), fmt
        text = visible_text(body.decode("utf-8"))
        missing = [t for t in titles if plain(t) not in text]
        assert missing == [], (fmt, missing)


def test_a_set_no_longer_cached_is_rebuilt_from_its_options_and_another_seed_gives_another_set(
    client: TestClient,
) -> None:
    first = client.post("/generate", data=form(client, count="3", seed="11"), follow_redirects=True)
    href = downloads(first.text)["json"]
    original = [q["id"] for q in client.get(href).json()["set"]["questions"]]
    gone = re.sub(r"set=[^&]+", "set=forgotten-token", href)
    rebuilt = client.get(gone)
    assert rebuilt.status_code == 200
    assert [q["id"] for q in rebuilt.json()["set"]["questions"]] == original
    other = client.post("/generate", data=form(client, count="3", seed="12"), follow_redirects=True)
    again = [q["id"] for q in client.get(downloads(other.text)["json"]).json()["set"]["questions"]]
    assert len(again) == 3 and again != original


def test_topics_quotas_and_a_type_shape_the_set(client: TestClient) -> None:
    data = form(client, count="4", mix_f="0", mix_i="0", mix_a="100", type="trade-off")
    data["topic"] = ["data", "integration"]
    data["quota-data"] = "3"
    r = client.post("/generate", data=data, follow_redirects=True)
    assert r.status_code == 200
    href = downloads(r.text)["json"]
    doc = client.get(href).json()["set"]
    rebuilt = client.get(re.sub(r"set=[^&]+", "set=gone", href)).json()["set"]  # the link carries every option
    assert [q["id"] for q in rebuilt["questions"]] == [q["id"] for q in doc["questions"]]
    topics = [q["topic"] for q in doc["questions"]]
    assert topics.count("Data Architecture") == 3 and topics.count("Integration Architecture") == 1
    assert {q["difficulty"] for q in doc["questions"]} == {"Advanced"}
    assert {q["type"].lower() for q in doc["questions"]} == {"trade-off"}
    # the form comes back filled with what made the set
    assert re.search(r'value="data" checked', r.text) and re.search(r'name="quota-data"[^>]*value="3"', r.text)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"count": "many"}, "Number of questions: 'many' is not a whole number"),
        ({"count": "0"}, "Number of questions: 0 is out of range"),
        ({"mix_f": "10"}, "the three shares add up to 110 %"),
        ({"topic": "nosuch"}, "Topics: 'nosuch' is not a topic of this bank"),
        ({"type": "poem"}, "Question type: 'poem' is not a type of this bank"),
        ({"seed": "-3"}, "Seed: -3 is out of range"),
        ({"topic": "data", "quota-data": "9"}, "quotas add up to 9, more than Number of questions 6"),
        ({"count": "500"}, "the bank cannot fill this blueprint"),
    ],
)
def test_bad_options_are_a_400_with_the_reason_on_the_form(
    client: TestClient, fields: dict[str, str], message: str
) -> None:
    r = client.post("/generate", data=form(client, **fields))
    assert r.status_code == 400
    assert 'role="alert"' in r.text and message in html.unescape(r.text)
    assert "--" not in visible_text(r.text.split('role="alert"')[1].split("</div>")[0])  # worded for the form
    assert '<form class="gen-form"' in r.text  # the form again, to correct


def test_the_bank_shortfall_is_allowed_when_asked_and_the_empty_store_says_how_to_fill_it(client: TestClient) -> None:
    data = form(client, count="10", mix_f="100", mix_i="0", mix_a="0", type="operations", shortfall="1")
    r = client.post("/generate", data=data, follow_redirects=True)
    assert r.status_code == 200
    summary = visible_text(r.text.split('id="preview-summary"')[1].split("</p>")[0])
    counted = re.search(r"(\d+) questions", summary)
    assert counted is not None
    n = int(counted.group(1))
    assert 0 < n < 10 and "could not fill the blueprint" in r.text and "difficulty Foundational: needs 10" in r.text
    empty = client.post("/generate", data=form(client, source="store"))
    assert empty.status_code == 400 and "archqa import" in html.unescape(empty.text)


def test_posting_without_the_token_is_refused_and_unknown_formats_are_a_400(client: TestClient) -> None:
    data = form(client)
    data.pop("csrf")
    assert client.post("/generate", data=data).status_code == 403
    assert client.post("/generate", data={**data, "csrf": "forged"}).status_code == 403
    bad = client.get("/generate/download", params={"format": "pdf", "count": "3"})
    assert bad.status_code == 400 and "Unknown download format 'pdf'" in html.unescape(bad.text)
    wrong = client.get("/generate/download", params={"format": "json", "count": "x"})
    assert wrong.status_code == 400 and "not a whole number" in html.unescape(wrong.text)


def test_a_set_from_imported_hostile_text_previews_inert(client: TestClient, tmp_path: Path) -> None:
    from archqa import Store, write_set
    from archqa.importer import import_paths
    from tests.test_export import hostile_set, scan

    bank = tmp_path / "hostile.md"
    bank.write_text(write_set(hostile_set()), encoding="utf-8")
    with Store.open(tmp_path / "store.db") as store:
        import_paths([str(bank)], store)
    data = form(client, count="3", mix_f="34", mix_i="33", mix_a="33", source="store", shortfall="1")
    r = client.post("/generate", data=data, follow_redirects=True)
    assert r.status_code == 200, visible_text(r.text)[:500]
    assert "Is this safe" in r.text  # the hostile question is in the set, shown as text
    tags = scan(r.text)
    scripts = [a.get("src") for t, a in tags if t == "script"]
    assert scripts == ["/static/vendor/htmx.min.js", "/static/app.js", "/static/generate.js"]  # the app's own
    assert not [(t, a) for t, a in tags if t == "img" or any(k.startswith("on") for k in a)]
