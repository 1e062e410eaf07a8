"""The `callqa` command: a thin edge over the library (parse, call, render)."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from core import filemodes
from core.config import DEFAULTS, load_config
from core.errors import CallQAError

log = logging.getLogger("callqa")


class _Group(click.Group):
    """Renders CallQAError as a clear message and exit code 1 (raise deep, render here)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CallQAError as exc:
            click.echo(f"callqa: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=_Group)
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="callqa.toml to use")
@click.option("--home", help="CALLQA_HOME: folder for the database, models and logs")
@click.option("--db", help="CALLQA_DB: the DuckDB file")
@click.option("-v", "--verbose", is_flag=True)
@click.pass_context
def main(ctx, config_file, home, db, verbose):
    """callqa — offline call-quality analysis for sales teams."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("faster_whisper", "httpx", "numba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    filemodes.apply_umask()  # database, backups, exports: 0600 (CALLQA_GROUP_READABLE: 0640)
    ctx.obj = load_config(config_file, overrides={"paths.home": home, "paths.db": db})
    db_file = ctx.obj.db_path
    filemodes.narrow(db_file, f"{db_file}.wal", f"{db_file}.lock", ctx.obj.config_file)


@main.command("run")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path), required=False)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="only calls on or after this date")
@click.option("--limit", type=click.IntRange(min=0), help="process at most N new calls")
@click.option("--dry-run", is_flag=True, help="list what would be processed, change nothing")
@click.option("--engine", type=click.Choice(["local", "ray"]),
              help="local: this machine; ray: a Ray cluster (default: cluster.engine)")
@click.option("--address", help="Ray cluster address, e.g. auto or 10.0.0.5:6379 (cluster.address)")
@click.pass_obj
def run_cmd(cfg, folder, since, limit, dry_run, engine, address):
    """Process new recordings in FOLDER (default: paths.calls_folder)."""
    from pipeline.run import RunOptions, run

    cfg = cfg.with_values({"cluster.engine": engine, "cluster.address": address})

    folder = folder or (Path(cfg["paths.calls_folder"]) if cfg["paths.calls_folder"] else None)
    if folder is None:
        raise click.UsageError("Give the calls FOLDER or set paths.calls_folder in callqa.toml.")
    opts = RunOptions(folder=folder, since=since.date() if since else None, limit=limit, dry_run=dry_run)
    with _progress() as progress:
        summary = run(cfg, opts, progress=progress)
    if dry_run:
        for p in summary.planned:
            click.echo(f"would process {p}")
    rtf = f"{summary.rtf:.3f}" if summary.rtf is not None else "-"
    click.echo(
        f"found {summary.found} · new {summary.new} · done {summary.done} · failed {summary.failed}"
        f" · skipped {summary.skipped} · audio {summary.audio_s / 3600:.2f} h"
        f" · wall {summary.wall_s:.1f} s · RTF {rtf}"
    )
    for node, stats in sorted(summary.nodes.items()):
        click.echo(
            f"  node {node}: {stats.calls} calls · failed {stats.failed}"
            f" · audio {stats.audio_s / 3600:.2f} h"
            f" · {stats.audio_h_per_wall_h(summary.wall_s):.1f} audio h per wall h"
        )
    if summary.failed:
        click.echo("Failed files and reasons: callqa status")


class _progress:
    """A rich progress bar with ETA on a terminal; plain log lines otherwise (cron)."""

    def __enter__(self):
        self._bar = None
        if sys.stderr.isatty():
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 TextColumn("{task.completed}/{task.total}"), TimeRemainingColumn())
            self._bar.start()
            self._task = None
        return self._update

    def _update(self, name: str, i: int, total: int) -> None:
        if self._bar is None:
            log.info("[%d/%d] %s", i + 1, total, name)
            return
        if self._task is None:
            self._task = self._bar.add_task("calls", total=total)
        self._bar.update(self._task, completed=i, description=name[:40])

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.stop()


@main.command("status")
@click.option("--runs", default=5, show_default=True, help="how many recent runs to show")
@click.pass_obj
def status_cmd(cfg, runs):
    """Show the last runs and the failed files with reasons."""
    from pipeline.run import run_in_progress
    from store import runs as store_runs

    recent = store_runs.recent_runs(cfg.db_path, runs)
    alive = run_in_progress(cfg)
    click.echo(f"database: {cfg.db_path}")
    click.echo("last runs:" if recent else "no runs yet")
    for r in recent:
        status, message = r.status, r.message
        if status == "running" and not alive:  # killed outright; the next run marks it failed
            status, message = "failed", store_runs.DEAD_RUN_MESSAGE
        c = r.counts
        click.echo(
            f"  #{r.run_id} {r.started_at:%Y-%m-%d %H:%M} {status:<11} found {c.found} new {c.new}"
            f" done {c.done} failed {c.failed} skipped {c.skipped} audio {c.audio_s / 60:.1f} min"
            f" wall {c.wall_s:.0f} s"
        )
        if message and status != "completed":
            click.echo(f"      {message}")
    totals = store_runs.store_totals(cfg.db_path)
    click.echo(f"recordings: {totals.recordings_done} done, {totals.recordings_failed} failed;"
               f" calls stored: {totals.calls}")
    failed = store_runs.failed_recordings(cfg.db_path)
    if failed:
        click.echo(f"failed files (retried up to {cfg['ingest.max_attempts']} times):")
        for f in failed:
            click.echo(f"  {f.path} [attempts {f.attempts}]\n      {f.error}")
        click.echo("To try failed files again (after fixing the cause): callqa retry --all, "
                   "or callqa retry FILE …")


@main.command("retry")
@click.argument("files", nargs=-1)
@click.option("--all", "all_failed", is_flag=True, help="every failed file")
@click.pass_obj
def retry_cmd(cfg, files, all_failed):
    """Give failed FILEs (as `callqa status` lists them) their retries back; the next
    `callqa run` processes them again."""
    from store import runs as store_runs

    if all_failed == bool(files):
        raise click.UsageError("Name the FILEs to retry (as `callqa status` lists them) or give --all.")
    paths = None
    if files:
        paths = [*files, *(str(Path(f).absolute()) for f in files)]
    reset = store_runs.reset_attempts(cfg.db_path, paths)
    for path in reset:
        click.echo(f"will retry {path}")
    if files and len(reset) < len(files):
        known = set(reset)
        for f in files:
            if f not in known and str(Path(f).absolute()) not in known:
                click.echo(f"not a failed file: {f} (see `callqa status`)", err=True)
    click.echo(f"{len(reset)} file(s) will be processed again by the next `callqa run`.")


@main.command("ui")
@click.option("--port", default=8501, show_default=True, type=int)
@click.option("--address", default="127.0.0.1", show_default=True,
              help="interface to listen on (0.0.0.0: every interface; put a TLS proxy in front)")
@click.pass_obj
def ui_cmd(cfg, port, address):
    """Start the review UI (Streamlit) on ADDRESS:PORT with this configuration."""
    from importlib import resources

    script = resources.files("ui").joinpath("entry.py")
    env = dict(os.environ, CALLQA_HOME=str(cfg.home), CALLQA_DB=str(cfg.db_path))
    if cfg.config_file:
        env["CALLQA_CONFIG"] = str(cfg.config_file)
    command = [sys.executable, "-m", "streamlit", "run", str(script),
               "--server.headless", "true", "--server.port", str(port), "--server.address", address,
               *STREAMLIT_SETTINGS]
    click.echo(f"callqa UI: http://{address}:{port}  (Ctrl-C to stop)")
    sys.stdout.flush()
    # this process becomes Streamlit: a stop signal (systemd, a supervisor) reaches the server
    # itself instead of leaving it running without its parent
    os.execve(sys.executable, command, env)


# The checkout's .streamlit/config.toml, as flags: an installed callqa runs from any folder.
STREAMLIT_SETTINGS = (
    "--client.toolbarMode", "viewer",       # no "Deploy" button for the sales team
    "--browser.gatherUsageStats", "false",  # offline product: no telemetry
    "--theme.primaryColor", "#c0392b",
    "--client.showErrorDetails", "none",    # no tracebacks with server paths in the browser
)


@main.group("config")
def config_group():
    """Configuration commands."""


@config_group.command("show")
@click.pass_obj
def config_show(cfg):
    """Print the effective configuration and where each value came from."""
    click.echo(f"# config file: {cfg.config_file or '(none found)'}")
    click.echo(f"# database: {cfg.db_path}")
    for key in DEFAULTS:
        click.echo(f"{key} = {cfg[key]!r}    # {cfg.sources[key]}")
    if cfg.managers:
        click.echo("# managers (extension → id, name, team):")
        for m in cfg.managers:
            click.echo(f"#   {m.extension} → {m.manager_id}, {m.name}, {m.team or '-'}")


@config_group.command("layout")
@click.pass_obj
def config_layout(cfg):
    """Which stereo layout your PBX writes, read from the calls already processed."""
    from store.role_turns import stereo_role_sides
    from transcribe.roles import suggest_layout

    if not Path(cfg.db_path).exists():
        raise click.ClickException(f"no database at {cfg.db_path}: run `callqa run FOLDER` first")
    s = suggest_layout(stereo_role_sides(cfg.db_path))
    click.echo(f"asr.stereo_layout now: {cfg['asr.stereo_layout']!r}")
    click.echo("sure stereo calls (not flagged roles_uncertain, or roles set by a person):")
    names = {"in": "inbound", "out": "outbound", "?": "direction unknown"}
    for key, (left, right) in s.sides.items():
        click.echo(f"  {names[key]:<18} manager left {left:>5}, right {right:>5}")
    if s.layout is None:
        click.echo(f"no suggestion: {s.why}")
    elif s.layout == cfg["asr.stereo_layout"]:
        click.echo(f"the setting matches the calls: {s.why}")
    else:
        click.echo(f"suggested: stereo_layout = \"{s.layout}\" ({s.why})")
        click.echo(f"set it under [asr] in {cfg.config_file or 'callqa.toml'}; calls already stored keep their "
                   "roles (swap a wrong one on its page)")


@main.command("import-transcripts")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.pass_obj
def import_cmd(cfg, paths):
    """Import transcripts (callqa JSON, Whisper JSON, Yandex SpeechKit JSON) and score them."""
    from pipeline.importer import import_transcripts

    s = import_transcripts(cfg, list(paths))
    click.echo(f"imported {s.imported} calls · {len(s.errors)} bad files")
    for path, err in s.errors:
        click.echo(f"  {path}: {err}", err=True)
    for warning in s.warnings:
        click.echo(f"  warning: {warning}", err=True)


@main.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--keep", type=click.IntRange(min=1), help="keep only the newest N backups in FOLDER")
@click.pass_obj
def backup_cmd(cfg, folder, keep):
    """Copy the database into FOLDER (consistent while the UI runs; batch writes wait)."""
    from store import backup

    result = backup.backup(cfg.db_path, folder, keep=keep)
    click.echo(f"backup written: {result.path} ({result.path.stat().st_size / 1e6:.1f} MB, "
               f"{result.rows.get('calls', 0)} calls, {sum(result.rows.values())} rows in all)")
    for old in result.removed:
        click.echo(f"removed old backup {old}")


@main.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@click.pass_obj
def restore_cmd(cfg, file, yes):
    """Replace the database with a backup FILE (the current file is kept beside it).
    Stop the UI first: it would keep showing the old data until restarted."""
    from pipeline.run import run_in_progress
    from store import backup

    if run_in_progress(cfg):
        raise click.ClickException("A `callqa run` is processing calls; wait for it to finish, then restore.")
    if not yes:
        click.confirm(f"Replace {cfg.db_path} with {file}?", abort=True)
    rows, kept = backup.restore(file, cfg.db_path)
    click.echo(f"restored {file} into {cfg.db_path}: {rows.get('calls', 0)} calls, "
               f"{sum(rows.values())} rows in all")
    if kept:
        click.echo(f"the previous database is kept as {kept}")


@main.command("init")
@click.pass_obj
def init_cmd(cfg):
    """Create the database (and apply migrations)."""
    from store import db

    db.init(cfg.db_path)
    click.echo(f"database ready: {cfg.db_path} (schema v{db.schema_version(cfg.db_path)})")


from cli.demo import demo  # noqa: E402  (the subcommands import nothing from here)
from cli.owner import export, report  # noqa: E402
from cli.scoring import rescore_cmd, rubric_group, train_cmd  # noqa: E402
from cli.users import users  # noqa: E402

for _command in (rubric_group, rescore_cmd, train_cmd, users, report, export, demo):
    main.add_command(_command)


if __name__ == "__main__":
    main()
