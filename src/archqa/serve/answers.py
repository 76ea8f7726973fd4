"""The answers the practice pages show: the model answer rendered once per version, and the user's own with
the grader's evidence marked."""

from __future__ import annotations

import threading
from collections import OrderedDict

from markupsafe import Markup

from archqa.export.render import answer_body_html, esc
from archqa.model import Question
from archqa.practice import Grade

_RENDERED: OrderedDict[str, Markup] = OrderedDict()
_RENDERED_LOCK = threading.Lock()
_RENDERED_MAX = 512


def model_answer_html(question: Question) -> Markup:
    """The question's model answer as sanitized HTML, rendered once per version of the question: Markdown,
    sanitizing and code highlighting were the largest part of a graded answer's time (profiled under the team
    bench). Keyed by the question's whole JSON, so an edited question renders afresh."""
    key = question.model_dump_json()
    with _RENDERED_LOCK:
        hit = _RENDERED.get(key)
        if hit is not None:
            _RENDERED.move_to_end(key)
            return hit
    html = Markup(answer_body_html(question, set(), related_link))
    with _RENDERED_LOCK:
        _RENDERED[key] = html
        while len(_RENDERED) > _RENDERED_MAX:
            _RENDERED.popitem(last=False)
    return html


def marked_answer(answer: str, grade: Grade) -> Markup:
    """The answer, escaped, with the spans the grader quoted as evidence marked (each is a verbatim slice)."""
    spans: list[tuple[int, int]] = []
    for p in grade.points:
        at = answer.find(p.evidence) if p.evidence else -1
        if at >= 0:
            spans.append((at, at + len(p.evidence)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    out, pos = [], 0
    for start, end in merged:
        out += [esc(answer[pos:start]), f"<mark>{esc(answer[start:end])}</mark>"]
        pos = end
    out.append(esc(answer[pos:]))
    return Markup("".join(out))


def related_link(rid: str) -> str:
    """A related question's id as a link to its page."""
    return f'<a href="/questions/{esc(rid)}"><code>{esc(rid)}</code></a>'
