"""The `phm` command: generate sample data, run the pipeline, open the Dagster UI, show status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
import typer.core
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines.config import REPO_ROOT, ConfigError, Settings, load_settings


class _FlagsWithoutType:
    """Typer names the type of every option, `<bool>` even beside `--help`; a flag takes no value: name none."""

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


class PhmGroup(_FlagsWithoutType, typer.core.TyperGroup):
    pass


class PhmCommand(_FlagsWithoutType, typer.core.TyperCommand):
    pass


app = typer.Typer(help="phm-pipeline: population health management monitoring for Dutch regions.",
                  no_args_is_help=True, add_completion=False, cls=PhmGroup)
console = Console(stderr=True, soft_wrap=True)  # messages name files and keys: never wrap or eat [brackets]


def option(default, *names: str, help: str, metavar: str = "") -> Any:  # noqa: A002 (typer's own name)
    """A typer option whose help reads as written (rich markup such as `[region]` escaped) and whose value
    is named by `metavar` in the help (`YEAR`, not `<list[int]>`; nothing for a flag)."""
    return typer.Option(default, *names, help=escape(help), metavar=metavar)


ConfigOption = option(None, "--config", "-c", metavar="FILE", help="Path to phm.toml (default: the repository's).")
RegionOption = option(None, "--region", "-r", metavar="CODE",
                      help="Region code from phm.toml ([region] or a [regions.<CODE>] table; default [region]).")
YearOption = option(None, "--year", "-y", metavar="YEAR",
                    help="Recompute only this year's person-level data (repeat for several years); indicators "
                         "and publication always cover every year.")


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


@app.command(cls=PhmCommand)
def generate(config: Path | None = ConfigOption, region: str | None = RegionOption,
             seed: int | None = option(None, "--seed", metavar="INT", help="Random seed (default from phm.toml)."),
             scale: float | None = option(None, "--scale", metavar="FRACTION",
                                          help="Fraction of the real number of residents, e.g. 0.25 "
                                               "(default from phm.toml)."),
             if_empty: bool = option(False, "--if-empty", help="Only generate when the landing folder is empty."),
             layout: str = option("native", "--layout", metavar="native|cbs_microdata",
                                  help="native: landing files; cbs_microdata: the same persons as CBS Remote "
                                       "Access files in <data_dir>/cbs.")):
    """Write synthetic landing files for the configured region and years."""
    if layout not in ("native", "cbs_microdata"):
        console.print(f"[red]Unknown layout {escape(layout)!r}; expected native or cbs_microdata.[/red]")
        raise typer.Exit(2)
    settings = _settings(config, region)
    if if_empty and _landing_has_files(settings):
        console.print(f"[green]Landing files present in {settings.landing_dir}; not generating.[/green]")
        return
    from sample_data.generator import generate as generate_landing

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as bar:
        bar.add_task(f"Generating {settings.region_name} ({', '.join(settings.gemeenten)}) "
                     f"{settings.years[0]}-{settings.years[-1]}", total=None)
        # the CBS layout goes to <data_dir>/cbs, where the cbs_microdata input profile looks by default
        manifest = generate_landing(settings.data_dir if layout == "cbs_microdata" else settings.landing_dir,
                                    list(settings.gemeenten), list(settings.years),
                                    seed=settings.seed if seed is None else seed,
                                    scale=settings.scale if scale is None else scale, layout=layout)
    if layout == "cbs_microdata":
        console.print(f"[green]Wrote {len(manifest['files'])} CBS files to {settings.data_dir / 'cbs'}[/green]")
        return
    residents = manifest.get("residents", {})
    console.print(f"[green]Wrote {len(manifest.get('files', {}))} files to {settings.landing_dir}[/green] "
                  f"(residents per year: {residents})")


@app.command(cls=PhmCommand)
def run(config: Path | None = ConfigOption, region: str | None = RegionOption,
        year: list[int] | None = YearOption,
        verbose: bool = option(False, "--verbose", "-v", help="Show Dagster's full event log instead of one "
                                                              "line per stage.")):
    """Ingest, transform, compute, check and publish (the whole asset graph)."""
    settings = _settings(config, region)
    if not _landing_has_files(settings):
        console.print(f"[red]No landing files in {escape(str(settings.landing_dir))}.[/red] Put files in "
                      f"{escape(str(settings.landing_dir))}/<source>/<source>_<year>.csv or run `phm generate`.")
        raise typer.Exit(2)
    from pipelines.run import run_main_job
    from pipelines.run_display import RunDisplay, elapsed_since

    start = time.perf_counter()
    years = ", ".join(str(y) for y in (year or settings.years))
    title = f"{settings.region_name} {years}"
    console.print(f"{escape(settings.region_name)} ({settings.region_code}): running the asset graph for {years}")
    if verbose:
        display = None
        outcome = run_main_job(settings, years=year or None, verbose=True)
    else:
        with RunDisplay(_stderr_beside_dagster(), title) as display:
            outcome = run_main_job(settings, years=year or None, on_start=display.listener)
    elapsed = elapsed_since(start)
    if outcome.warnings:
        console.print(f"[yellow]{len(outcome.warnings)} warning(s):[/yellow]")
        for warning in outcome.warnings:
            console.print(f"  [yellow]![/yellow] {escape(warning)}", highlight=False)
    if not outcome.success and outcome.run_id == "-":
        console.print(f"[red]Run not started; nothing was published and {settings.published_dir} is unchanged.[/red]")
        for failure in outcome.failures:
            console.print(f"  [red]-[/red] {escape(failure)}")
        raise typer.Exit(1)
    if not outcome.success and published_by(settings.published_dir) == outcome.run_id:
        # a step after the atomic publication failed (the report, the output folder): say so, never "unchanged"
        console.print(f"[red]Run {outcome.run_id} failed after {elapsed} in a step after the publication: the "
                      f"tables and exports in {settings.published_dir} are this run's, but what the failed step "
                      f"writes (the report or the output folder) is still the previous run's.[/red]")
    elif not outcome.success:
        console.print(f"[red]Run {outcome.run_id} failed after {elapsed}; nothing was published and the "
                      f"previous publication in {settings.published_dir} is unchanged.[/red]")
    if not outcome.success:
        console.print("[red]What failed[/red] (step or check: error):")
        for failure in outcome.failures:
            console.print(f"  [red]✗[/red] {escape(failure)}", highlight=False)
        console.print("Fix the cause named above and run again; `phm run --verbose` or `phm ui` shows every "
                      "step's log.")
        raise typer.Exit(1)
    counts = display.finished() if display else None
    checks = (f", {sum(counts[k] for k in ('passed', 'warned', 'failed'))} checks: {counts['passed']} passed, "
              f"{counts['warned']} warned" if counts else "")
    console.print(f"[green]Run {outcome.run_id} published in {elapsed}[/green]"
                  + (f" ({counts['steps']} steps{checks})." if counts else "."))
    _print_publication(settings.published_dir)


def _stderr_beside_dagster() -> Console:
    """A console on a copy of the stderr descriptor. While a step runs, Dagster redirects the process's stderr
    into its compute log and passes it on later, so a stage line printed then could arrive late or be lost."""
    try:
        copy = os.dup(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):  # not a real file (typer's CliRunner): print as usual
        return console
    return Console(file=os.fdopen(copy, "w", encoding="utf-8", buffering=1), soft_wrap=True)


def published_by(published: Path) -> str | None:
    """The run id of the publication in `published` (its manifest.json), None when there is none."""
    try:
        return json.loads((published / "manifest.json").read_text(encoding="utf-8")).get("run_id")
    except (OSError, ValueError):
        return None


def _print_publication(published: Path) -> None:
    """Where the publication's parts are, for the operator to open or hand on."""
    exports = published / "exports"
    parts = [("Report", published / "report" / "index.html"),
             ("Quality pages", published / "quality" / "index.html"),
             ("Exports", exports), ("Database", published / "monitoring.duckdb")]
    for label, path in parts:
        if not path.exists():
            continue
        extra = ""
        if path == exports:
            names = sorted(p.name for p in exports.iterdir() if p.is_file())
            tables = {n.rsplit(".", 1)[0] for n in names if n.endswith((".csv", ".parquet"))}
            workbooks = [n for n in names if n.endswith(".xlsx")]
            extra = f"  ({', '.join([*workbooks, f'{len(tables)} tables as CSV and Parquet'])})"
        console.print(f"{label + ':':<15}{escape(str(path))}{escape(extra)}", highlight=False)


@app.command(cls=PhmCommand)
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


@app.command(cls=PhmCommand)
def status(config: Path | None = ConfigOption, region: str | None = RegionOption):
    """Show the last run with its warnings, and the published version with its quality verdict."""
    settings = _settings(config, region)
    _print_last_run(settings)
    manifest_path = settings.published_dir / "manifest.json"
    if not manifest_path.exists():
        console.print(f"Nothing published yet in {settings.published_dir}. Run `phm run`.")
        raise typer.Exit(1)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    table = Table(title="Published monitoring.duckdb")
    table.add_column("field")
    table.add_column("value")
    for key in ("version", "run_id", "published_at", "code_version", "config_hash", "check_verdict", "region"):
        value = manifest.get(key)
        table.add_row(key, escape(readable_time(value) if key == "published_at" and value else str(value)))
    for name, rows in manifest.get("row_counts", {}).items():
        table.add_row(f"rows {name}", f"{rows:,}" if isinstance(rows, int) else str(rows))
    Console().print(table)


def readable_time(moment: datetime | float | str) -> str:
    """`2026-12-07 20:57:45 CET`: local time to the second, from a datetime, a Unix time or the manifest's
    `20261207T195745Z`."""
    if isinstance(moment, str):
        moment = datetime.strptime(moment, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    elif not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def _print_last_run(settings: Settings) -> None:
    """The region's last run in the Dagster run history (it may have failed after the last publication), with
    the warnings and failures its events name."""
    from pipelines.run import dagster_home, home_dir

    if not (home_dir(settings) / "dagster.yaml").exists():
        return
    import dagster as dg

    from pipelines.alerts import summarise_events
    from pipelines.definitions import job_name
    from pipelines.workspace import location_name

    dagster_home(settings)
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_run_records(dg.RunsFilter(job_name=job_name(settings.region_code)), limit=1)
        if not runs:
            return
        record = runs[0]
        failures, warnings = summarise_events(instance.all_logs(record.dagster_run.run_id),
                                              location_name(settings.region_code))
    tags = record.dagster_run.tags
    years = tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end")
    if all(years):
        scope = f"year {years[0]}" if years[0] == years[1] else f"years {years[0]}-{years[1]}"
    else:
        scope = f"year {tags.get('dagster/partition', '-')}"
    started = readable_time(record.start_time) if record.start_time else "-"
    took = (f", took {round(record.end_time - record.start_time)} s"
            if record.start_time and record.end_time else "")
    status = record.dagster_run.status.value
    colour = {"SUCCESS": "green", "FAILURE": "red"}.get(status, "yellow")
    console.print(f"Last run {record.dagster_run.run_id} ({scope}), started {started}{took}: "
                  f"[{colour}]{status}[/{colour}]", highlight=False)
    for title, items, mark in (("failure", failures, "[red]✗[/red]"), ("warning", warnings, "[yellow]![/yellow]")):
        if items:
            console.print(f"{len(items)} {title}(s) in that run:")
            for item in items:
                console.print(f"  {mark} {escape(item)}", highlight=False)


@app.command(cls=PhmCommand)
def workspace(config: Path | None = ConfigOption):
    """Print the workspace.yaml of a deployment: one code location per region (`phm workspace > workspace.yaml`)."""
    from pipelines.config import load_regions
    from pipelines.workspace import workspace_yaml

    _settings(config)  # validates the configuration with a clear message
    typer.echo(workspace_yaml(load_regions(config)), nl=False)


@app.command(cls=PhmCommand)
def ui(config: Path | None = ConfigOption,
       host: str = option("127.0.0.1", "--host", metavar="HOST",
                          help="Address the web UI listens on; 0.0.0.0 opens it to other machines."),
       port: int = option(3000, "--port", "-p", metavar="PORT", help="Port of the web UI.")):
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
    cmd = [sys.executable, "-m", "dagster", "dev", "-w", str(home / "workspace.yaml"), "-h", host, "-p", str(port)]
    console.print(f"Dagster UI on http://{host}:{port} (Ctrl+C stops it)", highlight=False)
    raise typer.Exit(subprocess.call(cmd, cwd=REPO_ROOT, env=env))


if __name__ == "__main__":
    app()
