"""Run the `callqa` command in-process (click's CliRunner), as the CLI tests do."""

from click.testing import CliRunner, Result

from cli.main import main


def invoke(*args: str) -> Result:
    """``callqa ARGS`` with exceptions raised, not swallowed into the result."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)
