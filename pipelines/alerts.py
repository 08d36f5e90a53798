"""Messages about failed runs: what failed, read from the run's events, delivered to a person.

`summarise_events` turns a run's Dagster events into the failures an operator reads (the same lines as
`phm run` prints); `failure_message` makes the plain-text message of one failed run from simple values;
`deliver` appends it to the region's alerts file, posts it to a webhook and e-mails it, as `[alerts]` in
phm.toml says. Delivery never raises: a channel that fails is logged and the others still go out.
"""

from __future__ import annotations

import json
import logging
import re
import smtplib
import socket
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import dagster as dg

from pipelines.config import AlertSettings, Settings
from pipelines.partitions import RANGE_END, RANGE_START
from quality.contracts import SOURCES

LOG = logging.getLogger("phm.alerts")
WEBHOOK_TIMEOUT_SECONDS = 10
SMTP_TIMEOUT_SECONDS = 10
# a file-like token in a message: a path or name ending in a landing file extension
_FILE_TOKEN = re.compile(r"[\w.\-/\\~!]*[\w\-]\.(?:csv|parquet|txt|xlsx?|json)\b", re.IGNORECASE)


def summarise_events(events: Iterable[dg.DagsterEvent | dg.EventLogEntry],
                     prefix: str = "") -> tuple[list[str], list[str]]:
    """(failures, warnings) of a run from its events: failed steps with their error, and failed checks.

    A failure is `<step>: <error>` (the cause Dagster wrapped, when there is one) or `check <name> on
    <asset>: <description>` for a failed check of ERROR severity. The warnings are the failed WARN checks,
    quarantined rows (an ingest asset's `rows_quarantined`) and, in `instance.all_logs(run_id)` entries,
    what a step logged at WARNING or above. Takes `result.all_events` of an in-process run as well as
    those entries. Asset keys are shown without the region's key `prefix` (`rg_alkmaar`): the message names
    the region already."""
    failures: list[str] = []
    warnings: list[str] = []

    def shown(key: dg.AssetKey) -> str:
        return dg.AssetKey(key.path[1:] if prefix and key.path[0] == prefix else key.path).to_user_string()

    started: set[str] = set()  # a step's own log; Dagster logs why it skips a step that never started
    for item in events:
        event = item.dagster_event if isinstance(item, dg.EventLogEntry) else item
        if event is None:
            if (isinstance(item, dg.EventLogEntry) and item.level >= logging.WARNING and item.user_message
                    and item.step_key in started):
                warnings.append(f"{item.step_key}: {item.user_message}")
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started.add(event.step_key)
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            quarantined = materialization.metadata.get("rows_quarantined")
            if quarantined is not None and quarantined.value:
                read = materialization.metadata.get("rows_read")
                key = shown(materialization.asset_key)
                of = f" of {read.value:,}" if read is not None else ""
                text = (f"{key}: {quarantined.value:,}{of} rows quarantined (file, line and reason of each "
                        f"in quarantine.{key.split('/')[-1]} of warehouse.duckdb)")
                if text not in warnings:  # one materialization per year partition, the same counts
                    warnings.append(text)
            continue
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            error = event.event_specific_data.error
            message = error.message.strip() if error else "unknown error"
            cause = error.cause.message.strip() if error and error.cause else ""
            failures.append(f"{event.step_key}: {cause or message}")
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                text = f"check {evaluation.check_name} on {shown(evaluation.asset_key)}: {evaluation.description}"
                (failures if evaluation.severity == dg.AssetCheckSeverity.ERROR else warnings).append(text)
    return failures, warnings


def landing_files_named(texts: Iterable[str], landing_dir: Path | None = None) -> list[str]:
    """Landing files the messages name, as `<source>/<file>` relative to the landing folder.

    A token counts when it lies under a `landing/` folder, is `<source>/<file>` for a known source, or is a
    bare file name that exists in a source folder of `landing_dir` (e.g. a wrongly named file)."""
    found: list[str] = []
    for text in texts:
        for token in _FILE_TOKEN.findall(text or ""):
            token = token.replace("\\", "/").rstrip(".")
            if "landing/" in token:
                relative = token.rsplit("landing/", 1)[1]
            elif token.count("/") >= 1 and token.split("/")[-2] in SOURCES:
                relative = "/".join(token.split("/")[-2:])
            elif "/" not in token and landing_dir is not None and landing_dir.is_dir():
                matches = sorted(landing_dir.glob(f"*/{token}"))
                if not matches:
                    continue
                relative = matches[0].relative_to(landing_dir).as_posix()
            else:
                continue
            if relative not in found:
                found.append(relative)
    return found


def failure_message(region_code: str, region_name: str, run_id: str, job_name: str, failures: list[str],
                    landing_dir: Path | None = None, run_failure: str = "", started_by: str = "",
                    years: str = "") -> str:
    """The plain-text message of one failed run: region, run, job, what failed, the landing files named."""
    lines = [f"phm: run failed for {region_code} ({region_name})", "",
             f"run:        {run_id}", f"job:        {job_name}"]
    if years:
        lines.append(f"years:      {years}")
    if started_by:
        lines.append(f"started by: {started_by}")
    lines += ["", "What failed:"]
    lines += [f"  - {failure.strip()}".replace("\n", "\n    ") for failure in failures] or [
        "  - no step or check failed: the run itself failed (see below and the run's logs)"]
    files = landing_files_named([*failures, run_failure], landing_dir)
    if files:
        lines += ["", "Landing file(s) named above:"]
        lines += [f"  - {landing_dir / name if landing_dir else name}" for name in files]
    if run_failure:
        lines += ["", f"Dagster: {run_failure.strip()}"]
        if "maximum runtime" in run_failure:
            lines.append("  The run took longer than [run].max_runtime_minutes in phm.toml and was stopped.")
    lines += ["", f"What to do: fix the cause named above and start the run again (`phm run --region "
                  f"{region_code}`, or Re-execute run {run_id[:8]} in the Dagster UI). The run's logs are "
                  f"under Runs in the UI."]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Alert:
    """One failed run, ready to deliver: a subject, the message, and the same as JSON for a webhook."""

    subject: str
    text: str
    payload: dict = field(default_factory=dict)


def build_alert(settings: Settings, run_id: str, job_name: str, failures: list[str], run_failure: str = "",
                tags: Mapping[str, str] | None = None) -> Alert:
    """The alert of a failed run of `settings`' region; `tags` are the run's (trigger, years)."""
    tags = dict(tags or {})
    started_by = started_by_from_tags(tags)
    years = tags.get("dagster/partition") or "-".join(
        dict.fromkeys(y for y in (tags.get(RANGE_START), tags.get(RANGE_END)) if y))
    text = failure_message(settings.region_code, settings.region_name, run_id, job_name, failures,
                           settings.landing_dir, run_failure, started_by, years)
    subject = f"phm: run failed for {settings.region_code} ({settings.region_name}), run {run_id[:8]}"
    payload = {"text": text, "subject": subject, "region": settings.region_code,
               "region_name": settings.region_name, "run_id": run_id, "job": job_name, "failures": failures,
               "landing_files": landing_files_named([*failures, run_failure], settings.landing_dir),
               "run_failure": run_failure, "started_by": started_by, "years": years}
    return Alert(subject, text, payload)


def started_by_from_tags(tags: Mapping[str, str]) -> str:
    """How the run was started, from Dagster's tags: a sensor (with the files it saw), a schedule, by hand."""
    if tags.get("dagster/sensor_name"):
        changed = tags.get("phm/changed_files")
        return f"sensor {tags['dagster/sensor_name']}" + (f" (files: {changed})" if changed else "")
    if tags.get("dagster/schedule_name"):
        return f"schedule {tags['dagster/schedule_name']}"
    if tags.get("dagster/backfill"):
        return f"backfill {tags['dagster/backfill']}"
    return tags.get("phm/route", "")


def alerts_file(settings: Settings) -> Path | None:
    """The region's alerts file: `[alerts].file` relative to its data directory; None when switched off."""
    if not settings.alerts.file:
        return None
    path = Path(settings.alerts.file)
    return path if path.is_absolute() else settings.data_dir / path


def append_to_file(path: Path, text: str, when: datetime | None = None, log: logging.Logger = LOG) -> bool:
    """Append one block (a line with the ISO time, the message, a blank line) to `path`; False on an error."""
    when = when or datetime.now().astimezone()
    block = f"==== {when.isoformat(timespec='seconds')} ====\n{text.rstrip()}\n\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(block)
    except OSError as exc:
        log.error(f"alert not written to {path}: {exc}")
        return False
    return True


def post_webhook(url: str, payload: dict, timeout: float = WEBHOOK_TIMEOUT_SECONDS,
                 log: logging.Logger = LOG) -> bool:
    """POST `payload` as JSON to `url` (Slack, Teams and Mattermost show its "text"); False on any failure."""
    request = urllib.request.Request(url, data=json.dumps(payload).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": "phm-pipeline alerts"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if 200 <= response.status < 300:
                return True
            log.error(f"alert not delivered to the webhook {url}: HTTP {response.status}")
    except Exception as exc:  # urllib raises URLError, HTTPError, TimeoutError, ValueError, ...
        log.error(f"alert not delivered to the webhook {url}: {exc}")
    return False


def send_email(config: AlertSettings, subject: str, text: str, timeout: float = SMTP_TIMEOUT_SECONDS,
               log: logging.Logger = LOG) -> bool:
    """E-mail the message to `email_to` through `smtp_host` (no login: a relay of the own network; TLS on
    port 465, STARTTLS when the server offers it); False when it could not be handed over."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config.email_from or f"phm@{socket.gethostname()}"
    message["To"] = ", ".join(config.email_to)
    message.set_content(text)
    try:
        factory = smtplib.SMTP_SSL if config.smtp_port == 465 else smtplib.SMTP
        with factory(config.smtp_host, config.smtp_port, timeout=timeout) as smtp:
            smtp.ehlo()
            if factory is smtplib.SMTP and smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error(f"alert not e-mailed to {', '.join(config.email_to)} via {config.smtp_host}:"
                  f"{config.smtp_port}: {exc}")
        return False
    return True


def deliver(alert: Alert, settings: Settings, log: logging.Logger = LOG) -> dict[str, bool]:
    """Send `alert` over every configured channel: {"file"|"webhook"|"email": delivered}. Never raises."""
    config = settings.alerts
    delivered: dict[str, bool] = {}
    path = alerts_file(settings)
    if path is not None:
        delivered["file"] = append_to_file(path, alert.text, log=log)
    if config.webhook:
        delivered["webhook"] = post_webhook(config.webhook, alert.payload, log=log)
    if config.smtp_host and config.email_to:
        delivered["email"] = send_email(config, alert.subject, alert.text, log=log)
    if not delivered:
        log.warning(f"{alert.subject}: no alert channel configured ([alerts] in {settings.config_path})\n"
                    f"{alert.text}")
    return delivered
