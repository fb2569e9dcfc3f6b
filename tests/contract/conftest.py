"""The contract suite shares the unit tests' fake OAuth server (tests/unit/token_fakes.py)."""

from __future__ import annotations

import sys
from pathlib import Path

_UNIT = str(Path(__file__).resolve().parents[1] / "unit")
if _UNIT not in sys.path:
    sys.path.insert(0, _UNIT)
