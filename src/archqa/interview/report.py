"""The one-page HTML report of a saved interview: scorecard, then each phase with the answer, follow-ups and
the reference.

Like the HTML export it loads nothing and runs nothing: every piece of user text goes through
``archqa.export.render`` (Markdown rendered, then cleaned by nh3 against its allow-list; plain text
escaped), and a Content-Security-Policy of ``default-src 'none'`` forbids scripts and fetches. Print CSS
keeps it to paper (A4 or Letter).
"""

from __future__ import annotations

from archqa.export.render import diagram_html, esc, inline_html, markdown_html, page_head
from archqa.interview.model import DiagramCheck, Scorecard, Transcript
from archqa.model import Diagram

STYLE = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 900px; padding: 1rem 1.5rem 3rem; color: var(--fg); line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.5rem; margin: .4rem 0; } h2 { font-size: 1.15rem; border-bottom: 1px solid var(--line);
  padding-bottom: .2rem; margin-top: 1.6rem; } h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
.meta, .note { color: var(--muted); font-size: .88rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--soft); }
.level { font-weight: 600; white-space: nowrap; }
blockquote { margin: .3rem 0; padding: .2rem .7rem; border-left: 3px solid var(--line); color: #333; }
.answer { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: .3rem .8rem; }
ul.points { padding-left: 1.2rem; } ul.points li { margin: .15rem 0; }
pre { white-space: pre-wrap; background: var(--soft); padding: .5rem; border-radius: 6px; font-size: .82rem; }
figcaption { font-size: .75rem; color: var(--muted); }
@page { margin: 15mm; }
@media print { body { max-width: none; padding: 0; font-size: 10.5pt; } section.phase { break-inside: avoid-page; }
  h2 { break-after: avoid; } a { color: inherit; text-decoration: none; } }
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def _scorecard(card: Scorecard) -> str:
    rows = []
    for d in card.dimensions:
        figures = f"{d.credit:g} of {d.total} key points ({d.share:.0%})" if d.total and d.share is not None else ""
        made = "".join(
            f"<li>✓ {f'KP {e.number} ' if e.number else ''}{inline_html(e.point)}"
            f"<blockquote>{esc(' '.join(e.quote.split()))}</blockquote>"
            f'<span class="note">{esc(e.phase)}{"" if e.how == "answer" else " · " + esc(e.how)}</span></li>'
            for e in d.evidence
        )
        missed = "".join(
            f"<li>✗ {f'KP {m.number} ' if m.number else ''}{inline_html(m.point)}"
            + (f'<div class="note">{esc(m.reason)}</div>' if m.reason else "")
            + "</li>"
            for m in d.missed
        )
        detail = f'<ul class="points">{made}{missed}</ul>' if made or missed else ""
        note = f'<div class="note">{esc(d.note)}</div>' if d.note else ""
        rows.append(
            f'<tr><th>{esc(d.title)}</th><td class="level">{esc(d.level)}</td>'
            f"<td>{esc(figures)}{note}{detail}</td></tr>"
        )
    return (
        '<table class="scorecard"><thead><tr><th>Dimension</th><th>Level</th><th>Evidence and missed points</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _diagram(check: DiagramCheck) -> str:
    if check.error:
        return f'<p class="note">Your diagram does not parse ({esc(check.parser)}): {esc(check.error)}</p>'
    items = [
        f"<li>✓ {esc(c.reference)} = “{esc(c.candidate)}” ({esc(c.how)})</li>" for c in check.components if c.candidate
    ]
    items += [f"<li>✗ missing component: {esc(name)}</li>" for name in check.missing_components]
    items += [f"<li>✗ missing connection: {esc(c.source)} → {esc(c.target)}</li>" for c in check.missing_connections]
    note = f'<p class="note">{esc(check.note)}</p>' if check.note else ""
    return (
        f"<h3>Diagram check ({esc(check.parser)})</h3>{note}<p>{check.nodes} nodes, {check.edges} edges.</p>"
        f'<ul class="points">{"".join(items)}</ul>'
    )


def render_report(transcript: Transcript, card: Scorecard, interview_id: int | None = None) -> str:
    """The whole HTML document for a saved interview."""
    plan = transcript.plan
    used = sum(t.seconds + sum(f.seconds for f in t.follow_ups) for t in transcript.turns)
    title = f"Mock interview{f' {interview_id}' if interview_id is not None else ''}: {plan.title}"
    phases = []
    for phase in plan.phases:
        turn = transcript.turn(phase.key)
        parts = [f'<section class="phase"><h2>{esc(phase.title)}</h2>', f"<p><em>{inline_html(phase.prompt)}</em></p>"]
        if turn is None:
            parts.append('<p class="note">Not answered.</p>')
        else:
            parts.append(
                f'<p class="meta">{_clock(turn.seconds)} of a {_clock(phase.seconds)} budget</p>'
                f'<div class="answer">{markdown_html(turn.answer) or "<p>(empty answer)</p>"}</div>'
            )
            for fu in turn.follow_ups:
                probe = f" (probes KP {fu.key_point})" if fu.key_point else ""
                verdict = "" if fu.covered is None else (" ✓ made the point" if fu.covered else " ✗ point not made")
                parts.append(
                    f"<h3>Follow-up{esc(probe)}</h3><p>{inline_html(fu.question)}</p>"
                    f'<div class="answer">{markdown_html(fu.answer) or "<p>(no answer)</p>"}</div>'
                    f'<p class="note">{esc(verdict)}</p>'
                )
            if turn.diagram is not None:
                parts.append(_diagram(turn.diagram))
        if phase.reference:
            parts.append(f"<h3>Reference</h3>{markdown_html(phase.reference)}")
        if phase.reference_diagram:
            parts.append(diagram_html(Diagram(source=phase.reference_diagram)))
        parts.append("</section>")
        phases.append("".join(parts))
    signals = (
        f"<p><strong>A {esc(card.target)} answer:</strong> {inline_html(card.signals)}</p>" if card.signals else ""
    )
    return "\n".join(
        [
            *page_head(title, CSP, STYLE),
            f"<h1>{esc(title)}</h1>",
            f'<p class="meta">{esc(", ".join(plan.question_ids))} · level {esc(plan.level)} · {plan.minutes} minutes · '
            f"{esc(transcript.started_at)} · {_clock(used)} used · grader {esc(transcript.grader)}</p>",
            f"<h2>Scorecard</h2><p><strong>Overall: {esc(card.overall)}</strong>; at or above {esc(card.target)} on "
            f"{card.met} of {card.assessed} assessed dimensions.</p>",
            _scorecard(card),
            signals,
            "\n".join(phases),
            "</body>",
            "</html>",
            "",
        ]
    )
