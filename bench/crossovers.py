#!/usr/bin/env python3
"""Crossovers between strategies over several `zc bench --json` files.

For each scenario, size and pair of strategies below: per file, the median
of the per-round ratios A ÷ B (run i of every strategy in a cell is taken in
the same interleaved round, so a ratio compares runs that saw the same
machine load); then the median over the files, their range, and in how many
files A was >= 10 % faster (up) or >= 10 % slower (down) -- the margin
`zc tune` uses. Prints the Markdown rows of docs/auto.md, section 5.

    bench/crossovers.py q1.json q2.json q3.json
"""
import json
import statistics
import sys

PAIRS = [
    ("file-to-socket", "splice", "sendfile"),
    ("file-to-socket", "mmap-write", "sendfile"),
    ("file-to-file", "sendfile", "copy-file-range"),
    ("file-to-file", "splice", "copy-file-range"),
    ("file-to-file", "uring-splice", "copy-file-range"),
    ("file-to-file", "read-write", "copy-file-range"),
    ("file-to-pipe", "sendfile", "splice"),
    ("file-to-pipe", "uring-splice", "splice"),
    ("socket-to-file", "read-write", "splice"),
]
SIZES = [(64 << 10, "64 KiB"), (1 << 20, "1 MiB"), (64 << 20, "64 MiB")]
MARGIN = 1.10


def run_figures(document, scenario, size, strategy):
    for cell in document["results"]:
        if cell["scenario"] == scenario and cell["size"] == size and cell["strategy"] == strategy:
            return [run["gbps"] for run in cell["runs"]]
    return None


def main(paths):
    documents = [json.load(open(path)) for path in paths]
    print("| scenario | ratio | " + " | ".join(label for _, label in SIZES) + " |")
    print("|---|---|" + "---|" * len(SIZES))
    for scenario, a, b in PAIRS:
        cells = []
        for size, _ in SIZES:
            per_file = []
            for document in documents:
                runs_a = run_figures(document, scenario, size, a)
                runs_b = run_figures(document, scenario, size, b)
                if runs_a and runs_b:
                    per_file.append(statistics.median(x / y for x, y in zip(runs_a, runs_b) if y > 0))
            if not per_file:
                cells.append("-")
                continue
            up = sum(r >= MARGIN for r in per_file)
            down = sum(r <= 1 / MARGIN for r in per_file)
            cells.append(f"{statistics.median(per_file):.2f} ({min(per_file):.2f}–{max(per_file):.2f}; "
                         f"{up}↑ {down}↓ of {len(per_file)})")
        print(f"| {scenario} | {a} ÷ {b} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
