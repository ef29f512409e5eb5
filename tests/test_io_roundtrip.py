"""A return written in any format reads back equal to the original (hypothesis)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguard_qa.io import RETURN_FORMATS, read_tabular_return, write_return
from safeguard_qa.loaders.files import Limits
from safeguard_qa.loaders.returns import load_return
from safeguard_qa.models.framework import Framework
from safeguard_qa.models.returns import Return
from safeguard_qa.plugins import Registry, load_registry
from tests.factories import AGENCY_TYPES, clean_return_data

REGISTRY = load_registry(entry_points=False)
FRAMEWORKS = sorted(AGENCY_TYPES)

# Text that has broken spreadsheet and CSV round trips before: formulas, quotes, commas,
# line breaks of every kind, leading apostrophes, Office's own _xHHHH_ escapes, whitespace.
TRICKY = [
    "",
    '=HYPERLINK("http://x")',
    "=1+2",
    "+44 1234",
    "-",
    "@SUM(A1)",
    "'=already quoted",
    "''",
    "'",
    "'tis",
    "a, b, c",
    'she said "no"',
    "line one\nline two",
    "crlf\r\nline",
    "lone\rreturn",
    "\ttabbed",
    "  leading and trailing  ",
    "_x0041_ and _x005F_",
    "£ é ü — ‘quotes’ 😀",
    "\u2028\x85\x0b\x1f",
]
text = st.one_of(
    st.sampled_from(TRICKY),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        max_size=40,
    ),
    st.builds(lambda a, b: a + b, st.sampled_from(["=", "+", "-", "@", "'", "'="]), st.text()),
).filter(lambda s: "\x00" not in s and len(s) <= 500)
dates = st.dates(min_value=dt.date(1850, 1, 1), max_value=dt.date(2100, 12, 31))
numbers = st.floats(allow_nan=False, allow_infinity=False)


def _levels(framework: Framework, criterion_id: str) -> list[str]:
    scale = REGISTRY.scale_for(framework, framework.criteria[criterion_id])
    return [] if scale is None else scale.level_ids()


@st.composite
def evidence_items(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "description": draw(text),
        "reference": draw(text),
        "date": draw(st.none() | dates),
    }


@st.composite
def actions(draw: st.DrawFn) -> dict[str, Any]:
    status = draw(st.sampled_from(["not_started", "in_progress", "complete"]))
    completed = draw(st.none() | dates) if status == "complete" else None
    return {
        "description": draw(text),
        "owner": draw(text),
        "due": draw(st.none() | dates),
        "status": status,
        "completed": completed,
    }


@st.composite
def responses(draw: st.DrawFn, framework: Framework, base: dict[str, Any]) -> dict[str, Any]:
    criterion = framework.criteria[base["criterion"]]
    levels = _levels(framework, criterion.id)
    response: dict[str, Any] = {"criterion": criterion.id}
    if levels:
        response["rating"] = draw(st.none() | st.sampled_from([*levels, "na"]))
        response["moderated"] = draw(st.none() | st.sampled_from(levels))
    if criterion.answer.type == "numeric":
        response["value"] = draw(st.none() | numbers)
    response["commentary"] = draw(text)
    response["evidence"] = draw(st.lists(evidence_items(), max_size=3))
    response["actions"] = draw(st.lists(actions(), max_size=2))
    return response


@st.composite
def returns(draw: st.DrawFn, framework_id: str) -> Return:
    data = clean_return_data(REGISTRY, framework_id, statutory=draw(st.booleans()))
    framework = REGISTRY.framework(framework_id)
    # a sample of the criteria, in any order: small enough for hypothesis to shrink quickly
    kept = draw(
        st.lists(
            st.sampled_from(data["responses"]),
            min_size=1,
            max_size=12,
            unique_by=lambda r: str(r["criterion"]),
        )
    )
    data["responses"] = [draw(responses(framework, r)) for r in kept]
    data["agency"]["name"] = draw(text)
    data["agency"]["sector"] = draw(st.sampled_from([None, "nhs", "maintained"]))
    start, end = sorted(draw(st.lists(dates, min_size=2, max_size=2)))
    data["period"] = {"start": start, "end": end}
    data["deadline"] = draw(st.none() | dates)
    data["submitted"] = draw(st.none() | dates)
    data["sign_off"] = draw(
        st.none() | st.fixed_dictionaries({"name": text, "role": text, "date": dates})
    )
    return Return.model_validate(data)


def _round_trip(ret: Return, fmt: str, folder: Path, registry: Registry | None) -> Path:
    written = write_return(ret, fmt, registry=registry)
    path = folder / f"return.{fmt}"
    path.write_bytes(written if isinstance(written, bytes) else written.encode("utf-8"))
    return path


@pytest.mark.parametrize("framework_id", FRAMEWORKS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_format_reads_back_what_was_written(framework_id: str, data: st.DataObject) -> None:
    ret = data.draw(returns(framework_id), label="return")
    guided = data.draw(st.booleans(), label="written with the framework's guide")
    with tempfile.TemporaryDirectory() as folder:
        for fmt in RETURN_FORMATS:
            path = _round_trip(ret, fmt, Path(folder), REGISTRY if guided else None)
            assert load_return(path) == ret, fmt


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_reading_with_the_registry_gives_the_same_return(
    registry: Registry, fmt: str, tmp_path: Path
) -> None:
    ret = Return.model_validate(clean_return_data(registry, "s175-kcsie"))
    path = _round_trip(ret, fmt, tmp_path, registry)
    assert read_tabular_return(path, fmt, Limits(), registry=registry) == ret


@pytest.mark.parametrize("fmt", RETURN_FORMATS)
def test_writing_is_deterministic(registry: Registry, fmt: str) -> None:
    ret = Return.model_validate(clean_return_data(registry, "s11-wt2023"))
    assert write_return(ret, fmt, registry=registry) == write_return(ret, fmt, registry=registry)


def test_an_unknown_format_is_an_error(registry: Registry) -> None:
    from safeguard_qa.errors import InputError

    ret = Return.model_validate(clean_return_data(registry, "s11-wt2023"))
    with pytest.raises(InputError, match="cannot write a return as 'pdf'"):
        write_return(ret, "pdf")
