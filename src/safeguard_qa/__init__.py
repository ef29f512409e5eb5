"""safeguard-qa: standards as data and a plugin rules engine for safeguarding self-assessments.

The public API (everything in ``__all__``; the README documents each name)::

    from safeguard_qa import Engine, load_policy, load_registry, load_return

    registry = load_registry()
    engine = Engine(registry, load_policy("policy.yaml", registry))
    evaluation = engine.evaluate(load_return("return.yaml"))

Names whose modules are slower to import (the partnership analysis, writing returns and
templates, reading stored results) are imported when first used, so that a plain
``import safeguard_qa`` and the command line start quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from safeguard_qa.api import (
    ValidationResult,
    evaluate,
    evaluate_file,
    evaluate_returns,
    iter_evaluations,
    read_framework,
    read_outcomes,
    read_policy,
    read_return,
    validate,
)
from safeguard_qa.engine import Engine
from safeguard_qa.errors import (
    ConfigurationError,
    FrameworkError,
    InputError,
    OutcomesError,
    PluginError,
    PolicyError,
    Problem,
    ProblemsError,
    ReturnError,
    RuleError,
    SafeguardQAError,
    StoredResultError,
    UnknownFrameworkError,
)
from safeguard_qa.hookspecs import hookimpl
from safeguard_qa.loaders import (
    Limits,
    check_return,
    load_framework,
    load_outcomes,
    load_policy,
    load_return,
    validated_return,
)
from safeguard_qa.models import RAG, Evaluation, Flag, Framework, Policy, Return, Scale, Severity
from safeguard_qa.models.outcomes import Outcomes
from safeguard_qa.plugins import Registry, load_registry
from safeguard_qa.rules import Finding, ReturnContext, Rule

if TYPE_CHECKING:
    __version__: str
    from safeguard_qa.analysis.partnership import PartnershipReport, evaluate_partnership
    from safeguard_qa.io import write_return, write_template
    from safeguard_qa.stored import (
        load_evaluation,
        load_evaluations,
        load_partnership_report,
    )

_LAZY = {
    "PartnershipReport": "safeguard_qa.analysis.partnership",
    "evaluate_partnership": "safeguard_qa.analysis.partnership",
    "write_return": "safeguard_qa.io",
    "write_template": "safeguard_qa.io",
    "load_evaluation": "safeguard_qa.stored",
    "load_evaluations": "safeguard_qa.stored",
    "load_partnership_report": "safeguard_qa.stored",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'safeguard_qa' has no attribute {name!r}")
    globals()[name] = value  # once looked up, a plain attribute
    return value


def _version() -> str:
    """The installed distribution's version. pyproject.toml is the one place it is written;
    it is read from the package metadata when first asked for, so start-up never pays."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("safeguard-qa")
    except PackageNotFoundError:  # a source tree put on sys.path without being installed
        return "0+unknown"


__all__ = [
    "RAG",
    "ConfigurationError",
    "Engine",
    "Evaluation",
    "Finding",
    "Flag",
    "Framework",
    "FrameworkError",
    "InputError",
    "Limits",
    "Outcomes",
    "OutcomesError",
    "PartnershipReport",
    "PluginError",
    "Policy",
    "PolicyError",
    "Problem",
    "ProblemsError",
    "Registry",
    "Return",
    "ReturnContext",
    "ReturnError",
    "Rule",
    "RuleError",
    "SafeguardQAError",
    "Scale",
    "Severity",
    "StoredResultError",
    "UnknownFrameworkError",
    "ValidationResult",
    "__version__",
    "check_return",
    "evaluate",
    "evaluate_file",
    "evaluate_partnership",
    "evaluate_returns",
    "hookimpl",
    "iter_evaluations",
    "load_evaluation",
    "load_evaluations",
    "load_framework",
    "load_outcomes",
    "load_partnership_report",
    "load_policy",
    "load_registry",
    "load_return",
    "read_framework",
    "read_outcomes",
    "read_policy",
    "read_return",
    "validate",
    "validated_return",
    "write_return",
    "write_template",
]
