"""The exceptions the library raises, and the ``Problem`` every input error is made of.

Every error caused by input (a framework, a return, a policy, an outcomes file, a plugin)
is a :class:`SafeguardQAError`. Input errors carry every problem found, each with the file,
the place in it and what was expected, so that a business officer can mend them all at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file.

    ``place`` is a human path to the item, e.g. ``standard S11-3 › criterion S11-3.2 ›
    rating`` (or a line and column); ``message`` says what was found and what was expected.
    """

    file: str
    place: str
    message: str
    level: Level = "error"

    def __str__(self) -> str:
        where = f"{self.file}: {self.place}" if self.place else self.file
        prefix = "warning: " if self.level == "warning" else ""
        return f"{where}: {prefix}{self.message}"


class SafeguardQAError(Exception):
    """Base class of every error safeguard-qa raises on purpose."""


class InputError(SafeguardQAError):
    """One or more problems in an input file. ``problems`` lists them all, in file order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, file: str, place: str, message: str) -> InputError:
        return cls([Problem(file, place, message)])


class FrameworkError(InputError):
    """A framework file is missing, unreadable, invalid, or has nothing to check."""


class ReturnError(InputError):
    """A return is unreadable or does not fit its framework."""


class PolicyError(InputError):
    """A policy file is invalid or names a rule, roll-up or scale that is not installed."""


class OutcomesError(InputError):
    """A challenge-outcomes file is invalid."""


class UnknownFrameworkError(ReturnError):
    """A return names a framework id or version that is not installed."""


class PluginError(SafeguardQAError):
    """A plugin failed to load or registered something twice."""


class RuleError(SafeguardQAError):
    """A rule raised while evaluating a return. Names the rule and the plugin that provided it."""


def raise_if_errors(
    problems: Iterable[Problem], exc: type[InputError] = InputError
) -> list[Problem]:
    """Raise ``exc`` when any problem is an error; otherwise return the warnings."""
    listed = list(problems)
    if any(p.level == "error" for p in listed):
        raise exc(listed)
    return listed
