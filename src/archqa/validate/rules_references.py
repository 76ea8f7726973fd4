"""Reference rules: citations resolve, entries are cited, ISBNs check out, URLs are URLs."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from archqa.model import CITATION, split_refs
from archqa.text import mentions
from archqa.validate.engine import Context, Severity, register_rule

E, W = Severity.ERROR, Severity.WARNING


def isbn_valid(isbn: str) -> bool:
    """Check an ISBN-10 or ISBN-13 checksum (digits only, X allowed last in ISBN-10)."""
    s = isbn.replace("-", "").replace(" ", "").upper()
    if len(s) == 13 and s.isdigit():
        total = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(s[:12]))
        return (10 - total % 10) % 10 == int(s[12])
    if len(s) == 10 and s[:9].isdigit() and (s[9].isdigit() or s[9] == "X"):
        total = sum(int(c) * (10 - i) for i, c in enumerate(s[:9]))
        check = 10 if s[9] == "X" else int(s[9])
        return (total + check) % 11 == 0
    return False


def _citations(ctx: Context) -> list[tuple[int, str]]:
    """(line, id) of every [Ref: X] in the document's prose."""
    out = []
    for p in ctx.doc.prose:
        for m in CITATION.finditer(p.text):
            for ref in split_refs(m.group(1)):
                out.append((p.line, ref))
    return out


@register_rule("references.citations", "every citation resolves and every bibliography entry is cited")
def citations(ctx: Context) -> None:
    s = ctx.doc.set
    known = {b.id for b in s.bibliography} | {g.id for g in s.glossary} | {t.id for t in s.tools}
    cited = set()
    for line, ref in _citations(ctx):
        cited.add(ref)
        ctx.check(
            ref in known,
            "references.citation",
            E,
            line,
            f"[Ref: {ref}] does not resolve: there is no entry {ref} under References.",
            f"add {ref} to the bibliography or cite an existing entry.",
        )
    for b in s.bibliography:
        ctx.check(
            b.id in cited,
            "references.uncited",
            W,
            ctx.doc.ref_lines.get(b.id, 1),
            f"bibliography entry {b.id} is never cited.",
            f"cite it as [Ref: {b.id}] where it applies, or remove it.",
        )
    ids: dict[str, int] = {}
    all_ids = [g.id for g in s.glossary] + [b.id for b in s.bibliography] + [t.id for t in s.tools]
    entries = ctx.doc.ref_entries or [(x, ctx.doc.ref_lines.get(x, 1)) for x in all_ids]
    for entry_id, line in entries:
        ctx.check(
            entry_id not in ids,
            "references.duplicate",
            E,
            line,
            f"reference id {entry_id} is used twice (first at line {ids.get(entry_id)}).",
            "renumber the entries.",
        )
        ids.setdefault(entry_id, line)


@register_rule("references.minimums", "glossary, bibliography and tools have their minimum sizes")
def minimums(ctx: Context) -> None:
    s, cfg = ctx.doc.set, ctx.config
    line = ctx.doc.ref_headings.get("references", (0, ""))[0] or (ctx.doc.ref_headings.get("glossary", (1, ""))[0])
    n = len(s.questions)
    # A small set cannot be expected to cite as much as a full one: at most one entry per question
    # (one tool per two questions) is required.
    for what, have, need in (
        ("glossary", len(s.glossary), min(cfg.min_glossary, n)),
        ("bibliography", len(s.bibliography), min(cfg.min_bibliography, n)),
        ("tools", len(s.tools), min(cfg.min_tools, (n + 1) // 2)),
    ):
        ln = ctx.doc.ref_headings.get(what, (line, ""))[0] or 1
        ctx.check(
            have >= need,
            "references.minimum",
            W,
            ln,
            f"{what}: {have} entries; at least {need} are expected.",
            f"add {what} entries for what the questions rely on.",
        )


@register_rule("references.isbn", "ISBN checksums are valid; works have an ISBN, DOI or URL")
def isbns(ctx: Context) -> None:
    for b in ctx.doc.set.bibliography:
        line = ctx.doc.ref_lines.get(b.id, 1)
        m = re.search(r"ISBN(?:-1[03])?:?\s*([0-9Xx][0-9Xx\- ]{8,20}[0-9Xx])", b.text)
        if m:
            ctx.check(
                isbn_valid(m.group(1)),
                "references.isbn",
                E,
                line,
                f"{b.id} has ISBN {m.group(1)}, whose checksum is wrong.",
                "copy the ISBN-13 from the publisher's page or the book's copyright page.",
            )
        else:
            ctx.check(
                bool(b.doi or b.url),
                "references.locator",
                W,
                line,
                f"{b.id} has no ISBN, DOI or URL, so a reader cannot find it.",
                "add 'ISBN: ...' for a book, 'DOI: ...' for a paper, or the official URL.",
            )
        ctx.check(
            bool(re.search(r"\((?:19|20)\d\d[a-z]?\)", b.text)),
            "references.year",
            W,
            line,
            f"{b.id} has no year in parentheses.",
            "write it as 'Author, A. (2017). *Title*. Publisher.'",
        )


@register_rule("references.glossary", "every glossary term is used in the questions")
def glossary_used(ctx: Context) -> None:
    text = "\n".join(q.text() + "\n" + "\n".join(c.code for c in q.code) for q in ctx.doc.set.questions).lower()
    for g in ctx.doc.set.glossary:
        ctx.check(
            mentions(text, g.term),
            "references.glossary",
            W,
            ctx.doc.ref_lines.get(g.id, 1),
            f"glossary term '{g.term}' ({g.id}) is not used in any question.",
            "remove the entry or use the term where it belongs.",
        )


@register_rule("references.glossary-duplicate", "no glossary term is defined twice")
def glossary_twice(ctx: Context) -> None:
    seen: dict[str, tuple[str, str]] = {}
    glossary = ctx.doc.set.glossary
    lines = [ln for gid, ln in ctx.doc.ref_entries if gid.startswith("G")] if ctx.doc.ref_entries else []
    for k, g in enumerate(glossary):
        line = lines[k] if k < len(lines) else ctx.doc.ref_lines.get(g.id, 1)
        first = next((seen[key] for key in sorted(g.keys()) if key in seen), None)
        ctx.check(
            first is None,
            "references.glossary-duplicate",
            W,
            line,
            f"glossary term '{g.term}' ({g.id}) is already defined as '{first[1] if first else ''}' "
            f"({first[0] if first else ''}).",
            "keep one definition and remove the other (merge what each adds).",
        )
        for key in g.keys():
            seen.setdefault(key, (g.id, g.term))


@register_rule("references.tools", "tool URLs are well-formed http(s) URLs")
def tool_urls(ctx: Context) -> None:
    for t in ctx.doc.set.tools:
        u = urlparse(t.url)
        ok = u.scheme in ("http", "https") and "." in u.netloc and " " not in t.url
        ctx.check(
            ok,
            "references.tool-url",
            W,
            ctx.doc.ref_lines.get(t.id, 1),
            f"tool {t.id} ({t.name}) has URL '{t.url}', which is not a full http(s) URL.",
            f"write the official URL in angle brackets, e.g. <https://{t.url.strip('[]<>') or 'example.org'}>.",
        )
