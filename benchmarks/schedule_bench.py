"""Schedule-search benchmark: exact top-k branch and bound vs enumerate-then-sort.

    python benchmarks/schedule_bench.py                       # the four shared instances
    python benchmarks/schedule_bench.py --objective product   # product objective
    python benchmarks/schedule_bench.py --family 5x40 --seed 2 --seed 3 --json

Each solve (parse instance -> compile -> search -> results) is repeated --repeats times
(at least 20); p50/p95 are wall milliseconds, cpu p50 is process CPU time (the same on an idle
machine; lower when other processes compete for the 2 cores). The baseline enumerates every feasible
schedule, scores all of them and sorts, in this process, capped at --baseline-cap seconds.
Targets (2-core box): reference top-10 p50 <= 30 ms on 5x40 and <= 80 ms on 6x40, p95 <=
2x p50; product objective within 3x of those.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from schedule_mcp.scheduling.constraints import Constraints, Strength  # noqa: E402
from schedule_mcp.scheduling.instances import (  # noqa: E402
    REFERENCE_DAY_PENALTY,
    REFERENCE_SCALE,
    generate_instance,
    problem_from_instance,
    reference_scoring,
)
from schedule_mcp.scheduling.model import compile_problem  # noqa: E402
from schedule_mcp.scheduling.objectives import (  # noqa: E402
    SCALE,
    Preferences,
    ProductContext,
    evaluate,
)
from schedule_mcp.scheduling.optimizer import solve  # noqa: E402
from schedule_mcp.scheduling.problem import ScheduleProblem, SectionSpec  # noqa: E402
from schedule_mcp.scheduling.search import top_k  # noqa: E402
from schedule_mcp.scheduling.travel import TravelModel  # noqa: E402

TARGETS_MS = {"reference": {"5x40": 30.0, "6x40": 80.0}, "product": {"5x40": 90.0, "6x40": 240.0}}


def default_instance_dir() -> Path:
    """The instance copies kept in the repository (docs/performance.md §4.3)."""
    candidate = ROOT / "tests" / "scheduling" / "data"
    if sorted(candidate.glob("inst_*.json")):
        return candidate
    raise SystemExit("no instances found; pass --instance FILE or --instance-dir DIR")


def solve_reference(data: dict[str, Any], k: int) -> tuple[list[float], int]:
    problem = problem_from_instance(data)
    model = compile_problem(problem, reference_scoring())
    out = top_k(model.search, k, clock=time.perf_counter, deadline=time.perf_counter() + 2.0)
    return [v / REFERENCE_SCALE for v, _ in out.solutions], out.nodes


PRODUCT_CONSTRAINTS = Constraints(travel=Strength.HARD)
PRODUCT_PREFS = Preferences(preferred_start=9 * 60, preferred_end=17 * 60)


def solve_product(data: dict[str, Any], k: int) -> tuple[list[float], int]:
    problem = problem_from_instance(data)
    result = solve(problem, PRODUCT_CONSTRAINTS, PRODUCT_PREFS, k=k, time_limit=2.0)
    return [s.score for s in result.schedules], result.nodes


def _feasible(problem: ScheduleProblem, travel: TravelModel | None) -> Iterator[list[SectionSpec]]:
    """Plain DFS enumeration with pairwise checks (no bounds, no merging)."""
    from schedule_mcp.scheduling.model import _transfer_conflict, day_meetings

    slots = [
        [s for s in c.sections if s.component == comp]
        for c in problem.courses
        for comp in c.components
    ]
    meets = {s.id: day_meetings(s) for slot in slots for s in slot}

    def clash(a: SectionSpec, b: SectionSpec) -> bool:
        if a.course == b.course and a.link and b.link and a.link != b.link:
            return True
        for da, sa, ea, *_ in meets[a.id]:
            for db, sb, eb, *_ in meets[b.id]:
                if da == db and sa < eb and sb < ea:
                    return True
        return travel is not None and _transfer_conflict(meets[a.id], meets[b.id], travel)

    chosen: list[SectionSpec] = []

    def dfs(level: int) -> Iterator[list[SectionSpec]]:
        if level == len(slots):
            yield list(chosen)
            return
        for s in slots[level]:
            if any(clash(s, other) for other in chosen):
                continue
            chosen.append(s)
            yield from dfs(level + 1)
            chosen.pop()

    yield from dfs(0)


def baseline(
    data: dict[str, Any], k: int, objective: str, cap_s: float
) -> tuple[float | None, list[float]]:
    """Enumerate every feasible schedule, score all, sort; (seconds or None if capped, top-k)."""
    start = time.perf_counter()
    problem = problem_from_instance(data)
    scored: list[float] = []
    if objective == "reference":

        def score(sections: list[SectionSpec]) -> float:
            days = {d for s in sections for m in s.meetings for d in m.days}
            tenths = sum(round((s.rating or 0) * REFERENCE_SCALE) for s in sections)
            return (tenths - REFERENCE_DAY_PENALTY * len(days)) / REFERENCE_SCALE

        travel = None
    else:
        travel = TravelModel.default()
        ctx = ProductContext(problem, PRODUCT_CONSTRAINTS, PRODUCT_PREFS, travel)

        def score(sections: list[SectionSpec]) -> float:
            return round(evaluate(sections, ctx) / SCALE, 6)

    for count, sections in enumerate(_feasible(problem, travel)):
        scored.append(score(sections))
        if not count % 2048 and time.perf_counter() - start > cap_s:
            return None, []
    scored.sort(reverse=True)
    return time.perf_counter() - start, scored[:k]


def measure(
    fn: Callable[[], tuple[list[float], int]], repeats: int
) -> tuple[list[float], list[float], list[float], int]:
    """Wall and CPU milliseconds per solve (CPU time shows the cost on a busy machine)."""
    fn()  # warm-up
    times: list[float] = []
    cpu: list[float] = []
    values: list[float] = []
    nodes = 0
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        values, nodes = fn()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return times, cpu, values, nodes


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--instance", action="append", type=Path, default=[], help="instance JSON (repeatable)"
    )
    parser.add_argument(
        "--instance-dir",
        type=Path,
        help="directory of inst_*.json (default: tests/scheduling/data)",
    )
    parser.add_argument("--family", help="generate NxM instances instead, e.g. 5x40")
    parser.add_argument(
        "--seed", action="append", type=int, default=[], help="family seed (repeatable)"
    )
    parser.add_argument("--objective", choices=["reference", "product"], default="reference")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--baseline-cap", type=float, default=10.0, help="seconds")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json", action="store_true", help="one JSON object per instance")
    args = parser.parse_args(argv)
    repeats = max(20, args.repeats)

    instances: list[tuple[str, dict[str, Any]]] = []
    if args.family:
        n, m = (int(x) for x in args.family.lower().split("x"))
        instances += [
            (f"gen_{n}x{m}_s{seed}", generate_instance(n, m, seed)) for seed in args.seed or [1]
        ]
    paths = list(args.instance)
    if not paths and not args.family:
        paths = sorted((args.instance_dir or default_instance_dir()).glob("inst_*.json"))
    instances += [(path.stem, json.loads(path.read_text())) for path in paths]

    fn = solve_reference if args.objective == "reference" else solve_product
    rows: list[dict[str, Any]] = []
    for name, data in instances:  # all timed runs first: baselines allocate a lot
        gc.collect()
        times, cpu, values, nodes = measure(lambda d=data: fn(d, args.top), repeats)  # type: ignore[misc]
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        row: dict[str, Any] = {
            "instance": name,
            "objective": args.objective,
            "topk": values,
            "p50_ms": round(p50, 2),
            "p95_ms": round(p95, 2),
            "cpu_p50_ms": round(statistics.median(cpu), 2),
            "nodes": nodes,
            "repeats": repeats,
        }
        size = name.removeprefix("inst_").removeprefix("gen_").split("_s")[0]
        target = TARGETS_MS[args.objective].get(size)
        if target is not None:
            row["target_p50_ms"] = target
            row["meets_target"] = p50 <= target and p95 <= 2 * p50
        rows.append(row)
    for row, (_, data) in zip(rows, instances, strict=True):
        if args.no_baseline:
            continue
        seconds, base_top = baseline(data, args.top, args.objective, args.baseline_cap)
        if seconds is None:
            row["baseline"] = f"did not finish in {args.baseline_cap:g} s"
            row["speedup"] = f">{args.baseline_cap * 1000 / row['p50_ms']:.0f}x"
        else:
            row["baseline"] = f"{seconds:.2f} s"
            row["baseline_s"] = round(seconds, 3)
            row["speedup"] = f"{seconds * 1000 / row['p50_ms']:.0f}x"
            same = (
                base_top[:1] == row["topk"][:1]
                if args.objective == "product"
                else base_top == row["topk"]
            )
            row["baseline_agrees"] = same
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    print(f"objective={args.objective} top={args.top} repeats={repeats}")
    print(
        f"{'instance':<16}{'p50 ms':>9}{'p95 ms':>9}{'cpu p50':>9}{'nodes':>8}  "
        f"{'baseline (speedup)':<34} top-{args.top}"
    )
    for row in rows:
        base = f"{row.get('baseline', 'skipped')} ({row.get('speedup', '-')})"
        if "baseline_agrees" in row:
            base += " agrees" if row["baseline_agrees"] else " DISAGREES"
        print(
            f"{row['instance']:<16}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
            f"{row['cpu_p50_ms']:>9.1f}{row['nodes']:>8}  {base:<34} {row['topk']}"
        )
        if "meets_target" in row:
            verdict = "ok" if row["meets_target"] else "MISSED"
            print(f"{'':<16}target p50 <= {row['target_p50_ms']:g} ms and p95 <= 2x p50: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
