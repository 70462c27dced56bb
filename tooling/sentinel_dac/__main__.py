"""`python -m sentinel_dac` runs the CLI (the same as the `sentinel-dac` command)."""

from .cli import main

main(prog_name="sentinel-dac")
