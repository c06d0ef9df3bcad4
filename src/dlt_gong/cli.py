"""The `dlt-gong` command."""

from __future__ import annotations

import click


@click.group()
def main() -> None:
    """Load Gong into any warehouse dlt can load."""
