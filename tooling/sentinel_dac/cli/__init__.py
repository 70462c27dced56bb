"""The `sentinel-dac` command line: thin click adapters over the library.

Commands contain no logic: they parse options, call one library function,
render its result and choose the exit code. Library exceptions
(`SentinelDacError`) become a message and their exit code here, once; an
unexpected exception becomes a one-line internal error (a traceback only with
--debug), never a raw traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .. import __version__
from ..config import find_root, load_config
from ..errors import SentinelDacError
from .context import AppContext


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SentinelDacError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            # the reader went away (`sentinel-dac tables list | head`): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except Exception as exc:
            if ctx.obj is not None and ctx.obj.debug:
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sentinel-dac")
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Project root (default: the nearest folder with sentinel-dac.yaml).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def main(ctx: click.Context, project_dir: Path | None, debug: bool) -> None:
    """Detection content as code for Microsoft Sentinel."""
    root = project_dir.resolve() if project_dir else find_root(Path.cwd())
    ctx.obj = AppContext(debug=debug, root=root, _loader=lambda: load_config(root))


def _register() -> None:
    from .apply_cmd import apply
    from .backtest_cmd import backtest
    from .check_cmd import check
    from .coverage_cmd import coverage
    from .diff_cmd import diff
    from .docs_cmd import docs
    from .doctor_cmd import doctor
    from .emulate_cmd import emulate
    from .export_cmd import export
    from .fmt_cmd import fmt
    from .new_cmd import new
    from .plan_cmd import plan
    from .prune_cmd import prune
    from .tables_cmd import tables
    from .test_cmd import test
    from .validate_cmd import validate
    from .version_cmd import version

    for command in (
        validate,
        test,
        check,
        backtest,
        tables,
        export,
        emulate,
        doctor,
        plan,
        apply,
        prune,
        version,
        diff,
        fmt,
        new,
        coverage,
        docs,
    ):
        main.add_command(command)


_register()
