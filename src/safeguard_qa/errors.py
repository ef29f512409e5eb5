"""The exceptions the library raises, and the ``Problem`` every input error is made of.

Every error caused by input (a framework, a return, a policy, an outcomes file, a plugin)
is a :class:`SafeguardQAError`. Input errors carry every problem found, each with the file,
the place in it and what was expected, so that a business officer can mend them all at once.
Settings given by the program that embeds the library or by the environment (limits, a
policy built in code) raise :class:`ConfigurationError` instead: they are not the fault of
whoever sent the file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

Level = Literal["error", "warning"]
Location = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file.

    For people: ``place`` is a human path to the item, e.g. ``standard S11-3 › criterion
    S11-3.2 › rating`` (or a line and column); ``message`` says what was found and what was
    expected. For programs: ``location`` is the keys into the input (``("responses", 3,
    "rating")``), ``criterion`` and ``field`` the criterion and field concerned where known,
    and ``code`` a stable kebab-case name of the kind of problem (``"unknown-field"``,
    ``"not-on-scale"``); an empty code means the producer has not been given one yet.

    ``found`` is the offending value where the producer recorded it: it is never shown or
    serialised, only used by :meth:`redacted` to take it out of the message.
    """

    file: str
    place: str
    message: str
    level: Level = "error"
    location: Location = ()
    criterion: str | None = None
    field: str | None = None
    code: str = ""
    found: Any = dataclasses.field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        where = f"{self.file}: {self.place}" if self.place else self.file
        prefix = "warning: " if self.level == "warning" else ""
        return f"{where}: {prefix}{self.message}"

    def redacted(self) -> Problem:
        """This problem with the value found taken out of its message (for logs that must
        not hold what a return said); unchanged when no value was recorded."""
        if self.found is None or isinstance(self.found, bool):
            return self
        # the one redaction helper, shared with the loaders (imported here, not at the top:
        # this module sits below every other one)
        from safeguard_qa.loaders.messages import without_value

        return replace(self, message=without_value(self.message, self.found), found=None)

    def to_dict(self) -> dict[str, Any]:
        """The problem as JSON-ready data. Never holds a value under ``sign_off``: a key
        there that is not a sign-off field is replaced, as the message already withholds."""
        return {
            "file": self.file,
            "place": self.place,
            "message": self.message,
            "level": self.level,
            "code": self.code,
            "location": list(_without_personal_keys(self.location)),
            "criterion": self.criterion,
            "field": self.field,
        }


def _without_personal_keys(location: Location) -> Location:
    """``location`` with any key under a personal field that is not one of the sign-off's
    own fields (it may be a name typed in as a key) replaced, as messages do."""
    # the loaders own what is personal; imported here, not at the top, because this module
    # sits below every other one
    from safeguard_qa.loaders.messages import UNNAMED_FIELD, is_personal
    from safeguard_qa.models.returns import SignOff

    if not location or not is_personal(location):
        return location
    known = {location[0], *SignOff.model_fields}
    return tuple(key if isinstance(key, int) or key in known else UNNAMED_FIELD for key in location)


class SafeguardQAError(Exception):
    """Base class of every error safeguard-qa raises on purpose."""


class ProblemsError(SafeguardQAError):
    """An error made of placed problems; ``problems`` lists them all, in file order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, file: str, place: str, message: str, code: str = "") -> ProblemsError:
        return cls([Problem(file, place, message, code=code)])

    def to_dicts(self) -> list[dict[str, Any]]:
        """Every problem as JSON-ready data (see :meth:`Problem.to_dict`)."""
        return [problem.to_dict() for problem in self.problems]


class InputError(ProblemsError):
    """One or more problems in an input file. ``problems`` lists them all, in file order."""

    @classmethod
    def single(cls, file: str, place: str, message: str, code: str = "") -> InputError:
        return cls([Problem(file, place, message, code=code)])


class ConfigurationError(ProblemsError):
    """A setting of the program or its environment is invalid: a limit in an environment
    variable that is not a number, a policy built in code naming a rule that is not
    installed. Not an :class:`InputError`: no file sent in is at fault."""

    @classmethod
    def single(cls, file: str, place: str, message: str, code: str = "") -> ConfigurationError:
        return cls([Problem(file, place, message, code=code)])


class FrameworkError(InputError):
    """A framework file is missing, unreadable, invalid, or has nothing to check."""


class ReturnError(InputError):
    """A return is unreadable or does not fit its framework."""


class PolicyError(InputError):
    """A policy file is invalid or names a rule, roll-up or scale that is not installed."""


class OutcomesError(InputError):
    """A challenge-outcomes file is invalid."""


class StoredResultError(InputError):
    """A stored evaluation or partnership report cannot be read back: not JSON, not the
    model, or written under a schema version this library does not read."""


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
