"""Content rules: code parses, diagrams are valid, tables are rectangular, text is clean, links resolve."""

from __future__ import annotations

import re

import ftfy

from archqa.formats.blocks import count_cells, raw_cell_counts
from archqa.text import similar_pairs, terms
from archqa.validate.code import NOT_CODE, canonical, parse_code
from archqa.validate.engine import Context, Severity, register_rule

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

MERMAID_TYPES = (
    "graph",
    "flowchart",
    "sequenceDiagram",
    "classDiagram",
    "stateDiagram",
    "stateDiagram-v2",
    "erDiagram",
    "journey",
    "gantt",
    "pie",
    "quadrantChart",
    "requirementDiagram",
    "gitGraph",
    "C4Context",
    "C4Container",
    "C4Component",
    "C4Dynamic",
    "C4Deployment",
    "mindmap",
    "timeline",
    "sankey-beta",
    "xychart-beta",
    "block-beta",
    "packet-beta",
    "kanban",
    "architecture-beta",
    "zenuml",
    "radar-beta",
)
_MERMAID_OPENERS = re.compile(r"^\s*(subgraph|loop|alt|opt|par|critical|break|rect|box|namespace)\b")


@register_rule("code.parse", "every code block parses in its declared language")
def code_blocks(ctx: Context) -> None:
    for f in ctx.doc.fences:
        label = f.info.strip()
        low = label.lower()
        if low in ("mermaid",) or low in NOT_CODE:
            continue
        if not label:
            if f.question is not None and f.content.strip():
                ctx.fail(
                    "code.unlabelled",
                    W,
                    f.line,
                    "code block has no language label, so it cannot be checked.",
                    "label the fence with its language (```python, ```go, ...) or ```text for output.",
                )
            continue
        if canonical(label) is None:
            ctx.fail(
                "code.unchecked",
                INFO,
                f.line,
                f"archqa has no parser for '{label}'; the block was not checked.",
                "nothing to do, or label it with a supported language if it is one.",
                count=False,
            )
            continue
        r = parse_code(label, f.content)
        if not r.checked:
            ctx.fail(
                "code.unchecked",
                W,
                f.line,
                f"{label} block was not checked: {r.message}.",
                "split the block into smaller ones, or label it ```text if it is not meant to parse.",
            )
            continue
        ctx.check(
            r.ok,
            "code.parse",
            E,
            f.line + r.line,
            f"{label} block does not parse: {r.message} (line {r.line} of the block).",
            f"correct the {label} syntax, or relabel the block if it is another language or pseudo-code (```text).",
        )


def mermaid_problem(source: str) -> tuple[int, str] | None:
    """(line in block, problem) for an invalid Mermaid block, or None."""
    lines = source.split("\n")
    idx = 0
    if lines and lines[0].strip() == "---":
        idx = next((i + 1 for i in range(1, len(lines)) if lines[i].strip() == "---"), len(lines))
    first = ""
    for i in range(idx, len(lines)):
        s = lines[i].strip()
        if s and not s.startswith("%%"):
            first, idx = s, i
            break
    if not first:
        return 1, "the diagram is empty"
    kind = re.split(r"[\s;]", first)[0]
    if kind not in MERMAID_TYPES:
        return idx + 1, f"'{kind}' is not a Mermaid diagram type"
    depth = 0
    braces = 0
    flow = kind in ("graph", "flowchart")
    for i in range(idx + 1, len(lines)):
        s = re.sub(r'"[^"]*"', '""', lines[i].split("%%")[0])
        if _MERMAID_OPENERS.match(s):
            depth += 1
        elif re.match(r"^\s*end\s*$", s):
            depth -= 1
            if depth < 0:
                return i + 1, "'end' without a matching block opener"
        if kind == "erDiagram":
            # Crow's-foot cardinalities (||--o{) use braces; only entity blocks open and close them.
            stripped = s.strip()
            braces += stripped.endswith("{") and "--" not in stripped and ".." not in stripped
            braces -= stripped == "}"
        else:
            braces += s.count("{") - s.count("}")
        if flow:
            shapes = re.sub(r"--+[>)ox]?|==+>?|-\.+->?|<--+|\|[^|]*\|", " ", s)
            for o, c in ("[]", "()"):
                if shapes.count(o) != shapes.count(c):
                    return i + 1, f"unbalanced '{o}{c}' brackets"
    if depth > 0:
        return len(lines), f"{depth} block(s) (subgraph/loop/alt...) not closed with 'end'"
    if braces != 0 and kind in ("stateDiagram", "stateDiagram-v2", "classDiagram", "erDiagram"):
        return len(lines), "unbalanced '{}' braces"
    return None


@register_rule("diagrams.mermaid", "Mermaid blocks parse with Mermaid's own parser (or pass archqa's checks)")
def diagrams(ctx: Context) -> None:
    from archqa.validate.mermaid import engine, first_line

    blocks = [f for f in ctx.doc.fences if f.info.lower() == "mermaid"]
    if not blocks:
        return
    eng = engine()
    verdicts: list[tuple[int, str] | None]
    if eng is not None:
        verdicts = [None if v is None else first_line(v) for v in eng.check([f.content for f in blocks])]
        fix = "correct the diagram so Mermaid can render it (see mermaid.js.org/syntax for its type)."
        what = "Mermaid cannot parse this diagram"
    else:
        ctx.fail(
            "diagrams.engine",
            INFO,
            blocks[0].line,
            "no JavaScript engine can run Mermaid's parser here, so diagrams get archqa's structural checks only.",
            "install mini-racer (pip install mini-racer) or Node.js for the full check.",
            count=False,
        )
        verdicts = [mermaid_problem(f.content) for f in blocks]
        fix = "start with a diagram type (graph TD, sequenceDiagram, ...) and close every block with 'end'."
        what = "Mermaid diagram is invalid"
    for f, problem in zip(blocks, verdicts):
        ctx.check(
            problem is None,
            "diagrams.mermaid",
            E,
            f.line + (problem[0] if problem else 0),
            f"{what}: {problem[1] if problem else ''}.",
            fix,
        )


@register_rule("tables.columns", "every table row has as many cells as the header")
def tables(ctx: Context) -> None:
    for t in ctx.doc.tables:
        counts = raw_cell_counts(t.block)
        if not counts:
            continue
        header = counts[0][1]
        bad = [(ln, n) for ln, n in counts[2:] if n != header]
        ctx.passed("tables")
        for ln, n in bad:
            ctx.fail(
                "tables.columns",
                E,
                ln,
                f"table row has {n} cells; the header has {header}.",
                "add or remove cells (escape a literal pipe as \\|).",
            )
    # Pipe rows that the parser did not accept as a table at all (header and delimiter disagree).
    in_fence = _fence_lines(ctx)
    table_lines = {i for t in ctx.doc.tables for i in range(t.block.start + 1, t.block.end + 1)}
    lines = ctx.doc.lines
    i = 0
    while i < len(lines) - 1:
        ln = i + 1
        if (
            ln not in in_fence
            and ln not in table_lines
            and lines[i].lstrip().startswith("|")
            and re.match(r"^\s*+\|?\s*+:?-{3,}", lines[i + 1])
        ):
            h, d = count_cells(lines[i]), count_cells(lines[i + 1])
            ctx.check(
                h == d,
                "tables.columns",
                E,
                ln,
                f"table header has {h} cells but its delimiter row has {d}, so it does not render as a table.",
                "make the |---| row have one cell per header column.",
            )
            i += 2
            continue
        i += 1


def _fence_lines(ctx: Context) -> set[int]:
    out: set[int] = set()
    for f in ctx.doc.fences:
        out.update(range(f.line, f.end + 1))
    return out


INLINE_CODE = re.compile(r"(`++)(?!`)[^`\n]{1,500}?(?<!`)\1(?!`)")
ESCAPE = re.compile(r"(?<!\\)\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}")


@register_rule("hygiene.text", "no literal \\uXXXX escapes, no U+FFFD, no mojibake")
def hygiene(ctx: Context) -> None:
    in_fence = _fence_lines(ctx)
    lines = ctx.doc.lines
    ctx.passed("hygiene", max(1, len(ctx.doc.set.questions)))
    run_start = 0
    run_fix = ""
    run_len = 0

    def flush() -> None:
        if run_len:
            span = f"lines {run_start}-{run_start + run_len - 1}" if run_len > 1 else "the line"
            ctx.fail(
                "hygiene.mojibake",
                E,
                run_start,
                f"mojibake in {span}: UTF-8 text was decoded as another encoding (e.g. 'â€™' for '’').",
                f"re-encode the text; ftfy repairs the first line as: {run_fix}",
            )

    for i, line in enumerate(lines):
        ln = i + 1
        if not line.strip():
            continue
        # An escape or mojibake written inside `inline code` is an example of one, not a defect.
        prose = INLINE_CODE.sub(" ", line) if ln not in in_fence else line
        if "\ufffd" in prose:
            ctx.fail(
                "hygiene.replacement-char",
                E,
                ln,
                "the line contains U+FFFD (�): text was lost when it was decoded with the wrong encoding.",
                "restore the original characters from the source document.",
            )
        if ln not in in_fence:
            m = ESCAPE.search(prose)
            if m:
                ch = chr(int(m.group(0)[2:], 16)) if len(m.group(0)) == 6 else "?"
                ctx.fail(
                    "hygiene.escape",
                    E,
                    ln,
                    f"literal escape {m.group(0)} in the text (meant '{ch}').",
                    f"replace {m.group(0)} with the character itself: {ch}",
                )
        fixed = ftfy.fix_encoding(prose) if not prose.isascii() else prose
        if fixed != prose:
            if run_len and run_start + run_len == ln:
                run_len += 1
            else:
                flush()
                sample = fixed.strip()
                run_start, run_len, run_fix = ln, 1, sample if len(sample) <= 50 else sample[:47] + "..."
    flush()


QUARTER_CONTEXT = re.compile(
    r"^\s*+(?:[-–/]\s*+Q?[1-4]\b\s*+)?(?:'?\d{2}\b|(?:FY)?\s*+20\d\d|holiday|peak|earnings|revenue|sales|results|"
    r"planning|roadmap|targets?|okrs?|forecast|budget|season|close|launch|release|report|traffic|spike|quarter)",
    re.I,
)


def is_quarter(text: str, m: re.Match[str]) -> bool:
    """'Q4 holiday peak', 'Q3 2024', 'in Q1-Q2 planning', 'FY24 Q2' name a quarter, not question 4."""
    if not 1 <= int(m.group(1)) <= 4:
        return False
    before = text[max(0, m.start() - 12) : m.start()]
    return bool(QUARTER_CONTEXT.match(text[m.end() : m.end() + 30])) or bool(
        re.search(r"(?:\bFY\s*'?\d{2,4}|\bquarter|\bH[12]|\bfiscal)\W{0,3}$", before, re.I)
    )


@register_rule("links.anchors", "contents links and question references resolve")
def anchors(ctx: Context) -> None:
    doc = ctx.doc
    have: set[str] = doc.anchors
    for line, label, anchor in doc.contents:
        ctx.check(
            anchor in have,
            "links.anchor",
            E,
            line,
            f"contents entry '{label}' links to #{anchor}, which no heading produces.",
            "fix the link so it matches a heading's anchor (lowercase, punctuation dropped, spaces as -).",
        )
    qs = doc.set.questions
    n = len(qs)
    ids = {q.id for q in qs}
    for q, ql, raw in zip(qs, doc.qlines, doc.related_raw):
        text = q.full_answer() + "\n" + q.key_insight
        for m in re.finditer(r"\bQ(\d+)\b", text):
            k = int(m.group(1))
            if is_quarter(text, m):
                continue
            ctx.check(
                1 <= k <= n,
                "links.question-ref",
                E,
                ql.fields.get("answer", ql.heading),
                f"Q{q.number} refers to Q{k}, but the document has only {n} questions.",
                "point the reference at an existing question or remove it.",
            )
        for rid, line in raw:
            if rid.startswith("#"):
                k = int(rid[1:])
                ctx.check(
                    1 <= k <= n,
                    "links.related",
                    E,
                    line or ql.heading,
                    f"Q{q.number} lists Q{k} as related, but there is no Q{k}.",
                    "remove or correct it.",
                )
            else:
                ctx.check(
                    rid in ids,
                    "links.related",
                    INFO,
                    line or ql.heading,
                    f"Q{q.number} lists `{rid}` as related; it is not in this document.",
                    "fine in a bank; in a set, archqa generate keeps only related questions it includes.",
                )


@register_rule("links.duplicates", "no duplicate or near-duplicate questions")
def duplicates(ctx: Context) -> None:
    qs = ctx.doc.set.questions
    ql = ctx.doc.qlines
    sets = [terms(q.title) for q in qs]
    ctx.passed("links", len(qs))
    for i, j, sim in similar_pairs(sets, ctx.config.near_duplicate):
        same = " ".join(qs[i].title.lower().split()) == " ".join(qs[j].title.lower().split())
        if same:
            ctx.fail(
                "links.duplicate",
                E,
                ql[j].heading,
                f"Q{qs[j].number} repeats Q{qs[i].number} word for word.",
                "remove one of them, or merge their answers.",
            )
        else:
            ctx.fail(
                "links.near-duplicate",
                W,
                ql[j].heading,
                f"Q{qs[j].number} asks nearly the same as Q{qs[i].number} (title similarity {sim:.2f}).",
                "merge them or sharpen one so each tests a different concept.",
            )
