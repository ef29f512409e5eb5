"""Hostile and broken input: every case gets a clear error and leaves no damage.

For each input in ``tests/hostile/`` (or generated here when it is large):

- the library raises a documented exception (:class:`ReturnError`, an ``InputError``) whose
  problems name the file and the place in it;
- ``safeguard-qa validate`` exits 2, prints one line per problem and no traceback;
- ``safeguard-qa evaluate -o OUT`` exits 2 and writes nothing: OUT does not appear, and an
  OUT left by an earlier run is not touched;
- the input file is byte-for-byte unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from safeguard_qa.analysis.partnership import evaluate_partnership
from safeguard_qa.cli import main
from safeguard_qa.engine import Engine
from safeguard_qa.errors import (
    FrameworkError,
    InputError,
    Problem,
    ReturnError,
    RuleError,
    SafeguardQAError,
)
from safeguard_qa.hookspecs import hookimpl
from safeguard_qa.loaders import Limits, check_return, load_framework, load_return
from safeguard_qa.loaders.returns import validated_return
from safeguard_qa.models import Severity
from safeguard_qa.plugins import Registry, load_registry
from safeguard_qa.report.base import RenderOptions
from safeguard_qa.report.jsonout import dumps
from safeguard_qa.rules import Finding, ReturnContext, Rule
from tests.factories import clean_return_data
from tests.hostile_workbooks import (
    RESPONSES_PART,
    UNSAVED,
    clean_xlsx,
    corrupt_deflate_xlsx,
    crc_xlsx,
    entity_xlsx,
    far_row_xlsx,
    malformed_sheet_xlsx,
    many_shared_strings_xlsx,
    shared_strings_bomb_xlsx,
    unsaved_formula_xlsx,
)

HOSTILE = Path(__file__).parent / "hostile"
SUMMARY = re.compile(r"^1 file: 0 ok, \d with warnings, \d with errors$")
CLI = (sys.executable, "-m", "safeguard_qa", "--no-entry-points")

# --- the cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A broken input and the problems it must produce, as (place, message) regexes."""

    name: str
    expect: tuple[tuple[str, str], ...]
    make: Callable[[Path], Path] | None = None
    env: dict[str, str] = field(default_factory=dict)

    def path(self, folder: Path) -> Path:
        return self.make(folder) if self.make is not None else HOSTILE / self.name


def clean_yaml(folder: Path, name: str = "return.yaml") -> Path:
    """A complete, valid s11-wt2023 return (about 15 kB)."""
    registry = load_registry(entry_points=False)
    path = folder / name
    path.write_text(yaml.safe_dump(clean_return_data(registry)), encoding="utf-8")
    return path


# --- hostile workbooks, made from a clean one -----------------------------------------------

XLSX_CASES = [
    pytest.param(
        Case(
            "malformed.xlsx",
            ((rf"^part {RESPONSES_PART}$", r"is not well-formed XML \(line \d+, column \d+\)"),),
            make=malformed_sheet_xlsx,
        ),
        id="xlsx-malformed-sheet",
    ),
    pytest.param(
        Case(
            "entity.xlsx",
            ((rf"^part {RESPONSES_PART}$", r"declares a DTD or XML entities.*refused"),),
            make=entity_xlsx,
        ),
        id="xlsx-xml-entity",
    ),
    pytest.param(
        Case(
            "crc.xlsx",
            ((rf"^part {RESPONSES_PART}$", r"is damaged and cannot be unzipped.*CRC"),),
            make=crc_xlsx,
        ),
        id="xlsx-bad-crc",
    ),
    pytest.param(
        Case(
            "corrupt.xlsx",
            ((rf"^part {RESPONSES_PART}$", r"is damaged and cannot be unzipped"),),
            make=corrupt_deflate_xlsx,
        ),
        id="xlsx-corrupt-part",
    ),
    pytest.param(
        Case(
            "bomb.xlsx",
            (
                (
                    r"^part xl/sharedStrings\.xml$",
                    r"unzips from [\d,]+ to 209,715,\d+ bytes, [\d,]+ times its size.*zip bomb",
                ),
            ),
            make=shared_strings_bomb_xlsx,
        ),
        id="xlsx-shared-strings-bomb",
    ),
    pytest.param(
        Case(
            "strings.xlsx",
            ((r"^part xl/sharedStrings\.xml$", r"too many shared strings.*MAX_NODES"),),
            make=many_shared_strings_xlsx,
            env={"SAFEGUARD_QA_MAX_NODES": "5000"},
        ),
        id="xlsx-too-many-shared-strings",
    ),
    pytest.param(
        Case(
            "far.xlsx",
            ((rf"^part {RESPONSES_PART}$", r"too many cells.*MAX_NODES"),),
            make=far_row_xlsx,
        ),
        id="xlsx-cell-on-the-last-row",
    ),
    pytest.param(
        Case(
            "styles.xlsx",
            ((r"^part xl/styles\.xml$", r"styles part unzips to [\d,]+ bytes, over .* 1,000"),),
            make=clean_xlsx,
            env={"SAFEGUARD_QA_MAX_STYLES_BYTES": "1000"},
        ),
        id="xlsx-styles-over-limit",
    ),
    pytest.param(
        Case(
            "parts.xlsx",
            ((r"^$", r"has \d+ parts, over the limit of 5 .*MAX_XLSX_PARTS"),),
            make=clean_xlsx,
            env={"SAFEGUARD_QA_MAX_XLSX_PARTS": "5"},
        ),
        id="xlsx-too-many-parts",
    ),
    pytest.param(
        Case(
            "unzipped.xlsx",
            ((r"^part ", r"unzips to more than 20,000 bytes.*MAX_UNZIPPED_BYTES"),),
            make=clean_xlsx,
            env={"SAFEGUARD_QA_MAX_UNZIPPED_BYTES": "20000"},
        ),
        id="xlsx-unzipped-over-limit",
    ),
    pytest.param(
        Case(
            "formula.xlsx",
            ((r"^sheet Responses, row 4, column C \(Rating\)$", re.escape(UNSAVED)),),
            make=unsaved_formula_xlsx,
        ),
        id="xlsx-formula-without-saved-value",
    ),
]


def deep_json(folder: Path) -> Path:
    path = folder / "deep.json"
    path.write_text('{"framework": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    return path


CASES = [
    pytest.param(
        Case("malformed.yaml", ((r"^line \d+, column \d+$", "invalid YAML"),)), id="malformed"
    ),
    pytest.param(
        Case("alias-bomb.yaml", ((r"^$", r"more than 500,000 values.*SAFEGUARD_QA_MAX_NODES"),)),
        id="alias-bomb",
    ),
    pytest.param(
        Case("python-tag.yaml", ((r"^line 2", "tags that construct objects are not allowed"),)),
        id="python-tag",
    ),
    pytest.param(Case("binary-junk.yaml", ((r"^$", "binary"),)), id="binary"),
    pytest.param(Case("latin1.yaml", ((r"^line 3$", r"expected UTF-8.*0xe9"),)), id="latin-1"),
    pytest.param(
        Case(
            "too-big.yaml",
            ((r"^$", r"over the limit of 2,000.*SAFEGUARD_QA_MAX_BYTES"),),
            make=clean_yaml,
            env={"SAFEGUARD_QA_MAX_BYTES": "2000"},
        ),
        id="over-size-limit",
    ),
    pytest.param(
        Case(
            "too-many-values.yaml",
            ((r"^$", r"more than 100 values"),),
            make=clean_yaml,
            env={"SAFEGUARD_QA_MAX_NODES": "100"},
        ),
        id="over-node-limit",
    ),
    pytest.param(
        Case(
            "wrong-types.yaml",
            (
                (r"^agency › id$", r"acme police"),
                (r"^agency › name$", r"string|text"),
                (r"^agency › statutory$", r"true or false|boolean"),
                (r"^submitted$", r"date"),
                (r"^criterion S11-1\.1 › rating$", r"found 7"),
                (r"^criterion S11-1\.1 › evidence$", r"just trust us"),
                (r"^criterion S11-1\.2 › action 1 › due$", r"date.*soon"),
                (r"^criterion S11-1\.2 › action 1 › status$", r"not_started.*doing"),
            ),
        ),
        id="wrong-types",
    ),
    pytest.param(
        Case("duplicate-response.yaml", ((r"criterion S11-1\.1$", "answered twice"),)),
        id="duplicate-response",
    ),
    pytest.param(
        Case(
            "unknown-ids.yaml",
            (
                (r"^criterion S11-1\.l$", r"no such criterion.*did you mean 'S11-1\.\d'"),
                (r"^criterion S11-99\.9$", r"no such criterion"),
                (r"criterion S11-1\.2 › rating$", r"'purple' is not on the brag scale"),
            ),
        ),
        id="unknown-criterion-and-level",
    ),
    pytest.param(
        Case("unknown-framework.yaml", ((r"^framework$", r"s11-wt2099 2099\.1 is not installed"),)),
        id="unknown-framework",
    ),
    pytest.param(
        Case(
            "unknown-field.yaml",
            (
                (r"^colour$", r"unknown field 'colour'"),
                (r"^criterion S11-1\.1 › evidance$", r"unknown field 'evidance'.*evidence"),
            ),
        ),
        id="unknown-field",
    ),
    pytest.param(Case("not-a-mapping.yaml", ((r"^$", r"expected a mapping.*list"),)), id="list"),
    pytest.param(Case("empty.yaml", ((r"^$", r"empty"),)), id="empty"),
    pytest.param(
        Case("utf16.yaml", ((r"^$", r"UTF-16.*save it as UTF-8"),)),
        id="utf-16",
    ),
    pytest.param(
        Case("multi-document.yaml", ((r"^line 6, column 1$", r"single document"),)),
        id="multi-document",
    ),
    pytest.param(
        Case("duplicate-key.yaml", ((r"^line 9, column \d+$", r"key 'rating' appears twice"),)),
        id="duplicate-yaml-key",
    ),
    pytest.param(
        Case("nan-value.yaml", ((r"criterion S11-11\.2 › value$", r"finite number; found nan"),)),
        id="nan-value",
    ),
    pytest.param(
        Case(
            "number-date.yaml",
            (
                (r"^period › start$", r"YYYY-MM-DD"),
                (r"^period › end$", r"YYYY-MM-DD"),
            ),
        ),
        id="number-as-date",
    ),
    pytest.param(
        Case("deep.json", ((r"^$", r"nested too deeply"),), make=deep_json),
        id="deep-nesting-json",
    ),
    pytest.param(
        Case(
            "impossible-date.yaml",
            ((r"^line 6, column 12$", r"'2025-02-30' is not a real date.*YYYY-MM-DD"),),
        ),
        id="impossible-date-yaml",
    ),
    pytest.param(
        Case("year-zero.yaml", ((r"^line 5, column 17$", r"'0000-04-01' is not a real date"),)),
        id="year-zero-yaml",
    ),
    pytest.param(
        Case("huge-integer.yaml", ((r"^line 8, column 12$", r"a number with 5,000 digits"),)),
        id="huge-integer-yaml",
    ),
    pytest.param(
        Case("huge-integer.json", ((r"^line 6, column 52$", r"a number with 5,000 digits"),)),
        id="huge-integer-json",
    ),
    pytest.param(
        Case(
            "duplicate-key.json",
            ((r"^line 8, column 6$", r"the key 'rating' appears twice in one object"),),
        ),
        id="duplicate-json-key",
    ),
    pytest.param(
        Case(
            "zero-width-id.yaml",
            ((r"^agency › id$", r"contains U\+200B ZERO WIDTH SPACE; ids may use only ASCII"),),
        ),
        id="zero-width-id",
    ),
    pytest.param(
        Case(
            "lookalike-id.yaml",
            ((r"^agency › id$", r"contains U\+0430 CYRILLIC SMALL LETTER A; ids may use only"),),
        ),
        id="look-alike-id",
    ),
    *XLSX_CASES,
]


# --- helpers -----------------------------------------------------------------------------


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_expected(case: Case, problems: list[Problem] | tuple[Problem, ...]) -> None:
    for place, message in case.expect:
        assert any(re.search(place, p.place) and re.search(message, p.message) for p in problems), (
            f"no problem at {place!r} saying {message!r}: {[str(p) for p in problems]}"
        )


def library_problems(path: Path, registry: Registry) -> list[Problem]:
    """What ``validate`` reports: read errors, else every error and warning from the check."""
    try:
        ret = load_return(path, registry=registry)
    except InputError as exc:
        return list(exc.problems)
    return check_return(ret, registry, str(path))


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in an empty folder: no ./plugins is picked up, and anything written shows."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def hostile(request: pytest.FixtureRequest, in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    case: Case = request.param
    path = case.path(in_tmp)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    before = digest(path)
    yield case, path
    assert digest(path) == before, "the input file was changed"
    assert not (in_tmp / "pwned").exists(), "a YAML tag ran a command"


# --- the library -------------------------------------------------------------------------


@pytest.mark.parametrize("hostile", CASES, indirect=True)
def test_the_library_raises_a_documented_error_naming_file_and_place(
    hostile: tuple[Case, Path], registry: Registry
) -> None:
    case, path = hostile
    with pytest.raises(ReturnError) as raised:
        validated_return(path, registry)
    problems = raised.value.problems
    assert problems
    assert all(p.file == str(path) for p in problems)
    assert_expected(case, problems)
    assert str(raised.value).splitlines() == [str(p) for p in problems]


def test_limits_can_be_passed_instead_of_set_in_the_environment(
    in_tmp: Path, registry: Registry
) -> None:
    path = clean_yaml(in_tmp)
    assert validated_return(path, registry, Limits(max_bytes=20_000))[0].agency.id == "agency-a"
    with pytest.raises(ReturnError, match="over the limit of 2,000"):
        validated_return(path, registry, Limits(max_bytes=2_000))
    with pytest.raises(ReturnError, match="more than 100 values"):
        validated_return(path, registry, Limits(max_nodes=100))


def test_the_size_limit_applies_to_returns_not_to_installed_frameworks(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    small = HOSTILE / "duplicate-response.yaml"
    assert small.stat().st_size < 5_000
    monkeypatch.setenv("SAFEGUARD_QA_MAX_BYTES", "5000")
    assert main(["--no-entry-points", "validate", str(small)]) == 2
    err = capsys.readouterr().err
    assert "answered twice" in err
    assert "standards" not in err


def test_a_limit_that_is_not_a_number_is_reported(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = clean_yaml(in_tmp)
    monkeypatch.setenv("SAFEGUARD_QA_MAX_BYTES", "ten megabytes")
    assert main(["--no-entry-points", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    # a setting, not a problem of the file: reported once, before any file is read
    assert err.splitlines() == [
        "$SAFEGUARD_QA_MAX_BYTES: expected a whole number of bytes or nodes, found 'ten megabytes'"
    ]


# --- the command line --------------------------------------------------------------------


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [*CLI, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize("hostile", CASES, indirect=True)
def test_validate_exits_2_with_one_line_per_problem_and_no_traceback(
    hostile: tuple[Case, Path],
    registry: Registry,
    in_tmp: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In-process, for speed: the alias-bomb test below runs the real command in its own
    process, as the smoke test that nothing differs there."""
    case, path = hostile
    for name, value in (case.env or {}).items():
        monkeypatch.setenv(name, value)
    code = main(["--no-entry-points", "validate", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert code == 2, err
    assert out == ""
    *lines, summary = err.splitlines()
    problems = library_problems(path, registry)
    assert lines == [str(p) for p in problems]
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert SUMMARY.match(summary), summary
    assert_expected(case, problems)


@pytest.mark.parametrize("hostile", CASES, indirect=True)
def test_evaluate_exits_2_and_writes_nothing(
    hostile: tuple[Case, Path],
    registry: Registry,
    in_tmp: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case, path = hostile
    out = in_tmp / "reports" / "evaluation.json"
    code = main(["--no-entry-points", "evaluate", str(path), "--format", "json", "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 2
    assert not out.exists()
    assert not out.parent.exists() or list(out.parent.iterdir()) == []
    assert captured.out == ""
    problems = library_problems(path, registry)
    assert_expected(case, problems)
    # evaluate lists the errors only: warnings (unanswered criteria) do not stop it
    assert captured.err.splitlines() == [str(p) for p in problems if p.level == "error"]


def test_a_failed_evaluate_leaves_an_earlier_report_alone(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = in_tmp / "evaluation.json"
    out.write_text("last week's report\n", encoding="utf-8")
    bad = HOSTILE / "wrong-types.yaml"
    assert (
        main(["--no-entry-points", "evaluate", str(bad), "--format", "json", "-o", str(out)]) == 2
    )
    assert out.read_text(encoding="utf-8") == "last week's report\n"
    assert sorted(p.name for p in in_tmp.iterdir()) == ["evaluation.json"]


def test_the_alias_bomb_is_refused_quickly(in_tmp: Path) -> None:
    """Expanded, the bomb is 387 million strings: refusing it must not take a machine down."""
    done = run_cli("validate", str(HOSTILE / "alias-bomb.yaml"), cwd=in_tmp)
    assert done.returncode == 2
    assert "more than 500,000 values" in done.stderr


# --- frameworks --------------------------------------------------------------------------


def test_a_criterion_id_used_twice_in_a_framework_is_an_error(registry: Registry) -> None:
    path = HOSTILE / "framework-duplicate-criterion.yaml"
    with pytest.raises(FrameworkError) as raised:
        load_framework(path, registry)
    (problem,) = raised.value.problems
    assert problem.file == str(path)
    assert problem.place == "standard LS-2 › criterion LS-1.2"
    assert re.search(r"criterion id 'LS-1\.2' is used twice", problem.message)


def test_every_duplicate_id_in_a_framework_is_reported_at_once(registry: Registry) -> None:
    path = HOSTILE / "framework-duplicate-ids.yaml"
    with pytest.raises(FrameworkError) as raised:
        load_framework(path, registry)
    found = {(p.place, p.message) for p in raised.value.problems}
    assert any(place.startswith("standard LS-1") and "'LS-1'" in m for place, m in found)
    assert any(place.endswith("criterion LS-1.1") and "'LS-1.1'" in m for place, m in found)


def test_a_plugin_framework_with_duplicate_ids_fails_cleanly_on_the_command_line(
    in_tmp: Path,
) -> None:
    plugins = in_tmp / "plugins"
    plugins.mkdir()
    framework = HOSTILE / "framework-duplicate-criterion.yaml"
    (plugins / "local_standards.py").write_text(
        "from pathlib import Path\n"
        "from safeguard_qa.hookspecs import hookimpl\n\n\n"
        "@hookimpl\n"
        "def register_frameworks(register):\n"
        f"    register(Path({str(framework)!r}))\n",
        encoding="utf-8",
    )
    before = digest(framework)
    done = run_cli("--plugins-dir", str(plugins), "standards", "list", cwd=in_tmp)
    assert "Traceback" not in done.stderr
    # a plugin's broken framework is skipped with a warning naming it; the rest still list
    assert done.returncode == 0
    assert done.stderr.splitlines() == [
        f"safeguard-qa: skipping framework {framework} of plugin local.local_standards: "
        f"{framework}: standard LS-2 › criterion LS-1.2: criterion id 'LS-1.2' is used twice",
    ]
    assert "LS-" not in done.stdout
    assert digest(framework) == before


# --- formula and script text -------------------------------------------------------------

FORMULA_FILE = HOSTILE / "formula-and-script.yaml"
AGENCY_NAME = "Acme <script>alert('agency')</script>"
SCRIPT_ACTION = "<script>alert('action')</script>"
FORMULA_ACTION = "=1+2"
SIGNER_ROLE = '=HYPERLINK("http://evil.example/","Chief Constable")'
HOSTILE_TEXTS = (AGENCY_NAME, SCRIPT_ACTION, FORMULA_ACTION, SIGNER_ROLE)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def formula_evaluation(registry: Registry) -> Any:
    ret = load_return(FORMULA_FILE)
    return ret, Engine(registry).evaluate(ret, file=str(FORMULA_FILE))


def test_formula_and_script_text_is_kept_verbatim_in_json(formula_evaluation: Any) -> None:
    _, evaluation = formula_evaluation
    data = json.loads(dumps(evaluation))
    assert data["agency"]["name"] == AGENCY_NAME
    assert data["sign_off_role"] == SIGNER_ROLE
    evidence = [text for flag in data["flags"] for text in flag["evidence"]]
    assert SCRIPT_ACTION in evidence
    assert FORMULA_ACTION in evidence


def test_evaluate_on_the_command_line_keeps_the_text_and_the_file(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(FORMULA_FILE)
    out = in_tmp / "evaluation.json"
    args = ["--no-entry-points", "evaluate", str(FORMULA_FILE), "--format", "json"]
    code = main([*args, "-o", str(out)])
    assert code == 1  # high-severity flags, not bad input
    assert "Traceback" not in capsys.readouterr().err
    written = out.read_text(encoding="utf-8")
    for text in HOSTILE_TEXTS:
        assert json.dumps(text, ensure_ascii=False) in written
    assert digest(FORMULA_FILE) == before


def _render(registry: Registry, name: str, evaluation: Any) -> str | bytes:
    renderer = registry.renderers[name]
    assert renderer.evaluations is not None
    return renderer.evaluations([evaluation], RenderOptions())


def _hostile_cells(cells: Iterator[str]) -> list[str]:
    needles = ("1+2", "HYPERLINK", "alert(")
    return [cell for cell in cells if any(needle in cell for needle in needles)]


def test_csv_output_defuses_formulas(registry: Registry, formula_evaluation: Any) -> None:
    if "csv" not in registry.renderers:
        pytest.skip("no csv renderer")
    text = _render(registry, "csv", formula_evaluation[1])
    assert isinstance(text, str)
    cells = _hostile_cells(cell for row in csv.reader(io.StringIO(text)) for cell in row)
    assert any(FORMULA_ACTION in cell for cell in cells)
    assert [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS)] == []


def test_xlsx_output_stores_formula_text_as_text(
    registry: Registry, formula_evaluation: Any
) -> None:
    if "xlsx" not in registry.renderers:
        pytest.skip("no xlsx renderer")
    data = _render(registry, "xlsx", formula_evaluation[1])
    assert isinstance(data, bytes)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    found = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and _hostile_cells(iter([cell.value]))
    ]
    assert any(cell.value == FORMULA_ACTION or cell.value == "'" + FORMULA_ACTION for cell in found)
    assert [cell.coordinate for cell in found if cell.data_type == "f"] == []


def test_junit_output_is_well_formed_and_keeps_the_text(
    registry: Registry, formula_evaluation: Any
) -> None:
    if "junit" not in registry.renderers:
        pytest.skip("no junit renderer")
    text = _render(registry, "junit", formula_evaluation[1])
    assert isinstance(text, str)
    root = ET.fromstring(text)
    names = [suite.get("name") or "" for suite in root.iter("testsuite")]
    assert any(AGENCY_NAME in name for name in names)


def test_markdown_output_escapes_markup(registry: Registry, formula_evaluation: Any) -> None:
    if "markdown" not in registry.renderers:
        pytest.skip("no markdown renderer")
    text = _render(registry, "markdown", formula_evaluation[1])
    assert isinstance(text, str)
    assert "<script" not in text.lower()
    assert "&lt;script&gt;alert('agency')" in text


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def test_the_html_pack_escapes_agency_text(registry: Registry) -> None:
    renderer = registry.renderers.get("html")
    if renderer is None or renderer.partnership is None:
        pytest.skip("no html pack renderer")
    report = evaluate_partnership([load_return(FORMULA_FILE)], registry=registry)
    html = renderer.partnership(report, RenderOptions())
    assert isinstance(html, str)
    parser = _Tags()
    parser.feed(html)
    assert [tag for tag, _ in parser.tags if tag in ("script", "iframe", "object")] == []
    handlers = [(t, a) for t, attrs in parser.tags for a, _ in attrs if a.startswith("on")]
    assert handlers == []
    # the agency's text is shown to the reader as text, not dropped
    assert any(AGENCY_NAME in text for text in parser.texts)
    assert any(SCRIPT_ACTION in text for text in parser.texts)


# --- plugins that misbehave --------------------------------------------------------------


class _Boom(Rule):
    id = "boom"
    title = "A rule with a bug"
    severity = Severity.LOW
    question = "?"

    def check(self, ctx: ReturnContext, params: Any) -> Iterator[Finding]:
        raise ZeroDivisionError("division by zero")


class _Junk(Rule):
    id = "junk"
    title = "A rule that yields the wrong thing"
    severity = Severity.LOW
    question = "?"

    def check(self, ctx: ReturnContext, params: Any) -> Iterator[Finding]:
        yield "not a finding"  # type: ignore[misc]


class _RulePlugin:
    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    @hookimpl
    def register_rules(self, register: Callable[[Rule], None]) -> None:
        register(self.rule)


def test_a_rule_that_raises_is_reported_with_its_rule_and_plugin(in_tmp: Path) -> None:
    registry = load_registry(extra=[("boom-plugin", _RulePlugin(_Boom()))], entry_points=False)
    path = clean_yaml(in_tmp)
    ret, _, _ = validated_return(path, registry)
    with pytest.raises(RuleError) as raised:
        Engine(registry).evaluate(ret, validate=False)
    message = str(raised.value)
    assert "rule boom " in message
    assert "plugin boom-plugin" in message
    assert ret.id in message
    assert "ZeroDivisionError: division by zero" in message
    assert isinstance(raised.value, SafeguardQAError)


def test_a_rule_that_yields_junk_is_reported_with_its_rule_and_plugin(in_tmp: Path) -> None:
    registry = load_registry(extra=[("junk-plugin", _RulePlugin(_Junk()))], entry_points=False)
    ret, _, _ = validated_return(clean_yaml(in_tmp), registry)
    with pytest.raises(RuleError, match=r"rule junk .*plugin junk-plugin"):
        Engine(registry).evaluate(ret, validate=False)


BOOM_MODULE = """\
from safeguard_qa.hookspecs import hookimpl
from safeguard_qa.models import Severity
from safeguard_qa.rules import Rule


class Boom(Rule):
    id = "boom"
    title = "A rule with a bug"
    severity = Severity.LOW
    question = "?"

    def check(self, ctx, params):
        raise KeyError("S11-1.1")


@hookimpl
def register_rules(register):
    register(Boom())
"""


@pytest.mark.slow
def test_a_rule_that_raises_fails_the_command_cleanly(in_tmp: Path) -> None:
    plugins = in_tmp / "plugins"
    plugins.mkdir()
    (plugins / "boom_rules.py").write_text(BOOM_MODULE, encoding="utf-8")
    path = clean_yaml(in_tmp)
    before = digest(path)
    out = in_tmp / "out" / "evaluation.json"
    done = run_cli(
        *("--plugins-dir", str(plugins), "evaluate", str(path), "--format", "json"),
        *("-o", str(out)),
        cwd=in_tmp,
    )
    assert "Traceback" not in done.stderr
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert "rule boom (plugin local.boom_rules)" in line
    assert "agency-a/s11-wt2023/2025-03-31" in line
    assert not out.exists()
    assert digest(path) == before


def test_a_plugin_that_fails_to_import_is_named_when_it_is_required(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plugins = in_tmp / "plugins"
    plugins.mkdir()
    (plugins / "broken.py").write_text("raise RuntimeError('half-written plugin')\n")
    path = clean_yaml(in_tmp)
    args = ["--no-entry-points", "--plugins-dir", str(plugins), "--plugin", "broken"]
    assert main([*args, "validate", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "error: plugin local.broken local failed to load: RuntimeError: half-written plugin"
    ]
