"""Evaluations as JUnit XML, so a CI dashboard can show a partnership's status.

A ``<testsuite>`` per return (named by agency), a ``<testcase>`` per criterion (class name
``framework.standard``) and one more, ``return``, for flags about the whole return (late,
not signed off). Each flag at or above ``--fail-on`` that is not dismissed is a
``<failure>`` — the same flags that make ``evaluate`` exit 1 — with the finding as its
message and the panel's question and the evidence as its text. Other flags are listed in
the test case's ``<system-out>`` so nothing is hidden. Text is escaped by the XML writer;
control characters are shown as symbols (``␛``, see :mod:`safeguard_qa.report.safe`) and
other characters XML cannot hold are replaced with ``�``.

The XML is written one ``<testsuite>`` at a time as the returns are evaluated, so memory
does not grow with the number of returns. That is why the ``<testsuites>`` root carries no
totals (they are known only at the end); each suite has its own ``tests`` and ``failures``,
which is what CI dashboards add up.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence

from safeguard_qa.models.results import Evaluation, Flag
from safeguard_qa.models.scale import RAG
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.safe import printable

RETURN_CASE = "return"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="safeguard-qa">\n'
TAIL = "</testsuites>\n"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render_evaluations(evaluations: Sequence[Evaluation], options: RenderOptions) -> str:
    return "".join(stream_evaluations(evaluations, len(evaluations), options))


def stream_evaluations(
    evaluations: Iterable[Evaluation], count: int, options: RenderOptions
) -> Iterator[str]:
    """The document's head, then one ``<testsuite>`` per evaluation as it arrives."""
    yield HEAD
    for ev in evaluations:
        suite = _suite(ev, options)
        ET.indent(suite, level=1)
        yield "  " + ET.tostring(suite, "unicode").rstrip() + "\n"
    yield TAIL


def fails(flag: Flag, options: RenderOptions) -> bool:
    """Does the flag fail the run? As for the exit code: not dismissed, at or above fail_on."""
    return flag.status != "dismissed" and flag.severity.rank >= options.fail_on.rank


def _suite(ev: Evaluation, options: RenderOptions) -> ET.Element:
    by_criterion: dict[str, list[Flag]] = {c.criterion: [] for c in ev.criteria}
    whole_return: list[Flag] = []
    for flag in ev.flags:
        by_criterion.get(flag.criterion or "", whole_return).append(flag)
    cases = [
        _case(f"{ev.framework.id}.{c.standard}", c.criterion, by_criterion[c.criterion], options)
        for c in ev.criteria
    ]
    cases.append(_case(ev.framework.id, RETURN_CASE, whole_return, options))
    failures = sum(1 for case in cases for _ in case.iter("failure"))
    suite = ET.Element(
        "testsuite",
        name=_x(f"{ev.agency.name} ({ev.agency.id})"),
        id=_x(ev.return_id),
        package=_x(f"{ev.framework.id} {ev.framework.version}"),
        tests=str(len(cases)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time="0",
    )
    suite.append(_properties(ev, options))
    suite.extend(cases)
    return suite


def _properties(ev: Evaluation, options: RenderOptions) -> ET.Element:
    values = {
        "agency_type": ev.agency.type,
        "framework": ev.framework.id,
        "framework_version": ev.framework.version,
        "period": f"{ev.period_start}/{ev.period_end}",
        "as_of": ev.as_of.isoformat(),
        "overall_self": _rag(ev.overall.self_rag),
        "overall_assured": _rag(ev.overall.assured_rag),
        "overall_moderated": _rag(ev.overall.moderated_rag),
        "fail_on": options.fail_on.value,
    }
    properties = ET.Element("properties")
    for name, value in values.items():
        ET.SubElement(properties, "property", name=name, value=_x(value))
    return properties


def _case(classname: str, name: str, flags: list[Flag], options: RenderOptions) -> ET.Element:
    case = ET.Element("testcase", classname=_x(classname), name=_x(name), time="0")
    others: list[str] = []
    for flag in flags:
        if fails(flag, options):
            failure = ET.SubElement(
                case, "failure", type=_x(flag.rule), message=_x(f"[{flag.severity}] {flag.message}")
            )
            failure.text = _x(_details(flag))
        else:
            others.append(f"[{flag.severity}, {flag.status}] {flag.rule}: {flag.message}")
    if others:
        ET.SubElement(case, "system-out").text = _x("\n".join(others))
    return case


def _details(flag: Flag) -> str:
    lines = [f"Question: {flag.question}"]
    lines += [f"Evidence: {item}" for item in flag.evidence]
    lines.append(f"Status: {flag.status}; fingerprint {flag.fingerprint}")
    return "\n".join(lines)


def _rag(rag: RAG | None) -> str:
    return rag.value if rag is not None else ""


def _x(text: str) -> str:
    """``text`` with control characters as symbols (tab and line breaks kept) and the
    characters XML 1.0 cannot hold replaced."""
    return _NOT_XML.sub("\ufffd", printable(text, keep="\t\n\r"))
