"""Where ``-o`` writes: regular files atomically, special files directly, never replaced,
and never onto an input, policy or outcomes file."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from safeguard_qa.cli import ExitCode, main
from safeguard_qa.cli.common import write_output
from safeguard_qa.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
POLICE = ROOT / "examples" / "returns" / "police.yaml"


def test_a_fifo_is_written_through_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    write_output(fifo, ["hello ", "world"])
    out, _ = reader.communicate(timeout=10)
    assert out == b"hello world"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_the_null_device_is_written_not_replaced() -> None:
    before = os.stat(os.devnull)
    write_output(Path(os.devnull), "discarded")
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode)
    assert (before.st_ino, before.st_rdev) == (after.st_ino, after.st_rdev)


def test_a_folder_is_refused_as_output(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="this is a folder"):
        write_output(tmp_path, "x")


def test_output_files_respect_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_output(tmp_path / "report.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "report.txt").st_mode) == 0o640


def test_a_failed_stream_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old", encoding="utf-8")

    def chunks() -> object:
        yield "new"
        raise RuntimeError("half-way")

    with pytest.raises(RuntimeError):
        write_output(target, chunks())  # type: ignore[arg-type]
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


@pytest.mark.parametrize("option", ["--policy", "--outcomes"])
def test_evaluate_refuses_to_write_over_its_settings(
    tmp_path: Path, option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = (
        ROOT
        / "examples"
        / "partnership"
        / ("policy.yaml" if option == "--policy" else "outcomes.yaml")
    )
    settings = tmp_path / source.name
    settings.write_bytes(source.read_bytes())
    code = main(
        ["--no-entry-points", "evaluate", str(POLICE), option, str(settings), "-o", str(settings)]
    )
    assert code == ExitCode.BAD_INPUT
    assert "the output file is one of the inputs" in capsys.readouterr().err
    assert settings.read_bytes() == source.read_bytes()


def test_sigterm_leaves_no_half_written_output(tmp_path: Path) -> None:
    """A stream that is killed half-way leaves neither the report nor a temporary file."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from safeguard_qa.cli import install_signal_handlers\n"
        "from safeguard_qa.cli.common import write_output\n"
        "install_signal_handlers()\n"
        "def chunks():\n"
        "    yield 'start'\n"
        "    print('ready', flush=True)\n"
        "    time.sleep(30)\n"
        "    yield 'end'\n"
        "try:\n"
        "    write_output(Path(sys.argv[1]), chunks())\n"
        "except BaseException as exc:\n"
        "    print(type(exc).__name__, flush=True)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "out.json")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGTERM)
    rest, _ = proc.communicate(timeout=20)
    assert rest.strip() == "Terminated"
    assert list(tmp_path.iterdir()) == []


def test_the_guard_catches_writes_outside_the_temporary_folder() -> None:
    """The conftest guard that keeps tests off system files: fed the events the original
    bug made (a temporary file in /dev renamed over /dev/null), it records both."""
    from tests import conftest

    before = len(conftest._violations)
    conftest._audit("open", ("/dev/.null.abc", None, os.O_WRONLY | os.O_CREAT))
    conftest._audit("os.rename", ("/dev/.null.abc", "/dev/null", None, None))
    # a folder that is never a temporary one (the repository itself may sit under /tmp)
    conftest._audit("open", ("/etc/safeguard-qa/pack.html", "w", 0))
    found = conftest._violations[before:]
    del conftest._violations[before:]
    assert len(found) == 3
    assert "/dev/null" in found[1]
