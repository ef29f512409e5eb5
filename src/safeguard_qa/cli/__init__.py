"""The ``safeguard-qa`` command: a thin shell over the Python API.

Each command module exposes ``add_parser(subparsers, common)``; the command's function
gets the parsed arguments and a :class:`Session`, and returns an exit code.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path

from safeguard_qa.errors import InputError, SafeguardQAError


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


def build_parser() -> argparse.ArgumentParser:
    from safeguard_qa.cli import commands

    parser = argparse.ArgumentParser(
        prog="safeguard-qa",
        description="Validate and evaluate safeguarding self-assessment returns "
        "(Section 11, Section 175) and build the challenge-event pack.",
    )
    parser.add_argument(
        "--plugins-dir",
        type=Path,
        help="a folder of plugin modules (default: ./plugins when it holds *.py files)",
    )
    parser.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="NAME",
        help="a plugin that must load (an error if it is missing or broken); repeatable",
    )
    parser.add_argument(
        "--no-entry-points", action="store_true", help="do not load installed plugin packages"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what is being done")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in commands.MODULES:
        module.add_parser(sub)
    return parser


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="safeguard-qa: %(message)s",
    )
    install_signal_handlers()
    try:
        code = int(args.func(args))
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        code = ExitCode.BAD_INPUT
    except SafeguardQAError as exc:
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
    return code


def quiet_stdout() -> None:
    """Point stdout at the null device so the interpreter's final flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def run() -> None:  # pragma: no cover - console-script entry point
    sys.exit(main())
