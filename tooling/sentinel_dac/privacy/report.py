"""What a scrub changed and what it left: reviewed before a recorded sample is committed."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass
class MaskingReport:
    rows: int = 0
    masked: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """column → kind → values replaced."""
    kept: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """column → distinct values left as they were (event descriptions, enums, numbers are not counted)."""

    def count(self, column: str, kind: str) -> None:
        self.masked[column][kind] += 1

    def keep(self, column: str, value: str) -> None:
        if len(self.kept[column]) < 1000:
            self.kept[column].add(value)

    def merge(self, other: MaskingReport) -> None:
        self.rows += other.rows
        for col, kinds in other.masked.items():
            self.masked[col].update(kinds)
        for col, values in other.kept.items():
            self.kept[col] |= values

    @property
    def total(self) -> int:
        return sum(sum(k.values()) for k in self.masked.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "masked": {c: dict(sorted(k.items())) for c, k in sorted(self.masked.items())},
            "kept": {c: len(v) for c, v in sorted(self.kept.items()) if c not in self.masked},
        }

    def render(self) -> str:
        lines = [f"{self.rows} rows, {self.total} values pseudonymised or redacted"]
        for col, kinds in sorted(self.masked.items()):
            lines.append(f"  {col}: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
        kept = {c: v for c, v in self.kept.items() if c not in self.masked}
        if kept:
            lines.append("left as is (check these hold nothing identifying):")
            for col, values in sorted(kept.items()):
                sample = ", ".join(sorted(values)[:3])
                lines.append(f"  {col}: {len(values)} distinct, e.g. {sample[:100]}")
        return "\n".join(lines)
