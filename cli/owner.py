"""`callqa report weekly` and `callqa export`: thin click edges over owner.digest and
owner.export (registered on the ``callqa`` group by cli.main)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import click

DIGEST_FORMATS = ("md", "html", "xlsx")


def _cfg():
    return click.get_current_context().obj


@click.group("report")
def report():
    """Reports for the owner."""


@report.command("weekly")
@click.option("--week", help="ISO week YYYY-Www (default: the last full week)")
@click.option("--format", "fmt", type=click.Choice(DIGEST_FORMATS), default="md", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="write to this file (default: stdout for md/html)")
@click.option("--email", is_flag=True, help="also send it through smtp.* to smtp.to")
def weekly(week, fmt, out, email):
    """The weekly digest «Ситуация > выводы > действия»."""
    from owner.digest import build_digest, send_digest, to_html, to_markdown, to_xlsx
    from owner.report import Week

    cfg = _cfg()
    week = week or Week.containing(datetime.now() - timedelta(days=7)).label
    digest = build_digest(cfg, week)
    if fmt == "xlsx":
        out = out or Path(f"callqa-{digest.week.label}.xlsx")
        out.write_bytes(to_xlsx(digest))
        click.echo(f"digest {digest.week.label} written to {out}")
    else:
        text = to_markdown(digest) if fmt == "md" else to_html(digest)
        if out:
            out.write_text(text, encoding="utf-8")
            click.echo(f"digest {digest.week.label} written to {out}")
        else:
            click.echo(text, nl=False)
    if email:
        sent = send_digest(cfg, digest)
        click.echo(f"digest sent to {', '.join(sent)}", err=True)


@click.command("export")
@click.option("--from", "date_from", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "date_to", required=True, type=click.DateTime(["%Y-%m-%d"]), help="inclusive")
@click.option("--format", "fmt", type=click.Choice(("csv", "xlsx", "parquet")), default="csv", show_default=True)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
def export(date_from, date_to, fmt, out_dir):
    """Export calls, verdicts, objections and per-manager aggregates of a period."""
    from owner.export import export_period

    cfg = _cfg()
    result = export_period(cfg.db_path, date_from.date(), date_to.date(), fmt, out_dir,
                           low_score=float(cfg["scoring.low_score_threshold"]))
    for path in result.files:
        click.echo(str(path))
    click.echo(" · ".join(f"{name} {n}" for name, n in result.rows.items()))
