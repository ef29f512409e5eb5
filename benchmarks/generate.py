"""A deterministic, national-scale data set of returns for the benchmark.

England has about 150 local safeguarding partnerships. Each gets 160 schools on the Section
175 framework (s175-kcsie) and 20 agencies on the Section 11 framework (s11-wt2023): 24,000
school returns and 3,000 Section 11 returns in all, spread over ``returns/laNNN/`` folders.

Every agency draws its answers from its own ``random.Random`` seeded with the data-set seed
and its id, so a file's content never depends on the order or the process it was made in:
generation runs on every core and the data set is the same each time. Agencies vary in
quality; ratings, N/A, missing answers, indicator figures, evidence (some placeholder, some
stale), actions (some overdue or without an owner), sign-off and lateness are all drawn.

Returns are written as compact JSON (what a partnership system would hand over); a small
sample is also written as YAML so the benchmark can show what the YAML parser costs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from safeguard_qa.models.scale import NA
from safeguard_qa.plugins import Registry, load_registry

GENERATOR_VERSION = "1"
SEED = 20250331
PARTNERSHIPS = 150
SCHOOLS_PER_PARTNERSHIP = 160  # 24,000 schools
AGENCIES_PER_PARTNERSHIP = 20  # 3,000 Section 11 agencies
YAML_SAMPLE = 500

SCHOOL_FRAMEWORK = "s175-kcsie"
S11_FRAMEWORK = "s11-wt2023"
SCHOOL_TYPES = (("school_maintained", 45), ("academy", 45), ("independent_school", 7))
S11_AGENCIES = (
    ("police", "Constabulary", True),
    ("health", "Integrated Care Board", True),
    ("health", "Hospitals NHS Foundation Trust", True),
    ("health", "Community Health NHS Trust", True),
    ("health", "Mental Health NHS Trust", True),
    ("local_authority", "Children's Services", True),
    ("local_authority", "Adult Social Care", True),
    ("probation", "Probation Service", True),
    ("housing", "District Council Housing", True),
    ("housing", "Housing Association", False),
    ("youth_justice", "Youth Justice Service", True),
    ("education", "Further Education College", True),
    ("education", "Early Years Service", True),
    ("education", "School Transport Service", True),
    ("voluntary", "Children's Charity", False),
    ("voluntary", "Youth Clubs Trust", False),
    ("voluntary", "Sports Foundation", False),
    ("voluntary", "Family Support Network", False),
    ("voluntary", "Faith Communities Forum", False),
    ("voluntary", "Domestic Abuse Service", False),
)
PERIOD = {"start": "2024-04-01", "end": "2025-03-31"}
DEADLINE = dt.date(2025, 5, 31)

EVIDENCE = (
    "Safeguarding audit report presented to the board",
    "Training matrix showing completion by role",
    "Minutes of the safeguarding committee",
    "Annual report to governors on safeguarding",
    "Policy reviewed and approved, published on the website",
    "Supervision records sampled by the designated lead",
    "Single central record check by the nominated governor",
    "Case file audit findings and action log",
)
PLACEHOLDERS = ("see policy", "see attached", "Safeguarding Policy 2024.pdf", "TBC")
ACTIONS = (
    "Refresh training for all staff and record completion",
    "Review the policy with the safeguarding partners",
    "Audit a sample of records and report to the board",
    "Embed the voice of the child in service design",
    "Update the escalation procedure and brief managers",
)
OWNERS = ("Designated Safeguarding Lead", "Head of Service", "Deputy Head", "HR Manager")
Weighted = tuple[tuple[str, int], ...]
SCHOOL_SIGNERS: Weighted = (
    ("Headteacher", 70),
    ("Chair of Governors", 25),
    ("School Business Manager", 5),
)
S11_SIGNERS: Weighted = (
    ("Chief Executive", 40),
    ("Director of Nursing", 25),
    ("Head of Safeguarding", 30),
    ("Office Administrator", 5),
)


@dataclass(frozen=True)
class Item:
    """One criterion, as the generator needs it."""

    id: str
    answer: str
    mandatory: bool
    statutory: bool
    applies_to: tuple[str, ...]
    levels: tuple[str, ...]  # worst to best
    na_for_non_statutory: bool
    unit: str = ""
    direction: str = ""


def items_of(registry: Registry, framework_id: str) -> list[Item]:
    framework = registry.framework(framework_id)
    found = []
    for criterion in framework.criteria.values():
        answer = criterion.answer
        scale = registry.scale_for(framework, criterion)
        found.append(
            Item(
                id=criterion.id,
                answer=answer.type,
                mandatory=criterion.mandatory,
                statutory=criterion.statutory,
                applies_to=criterion.applies_to,
                levels=tuple(lv.id for lv in scale.ordered) if scale is not None else (),
                na_for_non_statutory=scale is not None and scale.allows_na(False),
                unit=getattr(answer, "unit", ""),
                direction=getattr(answer, "direction", ""),
            )
        )
    return found


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _evidence(rng: random.Random) -> list[dict[str, Any]]:
    count = rng.choices((0, 1, 2, 3), weights=(5, 45, 35, 15))[0]
    found = []
    for n in range(count):
        stale = rng.random() < 0.08
        when = _day(rng, dt.date(2019, 1, 1), dt.date(2022, 12, 31)) if stale else None
        when = when or _day(rng, dt.date(2024, 4, 1), dt.date(2025, 4, 30))
        if rng.random() < 0.05:
            found.append({"description": rng.choice(PLACEHOLDERS)})
        else:
            found.append(
                {
                    "description": rng.choice(EVIDENCE),
                    "reference": f"DOC-{rng.randrange(1000, 9999)}-{n}",
                    "date": when.isoformat(),
                }
            )
    return found


def _actions(rng: random.Random, gap: bool) -> list[dict[str, Any]]:
    if rng.random() > (0.75 if gap else 0.1):
        return []
    found = []
    for _ in range(rng.choice((1, 1, 2))):
        status = rng.choices(("not_started", "in_progress", "complete"), weights=(3, 5, 2))[0]
        action: dict[str, Any] = {"description": rng.choice(ACTIONS), "status": status}
        if rng.random() < 0.9:
            action["owner"] = rng.choice(OWNERS)
        if rng.random() < 0.9:
            action["due"] = _day(rng, dt.date(2024, 6, 1), dt.date(2026, 3, 31)).isoformat()
        if status == "complete":
            action["completed"] = _day(rng, dt.date(2024, 4, 1), dt.date(2025, 4, 30)).isoformat()
        found.append(action)
    return found


def _response(rng: random.Random, item: Item, quality: float, statutory: bool) -> dict[str, Any]:
    response: dict[str, Any] = {"criterion": item.id}
    gap = False
    if item.answer == "numeric":
        if item.unit == "percent":
            response["value"] = round(min(100.0, max(0.0, rng.gauss(70 + 28 * quality, 8))), 1)
        else:
            response["value"] = rng.choices(range(8), weights=(30, 25, 15, 10, 8, 6, 4, 2))[0]
    elif item.levels:
        if (
            not statutory
            and not item.statutory
            and item.na_for_non_statutory
            and rng.random() < 0.2
        ):
            response["rating"] = NA
        else:
            target = min(1.0, max(0.0, rng.gauss(quality, 0.25)))
            index = round(target * (len(item.levels) - 1))
            response["rating"] = item.levels[index]
            gap = index < len(item.levels) // 2
    if rng.random() < 0.6 or item.answer == "narrative":
        response["commentary"] = f"Position on {item.id} reviewed this year; see the evidence."
    if item.answer != "narrative":
        response["evidence"] = _evidence(rng)
        response["actions"] = _actions(rng, gap)
    return response


def make_return(
    items: list[Item],
    framework: tuple[str, str],
    agency: dict[str, Any],
    signers: tuple[tuple[str, int], ...],
) -> dict[str, Any]:
    rng = random.Random(f"{SEED}/{agency['id']}")
    quality = rng.betavariate(4, 2)
    responses = []
    for item in items:
        if item.applies_to and agency["type"] not in item.applies_to:
            continue
        if rng.random() < (0.01 if item.mandatory else 0.3):
            continue
        responses.append(_response(rng, item, quality, agency["statutory"]))
    roll = rng.random()
    submitted: dt.date | None
    if roll < 0.85:
        submitted = _day(rng, dt.date(2025, 4, 15), DEADLINE)
    elif roll < 0.95:
        submitted = _day(rng, DEADLINE + dt.timedelta(days=1), dt.date(2025, 7, 15))
    else:
        submitted = None
    data: dict[str, Any] = {
        "framework": framework[0],
        "framework_version": framework[1],
        "agency": agency,
        "period": PERIOD,
        "deadline": DEADLINE.isoformat(),
    }
    if submitted is not None:
        data["submitted"] = submitted.isoformat()
    if rng.random() < 0.93:
        signed = (submitted or DEADLINE) - dt.timedelta(days=rng.randrange(10))
        data["sign_off"] = {"name": "A. Signer", "role": _pick(rng, signers), "date": str(signed)}
    data["responses"] = responses
    return data


def partnership_returns(registry: Registry, number: int) -> Iterator[dict[str, Any]]:
    """Every return of partnership ``number`` (1-based), schools first."""
    la = f"la{number:03d}"
    for framework_id, count in (
        (SCHOOL_FRAMEWORK, SCHOOLS_PER_PARTNERSHIP),
        (S11_FRAMEWORK, AGENCIES_PER_PARTNERSHIP),
    ):
        framework = registry.framework(framework_id)
        items = items_of(registry, framework_id)
        for n in range(count):
            if framework_id == SCHOOL_FRAMEWORK:
                rng = random.Random(f"{SEED}/{la}/school/{n}")
                kind = _pick(rng, SCHOOL_TYPES) if n < count - 5 else "fe_college"
                agency = {
                    "id": f"{la}-sch-{n:03d}",
                    "name": f"School {n:03d}, partnership {number}",
                    "type": kind,
                    "statutory": True,
                }
                signers = SCHOOL_SIGNERS
            else:
                kind, name, statutory = S11_AGENCIES[n % len(S11_AGENCIES)]
                agency = {
                    "id": f"{la}-s11-{n:02d}",
                    "name": f"{name}, partnership {number}",
                    "type": kind,
                    "statutory": statutory,
                }
                signers = S11_SIGNERS
            yield make_return(items, (framework.id, framework.version), agency, signers)


def _write_partnership(task: tuple[Path, int]) -> int:
    root, number = task
    registry = _registry()
    folder = root / "returns" / f"la{number:03d}"
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for data in partnership_returns(registry, number):
        path = folder / f"{data['agency']['id']}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        written += 1
    return written


_REGISTRY: Registry | None = None


def _registry() -> Registry:
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = load_registry(entry_points=False)
    return _REGISTRY


def manifest(partnerships: int) -> dict[str, Any]:
    return {
        "generator": GENERATOR_VERSION,
        "seed": SEED,
        "partnerships": partnerships,
        "schools": partnerships * SCHOOLS_PER_PARTNERSHIP,
        "section_11": partnerships * AGENCIES_PER_PARTNERSHIP,
    }


def generate(root: Path, partnerships: int = PARTNERSHIPS, workers: int | None = None) -> bool:
    """Write the data set under ``root`` unless the same one is there. True if written."""
    wanted = manifest(partnerships)
    stamp = root / "manifest.json"
    if stamp.exists() and json.loads(stamp.read_text(encoding="utf-8")) == wanted:
        return False
    if stamp.exists():
        stamp.unlink()
    workers = workers or len(os.sched_getaffinity(0))
    tasks = [(root, n) for n in range(1, partnerships + 1)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        total = sum(pool.map(_write_partnership, tasks, chunksize=4))
    assert total == wanted["schools"] + wanted["section_11"]
    _write_yaml_sample(root)
    stamp.write_text(json.dumps(wanted, indent=2) + "\n", encoding="utf-8")
    return True


def return_files(root: Path) -> list[Path]:
    return sorted((root / "returns").glob("la*/*.json"))


def partnership_folders(root: Path) -> list[Path]:
    return sorted(p for p in (root / "returns").glob("la*") if p.is_dir())


def _write_yaml_sample(root: Path) -> None:
    """The first returns of every partnership as YAML, and one school return as ONE.yaml."""
    folder = root / "yaml-sample"
    folder.mkdir(parents=True, exist_ok=True)
    files = return_files(root)
    step = max(1, len(files) // YAML_SAMPLE)
    for path in files[::step][:YAML_SAMPLE]:
        data = json.loads(path.read_text(encoding="utf-8"))
        text = yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True)
        (folder / f"{path.stem}.yaml").write_text(text, encoding="utf-8")
    one = json.loads(files[0].read_text(encoding="utf-8"))
    text = yaml.dump(one, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True)
    (root / "ONE.yaml").write_text(text, encoding="utf-8")
