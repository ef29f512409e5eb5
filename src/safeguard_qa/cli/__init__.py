"""The ``safeguard-qa`` command: a thin shell over the Python API.

Each command module exposes ``add_parser(commands)``, adding its commands to a
:class:`Commands` (which gives every command the global options and keeps the layout of its
help); the command's function gets the parsed arguments and returns an exit code.
"""

from __future__ import annotations

import argparse
import codecs
import functools
import importlib.metadata
import io
import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safeguard_qa.errors import PluginError, ProblemsError, RuleError, SafeguardQAError

if TYPE_CHECKING:
    from safeguard_qa.contract import Command

log = logging.getLogger("safeguard_qa.cli")


class ExitCode(IntEnum):
    """What the command's exit status means."""

    OK = 0
    FLAGS = 1
    BAD_INPUT = 2
    INTERNAL_ERROR = 3
    INTERRUPTED = 130


def exit_code(*, bad_input: bool, flags_at_or_above: int, warnings: int = 0) -> ExitCode:
    """The exit code for a run. In order: bad input is 2; otherwise any flag at or above
    ``--fail-on`` (or any validation warning) is 1; otherwise 0."""
    if bad_input:
        return ExitCode.BAD_INPUT
    if flags_at_or_above or warnings:
        return ExitCode.FLAGS
    return ExitCode.OK


GLOBAL_AFTER = "after_command_"
"""Prefix of the dests of the global options given after the command (merged in ``main``)."""

DESCRIPTION = """\
Validate and evaluate safeguarding self-assessment returns (Section 11 of the Children Act
2004, Section 175/157 of the Education Act 2002) and build the challenge-event pack."""

EXAMPLES = """\
Examples:
  safeguard-qa standards list
  safeguard-qa template s11-wt2023 --agency-type police -o police-return.xlsx
  safeguard-qa validate returns/
  safeguard-qa -v evaluate returns/ --format json -o results.json
  safeguard-qa COMMAND --help     # what a command does, its options and an example"""


def build_parser(plugin_commands: Sequence[Command] = ()) -> argparse.ArgumentParser:
    """The parser of every built-in command, and of ``plugin_commands``."""
    from safeguard_qa.cli import commands

    parser = argparse.ArgumentParser(
        prog="safeguard-qa",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action=VersionAction, help="print the version of safeguard-qa and exit"
    )
    add_global_options(parser, after_command=False)
    # the same options are accepted after the command too (``safeguard-qa validate x -v``)
    common = argparse.ArgumentParser(add_help=False)
    add_global_options(common, after_command=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands_ = Commands(sub, common)
    for module in commands.MODULES:
        module.add_parser(commands_)
    built_in = set(sub.choices)
    for command in plugin_commands:
        if command.name in built_in:
            raise PluginError(f"command {command.name!r} is a built-in command")
        command.add_parser(commands_)
        if command.name not in sub.choices:
            raise PluginError(f"command {command.name!r} did not add a command of its name")
    return parser


def plugin_commands(argv: Sequence[str]) -> list[Command]:
    """The plugins' commands, when the command asked for is not a built-in one: only then
    are plugins loaded before parsing (built-in commands start without them)."""
    pre = argparse.ArgumentParser(add_help=False)
    add_global_options(pre, after_command=False)
    pre.add_argument("--version", action="store_true")
    pre.add_argument("rest", nargs=argparse.REMAINDER)
    known, _ = pre.parse_known_args(argv)
    wanted = next((a for a in known.rest if not a.startswith("-")), None)
    if wanted is None or wanted in BUILT_IN_COMMANDS:
        return []
    from safeguard_qa.cli.common import registry_from

    return list(registry_from(known).commands.values())


def add_global_options(parser: argparse.ArgumentParser, *, after_command: bool) -> None:
    """The options every command takes. After the command their dests carry a prefix and
    no default, so a value given before the command is never overwritten (argparse copies a
    subcommand's defaults over the main namespace)."""
    from safeguard_qa.cli.common import PLUGINS_ENV, STANDARDS_ENV

    prefix = GLOBAL_AFTER if after_command else ""

    def default(value: object) -> object:
        return argparse.SUPPRESS if after_command else value

    group = parser.add_argument_group("options of every command")
    group.add_argument(
        "--plugins-dir",
        dest=prefix + "plugins_dir",
        type=Path,
        action="append",
        default=default([]),
        metavar="DIR",
        help="load the plugin modules (*.py) in DIR; repeatable (also "
        f"${PLUGINS_ENV}, {os.pathsep}-separated). ./plugins is never loaded by itself",
    )
    group.add_argument(
        "--plugin",
        dest=prefix + "plugin",
        action="append",
        default=default([]),
        metavar="NAME",
        help="a plugin that must load (an error if it is missing or broken); repeatable",
    )
    group.add_argument(
        "--no-entry-points",
        dest=prefix + "no_entry_points",
        action="store_true",
        default=default(False),
        help="do not load installed plugin packages",
    )
    group.add_argument(
        "--standards-dir",
        dest=prefix + "standards_dir",
        type=Path,
        action="append",
        default=default([]),
        metavar="DIR",
        help="install every framework file (*.yaml, *.yml, *.json) in DIR; repeatable (also "
        f"./standards when it exists, and ${STANDARDS_ENV}, {os.pathsep}-separated)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        dest=prefix + "verbose",
        action="store_true",
        default=default(False),
        help="log to stderr what is read, what is skipped and how long each step takes "
        "(never any content of a return); show the traceback of a failing rule",
    )


def merge_global_options(args: argparse.Namespace) -> argparse.Namespace:
    """Fold the global options given after the command into those given before it."""
    for key in [k for k in vars(args) if k.startswith(GLOBAL_AFTER)]:
        after = getattr(args, key)
        delattr(args, key)
        name = key.removeprefix(GLOBAL_AFTER)
        before = getattr(args, name)
        setattr(args, name, [*before, *after] if isinstance(before, list) else before or after)
    return args


class Commands:
    """The subcommands, each given the options of every command and help laid out as
    written (the examples keep their lines)."""

    def __init__(self, action: Any, common: argparse.ArgumentParser) -> None:
        self._action = action
        self._common = common

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        kwargs.setdefault("parents", [self._common])
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        parser: argparse.ArgumentParser = self._action.add_parser(name, **kwargs)
        return parser

    def add_group(self, name: str, **kwargs: Any) -> Commands:
        """A command made of actions (``standards list``): the group's own parser takes no
        options, its actions take them all."""
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        group = self._action.add_parser(name, **kwargs)
        return Commands(
            group.add_subparsers(dest="action", required=True, metavar="ACTION"), self._common
        )


@functools.cache
def package_version() -> str:
    """The installed package's version, from its metadata (read once, only when asked)."""
    try:
        return importlib.metadata.version("safeguard-qa")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        from safeguard_qa import __version__

        return __version__


class VersionAction(argparse.Action):
    """``--version``: the version is looked up only when asked for, so start-up never pays
    for reading package metadata."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"{parser.prog} {package_version()}")
        parser.exit()


class Terminated(BaseException):
    """Raised from a SIGTERM or SIGHUP handler, so that half-written output is removed on
    the way out exactly as it is for Ctrl-C."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated(signum)


def install_signal_handlers() -> None:
    """Turn SIGTERM and SIGHUP into an exception (main thread only; elsewhere, e.g. when
    the CLI is called from a worker thread, the process's own handling stays)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _terminate)


BUILT_IN_COMMANDS = frozenset(
    {"standards", "validate", "evaluate", "plugins", "schema", "rules", "template"}
    | {"partnership", "audit"}
)
"""The built-in command names (a test keeps them equal to the parser's)."""


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser(plugin_commands(argv))
    except SafeguardQAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    args = merge_global_options(parser.parse_args(argv))
    configure_logging(verbose=args.verbose)
    tolerate_narrow_stdout()
    install_signal_handlers()
    started = time.perf_counter()
    try:
        code = int(args.func(args))
        # flush here, not at exit: a reader that went away is then caught below
        if sys.stdout is not None:
            sys.stdout.flush()
    except ProblemsError as exc:  # bad input or a bad setting: one line per problem
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        code = ExitCode.BAD_INPUT
    except SafeguardQAError as exc:
        if args.verbose and isinstance(exc, RuleError):
            # the rule's own code failed: its author needs the traceback (the rule's, via
            # the chained cause); a rule's message may quote a return, so only with -v
            traceback.print_exception(exc, file=sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        code = ExitCode.BAD_INPUT
    except BrokenPipeError:
        # the reader went away (``... | head``): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit
        quiet_stdout()
        code = ExitCode.OK
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        code = ExitCode.BAD_INPUT
    except (KeyboardInterrupt, Terminated):
        code = ExitCode.INTERRUPTED
    except Exception as exc:
        # Not the user's input. The message stays one line and names only the type: an
        # exception's text may quote return content, which can be sensitive.
        if args.verbose:
            traceback.print_exc()
        print(
            f"internal error: {type(exc).__name__} (run with -v for the traceback; "
            "please report it)",
            file=sys.stderr,
        )
        code = ExitCode.INTERNAL_ERROR
    log.info("%s finished in %.2f s, exit code %d", args.command, elapsed(started), code)
    return code


def configure_logging(*, verbose: bool) -> None:
    """Log to stderr: warnings always (a plugin skipped), and with ``-v`` what safeguard-qa
    reads and how long each step takes. Other libraries' logs are left as they are."""
    handler = StderrHandler()
    handler.setFormatter(logging.Formatter("safeguard-qa: %(message)s"))
    package = logging.getLogger("safeguard_qa")
    package.handlers[:] = [handler]
    package.setLevel(logging.INFO if verbose else logging.WARNING)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is logged (it may be replaced,
    e.g. by a test, after the handler was made)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def tolerate_narrow_stdout() -> None:
    """On a stdout that cannot encode every character (a Windows console or redirect in a
    legacy code page such as cp437 or cp1252), write what it cannot hold as ``\\u2014``
    escapes instead of failing: a report is never cut short, and JSON stays valid JSON.
    Files written with ``-o`` are always UTF-8."""
    stream = sys.stdout
    if not isinstance(stream, io.TextIOWrapper) or stream.errors != "strict":
        return
    if codecs.lookup(stream.encoding).name != "utf-8":
        stream.reconfigure(errors="backslashreplace")


def elapsed(started: float) -> float:
    """Seconds since ``started`` (a ``time.perf_counter()`` reading)."""
    return time.perf_counter() - started


def quiet_stdout() -> None:
    """Point stdout at the null device so the interpreter's final flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def run() -> None:  # pragma: no cover - console-script entry point
    sys.exit(main())
