"""A test case's data set: its samples (files and inline rows), the project's watchlists and parsers.

Sample files are read and typed once per run and shared by every case (and
rule) that names them. Each row's ingestion time is its `$IngestionTime`, or
TimeGenerated plus the delay the case gives the sample, else the project's
`ingestion_delay` for the table (sentinel-dac.yaml), else none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from ..content.load import Project
from ..engine.dataset import DataSet, Window, functions_from_parsers
from ..engine.samples import TableSample, read_sample_file, resolve_table, table_from_filename, type_row
from ..findings import Finding
from .cases import SampleRef, TestCase


class SampleCache:
    def __init__(self, project: Project):
        self.project = project
        self._files: dict[tuple, tuple[TableSample | None, list[Finding]]] = {}
        self._read: set[Path] = set()

    def delay(self, table: str) -> timedelta:
        delays = self.project.config.ingestion_delay
        return delays.get(table, delays.get("default", timedelta(0)))

    def file(
        self, path: Path, declared: str | None, delay: timedelta | None
    ) -> tuple[TableSample | None, list[Finding]]:
        path = path.resolve()
        key = (path, declared, delay)
        if key not in self._files:
            self._read.add(path)
            display = self.project.display(path)
            schema, problem = resolve_table(path, display, declared, self.project.catalog)
            if schema is None:
                self._files[key] = (None, [problem] if problem else [])
            else:
                wait = delay if delay is not None else self.delay(schema.name)
                self._files[key] = read_sample_file(path, display, schema, wait)
        return self._files[key]

    @property
    def read_paths(self) -> set[Path]:
        """The sample files read so far (resolved)."""
        return set(self._read)

    def mark_read(self, paths: set[Path]) -> None:
        """Count files another cache read (a worker process's) as read by this one."""
        self._read |= paths

    def check_unreferenced(self) -> list[Finding]:
        """Every sample file in the project is evidence: check those no case read."""
        out: list[Finding] = []
        for path in self.project.sample_files:
            if path.resolve() in self._read:
                continue
            _, findings = self.file(path, None, None)
            out.extend(findings)
        return out


@dataclass
class CaseData:
    dataset: DataSet
    findings: list[Finding] = field(default_factory=list)

    def unseen_by_negative(self, window: Window) -> str | None:
        """Why a negative case proves nothing: it has sample rows and the run sees none of them.

        Such a case passes whatever the rule does (a moved `now`, a shifted sample), so it is a
        failure, not a note. A case with no rows at all is left alone: it says what the rule does
        on an empty workspace.
        """
        rows = [r for table in self.dataset.tables.values() for r in table.rows]
        if not rows or any(window.admits(r) for r in rows):
            return None
        return (
            f"none of the case's {len(rows)} sample row(s) falls in this run's window ({window.describe()}): "
            "a negative case whose rows the rule never sees cannot fail; move `now` or the rows into the window"
        )

    def outside_window(self, window: Window) -> list[str]:
        notes = []
        for name, table in sorted(self.dataset.tables.items()):
            outside = sum(not window.admits(r) for r in table.rows)
            if outside:
                notes.append(
                    f"{outside} of {len(table.rows)} {name} row(s) fall outside this run's window "
                    f"({window.describe()}) and were not seen by the rule"
                )
        return notes


def build_case_data(project: Project, case: TestCase, cache: SampleCache) -> CaseData:
    data = CaseData(DataSet(project.catalog))
    for ref in case.samples:
        if ref.file is not None:
            sample, findings = cache.file(ref.file, ref.table, ref.delay)
            if findings and not any(f.code in ("DAC506", "DAC501", "DAC507") for f in findings):
                findings = [f for f in findings if f.is_error]
            data.findings.extend(_located(f, case, ref) for f in findings)
        else:
            sample = _inline(project, case, ref, cache, data.findings)
        if sample is not None:
            data.dataset.add(sample)
    data.dataset.add_watchlists(project.watchlists, updated=case.now)
    data.dataset.external = dict(project.config.external_data)
    data.dataset.functions = functions_from_parsers(project.parsers)
    return data


def _located(finding: Finding, case: TestCase, ref: SampleRef) -> Finding:
    """A file-level problem (missing file, unknown table) also names the case line that refers to it."""
    if finding.line:
        return finding
    return Finding(case.file, ref.pos.line, ref.pos.column, finding.code, f"{finding.file}: {finding.message}")


def _inline(
    project: Project, case: TestCase, ref: SampleRef, cache: SampleCache, out: list[Finding]
) -> TableSample | None:
    assert ref.table is not None and ref.rows is not None
    schema = project.catalog.get(ref.table)
    if schema is None:
        out.append(
            Finding(
                case.file,
                ref.pos.line,
                ref.pos.column,
                "DAC501",
                f"unknown table '{ref.table}' (not in the table catalogue)",
            )
        )
        return None
    sample = TableSample(schema.name, f"{case.file}:{ref.pos.line}")
    delay = ref.delay if ref.delay is not None else cache.delay(schema.name)
    from ..engine.samples import SampleRow

    for row, pos in zip(ref.rows, ref.rows_pos, strict=True):
        (values, ingested), problems = type_row(row, schema, delay)
        for p in problems:
            out.append(Finding(case.file, pos.line, pos.column, p.code, p.message, field=p.column))
        if not problems:
            sample.rows.append(SampleRow(values, ingested, case.file, pos.line))
    return sample


__all__ = ["CaseData", "SampleCache", "build_case_data", "table_from_filename"]
