"""Scoring commands of `callqa`: rubric check / diff / versions, rescore, train (thin edge)."""

from __future__ import annotations

import click


@click.group("rubric")
def rubric_group():
    """Check rubric files and compare rubric versions."""


@rubric_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False), required=False)
@click.option("--objections", is_flag=True, help="check an objection catalogue FILE (default: the configured one)")
def rubric_check(file, objections):
    """Validate a rubric FILE (default: the configured rubric, scoring.rubric); prints every
    error with its line number, and warns about examples that sit closer to another
    criterion's examples than to their own and about one-word phrases read as another word
    («дорогой» → «дорога»)."""
    from scoring import check_rubric, load_rubric
    from scoring.rubric import DEFAULT_RUBRIC, example_warnings

    cfg = click.get_current_context().obj
    if objections:
        _check_catalogue(file, cfg)
        return
    if file is None:
        configured = cfg.rubric_path if cfg is not None else None
        file = str(configured) if configured is not None else str(DEFAULT_RUBRIC)
    errors = check_rubric(file)
    if errors:
        for e in errors:
            click.echo(e, err=True)
        raise SystemExit(1)
    r = load_rubric(file)
    for w in example_warnings(r):
        click.echo(f"{file}: warning: {w}", err=True)
    weights = sum(c.weight for c in r.criteria)
    n_examples = sum(len(c.examples) for c in r.criteria)
    click.echo(f"{file}: OK · rubric '{r.rubric_id}' · {len(r.criteria)} criteria in "
               f"{len(r.stages)} stages · total weight {weights:g} · {n_examples} examples · "
               f"version {r.version[:12]}")


def _check_catalogue(file, cfg) -> None:
    from core.errors import RubricError
    from scoring.objections import DEFAULT_CATALOGUE, catalogue_warnings, load_catalogue

    if file is None:
        configured = cfg.objections_path if cfg is not None else None
        file = str(configured) if configured is not None else str(DEFAULT_CATALOGUE)
    try:
        cat = load_catalogue(file)
    except RubricError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from exc
    for w in catalogue_warnings(cat):
        click.echo(f"{file}: warning: {w}", err=True)
    click.echo(f"{file}: OK · {len(cat.kinds)} objection kinds · "
               f"{sum(len(k.examples) for k in cat.kinds)} examples · version {cat.version[:12]}")


@rubric_group.command("show")
@click.option("--objections", is_flag=True, help="the objection catalogue instead of the rubric")
def rubric_show(objections):
    """Print the default rubric (or objection catalogue) shipped with callqa — the starting
    point for your own: `callqa rubric show > my-rubric.yaml`, edit, set scoring.rubric."""
    from scoring.objections import DEFAULT_CATALOGUE
    from scoring.rubric import DEFAULT_RUBRIC

    click.echo((DEFAULT_CATALOGUE if objections else DEFAULT_RUBRIC).read_text(encoding="utf-8"), nl=False)


@rubric_group.command("versions")
def rubric_versions():
    """List stored rubric versions (current marked with *)."""
    from store.rubrics import list_versions

    cfg = click.get_current_context().obj
    for v in list_versions(cfg.db_path):
        click.echo(f"{'*' if v.is_current else ' '} {v.rubric_id:<16} {v.version[:12]}  {v.loaded_at:%Y-%m-%d %H:%M}")


@rubric_group.command("diff")
@click.argument("old_version")
@click.argument("new_version")
@click.option("--limit", default=20, show_default=True, help="flipped calls to list")
def rubric_diff(old_version, new_version, limit):
    """Calls and criteria whose verdict flipped between OLD_VERSION and NEW_VERSION."""
    from store.rubrics import diff_versions, resolve_version

    cfg = click.get_current_context().obj
    old, new = resolve_version(cfg.db_path, old_version), resolve_version(cfg.db_path, new_version)
    flips = diff_versions(cfg.db_path, old, new)
    _print_flips(flips, limit)


def _print_flips(flips, limit: int) -> None:
    if flips.empty:
        click.echo("no verdict flipped")
        return
    click.echo(f"{len(flips)} verdicts flipped in {flips['call_id'].nunique()} calls:")
    summary = flips.groupby(["criterion_id", "old_verdict", "new_verdict"]).size()
    for (crit, old, new), n in summary.items():
        click.echo(f"  {crit:<20} {old:>14} → {new:<14} {n}")
    for row in flips.head(limit).itertuples():
        click.echo(f"  {row.call_id}  {row.criterion_id}: {row.old_verdict} → {row.new_verdict}")


@click.command("rescore")
@click.option("--rubric", "rubric_file", type=click.Path(exists=True, dir_okay=False),
              help="rubric YAML to score every call with (default: the configured rubrics)")
def rescore_cmd(rubric_file):
    """Re-evaluate every stored call from stored lemmas; old versions' results are kept."""
    from pipeline.rescore import rescore
    from store.rubrics import diff_versions

    cfg = click.get_current_context().obj
    report = rescore(cfg, rubric_file)
    click.echo(f"rescored {report.calls} calls with {report.rubric_id} {report.new_version[:12]} "
               f"in {report.wall_s:.1f} s ({report.calls_per_s:.0f} calls/s)")
    if report.old_version and report.old_version != report.new_version:
        click.echo(f"previous version {report.old_version[:12]}: {report.flips} verdicts flipped")
        _print_flips(diff_versions(cfg.db_path, report.old_version, report.new_version), 10)
    elif report.old_version == report.new_version:
        click.echo("the rubric did not change (same version); results refreshed")


@click.command("train")
def train_cmd():
    """Retrain the objection-handling classifier (РОП labels + catalogue), the per-criterion
    correction models (РОП overrides and reviewed calls) and the role classifier (stereo calls)."""
    from pipeline.train import train

    cfg = click.get_current_context().obj
    r = train(cfg)
    acc = f"{r.cv_accuracy:.3f} ({r.cv_folds}-fold)" if r.cv_accuracy is not None else "n/a (too few labels)"
    click.echo(f"model {r.version} saved to {r.path}")
    click.echo(f"trained on {r.store_labels} РОП labels + {r.catalogue_examples} catalogue examples; "
               f"cross-validated accuracy {acc}")
    click.echo("classes: " + ", ".join(f"{k} {v}" for k, v in sorted(r.class_counts.items())))
    from pipeline.train import train_criteria
    from scoring.corrections import MIN_EXAMPLES

    cr = train_criteria(cfg)
    click.echo(f"criterion correction models: {cr.overrides} РОП overrides, {cr.reviewed_calls} reviewed calls")
    for c in cr.criteria:
        model = (f"rules+model {c.model_accuracy:.3f} ({c.folds}-fold)" if c.model_accuracy is not None
                 else "model trained (too few for cross-validation)" if c.trained else
                 f"no model (needs ≥ {MIN_EXAMPLES} examples of both verdicts)")
        click.echo(f"  {c.criterion_id:<22} {c.examples:>4} examples ({c.overrides} overrides): "
                   f"rules {c.rules_accuracy:.3f} · {model}")
    rules, both, n = cr.accuracy()
    if n:
        click.echo(f"  all {n} examples: rules alone {rules:.3f} → rules + models {both:.3f} (cross-validated)")
    if cr.path:
        click.echo(f"models {cr.version} saved to {cr.path} (previous files kept; "
                   f"roll back by editing {cr.path.parent / 'criteria-current.txt'})")
    from transcribe.roles import refresh_from_store

    n_turns, path = refresh_from_store(cfg.db_path, cfg.home)
    click.echo(f"role classifier (mono calls) refreshed with {n_turns} turns of stereo calls: {path}")
