"""The partnership view's data exports (xlsx, csv), one name per format, and triangulation
with case-file audits from the command line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from safeguard_qa.analysis.partnership import PartnershipReport
from safeguard_qa.cli import main
from safeguard_qa.plugins import Registry
from safeguard_qa.report import pack_csv, pack_xlsx
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.pack_csv import COLUMNS
from tests.partnership_data import INJECTION, SIGNER, make_report
from tests.test_output_hostile import check_csv, check_xlsx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "partnership"
AUDIT = ROOT / "examples" / "audit"


@pytest.fixture(scope="module")
def report(registry: Registry) -> PartnershipReport:
    return make_report(registry)


@pytest.fixture(scope="module")
def workbook_bytes(report: PartnershipReport) -> bytes:
    return pack_xlsx.render_partnership(report, RenderOptions())


def _rows(ws: object) -> list[tuple[object, ...]]:
    return list(ws.iter_rows(values_only=True))  # type: ignore[attr-defined]


# --- one registered renderer per name ------------------------------------------------------


def test_each_format_name_is_one_renderer_for_both_kinds_of_result(registry: Registry) -> None:
    partnership = {n for n, r in registry.renderers.items() if r.partnership is not None}
    assert {"table", "html", "markdown", "json", "xlsx", "csv", "pdf"} <= partnership
    assert "pack-md" not in registry.renderers
    for name in ("table", "markdown", "json", "xlsx", "csv"):
        renderer = registry.renderers[name]
        assert renderer.evaluations is not None, name
        assert renderer.partnership is not None, name
    assert registry.renderers["pdf"].binary
    assert registry.renderers["xlsx"].binary


# --- xlsx ---------------------------------------------------------------------------------


def test_xlsx_has_the_views_sheets_and_an_agenda_per_agency(
    workbook_bytes: bytes, report: PartnershipReport
) -> None:
    wb = load_workbook(io.BytesIO(workbook_bytes))
    assert wb.sheetnames[:5] == ["Summary", "Heatmap", "Themes", "Trend", "Actions"]
    assert wb.sheetnames[5:] == [pack.name for pack in report.agencies]
    summary = dict(_rows(wb["Summary"])[1:])  # type: ignore[arg-type]
    assert summary["Returns received"] == 6
    assert summary["Not returned"] == "Youth Justice Service"


def test_xlsx_heatmap_has_rag_fills_and_words(workbook_bytes: bytes) -> None:
    ws = load_workbook(io.BytesIO(workbook_bytes))["Heatmap"]
    council = next(row for row in ws.iter_rows() if row[0].value == "Northshire Council")
    header = next(row for row in ws.iter_rows() if row[0].value == "Agency")
    by_standard = {
        str(h.value).split()[0]: cell for h, cell in zip(header, council, strict=True) if h.value
    }
    red = by_standard["S11-5"]
    assert red.value == "Red"  # the word, never colour alone
    assert red.fill.fgColor.rgb == "00F4B6B6"
    amber = by_standard["S11-2"]
    assert (amber.value, amber.fill.fgColor.rgb) == ("Amber", "00FFE0A3")
    greens = [c for c in by_standard.values() if c.value == "Green"]
    assert greens
    assert {c.fill.fgColor.rgb for c in greens} == {"00C6E7C6"}
    assert council[-1].value == "declined"


def test_xlsx_agenda_sheet_lists_the_agencys_flags_with_criterion_text(
    workbook_bytes: bytes, report: PartnershipReport
) -> None:
    wb = load_workbook(io.BytesIO(workbook_bytes))
    council = next(p for p in report.agencies if p.agency == "council")
    rows = _rows(wb[council.name])
    header, body = rows[0], rows[1:]
    assert header[:5] == ("Rank", "Severity", "Standard", "Criterion", "Criterion text")
    assert [r[0] for r in body] == [i.rank for i in council.agenda] + [None] * len(
        council.dismissed
    )
    first = dict(zip(header, body[0], strict=True))
    item = council.agenda[0]
    assert first["Criterion text"] == item.criterion_text != ""
    assert first["Question for the panel"] == item.question
    assert first["Fingerprint"] == item.fingerprint
    assert first["Decision"] == "open"


def test_xlsx_action_register_is_overdue_first_and_text_never_a_formula(
    workbook_bytes: bytes,
) -> None:
    wb = load_workbook(io.BytesIO(workbook_bytes))
    rows = _rows(wb["Actions"])
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert (first["Agency"], first["Overdue"], first["Days overdue"]) == (
        "Northshire ICB",
        "yes",
        104,
    )
    assert first["Criterion text"]
    assert first["Status"] == "not started"  # a word, not the id not_started
    cell = next(c for row in wb["Actions"].iter_rows() for c in row if c.value == INJECTION)
    assert cell.data_type == "s"  # stored as text...
    assert cell.quotePrefix  # ...and kept text when someone edits it
    check_xlsx(workbook_bytes, io.BytesIO())
    assert SIGNER not in str([_rows(ws) for ws in wb.worksheets])


def test_xlsx_bytes_depend_only_on_the_report(
    report: PartnershipReport, workbook_bytes: bytes
) -> None:
    assert pack_xlsx.render_partnership(report, RenderOptions()) == workbook_bytes


def test_sheet_names_are_what_excel_accepts() -> None:
    taken = {"summary"}

    class Named:
        def __init__(self, name: str) -> None:
            self.name, self.agency = name, "x"

    names = [
        pack_xlsx.sheet_name(Named(n), taken)  # type: ignore[arg-type]
        for n in ("Summary", "A/B: [C]*?", "'Quoted'", "x" * 40, "x" * 40)
    ]
    assert names == ["Summary (2)", "A B   C", "Quoted", "x" * 31, "x" * 27 + " (2)"]


# --- csv ----------------------------------------------------------------------------------


def test_csv_is_one_table_with_a_section_column(report: PartnershipReport) -> None:
    text = pack_csv.render_partnership(report, RenderOptions())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == COLUMNS
    sections = [r["section"] for r in rows]
    assert sections == sorted(sections, key=_section_order)  # grouped, in a fixed order
    assert set(sections) == set(_SECTIONS)
    council_s5 = next(
        r
        for r in rows
        if (r["section"], r["agency_id"], r["standard"]) == ("heatmap", "council", "S11-5")
    )
    assert (council_s5["assured_rag"], council_s5["settled_rag"]) == ("red", "red")
    # every row naming a criterion carries its text
    named = [r for r in rows if r["criterion"]]
    assert named
    assert all(r["criterion_text"] for r in named), [r for r in named if not r["criterion_text"]]
    # scores rounded to 4 decimals
    scores = [r[c] for r in rows for c in ("self_score", "assured_score", "share") if r[c]]
    assert scores
    assert all(len(s.split(".")[1]) <= 4 for s in scores if "." in s)
    action = next(r for r in rows if r["section"] == "action")
    assert action["description"] == "'" + INJECTION  # neutralised
    check_csv(text)
    assert SIGNER not in text


_SECTIONS = (
    "status",
    "heatmap",
    "criterion",
    "theme",
    "trend_agency",
    "trend_standard",
    "action",
    "agenda",
)


def _section_order(section: str) -> int:
    # heatmap and criterion rows alternate by framework: compare them as one group
    order = {s: i for i, s in enumerate(_SECTIONS)} | {"criterion": 1}
    return order[section]


# --- from the command line ----------------------------------------------------------------


def _example_args() -> list[str]:
    return [
        str(EXAMPLE / "2025"),
        "--policy",
        str(EXAMPLE / "policy.yaml"),
        "--expected",
        str(EXAMPLE / "expected-agencies.yaml"),
    ]


def test_cli_xlsx_needs_an_output_file(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--no-entry-points", "partnership", *_example_args(), "--format", "xlsx"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "the xlsx format is binary: give an output file with -o" in err


def test_cli_xlsx_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "view.xlsx"
    code = main(
        ["--no-entry-points", "partnership", *_example_args(), "--format", "xlsx", "-o", str(out)]
    )
    _, err = capsys.readouterr()
    assert (code, err) == (0, f"wrote {out} (the partnership view, xlsx)\n")
    wb = load_workbook(out)
    assert "Northshire Constabulary" in wb.sheetnames
    code = main(["--no-entry-points", "partnership", *_example_args(), "--format", "csv"])
    text, _ = capsys.readouterr()
    assert code == 0
    assert {r["section"] for r in csv.DictReader(io.StringIO(text))} >= {"status", "agenda"}


def _audit_args() -> list[str]:
    return [
        "--audit",
        str(AUDIT / "2025-neglect.yaml"),
        "--survey",
        str(AUDIT / "practitioner-survey-2025.yaml"),
    ]


def test_cli_audit_puts_a_triangulation_flag_on_the_councils_agenda(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    without, with_audit = tmp_path / "plain.html", tmp_path / "audit.html"
    for out, extra in ((without, []), (with_audit, _audit_args())):
        code = main(
            [
                "--no-entry-points",
                "partnership",
                *_example_args(),
                *extra,
                "--format",
                "html",
                "-o",
                str(out),
            ]
        )
        _, err = capsys.readouterr()
        assert code == 0, err

    def council(path: Path) -> str:
        text = path.read_text(encoding="utf-8")
        return text.split('id="agency-northshire-cc"')[1].split("</section>")[0]

    assert "triangulation-audit" not in council(without)
    section = council(with_audit)
    assert "triangulation-audit" in section
    assert "S11-3.1" in section
    assert "case C-3" in section


def test_cli_audit_with_an_explicit_mapping_matches_the_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from safeguard_qa.audit import MAPPINGS_DIR

    outputs = []
    for extra in ([], ["--mapping", str(MAPPINGS_DIR / "s11-wt2023.yaml")]):
        code = main(
            [
                "--no-entry-points",
                "partnership",
                *_example_args(),
                *_audit_args(),
                *extra,
                "--format",
                "json",
            ]
        )
        out, err = capsys.readouterr()
        assert (code, err) == (0, "")
        outputs.append(out)
    assert outputs[0] == outputs[1]
    assert "triangulation-survey" in outputs[0] or "triangulation-audit" in outputs[0]


def test_cli_survey_without_audit_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "--no-entry-points",
            "partnership",
            *_example_args(),
            "--survey",
            str(AUDIT / "practitioner-survey-2025.yaml"),
        ]
    )
    _, err = capsys.readouterr()
    assert code == 2
    assert "--survey: give the audit rounds with --audit" in err


def test_cli_bad_mapping_names_the_file_and_criterion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from safeguard_qa.audit import MAPPINGS_DIR

    bad = tmp_path / "mapping.yaml"
    text = (MAPPINGS_DIR / "s11-wt2023.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("S11-3.1", "S11-3.99", 1), encoding="utf-8")
    code = main(
        [
            "--no-entry-points",
            "partnership",
            *_example_args(),
            *_audit_args(),
            "--mapping",
            str(bad),
        ]
    )
    _, err = capsys.readouterr()
    assert code == 2
    assert f"{bad}: criterion S11-3.99" in err
