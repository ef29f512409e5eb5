"""The rules command: every challenge rule with its settings and their defaults."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined, to_jsonable_python
from tabulate import tabulate

from safeguard_qa.cli import ExitCode
from safeguard_qa.cli.common import example, registry_from, write_output
from safeguard_qa.plugins import Registry

if TYPE_CHECKING:
    from safeguard_qa.cli import Commands

RULES_FORMATS = ("table", "json")


def add_parser(commands: Commands) -> None:
    rules = commands.add_parser(
        "rules",
        help="list every challenge rule with its parameters and their defaults",
        description="List every challenge rule, built-in and from plugins: its id, default "
        "severity, title,\nthe plugin that provides it, and the parameters a policy can set "
        "(rules.<id>.params)\nwith their types and defaults.",
        epilog=example("safeguard-qa rules", "safeguard-qa rules --format json"),
    )
    rules.add_argument(
        "--format", choices=RULES_FORMATS, default="table", help="table or json (default: table)"
    )
    rules.set_defaults(func=cmd_rules)


def rule_listing(registry: Registry) -> list[dict[str, Any]]:
    """Every rule, sorted by id, as plain data."""
    return [
        {
            "id": rule_id,
            "severity": rule.severity.value,
            "title": rule.title,
            "plugin": registry.owners.get(("rules", rule_id), ""),
            "question": rule.question,
            "params": [param(name, info) for name, info in rule.Params.model_fields.items()],
        }
        for rule_id, rule in sorted(registry.rules.items())
    ]


def param(name: str, info: FieldInfo) -> dict[str, Any]:
    """One parameter: its name, type, default (None when it has none) and description."""
    if info.default_factory is not None:
        default = info.default_factory()  # type: ignore[call-arg]
    elif info.default is PydanticUndefined:
        default = None
    else:
        default = info.default
    return {
        "name": name,
        "type": type_name(info.annotation),
        "required": info.is_required(),
        "default": to_jsonable_python(default),
        "description": info.description or "",
    }


def type_name(annotation: Any) -> str:
    """A type as a reader would write it: ``int``, ``tuple[str, ...]``, ``float | None``."""
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "").replace("NoneType", "None")


def cmd_rules(args: argparse.Namespace) -> int:
    listing = rule_listing(registry_from(args))
    if args.format == "json":
        write_output(None, json.dumps(listing, indent=2, ensure_ascii=False) + "\n")
        return ExitCode.OK
    rows = [
        [
            rule["id"],
            rule["severity"],
            rule["title"],
            rule["plugin"],
            "\n".join(param_text(p) for p in rule["params"]),
        ]
        for rule in listing
    ]
    write_output(
        None,
        tabulate(
            rows,
            headers=["Rule", "Severity", "Title", "Plugin", "Parameters (default)"],
            maxcolwidths=[None, None, 36, None, 60],
        )
        + "\n",
    )
    return ExitCode.OK


def param_text(p: dict[str, Any]) -> str:
    """``max_age_days: int = 730``, or ``name: str (required)``."""
    if p["required"]:
        return f"{p['name']}: {p['type']} (required)"
    return f"{p['name']}: {p['type']} = {json.dumps(p['default'], ensure_ascii=False)}"
