"""`caseledger unit occupancy --plot`: the daily series of a unit drawn with matplotlib."""

from __future__ import annotations

import sys


def plot_occupancy(path: str, series, label: str) -> None:
    """Population and capacity of a unit day by day, as a PNG at `path`; days over capacity shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    days = [d.day for d in series]
    population = [d.population for d in series]
    # A day with no capacity defined is a gap in the line, not a capacity of 0.
    capacity = [float("nan") if d.capacity is None else d.capacity for d in series]
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.step(days, population, where="post", label="population (end of day)", color="tab:blue")
    ax.step(days, capacity, where="post", label="capacity", color="tab:red", linestyle="--")
    over = [d.over_capacity for d in series]
    if any(over):
        ax.fill_between(days, population, capacity, where=over, step="post", color="tab:red", alpha=0.2,
                        label="over capacity")
    ax.set_title(f"Occupancy of {label}, {series[0].day} to {series[-1].day}" if series else f"Occupancy of {label}")
    ax.set_xlabel("day")
    ax.set_ylabel("youths in the unit")
    ax.set_ylim(bottom=0, top=max([*population, *(d.capacity or 0 for d in series), 1]) * 1.1)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    fig.autofmt_xdate()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    print(f"plot written to {path}", file=sys.stderr)
