"""Checks a grader runs on the user's answer before it credits a key point: prose, polarity, contradiction.

Each check is a small, explainable function over words, so a verdict can say
why it refused credit ("negated: 'never'", "keyword list, not prose"). They
are deliberately about kinds of text, not about any question: a keyword list
is a keyword list whatever the topic.
"""

from __future__ import annotations

import re
from functools import lru_cache

from archqa.text import STOPWORDS, stem

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?(?:-[A-Za-z0-9]+)*")


@lru_cache(maxsize=16384)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(m.group().lower().replace("’", "'") for m in _WORD.finditer(text))


def tokens(text: str) -> list[str]:
    """Lower-case word tokens; contractions ("don't") and hyphenated words stay whole."""
    return list(_tokens(text))


# -- prose ------------------------------------------------------------------

FUNCTION_WORDS = frozenset(
    """a an the is are was were be been being am to of in on at for with by from into onto than that which who
    whom whose it its we i you they he she this these those there their our my your can could will would should
    shall may might must do does did has have had if when then because since so as while until unless after
    before once where how why what whenever wherever also only just even still yet each every any all some
    both either neither not no never don't doesn't isn't aren't won't can't cannot shouldn't wouldn't didn't
    hasn't haven't i'd i'll i'm we'd we'll it's that's there's they're you'd let's via per""".split()
)
"""Words that glue a claim together; a run of nouns without any of them is a list, not a sentence."""

_ITEM_SPLIT = re.compile(r"[,;/|•·+\n]|\s-\s|\s[-–—>→]+\s")


@lru_cache(maxsize=16384)
def is_prose(text: str) -> bool:
    """True when ``text`` reads as a claim, not a list of terms ("replicas, lag, primary, session").

    A list of terms has several short items and (almost) no function words; a
    terse claim ("route reads to the primary for a few seconds after a write")
    has its glue. Fewer than three words is never prose: it names, it does not claim.
    """
    words = tokens(text)
    if len(words) < 3:
        return False
    glue = sum(w in FUNCTION_WORDS for w in words)
    items = [i for i in _ITEM_SPLIT.split(text) if re.search(r"\w", i)]
    short_items = sum(len(tokens(i)) <= 3 for i in items)
    if len(items) >= 3 and short_items >= 0.7 * len(items) and glue <= len(items) // 3:
        return False
    if glue == 0 and len(words) >= 3:
        return bool(_VERB_HINT.search(text))
    return True


_VERB_HINT = re.compile(
    r"\b(?:use|uses|using|route|routes|send|sends|keep|keeps|store|stores|make|makes|add|adds|put|puts|pin|pins|"
    r"retry|retries|read|reads|write|writes|go|goes|fail|fails|avoid|avoids|need|needs|let|lets|give|gives|"
    r"split|splits|move|moves|run|runs|cache|caches|wrap|wraps|drop|drops|reject|rejects|return|returns|"
    r"prefer|prefers|[a-z]{3,}(?:ed|es|ize|ise|ify))\b",
    re.IGNORECASE,
)
"""A sentence without glue words can still claim something when it has a verb: "Retry writes idempotently"."""


# -- polarity ---------------------------------------------------------------

NEGATORS = frozenset(
    """not no never none nothing nobody nowhere neither nor without cannot can't don't doesn't didn't isn't
    aren't wasn't weren't won't wouldn't shouldn't mustn't needn't hasn't haven't hadn't couldn't""".split()
)
"""Words that flip the claim they stand in."""
NEGATING_PHRASES = (
    "instead of",
    "rather than",
    "no need",
    "not needed",
    "unnecessary",
    "pointless",
    "useless",
    "irrelevant",
    "overkill",
    "a myth",
    "doesn't matter",
    "does not matter",
    "is a bad idea",
    "bad idea",
    "is wrong",
    "avoid",
    "avoids",
    "skip",
    "forget about",
    "steer clear of",
    "stay away from",
    "not worth",
    "isn't worth",
    "never worth",
    "the wrong",
)
"""Phrases that deny or reject what stands next to them ("use X instead of Y", "Y is overkill")."""
_PHRASE_RE = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in NEGATING_PHRASES) + r")\b", re.IGNORECASE)

_DISMISSIVE = re.compile(
    r"\b(?:yeah,?\s+right|(?:^|[.!?]\s+)as\s+if|as\s+if\s+(?:[\w'-]+\s+){0,3}?(?:ever|anyone|anybody|actually)|"
    r"who\s+(?:needs|cares|bothers)|sure,?\s+because|oh\s+sure|overrated|nobody\s+(?:bothers|needs|cares|does)|"
    r"(?:a|total|complete)\s+waste\s+of\s+time|just\s+hype|snake\s+oil|over-?think(?:s|ing)?(?:\s+it)?|"
    r"over-?engineer(?:s|ed|ing)?|,\s*whatever\b|red\s+herring)\b",
    re.IGNORECASE,
)
"""Sarcasm and dismissal deny what they name ("yeah, right, as if replicas ever lag"; "who needs a breaker";
"availability math is overthinking it"; "OT, CRDT, whatever, just lock it")."""


def negations(text: str) -> list[str]:
    """The negating words and phrases in ``text``, in order, as written (lower-case)."""
    return list(_negations(text))


@lru_cache(maxsize=16384)
def _negations(text: str) -> tuple[str, ...]:
    found = [w for w in _tokens(text) if w in NEGATORS]
    found += [m.group().lower() for m in _PHRASE_RE.finditer(text)]
    found += [" ".join(m.group().lower().strip(".!? ").split()) for m in _DISMISSIVE.finditer(text)]
    return tuple(found)


ANTONYMS: tuple[tuple[str, str], ...] = (
    ("synchronous", "asynchronous"),
    ("sync", "async"),
    ("before", "after"),
    ("increase", "decrease"),
    ("increase", "reduce"),
    ("raise", "lower"),
    ("higher", "lower"),
    ("more", "less"),
    ("more", "fewer"),
    ("strong", "eventual"),
    ("strong", "weak"),
    ("always", "never"),
    ("stateless", "stateful"),
    ("push", "pull"),
    ("coupled", "decoupled"),
    ("tight", "loose"),
    ("horizontal", "vertical"),
    ("optimistic", "pessimistic"),
    ("safe", "unsafe"),
    ("mutable", "immutable"),
    ("small", "large"),
    ("short", "long"),
    ("fast", "slow"),
    ("centralized", "decentralized"),
    ("centralised", "decentralised"),
    ("manual", "automatic"),
    ("explicit", "implicit"),
    ("add", "remove"),
    ("enable", "disable"),
    ("allow", "forbid"),
    ("allow", "deny"),
    ("accept", "reject"),
    ("open", "closed"),
    ("internal", "external"),
    ("cheap", "expensive"),
    ("static", "dynamic"),
    ("online", "offline"),
    ("upstream", "downstream"),
    ("inside", "outside"),
    ("first", "last"),
    ("early", "late"),
    ("include", "exclude"),
    ("shared", "isolated"),
    ("shared", "dedicated"),
    ("global", "local"),
    ("public", "private"),
    ("success", "failure"),
    ("correct", "incorrect"),
    ("consistent", "inconsistent"),
    ("idempotent", "non-idempotent"),
    ("deterministic", "nondeterministic"),
    ("deterministic", "non-deterministic"),
    ("monolith", "microservices"),
)
"""Pairs whose swap turns a claim into its contradiction in the same vocabulary."""

_ANTONYM: dict[str, set[str]] = {}
for _a, _b in ANTONYMS:
    _ANTONYM.setdefault(stem(_a), set()).add(stem(_b))
    _ANTONYM.setdefault(stem(_b), set()).add(stem(_a))


@lru_cache(maxsize=16384)
def stems(text: str) -> frozenset[str]:
    """The stems of a text's words."""
    return frozenset(stem(w) for w in _tokens(text))


def swapped_antonyms(point: str, span: str) -> list[tuple[str, str]]:
    """(point word, span word) pairs where the span says the opposite word and not the point's own."""
    p, s = stems(point), stems(span)
    out = []
    for w in sorted(p):
        for opposite in sorted(_ANTONYM.get(w, ())):
            if opposite in s and w not in s and opposite not in p:
                out.append((w, opposite))
    return out


# -- whole-answer signals ------------------------------------------------------

_IDK = re.compile(
    r"\b(?:i\s+(?:do\s*n[o']?t|don't|dont)\s+know|no\s+idea|not\s+sure|i'm\s+not\s+sure|i\s+am\s+not\s+sure|"
    r"never\s+(?:worked|used|heard)|no\s+clue|i\s+have\s+no\s+(?:idea|clue)|can't\s+remember|"
    r"cannot\s+remember|don't\s+remember|not\s+familiar|no\s+experience)",
    re.IGNORECASE,
)


def says_dont_know(answer: str) -> bool:
    """True for "I don't know" answers: an admission and little else (a hedge inside a long answer is not one)."""
    if not _IDK.search(answer):
        return False
    rest = _IDK.sub(" ", answer)
    return len(tokens(rest)) <= 25


_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,60}\b(?:rubric|instructions?|rules?|previous|above|prompt|"
    r"grading|key\s+points?)\b"
    r"|\b(?:mark|grade|score|treat|count|consider|rate|give)\b[^.!?\n]{0,60}\b(?:as\s+)?(?:covered|correct|full\s+(?:marks|"
    r"credit|score)|easy|100\s*%|all\s+(?:the\s+)?(?:key\s+)?points)\b"
    r"|\b(?:as\s+the\s+grader|you\s+are\s+(?:the|a)\s+grader|system\s*:|assistant\s*:|grader\s*:)"
    r"|\b(?:this|my|the)\s+(?:answer|response|candidate)\s+(?:\w+\s+){0,2}(?:covers|covered|addresses|hits|makes|meets)"
    r"\s+(?:all|every|each)\b"
    r"|\b(?:all|every)\s+(?:the\s+)?(?:key\s+)?points?\s+(?:\w+\s+){0,2}(?:covered|addressed|met|made)\b",
    re.IGNORECASE,
)


def is_instruction(text: str) -> bool:
    """True when ``text`` speaks to the grader ("ignore the rubric", "mark every point covered"): it is data,
    and it is never evidence for a point."""
    return bool(_INSTRUCTION.search(text))


def clauses(text: str) -> list[str]:
    """A sentence cut at commas, colons, dashes and contrast words: the units a negation applies to."""
    parts = re.split(r"[,:;—–]\s*|\s-\s|\s(?=(?:but|whereas|while|although|though|however|yet)\s)", text)
    return [p.strip() for p in parts if p and re.search(r"\w", p)]


_REJECTING = re.compile(
    r"\b(?:instead\s+of|rather\s+than|in\s+place\s+of|skip(?:ping)?|forget(?:ting)?\s+about|no\s+need\s+(?:for|to)|"
    r"(?:do\s+not|don't)\s+bother\s+(?:with|to)|there's\s+no\s+point\s+(?:in|to)|steer(?:ing)?\s+clear\s+of|"
    r"stay(?:ing)?\s+away\s+from)\s+",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[,;:.!?()]|\s(?:and|but|so|then|while|for|when|if|because|since)\s", re.IGNORECASE)


def rejected_parts(text: str) -> tuple[str, str]:
    """(what ``text`` puts forward, what it rejects): "Rather than splitting by time, shuffle rows" rejects
    "splitting by time". A rejected part runs from the marker to the end of its clause."""
    kept: list[str] = []
    rejected: list[str] = []
    pos = 0
    for m in _REJECTING.finditer(text):
        if m.start() < pos:
            continue
        kept.append(text[pos : m.start()])
        end = _CLAUSE_END.search(text, m.end())
        stop = end.start() if end else len(text)
        rejected.append(text[m.end() : stop])
        pos = stop
    kept.append(text[pos:])
    return " ".join(kept), " ".join(rejected)


_DISMISSAL = re.compile(
    r"\b(?:"
    # not worth it
    r"not\s+worth|isn't\s+worth|wasn't\s+worth|never\s+worth|why\s+bother|(?:would|wo|do|did)n't\s+bother|"
    r"(?:would|will|do)\s+not\s+bother|no\s+point\s+in|pointless|needless|unnecessary|not\s+needed|overkill|"
    r"over\s+the\s+top|overblown|overrated|over-?engineer\w*|gold-?plat\w*|yak-?shav\w*|bike-?shed\w*|busywork|"
    r"wasted\s+effort|(?:a\s+)?waste\s+of\s+(?:time|effort|money|cycles)|buys?\s+(?:you|us|them)\s+nothing|"
    r"adds?\s+nothing|gains?\s+(?:you|us)\s+nothing|nothing\s+useful|(?:can|could)\s+(?:do|live)\s+without|"
    r"a\s+luxury|nobody\s+needs|no\s+one\s+needs|(?:only|just)\s+adds?\s+(?:\w+\s+)?(?:moving\s+parts|complexity)|"
    # refusing it
    r"steer(?:ing)?\s+clear|stay(?:ing)?\s+away\s+from|hard\s+(?:no|pass)|(?:I'd|I\s+would|we'd|we\s+would)\s+pass\s+on|"
    r"no\s+way\s+(?:I|we|would|I'd|we'd)|not\s+on\s+my\s+watch|no\s+chance|"
    r"leave\s+(?:it|them|that|those|this)\s+out|(?:I'd|we'd|I\s+would|we\s+would)\s+(?:drop|remove|rip\s+out|ditch|skip)|"
    r"rip\s+(?:it|that|them|this)\s+out|the\s+last\s+thing\s+(?:I|we|you)(?:'d|\s+would)|give\s+(?:\w+\s+){0,4}?a\s+miss|"
    # scorn for it
    r"cargo[-\s]cult\w*|voodoo|superstition|theat(?:re|er)|bureaucra\w+|paperwork|nonsense|snake\s+oil|"
    r"a\s+trap|(?:a\s+)?non-?starter|paranoi\w+|scare\s+stor\w+|fuss(?:ing)?\s+over|purist|ideological|"
    r"straitjacket|asking\s+for\s+trouble|nice\s+in\s+theory|sounds\s+nice,?\s+but|cute\s+trick|"
    r"belt[-\s]and[-\s]braces|hair-?splitting|(?:^|[.!?]\s+)(?:nah|meh)\b"
    r")",
    re.IGNORECASE,
)
_NEGATOR_BEFORE = re.compile(r"\b(?:not|never|don't|do\s+not|no)\s+(?:\w+\s+){0,1}$", re.IGNORECASE)


def dismissal(text: str) -> str:
    """The first expression in ``text`` that dismisses what it names ("X isn't worth the trouble", "I'd steer
    clear of X", "X is cargo cult", "hard pass on X"), or ""; one that is itself negated ("don't skip the
    fencing token") does not count."""
    for m in _DISMISSAL.finditer(text):
        if not _NEGATOR_BEFORE.search(text[: m.start()]):
            return " ".join(m.group().lower().strip(".!? ").split())
    return ""


def dismissed_parts(text: str) -> str:
    """The clauses of ``text`` that dismiss what they name (see ``dismissal``); a clause that dismisses with
    little else in it ("leave it out") takes the clause before it too, which names what "it" is."""
    parts = clauses(text)
    out: list[str] = []
    for i, part in enumerate(parts):
        if not dismissal(part):
            continue
        words = [w for w in re.findall(r"[a-z][\w'-]*", part.lower()) if w not in STOPWORDS]
        if len(words) < 4 and i > 0:
            out.append(parts[i - 1])
        out.append(part)
    return " ".join(out)
