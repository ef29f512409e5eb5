"""Audit findings and the learning briefing as HTML, Markdown and JSON: data in, text out.

HTML is rendered from ``audit/templates`` with autoescaping on and a Content-Security-Policy
that allows no script; grades are written as words (colour only repeats them). Markdown
escapes every piece of text that came from an audit file. Nothing here names a person: the
findings hold case references, agency names and roles only.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import jinja2

from safeguard_qa.audit.analysis import AuditFindings, Briefing, Count, Share
from safeguard_qa.report.html import long_date
from safeguard_qa.report.jsonout import dumps
from safeguard_qa.report.markdown import table
from safeguard_qa.report.safe import markdown_text as md
from safeguard_qa.report.templating import template_environment

REASONS = {
    "performance_data": "performance data",
    "inspection": "inspection findings",
    "practice_review": "a child safeguarding practice review",
    "partnership_priority": "a partnership priority",
    "other": "another reason",
}
FORMATS = ("html", "markdown", "json")


def words(identifier: str) -> str:
    """An id such as ``child_protection`` or ``domestic_abuse`` as words."""
    return identifier.replace("_", " ").replace("-", " ")


def share_text(share: Share, threshold: int) -> str:
    """``4 of 6 (67%)``, or ``fewer than 5 cases`` when withheld."""
    if share.suppressed or share.share is None:
        return f"fewer than {threshold} cases"
    return f"{share.good_or_better} of {share.grades} ({percent(share.share)})"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


def change_text(share: Share) -> str:
    """The change since the previous round in percentage points, as words and sign."""
    if share.change is None:
        return "no comparison"
    points = round(share.change * 100)
    if points == 0:
        return "no change"
    return f"{'up' if points > 0 else 'down'} {abs(points)} points"


def count_text(count: Count, threshold: int) -> str:
    return f"fewer than {threshold}" if count.suppressed or count.n is None else str(count.n)


def _date(value: dt.date | None) -> str:
    return long_date(value) if value is not None else "–"


@cache
def environment() -> jinja2.Environment:
    env = template_environment("safeguard_qa.audit")
    env.filters.update(
        words=words,
        percent=percent,
        change=change_text,
        long_date=_date,
        share_text=share_text,
        count_text=count_text,
    )
    env.globals["reasons"] = REASONS
    return env


def findings_html(findings: AuditFindings, as_of: dt.date) -> str:
    """The audit findings report as one self-contained HTML page, A4 when printed."""
    return environment().get_template("findings.html.j2").render(f=findings, as_of=as_of)


def briefing_html(brief: Briefing) -> str:
    """The one-page learning briefing as HTML."""
    return environment().get_template("briefing.html.j2").render(b=brief)


def findings_json(findings: AuditFindings) -> str:
    return dumps(findings)


def briefing_json(brief: Briefing) -> str:
    return dumps(brief)


def findings_markdown(findings: AuditFindings, as_of: dt.date) -> str:
    """The audit findings report as Markdown."""
    f, n = findings, findings.suppress_below
    title = f"Case-file audit findings: {words(f.round.theme)} ({f.round.id})"
    lines = [f"# {md(title)}", ""]
    if f.partnership:
        lines += [md(f.partnership), ""]
    lines += [
        f"Audit from {_date(f.round.starts)} to {_date(f.round.ends)}, "
        f"{md(words(f.round.method))} with the {md(f.tool)} tool; as of {_date(as_of)}.",
        "",
        "## What we looked at",
        "",
        f"- Cases audited: {count_text(f.cases_audited, n)}",
        f"- Chosen because of: {md(', '.join(REASONS[r] for r in f.round.why_chosen))}",
    ]
    if f.round.rationale:
        lines.append(f"- Why: {md(f.round.rationale)}")
    lines += [
        f"- Agencies: {md(', '.join(f.agencies.values()))}",
        f"- Agency reviews returned: {f.reviews_returned} of {f.reviews_expected}",
        "- Level of need: "
        + md(", ".join(f"{words(k)} {count_text(c, n)}" for k, c in f.by_level_of_need.items())),
        f"- Cases graded good or better overall: {share_text(f.theme, n)}, {change_text(f.theme)}",
        "",
        "## Practice domains",
        "",
    ]
    lines += table(
        ["Domain", "Good or better", "Change since the last round on the theme"],
        [[md(d.title), share_text(d.share, n), change_text(d.share)] for d in f.domains],
    )
    lines += ["## Agencies", ""]
    lines += table(
        ["Agency", "Agreed grades good or better", "Change"],
        [[md(a.name), share_text(a.share, n), change_text(a.share)] for a in f.by_agency],
    )
    lines += ["## Agencies' own grades and the agreed grades", ""]
    lines += table(
        ["Agency", "Agreed with the meeting", "Own grades compared with agreed"],
        [
            [
                md(a.name),
                f"fewer than {n} cases"
                if a.suppressed
                else f"{a.agreed} of {a.compared} ({percent(a.rate)})",
                "–"
                if a.tendency is None
                else f"{words(a.tendency)} ({a.higher} higher, {a.lower} lower)",
            ]
            for a in f.agreement
        ],
    )
    lines += ["## Agreed grades by case", ""]
    lines += table(
        ["Domain", *(md(c.case) for c in f.cases)],
        [
            [md(d.title), *(md(f.scale.get(c.grades.get(d.domain, ""), "–")) for c in f.cases)]
            for d in f.domains
        ]
        + [["**Overall**", *(md(f.scale.get(c.overall or "", "–")) for c in f.cases)]],
    )
    lines += _flags_markdown(f) + _follow_up_markdown(f)
    lines += [
        f"_Figures resting on fewer than {n} children are withheld. Cases are pseudonymous "
        "references; no names, dates of birth or addresses are held._",
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


def _flags_markdown(f: AuditFindings) -> list[str]:
    lines = ["## For follow-up", ""]
    if not f.flags:
        return [*lines, "Nothing to follow up.", ""]
    for flag in f.flags:
        who = f.agencies.get(flag.agency, "The partnership")
        lines.append(f"- **{flag.severity.value}** {md(who)}: {md(flag.message)}")
        if flag.evidence:
            lines.append(f"  - Evidence: {md('; '.join(flag.evidence))}")
        lines.append(f"  - Question: {md(flag.question)}")
    return [*lines, ""]


def _follow_up_markdown(f: AuditFindings) -> list[str]:
    lines = ["## Immediate concerns", ""]
    if f.concerns:
        lines += table(
            ["Concern", "Case", "Agency", "Raised", "Raised with", "Closed"],
            [
                [
                    md(c.id),
                    md(c.case),
                    md(f.agencies.get(c.agency, c.agency)),
                    _date(c.raised_on),
                    md(c.raised_with),
                    _date(c.closed_on) if c.closed_on else "**open**",
                ]
                for c in f.concerns
            ],
        )
    else:
        lines += ["None raised.", ""]
    lines += ["## Learning", ""]
    for point in f.learning:
        answered = ", ".join(point.recommendations) or "no recommendation"
        lines.append(f"- **{md(point.id)}** {md(point.text)} ({md(answered)})")
    lines += ["", "## Recommendations", ""]
    lines += table(
        ["Recommendation", "Owner", "Due", "Status"],
        [
            [
                f"**{md(r.id)}** {md(r.text)}",
                md(r.owner) or "–",
                _date(r.due),
                md(words(r.status)),
            ]
            for r in f.recommendations
        ],
    )
    return lines


def briefing_markdown(b: Briefing) -> str:
    """The one-page learning briefing as Markdown."""
    n = b.suppress_below
    lines = [f"# Learning briefing: {md(words(b.theme))}", ""]
    if b.partnership:
        lines += [f"{md(b.partnership)}, multi-agency case-file audit {md(b.round)}", ""]
    lines += [
        "## What we looked at",
        "",
        f"{count_text(b.cases_audited, n)} children's case files, chosen because of "
        f"{md(', '.join(REASONS[r] for r in b.why_chosen))}. {md(b.rationale)}",
        "",
        f"Agencies: {md(', '.join(b.agencies))}.",
        "",
        "## What we found",
        "",
    ]
    lines += [
        f"- Strength: {md(d.title)}: {share_text(d.share, n)} good or better" for d in b.strengths
    ]
    lines += [
        f"- To improve: {md(d.title)}: {share_text(d.share, n)} good or better"
        for d in b.to_improve
    ]
    lines += [f"- {md(text)}" for text in b.learning]
    lines += ["", "## What good looks like", ""]
    lines += [f"- {md(d.title)}: {md(d.good_looks_like)}" for d in b.to_improve]
    lines += ["", "## What to do differently", ""]
    lines += [f"- {md(text)}" for text in b.do_differently]
    lines += ["", "## Questions for supervision", ""]
    lines += [f"- {md(q)}" for q in b.supervision_questions]
    return "\n".join(lines).rstrip("\n") + "\n"
