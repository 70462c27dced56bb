"""`sentinel-dac test`: run every rule's test cases against recorded samples."""

from __future__ import annotations

from pathlib import Path

import click

from ..engine.base import ENGINE_NAMES
from ..errors import UsageError
from ..testing import run_project
from ..testing.report import RENDERERS, write_junit
from ..testing.workers import default_jobs
from .context import AppContext


def engine_factory(engine: str, cluster: str | None, database: str | None):
    """The engine the options ask for (the ADX engine needs --cluster and --database)."""
    if engine == "embedded":
        if cluster or database:
            raise UsageError("--cluster and --database only apply to --engine adx")
        return None
    if not cluster or not database:
        raise UsageError("--engine adx needs --cluster URL and --database NAME")
    from ..engine.adx import AdxEngine

    return lambda: AdxEngine(cluster, database)


jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=default_jobs,
    show_default="every CPU core this process may use",
    help="Worker processes running test cases (embedded engine; small runs stay in one process).",
)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True)
@click.option("--junit-xml", type=click.Path(dir_okay=False, path_type=Path), help="Also write a JUnit XML report.")
@click.option(
    "--require-cases/--no-require-cases",
    default=None,
    help="Fail rules without a positive and a negative case (default: require_cases in sentinel-dac.yaml).",
)
@click.option("--engine", type=click.Choice(ENGINE_NAMES), default="embedded", show_default=True)
@click.option("--cluster", help="ADX / Kustainer URL for --engine adx (e.g. http://localhost:8080).")
@click.option("--database", help="ADX database for --engine adx.")
@click.option(
    "--target",
    "target_name",
    help="Run the cases on the rules as this target deploys them (parameters rendered, overrides applied).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show notes and details of passing cases too.")
@jobs_option
@click.pass_obj
def test(
    app: AppContext, paths, fmt, junit_xml, require_cases, engine, cluster, database, target_name, verbose, jobs
) -> None:
    """Run rule and hunting-query test cases (<name>.tests.yaml) on the embedded engine or ADX.

    Exit status: 0 all cases passed, 1 a case failed or a test file/sample is
    invalid, 2 usage error, 3 nothing failed but some cases were not run (the
    engine was unavailable, e.g. no ADX cluster): never reported as passed.
    """
    factory = engine_factory(engine, cluster, database)
    project = app.project(extra_paths=paths)
    if target_name:
        project = rendered_for(app, project, target_name)
    report = run_project(
        project, selection=paths or None, engine_factory=factory, require_cases=require_cases, jobs=jobs
    )
    click.echo(RENDERERS[fmt](report, verbose))
    if junit_xml is not None:
        write_junit(report, junit_xml)
    raise SystemExit(exit_code(report))


def rendered_for(app: AppContext, project, target_name: str):
    """The project as `target_name` gets it; its rules keep their files, so cases still find them."""
    from ..deploy.render import render_for_target
    from ..targets import load_targets, select_targets

    [target] = select_targets(load_targets(app.config.root), [target_name])
    from ..content.load import sibling_stem

    rendered, _ = render_for_target(project, target)
    kept = {sibling_stem(r.path.resolve()) for r in rendered.rules}
    rendered.test_files = [p for p in project.test_files if sibling_stem(p.resolve()) in kept]
    return rendered


def exit_code(report) -> int:
    if not report.ok:
        return 1
    return 3 if report.count("not_run") else 0
