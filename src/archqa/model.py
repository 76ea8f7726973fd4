"""The data model: questions, references and sets (pydantic, the boundary types)."""

from __future__ import annotations

import hashlib
import re
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class Difficulty(str, Enum):
    """How hard a question is; the order is the teaching order."""

    FOUNDATIONAL = "Foundational"
    INTERMEDIATE = "Intermediate"
    ADVANCED = "Advanced"

    @property
    def letter(self) -> str:
        return self.value[0]

    @property
    def rank(self) -> int:
        return list(Difficulty).index(self)

    @classmethod
    def parse(cls, text: str) -> Difficulty | None:
        t = text.strip().lower()
        aliases = {
            "f": cls.FOUNDATIONAL,
            "foundational": cls.FOUNDATIONAL,
            "basic": cls.FOUNDATIONAL,
            "easy": cls.FOUNDATIONAL,
            "beginner": cls.FOUNDATIONAL,
            "junior": cls.FOUNDATIONAL,
            "i": cls.INTERMEDIATE,
            "intermediate": cls.INTERMEDIATE,
            "medium": cls.INTERMEDIATE,
            "mid": cls.INTERMEDIATE,
            "a": cls.ADVANCED,
            "advanced": cls.ADVANCED,
            "hard": cls.ADVANCED,
            "expert": cls.ADVANCED,
            "senior": cls.ADVANCED,
        }
        return aliases.get(t)


CLUSTERS: dict[str, str] = {
    "structural": "Structural Architecture",
    "behavioral": "Behavioral Architecture",
    "quality": "Quality Attributes",
    "data": "Data Architecture",
    "integration": "Integration Architecture",
    "evolution": "Evolution & Migration",
    "case-studies": "System Design Case Studies",
}
"""The topic clusters: slug -> section title (six of architecture, and the end-to-end case studies)."""


def cluster_of(topic: str) -> str | None:
    """The cluster slug a topic name belongs to, or None for other topics."""
    t = topic.lower()
    if t.startswith("case stud") or "design case stud" in t:
        return "case-studies"
    for slug in CLUSTERS:
        if t.startswith(slug[:5]) or f" {slug[:5]}" in f" {t}":
            return slug
    if "migration" in t:
        return "evolution"
    if "behaviour" in t:
        return "behavioral"
    return None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CodeExample(_Model):
    """A fenced code block and the language it declares ("" when unlabelled)."""

    language: str = ""
    code: str


class Diagram(_Model):
    """A diagram block; kind is the fence language, normally "mermaid"."""

    kind: str = "mermaid"
    source: str


class MetricRow(_Model):
    """A row of a metrics table: what to measure, how, and the target."""

    metric: str
    formula: str
    target: str


class TradeOffRow(_Model):
    """A row of a trade-offs table."""

    approach: str
    pros: str
    cons: str
    use_when: str


class FollowUp(_Model):
    """A question an interviewer asks next, and the key point (1-based; 0 = none named) it probes."""

    key_point: int = 0
    question: str


class LevelSignals(_Model):
    """What a mid-level, a senior and a staff answer to the question adds."""

    mid: str = ""
    senior: str = ""
    staff: str = ""

    def items(self) -> list[tuple[str, str]]:
        """(label, text) for each level that is filled, in order."""
        return [
            (label, text) for label, text in (("Mid", self.mid), ("Senior", self.senior), ("Staff", self.staff)) if text
        ]


CASE_STUDY_SECTIONS: dict[str, str] = {
    "requirements": "Requirements",
    "estimation": "Estimation",
    "api": "API",
    "data_model": "Data Model",
    "high_level_design": "High-Level Design",
    "deep_dives": "Deep Dives",
    "scaling": "Scaling",
}
"""A case study's sections, slug -> heading, in the order an interview runs them."""

CASE_STUDY = "Case study"
"""The question type of an end-to-end design prompt (``--type case-study``)."""


class Section(_Model):
    """One section of a case study's answer: ``name`` is a slug of CASE_STUDY_SECTIONS, ``text`` Markdown."""

    name: str
    text: str

    @property
    def title(self) -> str:
        return CASE_STUDY_SECTIONS.get(self.name, self.name.replace("_", " ").title())


def type_slug(type_: str) -> str:
    """A question type as a slug: 'Case study' -> 'case-study', 'Trade-off' -> 'trade-off'."""
    return "-".join(re.findall(r"[a-z0-9]+", type_.lower()))


def is_case_study(type_: str) -> bool:
    """True for the case-study type, however it is written ('Case study', 'case-study', 'Case Study')."""
    return type_slug(type_) == "case-study"


class Provenance(_Model):
    """Where a question was read from."""

    file: str
    line: int


class Question(_Model):
    """One interview question with its model answer and rubric."""

    id: str
    number: int = 0
    title: str
    topic: str = ""
    difficulty: Difficulty | None = None
    type: str = ""
    key_insight: str = ""
    answer: str = ""
    key_points: list[str] = Field(default_factory=list)
    code: list[CodeExample] = Field(default_factory=list)
    diagrams: list[Diagram] = Field(default_factory=list)
    metrics: list[MetricRow] = Field(default_factory=list)
    tradeoffs: list[TradeOffRow] = Field(default_factory=list)
    related: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    follow_ups: list[FollowUp] = Field(default_factory=list)
    level_signals: LevelSignals | None = None
    sections: list[Section] = Field(default_factory=list)
    provenance: Provenance | None = None

    @property
    def is_case_study(self) -> bool:
        return is_case_study(self.type)

    def full_answer(self) -> str:
        """The answer with a case study's sections after it, each under its heading: what a grader reads."""
        parts = [self.answer] + [f"**{s.title}**:\n\n{s.text}" for s in self.sections]
        return "\n\n".join(p for p in parts if p.strip())

    @property
    def citations(self) -> list[str]:
        """Bibliography ids cited in the text, in order of first use."""
        seen: dict[str, None] = {}
        for text in (self.key_insight, self.answer, *(s.text for s in self.sections), *self.key_points):
            for m in CITATION.finditer(text):
                for ref in split_refs(m.group(1)):
                    seen.setdefault(ref, None)
        return list(seen)

    def text(self) -> str:
        """All prose of the question, for search and similarity."""
        return "\n".join(
            [self.title, self.key_insight, self.answer, *(s.text for s in self.sections), *self.key_points]
        )


class GlossaryEntry(_Model):
    """A term the set uses, with its definition."""

    id: str
    term: str
    definition: str
    related: list[str] = Field(default_factory=list)

    def keys(self) -> set[str]:
        """The names this entry defines: 'Backend-for-Frontend (BFF)' -> {'backend for frontend', 'bff'}."""
        out = set()
        for part in re.findall(r"\(([^()]{1,40})\)", self.term) + [re.sub(r"\([^()]*\)", " ", self.term)]:
            key = " ".join(re.sub(r"[^\w]+", " ", part.lower()).split())
            if key:
                out.add(key)
        return out


class BibEntry(_Model):
    """A cited work. ``text`` is the citation as written after the id."""

    id: str
    text: str

    @property
    def isbn(self) -> str | None:
        m = re.search(r"ISBN(?:-1[03])?:?\s*+([0-9Xx][0-9Xx\- ]{8,20}[0-9Xx])", self.text)
        return m.group(1).replace("-", "").replace(" ", "").upper() if m else None

    @property
    def doi(self) -> str | None:
        m = re.search(r"\bDOI:?\s*+(10\.\d{4,9}/\S{1,300}?)(?:[.,;]?\s|[.,;]?$)", self.text, re.I)
        return m.group(1) if m else None

    @property
    def url(self) -> str | None:
        m = re.search(r"https?://[^\s>)]+", self.text)
        return m.group(0).rstrip(".,;") if m else None

    @property
    def key(self) -> str:
        """Identity across documents: ISBN, DOI, URL or normalized text."""
        if self.isbn:
            return "isbn:" + self.isbn
        if self.doi:
            return "doi:" + self.doi.lower()
        if self.url:
            return "url:" + self.url.lower()
        return "text:" + re.sub(r"\W+", " ", self.text.lower()).strip()


class Tool(_Model):
    """A tool or product the set mentions, with its official URL."""

    id: str
    name: str
    description: str
    url: str


class Topic(_Model):
    """A topic section: its name and overview paragraph."""

    name: str
    overview: str = ""


class Blueprint(_Model):
    """What a set should contain: size, difficulty mix, topics, focus."""

    count: int = 26
    mix: tuple[int, int, int] = (20, 40, 40)
    topics: dict[str, int | None] = Field(default_factory=dict)
    focus: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    type: str = ""
    """Only questions of this type (a slug such as ``case-study``); by default every type but case studies."""
    seed: int = 0


class QuestionSet(_Model):
    """A document: questions grouped by topic, references and its report."""

    title: str = "Software Architecture Interview Questions"
    blueprint: Blueprint | None = None
    topics: list[Topic] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list)
    glossary: list[GlossaryEntry] = Field(default_factory=list)
    bibliography: list[BibEntry] = Field(default_factory=list)
    tools: list[Tool] = Field(default_factory=list)
    report: str = ""
    """The Validation Report section's Markdown, as computed by the validator."""


CITATION = re.compile(r"\[Ref:\s*+([A-Za-z]\d++(?:\s*+[,;]\s*+[A-Za-z]?\d++)*+)\]")


def split_refs(group: str) -> list[str]:
    """``"A1, A3"`` -> ``["A1", "A3"]``; a bare number takes the previous letter."""
    out: list[str] = []
    letter = "A"
    for part in re.split(r"(?<!\s)\s*+[,;]\s*+", group.strip()):
        if not part:
            continue
        if part[0].isalpha():
            letter = part[0].upper()
            out.append(letter + part[1:])
        else:
            out.append(letter + part)
    return out


def stable_id(title: str) -> str:
    """A stable id for a question that has none: slug plus a short hash of the title."""
    norm = re.sub(r"\s+", " ", title.strip().lower())
    slug = "-".join(re.findall(r"[a-z0-9]+", norm)[:6]) or "q"
    return f"{slug}-{hashlib.sha1(norm.encode()).hexdigest()[:6]}"
