"""The interviewer pack: one printable page per question, for the person asking it.

Per question: the prompt, the key insight, the key points as a checklist to tick while the candidate
talks, the follow-ups with the key point each probes, the level signals (what a mid, senior and staff
answer adds), and ruled room for notes. A case study also lists its interview phases.

Like the HTML page it loads nothing and runs nothing (no script at all; a Content-Security-Policy of
``default-src 'none'``), and all user text goes through ``archqa.export.render``. The print styles set no
paper size, so the printer's A4 or Letter is used; the content is at most 180 mm wide and each question
starts on a new page.
"""

from __future__ import annotations

from archqa.export.base import ExportOptions, TextExporter
from archqa.export.render import difficulty_label, esc, inline_html, page_head, slug
from archqa.model import CASE_STUDY_SECTIONS, Question, QuestionSet

STYLE = """
:root { --fg: #1f2328; --muted: #59636e; --line: #c8d1da; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 180mm; padding: 1rem; color: var(--fg); line-height: 1.45; font-size: 11pt;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header.pack h1 { font-size: 1.4rem; margin: 0 0 .3rem; }
article.q { border-top: 2px solid var(--fg); padding-top: .4rem; margin-top: 1.6rem; }
article.q h2 { font-size: 1.1rem; margin: .2rem 0; }
.meta { color: var(--muted); font-size: .85rem; margin: 0 0 .4rem; }
h3 { font-size: .92rem; margin: .7rem 0 .2rem; text-transform: uppercase; letter-spacing: .03em; color: #333; }
ul.checklist { list-style: none; padding-left: 0; margin: .2rem 0; }
ul.checklist li { display: flex; gap: .5rem; align-items: flex-start; margin: .18rem 0; }
ul.checklist input { margin-top: .2rem; flex: none; width: 1em; height: 1em; }
ul.checklist li > span:first-of-type { flex: 1; }
.kp { color: var(--muted); font-size: .8rem; white-space: nowrap; }
ol.follow-ups { padding-left: 1.3rem; margin: .2rem 0; } ol.follow-ups li { margin: .18rem 0; }
.probes { color: var(--muted); font-size: .82rem; }
dl.levels { display: grid; grid-template-columns: 5rem 1fr; gap: .15rem .6rem; margin: .2rem 0; }
dl.levels dt { font-weight: 600; } dl.levels dd { margin: 0; }
.notes { border: 1px solid var(--line); border-radius: 4px; min-height: 45mm; margin-top: .3rem;
  background-image: repeating-linear-gradient(transparent, transparent 7.5mm, var(--line) 7.5mm, var(--line) 7.7mm); }
.insight { border-left: 3px solid var(--fg); padding-left: .6rem; margin: .3rem 0; }
@page { margin: 14mm 15mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  article.q { break-before: page; border-top: 0; margin-top: 0; padding-top: 0; }
  article.q:first-of-type { break-before: auto; }
  ul.checklist li, ol.follow-ups li, dl.levels { break-inside: avoid; }
  .notes { min-height: 40mm; }
}
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


class InterviewerExporter(TextExporter):
    """The interviewer pack: a printable page per question with a key-point checklist and follow-ups."""

    suffixes = ()  # an .html file is the html page's; this format is chosen with --format interviewer
    description = "interviewer pack: per question a key-point checklist, follow-ups, level signals, notes"

    def render(self, qset: QuestionSet, options: ExportOptions) -> str:
        return render_pack(qset)


def _checklist(q: Question) -> str:
    items = "".join(
        f'<li><input type="checkbox" aria-label="key point {n}"><span>{inline_html(p)}</span>'
        f'<span class="kp">KP {n}</span></li>'
        for n, p in enumerate(q.key_points, 1)
    )
    return f'<h3>Key points</h3><ul class="checklist">{items}</ul>' if items else ""


def _follow_ups(q: Question) -> str:
    if not q.follow_ups:
        return ""
    items = []
    for f in q.follow_ups:
        probe = ""
        if 0 < f.key_point <= len(q.key_points):
            probe = f'<div class="probes">probes KP {f.key_point}: {inline_html(q.key_points[f.key_point - 1])}</div>'
        items.append(f"<li>{inline_html(f.question)}{probe}</li>")
    return f'<h3>Follow-ups</h3><ol class="follow-ups">{"".join(items)}</ol>'


def _levels(q: Question) -> str:
    if q.level_signals is None or not q.level_signals.items():
        return ""
    rows = "".join(f"<dt>{esc(label)}</dt><dd>{inline_html(text)}</dd>" for label, text in q.level_signals.items())
    return f'<h3>Level signals</h3><dl class="levels">{rows}</dl>'


def _question(q: Question, n: int) -> str:
    meta = [esc(difficulty_label(q))]
    if q.type:
        meta.append(esc(q.type))
    if q.topic:
        meta.append(esc(q.topic))
    meta.append(f"<code>{esc(q.id)}</code>")
    parts = [
        f'<article class="q" id="q{n}" data-difficulty="{slug(difficulty_label(q))}">',
        f"<h2>Q{n}. {inline_html(q.title)}</h2>",
        f'<p class="meta">{" · ".join(meta)}</p>',
    ]
    if q.key_insight:
        parts.append(f'<div class="insight"><strong>Look for:</strong> {inline_html(q.key_insight)}</div>')
    if q.sections:
        phases = " → ".join(esc(CASE_STUDY_SECTIONS.get(s.name, s.name)) for s in q.sections)
        parts.append(f'<p class="meta">Phases: {phases}</p>')
    parts += [_checklist(q), _follow_ups(q), _levels(q), '<h3>Notes</h3><div class="notes"></div>', "</article>"]
    return "".join(parts)


def render_pack(qset: QuestionSet) -> str:
    """The whole interviewer pack for ``qset``."""
    questions = "\n".join(_question(q, q.number or i) for i, q in enumerate(qset.questions, 1))
    title = f"Interviewer pack: {qset.title}"
    return "\n".join(
        [
            *page_head(title, CSP, STYLE),
            f'<header class="pack"><h1>{esc(title)}</h1>',
            f'<p class="meta">{len(qset.questions)} questions, one to a printed page. Tick each key point as the '
            "candidate makes it; ask the follow-up of a point they miss; compare with the level signals.</p>",
            "</header>",
            questions,
            "</body>",
            "</html>",
            "",
        ]
    )
