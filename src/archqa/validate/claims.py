"""Claim extraction: what a document says about itself, as quantities, nouns and scopes.

A claim is read from prose outside the questions (title, intro, blockquotes,
lists, claim tables, any report or summary section) in three steps:

1. the text is normalised: Markdown emphasis, check marks and bullets go,
   number words become digits ("twenty-six" -> 26);
2. a quantity is paired with a noun from the synonym table ``NOUNS``, with
   up to three words between them ("34 high-quality interview questions") or
   the noun first ("Diagrams: 21", "| Total Q&As | 7 |");
3. the claim gets a scope: the whole document, or the topic whose section it
   sits in ("the 2 questions in this section"), or a topic it names.

Besides counts there are percentages, shares ("each Q&A includes a diagram",
"80% of answers have code"), scores ("98/100", "9.6/10", "99 out of 100"),
cross-references ("Q3 links to Q12", "Q7 -> Q8") and quality claims
("production-ready", "every citation verified"). ``rules_honesty`` checks each
claim against what the document contains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archqa.formats.blocks import Block, table_rows
from archqa.formats.house import ParsedDocument
from archqa.model import Difficulty

# -- numbers ---------------------------------------------------------------

_UNITS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if i >= 2}
_NUMBER_WORD = re.compile(
    r"\b(?:("
    + "|".join(_TENS)
    + r")(?:[- ]("
    + "|".join(list(_UNITS)[1:10])
    + r"))?|("
    + "|".join(w for w in _UNITS if w not in ("zero", "one"))
    + r")|(a\s+)?(dozen))\b",
    re.I,
)
"""'one' is left alone: 'one question a day' is advice, not a claim."""


def _word_number(m: re.Match[str]) -> str:
    if m.group(5):
        return "12"
    if m.group(3):
        return str(_UNITS[m.group(3).lower()])
    return str(_TENS[m.group(1).lower()] + (_UNITS[m.group(2).lower()] if m.group(2) else 0))


def words_to_digits(text: str) -> str:
    """'twenty-six questions and twelve diagrams' -> '26 questions and 12 diagrams'."""
    return _NUMBER_WORD.sub(_word_number, text)


# -- nouns -----------------------------------------------------------------

NOUNS: list[tuple[str, str]] = [
    ("foundational", r"(?:foundational|basic|beginner|easy|entry-level|junior)(?:-level)?"),
    ("intermediate", r"(?:intermediate|medium|mid-level)"),
    ("advanced", r"(?:advanced|hard|expert|senior)(?:-level)?"),
    ("questions", r"(?:q\s?&\s?as?|q/as?|qas|qnas?|questions?(?:\s+(?:and|&)\s+answers?)?)"),
    ("tradeoff_tables", r"(?:comparison|trade-?offs?|decision)\s+(?:tables?|matri(?:x|ces))"),
    ("metric_tables", r"metrics?\s+tables?"),
    ("tables", r"tables?"),
    ("diagrams", r"(?:mermaid\s+)?(?:diagrams?|flowcharts?)"),
    (
        "code",
        r"(?:code\s+(?:examples?|samples?|snippets?|blocks?|listings?)|examples?|samples?|snippets?|implementations?)",
    ),
    ("topics", r"(?:topic\s+(?:areas?|clusters?)|topics?|clusters?)"),
    ("glossary", r"(?:glossary\s+(?:terms?|entries|items)|(?:terms?|concepts?)\s+defined|defined\s+terms)"),
    ("bibliography", r"(?:bibliography\s+entries|books?|references|sources|works\s+cited|papers)"),
    ("tools", r"tools?"),
    ("languages", r"(?:programming\s+)?languages"),
    ("key_points", r"(?:key\s+points?|rubric\s+(?:points?|items?))"),
]
"""Measure -> the words that name it; the first that matches wins, so longer names come first."""
NOUN = "|".join(f"(?P<{key}>{pat})" for key, pat in NOUNS)
NOUN_PLAIN = "|".join(f"(?:{pat})" for _, pat in NOUNS)
NOUN_RE = re.compile(r"(?:" + NOUN + r")\b", re.I)
DIFFICULTY_KEYS = {"foundational": Difficulty.FOUNDATIONAL, "intermediate": Difficulty.INTERMEDIATE,
                   "advanced": Difficulty.ADVANCED}  # fmt: skip
WORDS = {
    "questions": ("question", "questions"),
    "foundational": ("Foundational question", "Foundational questions"),
    "intermediate": ("Intermediate question", "Intermediate questions"),
    "advanced": ("Advanced question", "Advanced questions"),
    "tradeoff_tables": ("trade-off table", "trade-off tables"),
    "metric_tables": ("metrics table", "metrics tables"),
    "tables": ("table", "tables"),
    "diagrams": ("diagram", "diagrams"),
    "code": ("code example", "code examples"),
    "topics": ("topic", "topics"),
    "glossary": ("glossary entry", "glossary entries"),
    "bibliography": ("bibliography entry", "bibliography entries"),
    "tools": ("tool", "tools"),
    "languages": ("language", "languages"),
    "key_points": ("key point", "key points"),
}

LANGUAGE_NAMES = {
    "python": "python", "go": "go", "golang": "go", "java": "java", "javascript": "javascript",
    "typescript": "typescript", "rust": "rust", "scala": "scala", "c++": "cpp", "cpp": "cpp", "c#": "csharp",
    "csharp": "csharp", "sql": "sql", "yaml": "yaml", "json": "json", "kotlin": "kotlin", "ruby": "ruby",
    "swift": "swift", "php": "php", "bash": "bash", "terraform": "hcl", "hcl": "hcl",
}  # fmt: skip

STOP = (
    r"(?:of|per|in|on|at|for|to|from|by|with|without|and|or|than|that|which|who|is|are|was|were|be|has|have|had|"
    r"each|every|all|the|a|an|more|less|ms|s|sec|secs|seconds?|minutes?|hours?|days?|weeks?|months?|years?|"
    r"percent|rps|qps|tps|x|times|users?|requests?|nodes?|servers?|services?|regions?|replicas?|shards?|"
    r"partitions?|instances?|[kmgt]b|words?|lines?|steps?|phases?|stages?|layers?|levels?|teams?)\b"
)
FILLER = r"(?:\s++(?!" + STOP + r")(?!(?:" + NOUN_PLAIN + r")\b)[a-z][\w&+#'-]*+){0,3}?"
OP_BEFORE = r"(?:(?<!\w)(?P<op>over|more than|at least|no fewer than|minimum of|up to|at most|no more than|about|around|roughly|nearly|approximately|~|≈|≥|>=|≤|<=|>|<)\s*+)?"  # noqa: E501
# The spaces after the operator are inside its optional group: a match never starts inside a run of spaces, so a
# line of spaces is not scanned from each of its positions.
NUM = (
    r"(?<![\w.,/#$-])(?P<num>\d{1,3}(?:,\d{3})++|\d++(?:\.\d++)?)(?P<plus>\+)?"
    r"(?![\w/]|[.,]\d|\s*+[-–]\s*+\d|\s*+(?:/|out of))"
)
COUNT = re.compile(OP_BEFORE + NUM + r"(?P<pct>\s*+%)?(?P<fill>" + FILLER + r")\s++(?:" + NOUN + r")\b", re.I)
LABEL_FIRST = re.compile(
    r"^(?:total\s+|number\s+of\s+|count\s+of\s+|no\.\s+of\s+|#\s*)?(?:" + NOUN + r")"
    r"(?:\s+(?:count|total|generated|included|covered|written|in total))?\s*+(?:[:=—–]|\(|\s-\s|\s)\s*+"
    + OP_BEFORE
    + NUM
    + r"(?P<pct>\s*+%)?\)?\s*+$",
    re.I,
)
DIFF_PCT = re.compile(r"\b(?P<d>foundational|intermediate|advanced)\s*+[(:]?\s*+" + NUM + r"\s*+%", re.I)
TARGET = re.compile(r"\b(?:target|goal|aim|blueprint|requested|asked for)\W{0,3}\d+%?", re.I)

SCORE_WORD = r"(?:score[ds]?|rating|rated|grade[ds]?|quality|validation|overall)"
SCORES = [
    re.compile(SCORE_WORD + r"[^\d\n]{0,30}?(?<![\w.])(?P<n>\d{1,3}(?:\.\d+)?)\s*/\s*(?P<d>100|10|5)\b", re.I),
    re.compile(r"(?<![\w.])(?P<n>\d{1,3}(?:\.\d+)?)\s*/\s*(?P<d>100|10|5)\b(?=[^.\n]{0,20}" + SCORE_WORD + ")", re.I),
    re.compile(r"(?<![\w.])(?P<n>\d{1,3}(?:\.\d+)?)\s+out\s+of\s+(?P<d>100|10|5)\b", re.I),
    re.compile(
        SCORE_WORD + r"\W{1,6}(?:of\s+)?(?P<n>\d{1,3}(?:\.\d+)?)\s*%(?!\s*(?:of|foundational|intermediate|advanced))",
        re.I,
    ),
]  # fmt: skip

REL = (
    r"(?:→|->|⟶|=>|➔|⇒|-->|links?\s+(?:back\s+)?to|is\s+linked\s+to|linked\s+to|leads?\s+(?:in)?to|builds?\s+(?:up)?on|"
    r"extends|references|refers\s+(?:back\s+)?to|points?\s+to|follows(?:\s+up)?(?:\s+on)?|connects?\s+to|"
    r"relates?\s+to|depends\s+on|ties?\s+(?:in|back)\s+to|expands\s+on|continues)"
)
LINK = re.compile(r"\bQ(?P<a>\d+)\b(?:\s*\([^()\n]{0,40}\))?\s*+" + REL + r"\s*+(?=Q(?P<b>\d+)\b)", re.I)
QUESTION_WORD = re.compile(r"\bquestion\s+(\d+)\b(?!\s*[-–])", re.I)

QUANT = re.compile(
    r"\b(?:(?P<all>all|every|each)|(?P<pct>\d{1,3}(?:\.\d+)?)\s*%\s+of)(?:\s+(?:the|of\s+the|\d+|single|one))*"
    r"(?:\s+[a-z-]+)?\s+(?:questions?|answers?|q\s?&\s?as?|q/as?|qas?|entries|cards?)\b",
    re.I,
)
FEATURES: list[tuple[str, str, str]] = [
    ("diagram", r"diagrams?|flowcharts?|visuals?", "a diagram"),
    ("metrics_table", r"metrics?\s+tables?", "a metrics table"),
    ("tradeoffs", r"trade-?offs?\s+tables?|comparison\s+tables?|trade-?offs?", "a trade-offs table"),
    ("code", r"\bcode\b|implementations?|snippets?|code\s+examples?|examples?", "a code example"),
    ("key_points", r"key\s+points|rubrics?", "key points"),
    ("citation", r"citations?|references?|cites?|sources?", "a citation"),
    ("key_insight", r"key\s+insights?", "a key insight"),
    ("number", r"metrics?|numbers?|figures?|quantif\w*|numeric", "a number"),
]
NEGATION = re.compile(r"\b(?:not|no|never|non|isn't|aren't|without|nor|lack\w*)\b[^.;]{0,25}$", re.I)
QUALITY: list[tuple[str, re.Pattern[str]]] = [
    (
        "code",
        re.compile(
            r"production[- ](?:ready|grade|quality)|ready\s+for\s+production|\bcompil(?:es|ed|able|e)\b|"
            r"\bbuilds?\s+(?:cleanly|without\s+errors?)|\brunnable\b|\bworking\s+code|\bcomplete\s+code|"
            r"syntactically\s+(?:valid|correct)|(?:all|every)\s+(?:the\s+)?(?:code|snippets?|examples?|code\s+examples?)"
            r"(?:\s+(?:is|are|was|were|has been|have been))?\s+(?:tested|verified|checked|validated|runs?)|"
            r"fully\s+tested|tested\s+code|code\s+(?:is\s+|was\s+)?tested",
            re.I,
        ),
    ),
    (
        "citations",
        re.compile(
            r"(?:all|every|each)\s+(?:the\s+)?(?:citations?|references?|sources?|isbns?|books?)"
            r"(?:\s+(?:is|are|was|were|has been|have been))?\s+(?:\w+\s+)?"
            r"(?:verified|checked|validated|confirmed|resolve)|"
            r"(?:citations?|references?|sources?|isbns?)\s+(?:are\s+|were\s+)?(?:all\s+)?(?:verified|fact-checked|validated)|"
            r"verified\s+(?:citations|references|sources)",
            re.I,
        ),
    ),
]  # fmt: skip
WHOLE = re.compile(r"\b(?:in total|overall|in (?:the|this) (?:set|document|guide|bank|collection)|across)\b", re.I)
TOPIC_LABEL = re.compile(r"^(?:\d+[.)]\s*)?(?P<label>[A-Za-z][\w &/,'-]{1,60}?)\s*(?::|—|–|\(|\s-\s)\s*(?P<rest>.+)$")
RANGE = re.compile(r"(?:\(\s*+)?Q(\d++)\s*+[-–]\s*+Q(\d++)(?:\s*+\))?")
CHANGE = re.compile(r"\b(?:from|added|adds|adding|removed|removes|dropped|another|extra|first|last|next)\s*$")
GENERIC_LABELS = {
    "total", "overall", "all", "coverage", "generated", "count", "summary", "set", "document", "size", "scope",
    "content", "contents", "in total", "result", "results", "delivered", "includes", "questions", "q&as",
}  # fmt: skip


@dataclass(frozen=True)
class Scope:
    """What a claim is about: the whole document or one topic's questions."""

    topic: str | None = None

    def describe(self) -> str:
        return "the document" if self.topic is None else f"the section '{self.topic}'"


@dataclass(frozen=True)
class Claim:
    """One statement a document makes about itself."""

    kind: str
    """count, percent, share, score, link, quality or languages."""
    measure: str
    value: float
    stated: str
    line: int
    text: str
    scope: Scope = Scope()
    op: str = "="
    extra: tuple[int, ...] = ()


def _clean(text: str) -> str:
    t = re.sub(r"^\s*>+\s?", "", text, flags=re.M)
    t = re.sub(r"[*`]|(?<!\w)_{1,2}|_{1,2}(?!\w)", "", t)
    t = re.sub(r"^\s*(?:[-+]|\d+[.)])\s+(?=\D)", "", t, flags=re.M)
    t = re.sub(r"[\u2600-\u27bf\U0001F000-\U0001FAFF\ufe0f]", " ", t)
    t = re.sub(r"[ \t]+", " ", t)
    return words_to_digits(t).strip()


def _sentences(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        out += [s.strip() for s in re.split(r"(?<!\d)[.!?](?=\s|$)|[;|]|(?<=\d)\.(?=\s)", line) if s.strip()]
    return out


def _op(raw: str | None, plus: str | None) -> str:
    if plus:
        return ">="
    r = (raw or "").lower()
    if r in ("over", "more than", ">"):
        return ">"
    if r in ("at least", "no fewer than", "minimum of", "≥", ">="):
        return ">="
    if r in ("up to", "at most", "no more than", "≤", "<="):
        return "<="
    if r == "<":
        return "<"
    if r:
        return "~"
    return "="


def _measure(m: re.Match[str]) -> str:
    return next(k for k, _ in NOUNS if m.group(k) is not None)


def _number(s: str) -> float:
    return float(s.replace(",", ""))


class _Extractor:
    def __init__(self, doc: ParsedDocument) -> None:
        self.doc = doc
        self.claims: list[Claim] = []
        self.topics = [t.name for t in doc.set.topics]
        # The topic whose section each level-1/2 heading opens (None for other sections).
        by_line = {line: name for name, line in doc.topic_lines.items()}
        self.sections = [(line, by_line.get(line)) for line, lvl, _ in doc.headings if lvl <= 2]

    def scope_at(self, line: int, sentence: str) -> Scope:
        topic = None
        for start, name in self.sections:
            if start > line:
                break
            topic = name
        if topic is not None and WHOLE.search(sentence):
            topic = None
        return Scope(topic)

    def add(self, **kw: object) -> None:
        c = Claim(**kw)  # type: ignore[arg-type]
        key = (c.kind, c.measure, c.value, c.scope, c.line, c.op)
        if not any((x.kind, x.measure, x.value, x.scope, x.line, x.op) == key for x in self.claims):
            self.claims.append(c)

    def run(self) -> list[Claim]:
        table_lines: set[int] = set()
        for t in self.doc.tables:
            if t.question is None:
                table_lines.update(range(t.block.line, t.block.line + t.block.end - t.block.start + 1))
                if t is not self.doc.topic_table:
                    self.table(t.block)
        for p in self.doc.prose:
            if p.question is None and p.line not in table_lines:
                self.prose(p.line, p.text)
        return self.claims

    # -- prose ----------------------------------------------------------
    def prose(self, line: int, raw: str) -> None:
        lines = raw.split("\n")
        for off, one in enumerate(lines):
            text = _clean(one)
            if not text:
                continue
            ln = line + off
            self.languages(ln, text)
            self.links(ln, text)
            for sentence in _sentences(text):
                self.sentence(ln, sentence)

    def sentence(self, line: int, s: str) -> None:
        scope = self.scope_at(line, s)
        for kind, pat in QUALITY:
            for m in pat.finditer(s):
                if not NEGATION.search(s[: m.start()]):
                    self.add(kind="quality", measure=kind, value=0, stated=m.group(0), line=line, text=s, scope=scope)
        self.scores(line, s)
        self.shares(line, s, scope)
        s = TARGET.sub("", s)
        # A topic named as a label: "Data Architecture: 4 Q&As (Q15-Q18)".
        tm = TOPIC_LABEL.match(s)
        if tm and not NOUN_RE.fullmatch(tm.group("label").strip()):
            label = tm.group("label").strip()
            from archqa.validate.rules_structure import _match_topic

            topic = _match_topic(label, self.topics) if label.lower() not in GENERIC_LABELS else None
            if topic is not None:
                self.counts(line, tm.group("rest"), Scope(topic), label_range=True)
                return
            cm = COUNT.search(tm.group("rest"))
            if label.lower() not in GENERIC_LABELS and cm and cm.group("questions"):
                if RANGE.search(tm.group("rest")):
                    self.add(kind="count", measure="questions", value=_number(cm.group("num")),
                             stated=cm.group("num"), line=line, text=s, scope=Scope(label), op="topic?")  # fmt: skip
                # Otherwise an unknown label ("Messaging: 4 Q&As") may name a part: unsure, so no claim.
                return
        for seg in re.split(r",\s*|\s+and\s+", s):
            lm = LABEL_FIRST.match(seg.strip())
            if lm:
                self.count_match(line, s, lm, scope)
        self.counts(line, s, scope)

    def counts(self, line: int, s: str, scope: Scope, *, label_range: bool = False) -> None:
        for m in COUNT.finditer(s):
            before = s[max(0, m.start() - 12) : m.start()].lower()
            if re.search(r"(?:\bof|\bq|#|\bpart|\bweek|\bday|\bstep|\bversion|\bv)\s*$", before):
                continue
            # A change or a past state ("grew from 3 questions", "we added 2 questions") is not a count of the set.
            if CHANGE.search(before):
                continue
            if NEGATION.search(s[: m.start()]) and re.search(r"\b(?:no|without)\s*$", before):
                continue
            self.count_match(line, s, m, scope)
        for m in DIFF_PCT.finditer(s):
            self.add(kind="percent", measure=m.group("d").lower(), value=_number(m.group("num")),
                     stated=m.group("num") + "%", line=line, text=s, scope=scope)  # fmt: skip
        if label_range and scope.topic is not None:
            rng = RANGE.search(s)
            if rng:
                self.add(kind="range", measure="questions", value=0, stated=rng.group(0).strip("() "), line=line,
                         text=s, scope=scope, extra=(int(rng.group(1)), int(rng.group(2))))  # fmt: skip

    def count_match(self, line: int, s: str, m: re.Match[str], scope: Scope) -> None:
        measure = _measure(m)
        pct = bool(m.group("pct"))
        fill = (m.groupdict().get("fill") or "").lower().split()
        if pct and measure not in DIFFICULTY_KEYS:
            return  # "40% fewer tables" is not a count; shares are read by shares()
        if measure == "code":
            langs = [LANGUAGE_NAMES[w] for w in fill if w in LANGUAGE_NAMES]
            if langs:
                measure = "code:" + langs[0]
        if measure == "topics" and scope.topic is not None:
            return
        self.add(
            kind="percent" if pct else "count",
            measure=measure,
            value=_number(m.group("num")),
            stated=m.group("num") + ("%" if pct else ""),
            line=line,
            text=s,
            scope=scope,
            op=_op(m.group("op"), m.group("plus")),
        )

    def shares(self, line: int, s: str, scope: Scope) -> None:
        q = QUANT.search(s)
        if not q or NEGATION.search(s[: q.start()]):
            return
        after, before = s[q.end() :], s[: q.start()].rsplit(":", 1)[-1]
        pct = 100.0 if q.group("all") else _number(q.group("pct"))
        stated = q.group("all") or q.group("pct") + "%"
        if q.group("pct"):
            d = re.search(r"\b(foundational|intermediate|advanced)\b", after, re.I)
            if d:
                self.add(kind="percent", measure=d.group(1).lower(), value=pct, stated=stated + "%", line=line,
                         text=s, scope=scope)  # fmt: skip
                return
        # "each Q&A includes a diagram" names the feature after the quantifier, "a diagram in every answer" before.
        for rest in (after, before):
            for key, pat, _ in FEATURES:
                fm = re.search(r"\b(?:" + pat + r")", rest, re.I)
                if fm and not NEGATION.search(rest[: fm.start()][-30:]):
                    self.add(kind="share", measure=key, value=pct, stated=stated, line=line, text=s, scope=scope)
                    return

    def scores(self, line: int, s: str) -> None:
        for pat in SCORES:
            for m in pat.finditer(s):
                n, d = _number(m.group("n")), float(m.group("d")) if "d" in pat.groupindex else 100.0
                if n > d:
                    continue
                decimals = len(m.group("n").split(".")[1]) if "." in m.group("n") else 0
                tol = max(0.5, 0.5 * 10**-decimals * 100 / d)
                shown = f"{m.group('n')}/{m.group('d')}" if "d" in pat.groupindex else f"{m.group('n')}%"
                self.add(kind="score", measure="score", value=100 * n / d, stated=shown, line=line,
                         text=s, extra=(int(tol * 10),))  # fmt: skip

    def links(self, line: int, text: str) -> None:
        t = QUESTION_WORD.sub(lambda m: "Q" + m.group(1), text)
        for m in LINK.finditer(t):
            self.add(kind="link", measure="link", value=0, stated=f"Q{m.group('a')}→Q{m.group('b')}", line=line,
                     text=text, extra=(int(m.group("a")), int(m.group("b"))))  # fmt: skip

    def languages(self, line: int, text: str) -> None:
        low = text.lower()
        if not re.search(r"\b(code|implementations?|examples?|samples?|snippets?|languages?)\b", low):
            return
        found = []
        for name, lang in LANGUAGE_NAMES.items():
            if re.search(r"(?<![\w+#])" + re.escape(name) + r"(?![\w+#])", low) and lang not in found:
                found.append(lang)
        if len(found) >= 2:
            for lang in found:
                self.add(kind="languages", measure="code:" + lang, value=1, stated=lang, line=line, text=text,
                         op=">=")  # fmt: skip

    # -- tables ---------------------------------------------------------
    def table(self, block: Block) -> None:
        header, rows = table_rows(block)
        head_nouns = [NOUN_RE.fullmatch(_clean(h)) for h in header]
        # A claim table may have no real header: "| Total Q&As | 7 | ✅ |" is then its first row.
        for line, cells in [(block.line, header), *rows]:
            cells = [_clean(c) for c in cells]
            if not cells:
                continue
            first = cells[0]
            lm = NOUN_RE.fullmatch(re.sub(r"(?i)^(?:total|number of|count of)\s+|\s+(?:count|total)$", "", first))
            if lm:
                for c in cells[1:]:
                    seg = f"{first}: {c}"
                    m = LABEL_FIRST.match(seg)
                    if m:
                        self.count_match(line, seg, m, Scope())
                continue
            from archqa.validate.rules_structure import _match_topic

            low = first.lower()
            topic = None if low in GENERIC_LABELS else _match_topic(first, self.topics)
            if topic is None and low not in ("total", "overall", "all") and not (len(rows) == 1 and any(head_nouns)):
                continue
            scope = Scope(topic)
            for h, hn, c in zip(header, head_nouns, cells):
                if hn is None:
                    continue
                seg = f"{_clean(h)}: {c}"
                m = LABEL_FIRST.match(seg)
                if m:
                    self.count_match(line, seg, m, scope)


def extract(doc: ParsedDocument) -> list[Claim]:
    """Every claim the document makes about itself outside its questions, in document order."""
    return sorted(_Extractor(doc).run(), key=lambda c: c.line)
