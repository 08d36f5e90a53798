"""What `phm run` shows while the job runs: a progress bar, then one line per stage as it completes.

A stage is an asset group (`pipelines.run.step_stages`); the display follows the run's Dagster events
(step started, finished, failed or skipped, check evaluated) as the instance stores them, so it needs no
list of steps of its own. Dagster's own event log is shown only with `phm run --verbose`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import dagster as dg
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

DONE = {dg.DagsterEventType.STEP_SUCCESS: "success", dg.DagsterEventType.STEP_FAILURE: "failed",
        dg.DagsterEventType.STEP_SKIPPED: "skipped"}
STEP_NAMES_SHOWN = 6  # a stage of more steps shows their number only (ingest: one step per source)


def stage_label(group: str) -> str:
    """`phm_step3_stratification` -> `PHM step 3 stratification`; other groups as they are named."""
    found = re.fullmatch(r"phm_step(\d+)_(\w+)", group)
    return f"PHM step {found[1]} {found[2].replace('_', ' ')}" if found else group.replace("_", " ")


def step_name(step: str, group: str) -> str:
    """The asset a step materialises (`marts__person_year` -> `marts/person_year`), without its group's name."""
    name = step.replace("__", "/")
    return name.removeprefix(f"{group}/")


@dataclass
class Stage:
    """The steps of one stage and what became of them."""

    name: str
    steps: list[str]
    started: dict[str, float] = field(default_factory=dict)
    finished: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    checks: dict[str, int] = field(default_factory=lambda: {"passed": 0, "warned": 0, "failed": 0})
    shown: bool = False

    @property
    def complete(self) -> bool:
        return len(self.finished) == len(self.steps)

    def line(self) -> str:
        """One line of rich markup: a mark, the stage, its steps, their time and its checks."""
        outcomes = set(self.finished.values())
        if "failed" in outcomes or self.checks["failed"]:
            mark = "[red]✗[/red]"
        elif not self.complete or "skipped" in outcomes:
            mark = "[yellow]-[/yellow]"
        elif self.checks["warned"]:
            mark = "[yellow]![/yellow]"
        else:
            mark = "[green]✓[/green]"
        done = sum(v == "success" for v in self.finished.values())
        plural = "s" if len(self.steps) != 1 else ""
        steps = (f"{len(self.steps)} step{plural}" if done == len(self.steps) else
                 f"{done} of {len(self.steps)} step{plural} ran")
        checked = sum(self.checks.values())
        checks = "" if not checked else f"{checked} checks" + ("" if checked > self.checks["passed"] else " passed")
        for verdict in ("warned", "failed"):
            if self.checks[verdict]:
                checks += f", {self.checks[verdict]} {verdict}"
        names = ", ".join(step_name(s, self.name) for s in self.steps) if len(self.steps) <= STEP_NAMES_SHOWN else ""
        failed = [step_name(s, self.name) for s, v in self.finished.items() if v == "failed"]
        names = f"[red]failed: {escape(', '.join(failed))}[/red]" if failed else f"[dim]{escape(names)}[/dim]"
        return (f"{mark} {escape(stage_label(self.name)):<28} {steps:<18} {self.seconds:6.1f} s   "
                f"{checks:<32} {names}").rstrip()


class RunDisplay:
    """A rich progress bar over every step of the run, and a line per stage printed when it completes.

    Use as a context manager; `listener(stages)` is the `on_start` of `pipelines.run.run_main_job`."""

    def __init__(self, console: Console, title: str) -> None:
        self.console = console
        self.title = title
        self.stages: dict[str, Stage] = {}
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True)
        self.task = self.progress.add_task(escape(title), total=None)

    def __enter__(self) -> RunDisplay:
        if self.console.is_terminal:  # captured output (a log file, CI) gets the stage lines only
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress.live.is_started:
            self.progress.stop()
        for stage in self.stages.values():  # stages a failure left unfinished, in the job's order
            if not stage.shown:
                self.console.print(stage.line(), highlight=False)
                stage.shown = True

    def listener(self, stages: dict[str, str]):
        """The event listener for a run whose steps have these stages (step key -> asset group)."""
        for step, group in stages.items():
            self.stages.setdefault(group, Stage(group, [])).steps.append(step)
        self.by_step = {step: self.stages[group] for step, group in stages.items()}
        self.progress.update(self.task, total=len(stages))
        return self.on_event

    def on_event(self, entry: dg.EventLogEntry) -> None:
        event = entry.dagster_event
        if event is None or event.step_key not in getattr(self, "by_step", {}):
            return
        stage = self.by_step[event.step_key]
        if event.event_type == dg.DagsterEventType.STEP_START:
            stage.started[event.step_key] = entry.timestamp
            self.progress.update(self.task, description=escape(
                f"{stage_label(stage.name)}: {step_name(event.step_key, stage.name)}"))
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            verdict = ("passed" if evaluation.passed else
                       "failed" if evaluation.severity == dg.AssetCheckSeverity.ERROR else "warned")
            stage.checks[verdict] += 1
        elif event.event_type in DONE and event.step_key not in stage.finished:
            stage.finished[event.step_key] = DONE[event.event_type]
            started = stage.started.get(event.step_key)
            stage.seconds += entry.timestamp - started if started else 0.0
            self.progress.advance(self.task)
            if stage.complete and not stage.shown:
                self.progress.console.print(stage.line(), highlight=False)
                stage.shown = True

    def finished(self) -> dict[str, int]:
        """Steps and checks of the whole run, for the closing line."""
        return {"steps": sum(len(s.finished) for s in self.stages.values()),
                **{k: sum(s.checks[k] for s in self.stages.values()) for k in ("passed", "warned", "failed")}}


def elapsed_since(start: float) -> str:
    """`52 s` or `4 min 12 s`."""
    seconds = round(time.perf_counter() - start)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60} s"
