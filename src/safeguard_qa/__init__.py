"""safeguard-qa: standards as data and a plugin rules engine for safeguarding self-assessments.

The public API::

    from safeguard_qa import Engine, load_registry, load_return, load_policy

    registry = load_registry()
    engine = Engine(registry, load_policy(Path("policy.yaml"), registry))
    evaluation = engine.evaluate(load_return(Path("return.yaml")))
"""

from safeguard_qa.api import evaluate, evaluate_file, evaluate_returns
from safeguard_qa.engine import Engine
from safeguard_qa.errors import (
    FrameworkError,
    InputError,
    OutcomesError,
    PluginError,
    PolicyError,
    Problem,
    ReturnError,
    RuleError,
    SafeguardQAError,
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
from safeguard_qa.plugins import Registry, load_registry
from safeguard_qa.rules import Finding, ReturnContext, Rule

__version__ = "0.1.0"

__all__ = [
    "RAG",
    "Engine",
    "Evaluation",
    "Finding",
    "Flag",
    "Framework",
    "FrameworkError",
    "InputError",
    "Limits",
    "OutcomesError",
    "PluginError",
    "Policy",
    "PolicyError",
    "Problem",
    "Registry",
    "Return",
    "ReturnContext",
    "ReturnError",
    "Rule",
    "RuleError",
    "SafeguardQAError",
    "Scale",
    "Severity",
    "UnknownFrameworkError",
    "__version__",
    "check_return",
    "evaluate",
    "evaluate_file",
    "evaluate_returns",
    "hookimpl",
    "load_framework",
    "load_outcomes",
    "load_policy",
    "load_registry",
    "load_return",
    "validated_return",
]
