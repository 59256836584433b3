#!/usr/bin/env python3
"""Draws the plots of `unimem bench` from DIR/comparison.json: DIR/<program>.png, one bar per
(op, unimem impl, peer) pair with its ratio time(peer) / time(unimem) on a log scale (right of 1:
unimem is faster), and DIR/summary.png, the geometric mean ratio of each program."""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402


def bars(path, title, labels, ratios):
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.26 * len(labels)))
    colors = ["#2a9d4b" if r >= 1 else "#c8553d" for r in ratios]
    # Bars grow from 1 (parity): right when unimem is faster, left when slower.
    ax.barh(range(len(labels)), [r - 1 for r in ratios], left=1, color=colors)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("time(peer) / time(unimem)  (> 1: unimem is faster)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"plot: {path}")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: plot_bench.py DIR")
    out = sys.argv[1]
    with open(os.path.join(out, "comparison.json")) as f:
        summary = json.load(f)
    by_program = {}
    for c in summary["comparisons"]:  # ratios are positive and finite: unimem bench drops the rest
        by_program.setdefault(c["program"], []).append(c)
    for program, pairs in by_program.items():
        labels = [f'{c["op"]}  {c["unimem"]} vs {c["peer"]}' for c in pairs]
        bars(os.path.join(out, f"{program}.png"), f"{program}: unimem vs its peers",
             labels, [c["ratio"] for c in pairs])
    compared = [p for p in summary["programs"] if p["pairs"] > 0]
    if compared:
        bars(os.path.join(out, "summary.png"), "geometric mean over each program's pairs",
             [p["program"] for p in compared], [p["geomean_ratio"] for p in compared])


if __name__ == "__main__":
    main()
