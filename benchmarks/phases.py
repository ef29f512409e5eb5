"""The benchmark's phases. ``bench.py`` runs each one in a fresh process of its own
(``python benchmarks/phases.py PHASE DATA_DIR``) so that its peak memory can be read from
the operating system; the phase prints its figures as one JSON line on stdout.
"""

from __future__ import annotations

import cProfile
import functools
import io
import json
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate

Figures = dict[str, Any]


class Stopwatch:
    """Seconds spent inside wrapped callables, and how often they were called."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        self.seconds.setdefault(name, 0.0)
        self.calls.setdefault(name, 0)

        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start
                self.calls[name] += 1

        return timed


def phase_baseline(root: Path) -> Figures:
    """The library imported and every framework loaded: the memory every phase starts from."""
    from safeguard_qa.plugins import load_registry

    start = time.perf_counter()
    registry = load_registry(entry_points=False)
    registry.frameworks()
    return {"seconds": time.perf_counter() - start}


def phase_floor(root: Path, sample: str = "") -> Figures:
    """(a) Read and validate every return with the project's own models, keeping none."""
    from safeguard_qa.loaders.returns import validated_return
    from safeguard_qa.plugins import load_registry

    registry = load_registry(entry_points=False)
    registry.frameworks()
    paths = sorted((root / "yaml-sample").glob("*.yaml")) if sample else generate.return_files(root)
    warnings = 0
    start = time.perf_counter()
    for path in paths:
        warnings += len(validated_return(path, registry)[2])
    seconds = time.perf_counter() - start
    return {"returns": len(paths), "seconds": seconds, "warnings": warnings}


def phase_evaluate(root: Path, share: str = "1", how: str = "auto") -> Figures:
    """(b) Evaluate the returns of the first ``share`` of the partnership folders, streamed
    to one JSON file, with timers around the engine and the loaders so the engine's share
    can be told from the reading.

    ``how``: ``cli`` runs ``safeguard-qa evaluate FOLDER... --format json -o FILE`` through
    the CLI's own ``main`` in this process; ``library`` runs the streaming API the CLI is
    built on (``iter_evaluations`` into ``jsonout.stream_evaluations`` into the CLI's atomic
    ``write_output``); ``auto`` is ``cli`` when the installed JSON renderer streams, else
    ``library`` (a renderer that does not stream holds every result in memory).
    """
    import safeguard_qa.api as api
    from safeguard_qa.cli import main
    from safeguard_qa.cli.common import write_output
    from safeguard_qa.engine import Engine
    from safeguard_qa.plugins import load_registry
    from safeguard_qa.report.base import RenderOptions
    from safeguard_qa.report.jsonout import stream_evaluations

    folders = generate.partnership_folders(root)
    folders = folders[: max(1, round(len(folders) * float(share)))]
    registry = load_registry(entry_points=False)
    json_streams = registry.renderers["json"].stream is not None
    if how == "auto":
        how = "cli" if json_streams else "library"
    watch = Stopwatch()
    # iter_evaluations looks these up in its own module: wrap them there
    for name, label in (("load_return", "read"), ("check_return", "check")):
        setattr(api, name, watch.wrap(label, getattr(api, name)))
    Engine.evaluate = watch.wrap("evaluate", Engine.evaluate)  # type: ignore[method-assign]
    Engine.add_peer = watch.wrap("peers", Engine.add_peer)  # type: ignore[method-assign]
    out = root / "out" / f"evaluations-{how}-{share}.json"
    start = time.perf_counter()
    if how == "cli":
        args = ["--no-entry-points", "evaluate", *map(str, folders), "--format", "json"]
        code = main([*args, "-o", str(out)])
    else:
        paths = [p for folder in folders for p in sorted(folder.glob("*.json"))]
        evaluations = api.iter_evaluations(paths, engine=Engine(registry))
        write_output(out, stream_evaluations(evaluations, len(paths), RenderOptions()))
        code = 0
    seconds = time.perf_counter() - start
    size = out.stat().st_size
    out.unlink()
    return {
        "how": how,
        "json_renderer_streams": json_streams,
        "returns": watch.calls["evaluate"],
        "folders": len(folders),
        "exit_code": code,
        "seconds": seconds,
        "engine_seconds": watch.seconds["evaluate"] + watch.seconds["peers"],
        "evaluate_seconds": watch.seconds["evaluate"],
        "peer_seconds": watch.seconds["peers"],
        "read_seconds": watch.seconds["read"],
        "reads": watch.calls["read"],
        "check_seconds": watch.seconds["check"],
        "output_bytes": size,
    }


def phase_partnership(root: Path, part: str = "0/1") -> Figures:
    """(c) For every partnership: read its returns, evaluate them together, build the
    partnership summary and render the HTML pack, one partnership at a time. ``part`` "i/n"
    takes every n-th partnership from the i-th, so n processes can share the work."""
    try:
        from safeguard_qa.analysis.partnership import build_partnership
    except ImportError:
        return {"available": False}
    from safeguard_qa.engine import Engine
    from safeguard_qa.loaders.returns import validated_return
    from safeguard_qa.plugins import load_registry
    from safeguard_qa.report.base import RenderOptions

    registry = load_registry(entry_points=False)
    renderer = registry.renderers.get("html")
    if renderer is None or renderer.partnership is None:
        return {"available": False}
    engine = Engine(registry)
    index, workers = (int(n) for n in part.split("/"))
    folders = generate.partnership_folders(root)[index::workers]
    out = root / "out" / "packs"
    out.mkdir(parents=True, exist_ok=True)
    seconds = {"read": 0.0, "evaluate": 0.0, "summary": 0.0, "html": 0.0}
    largest = total_bytes = returns = 0
    start = time.perf_counter()
    for folder in folders:
        mark = time.perf_counter()
        loaded = [validated_return(p, registry)[0] for p in sorted(folder.glob("*.json"))]
        seconds["read"] += time.perf_counter() - mark
        mark = time.perf_counter()
        evaluations = engine.evaluate_many(loaded, validate=False)
        seconds["evaluate"] += time.perf_counter() - mark
        mark = time.perf_counter()
        report = build_partnership(
            list(zip(loaded, evaluations, strict=True)), registry=registry, policy=engine.policy
        )
        seconds["summary"] += time.perf_counter() - mark
        mark = time.perf_counter()
        html = renderer.partnership(report, RenderOptions())
        data = html.encode("utf-8") if isinstance(html, str) else html
        (out / f"{folder.name}.html").write_bytes(data)
        seconds["html"] += time.perf_counter() - mark
        largest = max(largest, len(data))
        total_bytes += len(data)
        returns += len(loaded)
    return {
        "available": True,
        "partnerships": len(folders),
        "returns": returns,
        "seconds": time.perf_counter() - start,
        "read_seconds": seconds["read"],
        "evaluate_seconds": seconds["evaluate"],
        "summary_seconds": seconds["summary"],
        "html_seconds": seconds["html"],
        "html_bytes": total_bytes,
        "largest_html_bytes": largest,
    }


def phase_pack(root: Path, agencies: str = "800") -> Figures:
    """``safeguard-qa partnership FILES... --format html -o PACK`` over the first
    ``agencies`` returns of the data set (schools and Section 11 agencies of several
    partnership folders), through the CLI's own ``main``: its peak memory is the command's."""
    from safeguard_qa.cli import main

    files = generate.return_files(root)[: int(agencies)]
    out = root / "out" / f"pack-{agencies}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    code = main(
        ["--no-entry-points", "partnership", *map(str, files), "--format", "html", "-o", str(out)]
    )
    seconds = time.perf_counter() - start
    size = out.stat().st_size if out.exists() else 0
    out.unlink(missing_ok=True)
    return {"agencies": len(files), "seconds": seconds, "exit_code": code, "html_bytes": size}


def phase_profile(root: Path, count: str = "1000") -> Figures:
    """cProfile of reading-and-validating and of evaluating a sample of returns."""
    from safeguard_qa.engine import Engine
    from safeguard_qa.loaders.returns import validated_return
    from safeguard_qa.plugins import load_registry

    registry = load_registry(entry_points=False)
    registry.frameworks()
    files = generate.return_files(root)
    step = max(1, len(files) // int(count))
    paths = files[::step][: int(count)]
    engine = Engine(registry)

    reading = cProfile.Profile()
    reading.enable()
    returns = [validated_return(p, registry)[0] for p in paths]
    reading.disable()

    evaluating = cProfile.Profile()
    evaluating.enable()
    peers = engine.peer_stats(returns)
    for ret in returns:
        engine.evaluate(ret, peers=peers, validate=False)
    evaluating.disable()
    return {
        "returns": len(paths),
        "read": _top(reading),
        "evaluate": _top(evaluating),
        "evaluate_cumulative": _top(evaluating, own=False),
    }


def _top(profile: cProfile.Profile, count: int = 14, own: bool = True) -> list[dict[str, Any]]:
    """The functions with the most time of their own; or, with ``own=False``, the project's
    own functions with the most time including what they call."""
    stats = pstats.Stats(profile, stream=io.StringIO())
    table = stats.stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in table.values())
    if own:
        rows = sorted(table.items(), key=lambda kv: kv[1][2], reverse=True)[:count]
    else:
        ours = [kv for kv in table.items() if "safeguard_qa" in kv[0][0]]
        rows = sorted(ours, key=lambda kv: kv[1][3], reverse=True)[:count]
    return [
        {
            "function": _name(func),
            "calls": calls,
            "own_seconds": round(own_time, 3),
            "own_share": round(own_time / total, 3) if total else 0.0,
            "cumulative_seconds": round(cumulative, 3),
            "cumulative_share": round(cumulative / total, 3) if total else 0.0,
        }
        for func, (_, calls, own_time, cumulative, _) in rows
    ]


def _name(func: tuple[str, int, str]) -> str:
    file, line, name = func
    if file == "~":
        return name
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{file}:{line}({name})"


PHASES: dict[str, Callable[..., Figures]] = {
    "baseline": phase_baseline,
    "floor": phase_floor,
    "evaluate": phase_evaluate,
    "partnership": phase_partnership,
    "pack": phase_pack,
    "profile": phase_profile,
}


if __name__ == "__main__":
    name, root, *extra = sys.argv[1:]
    figures = PHASES[name](Path(root), *extra)
    sys.stdout.write(json.dumps(figures) + "\n")
