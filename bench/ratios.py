"""Print our time divided by each peer's and by the floor, from one asv results file, as markdown.

Usage (from ``bench/``)::

    python ratios.py                      # newest results file of the only (or first) machine
    python ratios.py results/vm/abc.json  # a given file

Benchmarks follow the naming of ``benchmarks/common.py``: in each suite (class) and parameter
combination, every ``time_ours_*`` is divided by every ``time_peer_*`` and ``time_floor_*``; below 1
means ours is faster than the peer. One table per suite; ``track_*`` benchmarks (ratios measured inside
one process) are listed after the tables.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

NO_RESULTS = ("run `asv run --python=same` in bench/ first (`asv run --quick`, the smoke run of ./dev test, "
              "saves no results)")


def latest_results(results_dir: Path) -> Path:
    """Newest results file (by its recorded date) of the first machine directory.

    Raises
    ------
    FileNotFoundError
        If ``results_dir`` holds no results file (no run yet, or only ``asv run --quick`` runs).
    """
    machines = sorted(p for p in results_dir.iterdir() if p.is_dir()) if results_dir.is_dir() else []
    files = [p for p in machines[0].glob("*.json") if p.name != "machine.json"] if machines else []
    if not files:
        raise FileNotFoundError(f"no asv results in {results_dir}: {NO_RESULTS}")
    return max(files, key=lambda p: json.loads(p.read_text()).get("date", 0))


def timings(path: Path, prefix: str = "time_") -> dict[str, dict[tuple[str, ...], float]]:
    """``benchmark name -> {parameter values -> value}`` for the benchmarks named ``prefix*`` (seconds
    for ``time_``)."""
    data = json.loads(path.read_text())
    columns = data["result_columns"]
    out = {}
    for name, row in data["results"].items():
        if not name.split(".")[-1].startswith(prefix):
            continue
        record = dict(zip(columns, row))
        values = record["result"] if isinstance(record["result"], list) else [record["result"]]
        combos = list(itertools.product(*(record.get("params") or [])))
        out[name] = {combo: v for combo, v in zip(combos, values) if v is not None}
    return out


def _format_time(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.3g} µs"


def markdown(results: dict[str, dict[tuple[str, ...], float]]) -> str:
    """One table per suite: rows (params, ours), columns ours/peer and ours/floor."""
    suites: dict[str, dict[str, dict[tuple[str, ...], float]]] = {}
    for name, values in results.items():
        suite, method = name.rsplit(".", 1)
        suites.setdefault(suite, {})[method.removeprefix("time_")] = values
    lines = []
    for suite, methods in suites.items():
        ours = [m for m in methods if m.startswith("ours")]
        others = [m for m in methods if m.startswith(("peer_", "floor_"))]
        if not ours or not others:
            continue
        header = "| params | ours | time | " + " | ".join(f"÷ {o}" for o in others) + " |"
        lines += [f"\n### {suite}\n", header, "|---" * (3 + len(others)) + "|"]
        for combo in methods[ours[0]]:
            for our in ours:
                mine = methods[our].get(combo)
                if mine is None:
                    continue
                ratios = [methods[o].get(combo) for o in others]
                cells = [f"{mine / r:.3g}" if r else "n/a" for r in ratios]
                lines.append(f"| {' '.join(map(str, combo))} | {our} | {_format_time(mine)} | "
                             + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Print the tables of ``argv[1]`` (default: :func:`latest_results`); 2 with one line if there is none."""
    try:
        path = Path(argv[1]) if len(argv) > 1 else latest_results(Path(__file__).parent / "results")
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"results: {path}")
    print(markdown(timings(path)))
    tracked = timings(path, "track_")
    if tracked:
        print("\n### tracked values\n")
        for name, values in tracked.items():
            for combo, value in values.items():
                print(f"- {name}{' ' + ' '.join(map(str, combo)) if combo else ''}: {value:.4g}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
