"""`sentinel-dac doctor --target NAME`: will the rules run in the target workspace?"""

from __future__ import annotations

import click

from ..deploy.workflow import Options
from .context import AppContext
from .deploy_common import echo_runs, run, target_options


@click.command()
@target_options
@click.pass_obj
def doctor(app: AppContext, target_names, all_targets, targets_file, fmt) -> None:
    """Check each rule against the target workspace's tables, columns, plans and data (read-only).

    Exit status: 0 no errors (warnings such as stale data allowed), 1 errors, 2 usage error.
    """
    runs = run(app, "doctor", target_names, all_targets, targets_file, Options(health=False))
    echo_runs(runs, fmt)
    raise SystemExit(0 if all(r.ok for r in runs) else 1)
