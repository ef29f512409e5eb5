"""Writing a return in any of the formats it can be read from.

Whatever the format, reading the written return back gives a return equal to the one
written (the round trip the tests check). With a ``registry`` that has the return's
framework, CSV and XLSX also carry each criterion's text and the rating drop-downs.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import yaml

from safeguard_qa.errors import InputError
from safeguard_qa.io.csvfile import write_csv
from safeguard_qa.io.layout import Guide, details_of
from safeguard_qa.io.xlsxfile import write_xlsx
from safeguard_qa.models.returns import Return

if TYPE_CHECKING:
    from safeguard_qa.plugins import Registry

RETURN_FORMATS = ("yaml", "json", "csv", "xlsx")


class _Dumper(yaml.SafeDumper):
    """Safe YAML that writes the models' tuples as lists, and keeps every text intact."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # PyYAML may write NEL and the Unicode line and paragraph separators raw inside a
    # single-quoted scalar, where a reader folds them away; double quotes escape them.
    style = '"' if any(ch in text for ch in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(tuple, yaml.SafeDumper.represent_list)
_Dumper.add_representer(str, _represent_str)


def write_return(ret: Return, fmt: str, *, registry: Registry | None = None) -> str | bytes:
    """``ret`` as YAML, JSON or CSV text, or XLSX bytes."""
    if fmt == "yaml":
        return return_yaml(ret)
    if fmt == "json":
        data = ret.model_dump(mode="json", exclude_none=True)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    guide = Guide.find(ret, registry)
    if fmt == "csv":
        return write_csv(details_of(ret), ret.responses, guide)
    if fmt == "xlsx":
        when = dt.datetime.combine(ret.submitted or ret.period.end, dt.time())
        return write_xlsx(details_of(ret), ret.responses, guide, stamp=when)
    raise InputError.single(
        "--format", "", f"cannot write a return as {fmt!r}; expected one of {RETURN_FORMATS}"
    )


def return_yaml(ret: Return) -> str:
    data: Any = ret.model_dump(exclude_none=True)
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2)
