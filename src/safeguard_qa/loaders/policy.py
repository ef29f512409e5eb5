"""Loading policy and challenge-outcomes files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from safeguard_qa.errors import InputError, OutcomesError, PolicyError
from safeguard_qa.loaders.files import Limits, load_document
from safeguard_qa.loaders.messages import problems_from_validation
from safeguard_qa.models.outcomes import Outcomes
from safeguard_qa.models.policy import Policy
from safeguard_qa.validation import check_policy

if TYPE_CHECKING:
    from safeguard_qa.plugins import Registry

M = TypeVar("M", bound=BaseModel)


def _parse(data: Any, file: str, model: type[M], exc_type: type[InputError], empty_ok: bool) -> M:
    if data is None and empty_ok:
        data = {}
    if not isinstance(data, dict):
        raise exc_type.single(file, "", f"expected a mapping, found {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise exc_type(problems_from_validation(file, exc, data, model)) from None


def parse_policy(data: Any, file: str, registry: Registry | None = None) -> Policy:
    """Validate a policy; with a registry, also the rule, roll-up and parameter names."""
    policy = _parse(data, file, Policy, PolicyError, empty_ok=True)
    if registry is not None:
        problems = check_policy(policy, registry, file)
        if problems:
            raise PolicyError(problems)
    return policy


def load_policy(
    path: Path, registry: Registry | None = None, limits: Limits | None = None
) -> Policy:
    return parse_policy(_read(path, limits, PolicyError), str(path), registry)


def parse_outcomes(data: Any, file: str) -> Outcomes:
    return _parse(data, file, Outcomes, OutcomesError, empty_ok=True)


def load_outcomes(path: Path, limits: Limits | None = None) -> Outcomes:
    return parse_outcomes(_read(path, limits, OutcomesError), str(path))


def _read(path: Path, limits: Limits | None, exc_type: type[InputError]) -> Any:
    """The file's data; an unreadable file raises the loader's own error type."""
    try:
        return load_document(path, limits)
    except InputError as exc:
        raise exc_type(exc.problems) from None
