"""A candidate's Mermaid flowchart compared with the case study's reference diagram.

Both diagrams are read into a graph of nodes (id, label) and edges (from, to, label) by Mermaid's own
parser (``archqa.validate.mermaid.graph``); when Mermaid cannot run here, archqa's simple flowchart reader
(:func:`parse_flowchart`: ``A[label] --> B``, ``-.->``, ``==>``, ``-->|label|``) stands in, and the check
says so.

A reference component is matched by the candidate node whose label (or id) is the same after
normalisation (lower case, words only, plurals folded, "service"/"node"/"server" dropped), or a synonym
(:data:`SYNONYMS`, or one name being a single word of the other: "Worker" and "Delivery worker"), or else
the most similar by sentence embedding when the cosine is at least :data:`EMBEDDING_THRESHOLD`. A
reference connection is found when the candidate has an edge, in either direction, between the nodes
matched to its two ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from archqa.errors import GraderError
from archqa.interview.model import ComponentMatch, ConnectionMatch, DiagramCheck

EMBEDDING_THRESHOLD = 0.45
"""The least cosine similarity (all-MiniLM-L6-v2) at which two component labels are taken for the same.
Measured on labels: ten pairs naming the same component ("Rate limiter" / "Throttling service", "Search
index" / "Inverted index", "Feed service" / "Timeline service") scored 0.45-0.89, five pairs naming
different ones ("Search index" / "Redis cache") 0.09-0.22."""

SYNONYMS: tuple[frozenset[str], ...] = tuple(
    frozenset(group)
    for group in (
        {"db", "database", "datastore", "store", "sql", "postgres", "postgresql", "mysql", "rdbms"},
        {"cache", "redis", "memcached", "cache cluster"},
        {"lb", "load balancer", "balancer", "alb", "elb", "nginx", "haproxy"},
        {"queue", "message queue", "kafka", "broker", "log", "stream", "event bus", "bus", "mq"},
        {"cdn", "edge", "edge cache"},
        {"client", "user", "browser", "app", "mobile", "users", "clients"},
        {"api", "api gateway", "gateway", "api server", "web", "web server", "frontend", "app server"},
        {"blob", "object store", "s3", "blob store", "object storage"},
        {"worker", "workers", "consumer", "consumers", "processor"},
        {"search", "index", "search index", "elasticsearch"},
    )
)
"""Names taken for the same component (after normalisation)."""

_KEEP = {"postgres", "kubernetes", "analytics", "aws", "dns", "sms", "ads"}
_DROP = {"service", "services", "node", "nodes", "server", "servers", "cluster", "the", "a", "shards", "shard"}


@dataclass(frozen=True)
class Graph:
    """A flowchart as nodes (id -> label) and edges (from, to, label)."""

    nodes: dict[str, str]
    edges: list[tuple[str, str, str]]


def normalise(name: str) -> str:
    """Lower-case words, quotes, brackets and filler ('service', 'node') dropped, plurals folded."""
    ws = [w for w in re.findall(r"[a-z0-9]+", name.lower()) if w not in _DROP]
    ws = [
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")) and w not in _KEEP else w
        for w in ws
    ]
    return " ".join(ws)


_NODE = r"([A-Za-z_][\w-]*)\s*(\(\[|\[\(|\(\(|\[\[|\[|\(|\{\{|\{|>)?"
_SHAPE_END = {"([": "])", "[(": ")]", "((": "))", "[[": "]]", "[": "]", "(": ")", "{{": "}}", "{": "}", ">": "]"}
_ARROW = re.compile(
    # a label's inner spaces must be followed by a label character, so no run of spaces can be split two
    # ways: linear on any input (tests/test_hostile.py pumps every module-level pattern)
    r"(?<!\s)\s*+(--\s++(?:[^->|\s]|\s++(?=[^->|\s]))++\s*+-->|-\.\s*+(?:[^.>|\s]|\s++(?=[^.>|\s]))++\s*+\.->"
    r"|==\s++(?:[^=>|\s]|\s++(?=[^=>|\s]))++\s*+==>|<?(?:-\.+-|-{2,}|={2,})[->ox]?)"
    r"\s*+(?:\|([^|]*+)\|)?\s*+"
)


def _node(text: str, pos: int, nodes: dict[str, str]) -> tuple[str, int] | None:
    m = re.compile(_NODE).match(text, pos)
    if not m:
        return None
    nid, shape = m.group(1), m.group(2)
    end = m.end()
    label = nodes.get(nid, nid)
    if shape:
        close = text.find(_SHAPE_END[shape], end)
        if close < 0:
            return None
        label = text[end:close].strip().strip('"').strip()
        end = close + len(_SHAPE_END[shape])
    nodes[nid] = label
    return nid, end


def parse_flowchart(source: str) -> Graph:
    """archqa's simple flowchart reader, for when Mermaid cannot run: one chain of nodes and arrows a line."""
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    for raw in source.splitlines():
        line = raw.split("%%", 1)[0].strip().rstrip(";")
        if not line or re.match(r"(?:flowchart|graph|subgraph|end\b|classDef|class\s|style\s|click\s|direction)", line):
            continue
        got = _node(line, 0, nodes)
        if got is None:
            continue
        prev, pos = got
        while pos < len(line):
            while pos > 0 and line[pos - 1].isspace():  # an arrow match starts where its spaces start
                pos -= 1
            a = _ARROW.match(line, pos)
            if not a:
                break
            label = (a.group(2) or "").strip().strip('"')
            mid = re.match(r"(?:--|-\.|==)\s++(.+?)(?<!\s)\s*+(?:-->|\.->|==>)", a.group(1))
            if mid:
                label = mid.group(1).strip().strip('"')
            nxt = _node(line, a.end(), nodes)
            if nxt is None:
                break
            edges.append((prev, nxt[0], label))
            prev, pos = nxt
    return Graph(nodes, edges)


def read_graph(source: str) -> tuple[Graph | None, str, str]:
    """(graph, parser, error): Mermaid's own parser when it runs here, else the fallback reader."""
    from archqa.validate.mermaid import graph

    try:
        got = graph(source)
    except ValueError as exc:
        return None, "mermaid", str(exc)
    if got is None:
        return parse_flowchart(source), "fallback", ""
    nodes, edges = got
    return Graph(nodes, edges), "mermaid", ""


def mermaid_blocks(text: str) -> list[str]:
    """The ```mermaid blocks of an answer."""
    return [m.group(1) for m in re.finditer(r"```mermaid[^\n]*\n(.*?)(?:```|\Z)", text, re.S)]


def _synonym(a: str, b: str) -> bool:
    return any(a in g and b in g for g in SYNONYMS) or bool(a and b and (a in b.split() or b in a.split()))


def match_components(reference: Graph, candidate: Graph) -> dict[str, tuple[list[str], str]]:
    """Reference node id -> (the candidate node ids that match it, how). Every candidate node of the same
    name (or synonym) matches, the one with the same id first, so two "Gateway node"s both count."""
    out: dict[str, tuple[list[str], str]] = {}
    cand = {nid: normalise(label) or normalise(nid) for nid, label in candidate.nodes.items()}
    cand_ids = {nid: normalise(nid) for nid in candidate.nodes}
    todo = []
    for rid, label in reference.nodes.items():
        r = normalise(label) or normalise(rid)
        by_name = [c for c in cand if cand[c] == r or cand_ids[c] == r]
        by_synonym = [c for c in cand if _synonym(r, cand[c])]
        for how, hits in (("name", by_name), ("synonym", by_synonym)):
            if hits:
                out[rid] = (sorted(hits, key=lambda c: c != rid), how)
                break
        else:
            todo.append(rid)
    if todo and candidate.nodes:
        try:
            from archqa.practice.encoder import shared_encoder

            enc = shared_encoder()
            ids = list(candidate.nodes)
            cv = enc.encode([candidate.nodes[c] or c for c in ids])
            rv = enc.encode([reference.nodes[r] or r for r in todo])
            sims = rv @ cv.T
            for i, rid in enumerate(todo):
                j = int(sims[i].argmax())
                if float(sims[i][j]) >= EMBEDDING_THRESHOLD:
                    out[rid] = ([ids[j]], f"embedding {float(sims[i][j]):.2f}")
        except GraderError:
            pass
    return out


def compare(candidate_source: str, reference_source: str) -> DiagramCheck:
    """The components and connections of the reference diagram the candidate's diagram has, and misses."""
    cand, parser, error = read_graph(candidate_source)
    ref, _, _ = read_graph(reference_source)
    note = "" if parser == "mermaid" else "Mermaid cannot run here: archqa's simple flowchart reader was used"
    if cand is None or ref is None:
        return DiagramCheck(parser=parser, note=note, error=error or "the reference diagram does not parse")
    matched = match_components(ref, cand)
    components: list[ComponentMatch] = []
    names: set[str] = set()
    for rid, label in ref.nodes.items():
        if normalise(label or rid) in names:  # two "Gateway node"s are one component
            continue
        names.add(normalise(label or rid))
        components.append(
            ComponentMatch(
                reference=label or rid,
                candidate=cand.nodes[matched[rid][0][0]] if rid in matched else "",
                how=matched[rid][1] if rid in matched else "",
            )
        )
    cand_edges = {(a, b) for a, b, _ in cand.edges}
    found_pairs: dict[tuple[str, str], str] = {}
    order: list[tuple[str, str, str]] = []
    for a, b, lab in ref.edges:
        la, lb = ref.nodes.get(a, a), ref.nodes.get(b, b)
        if (la, lb) not in found_pairs:
            found_pairs[(la, lb)] = ""
            order.append((la, lb, lab))
        if found_pairs[(la, lb)]:
            continue
        for x in matched.get(a, ([], ""))[0]:
            for y in matched.get(b, ([], ""))[0]:
                edge = (x, y) if (x, y) in cand_edges else (y, x) if (y, x) in cand_edges else None
                if edge is not None and not found_pairs[(la, lb)]:
                    found_pairs[(la, lb)] = f"{cand.nodes[edge[0]]} --> {cand.nodes[edge[1]]}"
    connections = [
        ConnectionMatch(
            source=la, target=lb, label=lab, found=bool(found_pairs[(la, lb)]), evidence=found_pairs[(la, lb)]
        )
        for la, lb, lab in order
    ]
    return DiagramCheck(
        parser=parser,
        note=note,
        nodes=len(cand.nodes),
        edges=len(cand.edges),
        components=components,
        connections=connections,
    )


def compare_answer(answer: str, reference_source: str) -> DiagramCheck | None:
    """The first ```mermaid block of ``answer`` compared with the reference; None when the answer has none."""
    blocks = mermaid_blocks(answer)
    return compare(blocks[0], reference_source) if blocks else None
