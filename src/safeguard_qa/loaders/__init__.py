"""Loaders: read files, validate them, and report every problem with its place."""

from safeguard_qa.loaders.files import Limits, load_document
from safeguard_qa.loaders.framework import load_framework, parse_framework
from safeguard_qa.loaders.policy import load_outcomes, load_policy, parse_outcomes, parse_policy
from safeguard_qa.loaders.returns import (
    check_return,
    load_return,
    parse_return,
    validated_return,
)

__all__ = [
    "Limits",
    "check_return",
    "load_document",
    "load_framework",
    "load_outcomes",
    "load_policy",
    "load_return",
    "parse_framework",
    "parse_outcomes",
    "parse_policy",
    "parse_return",
    "validated_return",
]
