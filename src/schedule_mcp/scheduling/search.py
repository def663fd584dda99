"""Exact top-k branch and bound over integer bitmasks (docs/performance.md sections 1-3).

The model is pure ints: each choice is a bit; a domain (one component of one course) is a
mask of its choices, numbered so that the lowest set bit is the best-scoring choice.
Search picks the remaining domain with the fewest compatible choices (forward checking
fails as soon as one empties) and prunes with an admissible bound:

    current additive score + sum over remaining domains of their best compatible score
    - day_penalty(days already used) - max over remaining domains of the "days-added" loss,

where a domain's loss is best score minus best (score - extra day penalty it would add).
Non-additive terms (travel, gaps, per-day limits) come from `leaf`: exact at the leaves and
an admissible lower bound on inner nodes (it also fails early on hard per-day limits).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Clock = Callable[[], float]


class Evaluator(Protocol):
    """Non-additive penalty, evaluated incrementally along the search path.

    `extend` adds a choice to a state (None when a hard constraint already fails; it only
    gets worse as classes are added); `bound` is a lower bound on the penalty of any
    completion using the remaining domains' still-allowed choices (`allowed` bitmask), and
    exact when none remain.
    """

    def root(self) -> Any: ...

    def extend(self, state: Any, choice: int) -> Any | None: ...

    def bound(self, state: Any, remaining: Sequence[int], allowed: int) -> int: ...


@dataclass(frozen=True, slots=True)
class SearchModel:
    """Integer search data; index i is a choice, `domains[d]` a bitmask of choices."""

    domains: tuple[int, ...]
    score: tuple[int, ...]
    daymask: tuple[int, ...]
    compat: tuple[int, ...]
    day_penalty: tuple[int, ...]
    leaf: Evaluator | None = None


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """Best-first solutions as (value, chosen choice indices), node count, completeness."""

    solutions: tuple[tuple[int, tuple[int, ...]], ...]
    nodes: int
    complete: bool


class _Timeout(Exception):
    pass


class TopK:
    """A bounded min-heap of the k best (value, picks) found so far, shared across runs."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.heap: list[tuple[int, int, tuple[int, ...]]] = []
        self._seq = 0

    def push(self, value: int, picks: tuple[int, ...]) -> None:
        self._seq += 1
        item = (value, -self._seq, picks)
        if len(self.heap) < self.k:
            heapq.heappush(self.heap, item)
        elif value > self.heap[0][0]:
            heapq.heapreplace(self.heap, item)

    def best_first(self) -> tuple[tuple[int, tuple[int, ...]], ...]:
        ordered = sorted(self.heap, key=lambda item: (-item[0], -item[1]))
        return tuple((value, picks) for value, _, picks in ordered)


def top_k(
    model: SearchModel,
    k: int,
    *,
    clock: Clock,
    deadline: float,
    domain_sets: Sequence[Sequence[int]] | None = None,
    base: TopK | None = None,
) -> SearchOutcome:
    """Exact top-k over `domain_sets` (each a list of domains to fill; default: all).

    Long on purpose: the branch-and-bound loop is one closure over local names (the model's
    arrays, the heap, the node counter), which keeps attribute lookups out of the hot path
    that benchmarks/schedule_bench.py measures; splitting it would pass that state around.
    """
    best = base if base is not None else TopK(k)
    if k <= 0:
        return SearchOutcome((), 0, True)
    score, daym, compat, pen, doms = (
        model.score,
        model.daymask,
        model.compat,
        model.day_penalty,
        model.domains,
    )
    leaf = model.leaf
    heap = best.heap
    nodes = 0

    def dfs(
        allowed: int, remaining: list[int], cur: int, used: int, picks: tuple[int, ...], state: Any
    ) -> None:
        # Long on purpose: see top_k (the hot loop of the search).
        nonlocal nodes
        nodes += 1
        if not nodes & 1023 and clock() > deadline:
            raise _Timeout
        pused = pen[used.bit_count()]
        total = 0
        maxloss = 0
        best_n = 1 << 30
        best_d = -1
        best_x = 0
        for d in remaining:
            x = allowed & doms[d]
            if not x:
                return
            low = x & -x
            i = low.bit_length() - 1
            s = score[i]
            total += s
            dm = daym[i]
            if dm & ~used:
                top = s - pen[(used | dm).bit_count()] + pused
                y = x ^ low
                while y:
                    lo = y & -y
                    j = lo.bit_length() - 1
                    sj = score[j]
                    if sj <= top:
                        break
                    v = sj - pen[(used | daym[j]).bit_count()] + pused
                    if v > top:
                        top = v
                    y ^= lo
                if s - top > maxloss:
                    maxloss = s - top
            n = x.bit_count()
            if n < best_n:
                best_n, best_d, best_x = n, d, x
        bound = cur + total - pused - maxloss
        full = len(heap) >= best.k
        if full and bound <= heap[0][0]:
            return
        penalty = 0
        if leaf is not None and picks and full:
            penalty = leaf.bound(state, remaining, allowed)
            if bound - penalty <= heap[0][0]:
                return
        # Children come best score first. Any completion of child i is worth at most
        # base + score[i] - day_penalty(used | days of i); once even the day-free part is
        # below the k-th value, every later child is too.
        base = cur + total - score[(best_x & -best_x).bit_length() - 1] - penalty
        rest = [d for d in remaining if d != best_d]
        x = best_x
        while x:
            low = x & -x
            x ^= low
            i = low.bit_length() - 1
            if len(heap) >= best.k:
                threshold = heap[0][0]
                top = base + score[i]
                if top - pused <= threshold:
                    break
                if top - pen[(used | daym[i]).bit_count()] <= threshold:
                    continue
            child = None
            if leaf is not None:
                child = leaf.extend(state, i)
                if child is None:
                    continue
            if rest:
                dfs(allowed & compat[i], rest, cur + score[i], used | daym[i], (*picks, i), child)
                continue
            nodes += 1
            value = cur + score[i] - pen[(used | daym[i]).bit_count()]
            if len(heap) >= best.k and value <= heap[0][0]:
                continue
            chosen = (*picks, i)
            if leaf is not None:
                value -= leaf.bound(child, (), 0)
            best.push(value, chosen)

    sets = domain_sets if domain_sets is not None else [range(len(doms))]
    complete = True
    try:
        for domains in sets:
            remaining = list(domains)
            if not remaining:
                best.push(0, ())
                continue
            dfs(-1, remaining, 0, 0, (), leaf.root() if leaf is not None else None)
    except _Timeout:
        complete = False
    return SearchOutcome(best.best_first(), nodes, complete)


def fewest_choices(
    allowed: int, remaining: Sequence[int], domains: Sequence[int]
) -> tuple[int, int] | None:
    """The remaining domain with the fewest allowed options (and those options as a mask);
    None when some domain has none left, so no completion exists."""
    best: tuple[int, int] | None = None
    for domain in remaining:
        options = allowed & domains[domain]
        if not options:
            return None
        if best is None or options.bit_count() < best[1].bit_count():
            best = (domain, options)
    return best


def set_bits(mask: int) -> Iterator[int]:
    """Indices of the set bits of `mask`, lowest first."""
    while mask:
        low = mask & -mask
        mask ^= low
        yield low.bit_length() - 1


def count_feasible(
    model: SearchModel,
    cap: int,
    *,
    clock: Clock,
    deadline: float,
    domain_sets: Sequence[Sequence[int]] | None = None,
) -> tuple[int, bool]:
    """How many feasible schedules (up to `cap`); also whether counting finished in time."""
    compat, doms, leaf = model.compat, model.domains, model.leaf
    found = 0
    steps = 0

    def dfs(allowed: int, remaining: list[int], state: Any) -> None:
        nonlocal found, steps
        steps += 1
        if not steps & 1023 and clock() > deadline:
            raise _Timeout
        choice = fewest_choices(allowed, remaining, doms)
        if choice is None:
            return
        domain, options = choice
        rest = [d for d in remaining if d != domain]
        for i in set_bits(options):
            child = leaf.extend(state, i) if leaf is not None else None
            if leaf is not None and child is None:
                continue  # the leaf evaluator rules this section out
            if rest:
                dfs(allowed & compat[i], rest, child)
            else:
                found += 1
            if found >= cap:
                raise _Timeout

    sets = domain_sets if domain_sets is not None else [range(len(doms))]
    finished = True
    try:
        for domains in sets:
            remaining = list(domains)
            if not remaining:
                found += 1
                continue
            dfs(-1, remaining, leaf.root() if leaf is not None else None)
    except _Timeout:
        finished = found >= cap
    return min(found, cap), finished
