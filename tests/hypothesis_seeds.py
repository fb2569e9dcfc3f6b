"""Run every Hypothesis suite under 20 rotated seeds: a week of nightly runs in one go.

A property test that fails for one seed in a thousand is a defect, not bad luck: this runner
finds those seeds on purpose. The seeds rotate daily (day number times 20, plus 0..19), so each
day tries new ones; ``--base N`` repeats a given run. Usage::

    python tests/hypothesis_seeds.py            # today's 20 seeds
    python tests/hypothesis_seeds.py --base 7   # seeds 7..26
    tox -e hypothesis-seeds

A failure prints the seed and pytest's report; rerun one with
``python -m pytest <module> -p no:randomly --hypothesis-seed=<seed>``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEEDS = 20


def hypothesis_modules() -> list[str]:
    """Every test module that uses Hypothesis (found by its import, so new ones join)."""
    found = []
    for path in sorted(HERE.rglob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        if "from hypothesis import" in text or "import hypothesis" in text:
            found.append(str(path.relative_to(HERE.parent)))
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=int(time.time() // 86400) * SEEDS)
    parser.add_argument("--seeds", type=int, default=SEEDS)
    args = parser.parse_args(argv)
    modules = hypothesis_modules()
    failed = []
    for seed in range(args.base, args.base + args.seeds):
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly"]
        command += ["-p", "no:cacheprovider", f"--hypothesis-seed={seed}", *modules]
        result = subprocess.run(command, cwd=HERE.parent, capture_output=True, text=True)
        tail = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
        print(f"seed {seed}: {'ok' if result.returncode == 0 else 'FAILED'} ({tail})", flush=True)
        if result.returncode != 0:
            failed.append(seed)
            print(result.stdout[-4000:], result.stderr[-2000:], sep="\n", flush=True)
    print(f"{args.seeds - len(failed)} of {args.seeds} seeds passed; failed: {failed or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
