"""The `phm` command: generate sample data, run the pipeline, open the Dagster UI, show status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines.config import REPO_ROOT, ConfigError, Settings, load_settings

app = typer.Typer(help="phm-pipeline: population health management monitoring for Dutch regions.",
                  no_args_is_help=True, add_completion=False)
console = Console(stderr=True, soft_wrap=True)  # messages name files and keys: never wrap or eat [brackets]

ConfigOption = typer.Option(None, "--config", "-c", help="Path to phm.toml (default: the repository's).")
RegionOption = typer.Option(None, "--region", "-r",
                            help="Region code from phm.toml ([region] or a [regions.<CODE>] table; default [region]).")

YearOption = typer.Option(None, "--year", "-y", help="Recompute only these years' person-level data (repeatable); "
                                                     "indicators and publication always cover every year.")


def _settings(config: Path | None, region: str | None = None) -> Settings:
    try:
        return load_settings(config, region=region)
    except ConfigError as exc:
        console.print(f"[red]Configuration error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc


def _landing_has_files(settings: Settings) -> bool:
    landing = settings.landing_dir
    from transforms.readers import is_temporary_name

    return landing.is_dir() and any(p.is_file() and not is_temporary_name(p.name) for p in landing.glob("*/*"))


@app.command()
def generate(config: Path | None = ConfigOption, region: str | None = RegionOption,
             seed: int | None = typer.Option(None, help="Seed (default from phm.toml)."),
             scale: float | None = typer.Option(None, help="Fraction of the real number of residents."),
             if_empty: bool = typer.Option(False, "--if-empty", help="Only generate when data/landing is empty.")):
    """Write synthetic landing files for the configured region and years."""
    settings = _settings(config, region)
    if if_empty and _landing_has_files(settings):
        console.print(f"[green]Landing files present in {settings.landing_dir}; not generating.[/green]")
        return
    from sample_data.generator import generate as generate_landing

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as bar:
        bar.add_task(f"Generating {settings.region_name} ({', '.join(settings.gemeenten)}) "
                     f"{settings.years[0]}-{settings.years[-1]}", total=None)
        manifest = generate_landing(settings.landing_dir, list(settings.gemeenten), list(settings.years),
                                    seed=settings.seed if seed is None else seed,
                                    scale=settings.scale if scale is None else scale)
    residents = manifest.get("residents", {})
    console.print(f"[green]Wrote {len(manifest.get('files', {}))} files to {settings.landing_dir}[/green] "
                  f"(residents per year: {residents})")


@app.command()
def run(config: Path | None = ConfigOption, region: str | None = RegionOption,
        year: list[int] | None = YearOption):
    """Ingest, transform, compute, check and publish (the whole asset graph)."""
    settings = _settings(config, region)
    if not _landing_has_files(settings):
        console.print(f"[red]No landing files in {escape(str(settings.landing_dir))}.[/red] Put files in "
                      f"{escape(str(settings.landing_dir))}/<source>/<source>_<year>.csv or run `phm generate`.")
        raise typer.Exit(2)
    from pipelines.run import run_main_job

    start = time.perf_counter()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as bar:
        years = ", ".join(str(y) for y in (year or settings.years))
        bar.add_task(f"{settings.region_name}: running the asset graph for {years} (ingest, staging, PHM steps, "
                     f"indicators, checks, publish)", total=None)
        outcome = run_main_job(settings, years=year or None)
    elapsed = time.perf_counter() - start
    for warning in outcome.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    if not outcome.success and outcome.run_id == "-":
        console.print(f"[red]Run not started; nothing was published and {settings.published_dir} is unchanged.[/red]")
        for failure in outcome.failures:
            console.print(f"  [red]-[/red] {escape(failure)}")
        raise typer.Exit(1)
    if not outcome.success:
        console.print(f"[red]Run {outcome.run_id} failed after {elapsed:.0f} s; nothing was published and the "
                      f"previous publication in {settings.published_dir} is unchanged.[/red]")
        for failure in outcome.failures:
            console.print(f"  [red]-[/red] {escape(failure)}")
        console.print("Fix the cause named above and run again; `phm ui` shows every step's log.")
        raise typer.Exit(1)
    console.print(f"[green]Run {outcome.run_id} published {settings.published_dir / 'monitoring.duckdb'} "
                  f"in {elapsed:.0f} s.[/green]")


@app.command()
def report(config: Path | None = ConfigOption, region: str | None = RegionOption):
    """Render the Dutch steering-group report again from the published monitoring.duckdb."""
    settings = _settings(config, region)
    published = settings.published_dir / "monitoring.duckdb"
    if not published.exists():
        console.print(f"[red]Nothing published yet in {escape(str(settings.published_dir))}.[/red] Run `phm run`.")
        raise typer.Exit(1)
    from indicators.report.render import render_report

    index = render_report(published, settings.published_dir / "report", settings.reference_dir)
    console.print(f"[green]Report written to {escape(str(index))}[/green]")


@app.command()
def status(config: Path | None = ConfigOption, region: str | None = RegionOption):
    """Show the published version, its run and its quality verdict."""
    settings = _settings(config, region)
    last = _last_run(settings)
    if last:
        console.print(last)
    manifest_path = settings.published_dir / "manifest.json"
    if not manifest_path.exists():
        console.print(f"Nothing published yet in {settings.published_dir}. Run `phm run`.")
        raise typer.Exit(1)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    table = Table(title="Published monitoring.duckdb")
    table.add_column("field")
    table.add_column("value")
    for key in ("version", "run_id", "published_at", "code_version", "config_hash", "check_verdict", "region"):
        table.add_row(key, str(manifest.get(key)))
    for name, rows in manifest.get("row_counts", {}).items():
        table.add_row(f"rows {name}", str(rows))
    Console().print(table)


def _last_run(settings: Settings) -> str | None:
    """The region's last run in the Dagster run history (it may have failed after the last publication)."""
    from pipelines.run import dagster_home, home_dir

    if not (home_dir(settings) / "dagster.yaml").exists():
        return None
    import dagster as dg

    from pipelines.definitions import job_name

    dagster_home(settings)
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_run_records(dg.RunsFilter(job_name=job_name(settings.region_code)), limit=1)
    if not runs:
        return None
    record = runs[0]
    started = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.start_time)) if record.start_time else "-"
    years = record.dagster_run.tags.get("dagster/asset_partition_range_start"), \
        record.dagster_run.tags.get("dagster/asset_partition_range_end")
    if all(years):
        scope = f"year {years[0]}" if years[0] == years[1] else f"years {years[0]}-{years[1]}"
    else:
        scope = f"year {record.dagster_run.tags.get('dagster/partition', '-')}"
    return (f"Last run {record.dagster_run.run_id} ({scope}), started {started}: "
            f"{record.dagster_run.status.value}")


@app.command()
def workspace(config: Path | None = ConfigOption):
    """Print the workspace.yaml of a deployment: one code location per region (`phm workspace > workspace.yaml`)."""
    from pipelines.config import load_regions
    from pipelines.workspace import workspace_yaml

    _settings(config)  # validates the configuration with a clear message
    typer.echo(workspace_yaml(load_regions(config)), nl=False)


@app.command()
def ui(config: Path | None = ConfigOption, port: int = typer.Option(3000, help="Port for the web UI.")):
    """Open the Dagster UI on this project: one code location per region, runs queued one per region."""
    settings = _settings(config)
    from pipelines.config import load_regions
    from pipelines.run import dagster_home
    from pipelines.workspace import workspace_yaml

    home = dagster_home(settings)
    (home / "workspace.yaml").write_text(workspace_yaml(load_regions(config)), encoding="utf-8")
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    if config:
        env["PHM_CONFIG"] = str(config.resolve())
    cmd = [sys.executable, "-m", "dagster", "dev", "-w", str(home / "workspace.yaml"), "-p", str(port)]
    raise typer.Exit(subprocess.call(cmd, cwd=REPO_ROOT, env=env))


if __name__ == "__main__":
    app()
