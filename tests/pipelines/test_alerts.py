"""Failure alerts: the message of a real failed run, written to the alerts file, posted to a webhook and
e-mailed, each to a real local receiver; a receiver that is down is logged and never stops the others."""

from __future__ import annotations

import email
import email.policy
import http.server
import json
import socket
import socketserver
import threading
import time
from datetime import datetime
from pathlib import Path

import dagster as dg
import pytest

from pipelines.alerts import (
    alerts_file,
    build_alert,
    deliver,
    failure_message,
    landing_files_named,
    post_webhook,
    send_email,
    summarise_events,
)
from pipelines.automation import build_automation
from pipelines.config import load_settings
from pipelines.definitions import job_name
from tests.regions import write_config
from transforms.readers import LandingFileError

JOB = job_name("RG_TEST")


class _Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    """A HTTP server on 127.0.0.1 in a thread: `.received` holds (path, content type, JSON) of every POST."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _Hook)
    server.received, server.status = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/phm"
    yield server
    server.shutdown()
    server.server_close()


class _SMTP(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greeting, EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self):
        self.wfile.write(b"220 test ESMTP\r\n")
        data, lines = False, []
        while line := self.rfile.readline():
            if data:
                if line.rstrip(b"\r\n") == b".":
                    self.server.messages.append(b"".join(lines))
                    data, lines = False, []
                    self.wfile.write(b"250 queued\r\n")
                else:
                    lines.append(line[1:] if line.startswith(b"..") else line)
                continue
            command = line[:4].upper()
            if command in (b"EHLO", b"HELO"):
                self.wfile.write(b"250-test\r\n250 8BITMIME\r\n")
            elif command == b"DATA":
                data = True
                self.wfile.write(b"354 end with .\r\n")
            elif command == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                if command == b"RCPT":
                    self.server.recipients.append(line.decode().strip())
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server():
    """An SMTP receiver on 127.0.0.1: `.messages` holds every message, `.recipients` every RCPT line."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTP)
    server.daemon_threads = True
    server.messages, server.recipients = [], []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    """A local port nothing listens on (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def region(tmp_path: Path, alerts: str = ""):
    tmp_path.mkdir(parents=True, exist_ok=True)
    extra = f"[alerts]\n{alerts}" if alerts else ""
    return load_settings(write_config(tmp_path / "phm.toml", tmp_path / "data", extra=extra))


def tiny_failing_job(landing_dir: Path, name: str = JOB) -> dg.JobDefinition:
    """A small job under the region's job name: a step failing on a landing file, a failed blocking check of
    ERROR severity and a failed WARN check."""

    @dg.asset
    def broken():
        raise LandingFileError(f"{landing_dir / 'wmo' / 'wmo_2022.csv'}: looks like a binary file, not CSV text")

    @dg.asset(check_specs=[dg.AssetCheckSpec("rows_accounted_for", asset="counted", blocking=True)])
    def counted():
        return dg.MaterializeResult(check_results=[dg.AssetCheckResult(
            check_name="rows_accounted_for", passed=False, severity=dg.AssetCheckSeverity.ERROR,
            description="12 of 250 rows of data/landing/jeugd/jeugd_2023.csv are neither loaded nor quarantined")])

    @dg.asset(check_specs=[dg.AssetCheckSpec("share", asset="warned")])
    def warned():
        return dg.MaterializeResult(check_results=[dg.AssetCheckResult(
            check_name="share", passed=False, severity=dg.AssetCheckSeverity.WARN, description="a warning only")])

    defs = dg.Definitions(assets=[broken, counted, warned], jobs=[dg.define_asset_job(name)])
    return defs.resolve_job_def(name)


def failure_alert(settings):
    _, sensors = build_automation(JOB, settings)
    (sensor,) = [s for s in sensors if s.name == "failure_alert_rg_test"]
    return sensor


def evaluate(sensor, instance, result):
    context = dg.build_run_status_sensor_context(
        sensor_name=sensor.name, dagster_instance=instance, dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event())
    return sensor(context)


def test_failure_sensor_reports_a_failed_run_to_the_file_a_webhook_and_e_mail(tmp_path, webhook, smtp_server):
    settings = region(tmp_path, f'webhook = "{webhook.url}"\nemail_to = ["beheer@ggd.example", "ops@ggd.example"]\n'
                                f'email_from = "phm@ggd.example"\nsmtp_host = "127.0.0.1"\n'
                                f"smtp_port = {smtp_server.server_address[1]}\n")
    instance = dg.DagsterInstance.ephemeral()
    result = tiny_failing_job(settings.landing_dir).execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    failed_steps = sorted(e.step_key for e in result.get_step_failure_events())
    assert failed_steps == ["broken", "counted"]  # the blocking check fails its step too

    evaluate(failure_alert(settings), instance, result)

    text = (settings.data_dir / "alerts.log").read_text(encoding="utf-8")
    assert text.count("==== ") == 1
    stamp = datetime.fromisoformat(text.splitlines()[0].strip("= "))
    assert stamp.tzinfo is not None and abs(time.time() - stamp.timestamp()) < 60
    assert "RG_TEST (Testregio)" in text and f"run:        {result.run_id}" in text and f"job:        {JOB}" in text
    assert "  - broken: transforms.readers.LandingFileError: " in text and "looks like a binary file" in text
    assert ("  - check rows_accounted_for on counted: 12 of 250 rows of data/landing/jeugd/jeugd_2023.csv are "
            "neither loaded nor quarantined") in text
    assert "a warning only" not in text  # WARN checks do not make a run fail
    assert f"  - {settings.landing_dir / 'wmo' / 'wmo_2022.csv'}\n" in text
    assert f"  - {settings.landing_dir / 'jeugd' / 'jeugd_2023.csv'}\n" in text
    assert "Steps failed: ['broken', 'counted']" in text or "Steps failed: ['counted', 'broken']" in text

    (path, content_type, payload), = webhook.received
    assert path == "/hooks/phm" and content_type.startswith("application/json")
    assert (payload["region"], payload["run_id"], payload["job"]) == ("RG_TEST", result.run_id, JOB)
    assert len(payload["failures"]) == len(failed_steps) + 1  # two steps and one blocking check
    assert payload["landing_files"] == ["wmo/wmo_2022.csv", "jeugd/jeugd_2023.csv"]
    assert payload["text"].strip() in text

    (raw,) = smtp_server.messages
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == "beheer@ggd.example, ops@ggd.example" and message["From"] == "phm@ggd.example"
    assert message["Subject"] == f"phm: run failed for RG_TEST (Testregio), run {result.run_id[:8]}"
    assert message.get_content().replace("\r\n", "\n").strip() == payload["text"].strip()
    assert len(smtp_server.recipients) == 2

    # a second failure appends a second block
    evaluate(failure_alert(settings), instance, result)
    assert (settings.data_dir / "alerts.log").read_text(encoding="utf-8").count("==== ") == 2


def test_runs_of_another_job_are_not_reported(tmp_path):
    settings = region(tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    result = tiny_failing_job(settings.landing_dir, name="phm_run_rg_other").execute_in_process(
        instance=instance, raise_on_error=False)
    skipped = evaluate(failure_alert(settings), instance, result)
    assert isinstance(skipped, dg.SkipReason) and "phm_run_rg_other" in skipped.skip_message
    assert not (settings.data_dir / "alerts.log").exists()


def test_summarise_events_separates_blocking_failures_from_warnings(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    result = tiny_failing_job(tmp_path / "landing").execute_in_process(instance=instance, raise_on_error=False)
    from_result = summarise_events(result.all_events)
    from_log = summarise_events(instance.all_logs(result.run_id))
    assert from_result == from_log
    failures, warnings = from_result
    assert len(failures) == 3 and warnings == ["check share on warned: a warning only"]
    assert failures[0].startswith("broken: ") or failures[1].startswith("broken: ")


def test_failure_message_lists_the_landing_files_it_names(tmp_path):
    landing = tmp_path / "landing"
    (landing / "wmo").mkdir(parents=True)
    (landing / "wmo" / "wmo-2023.csv").write_text("a\n", encoding="utf-8")
    failures = [
        "raw__wmo: wmo-2023.csv: file name must be <source>_<year>.csv",
        "check source_completeness on quality/source_completeness: population 2023: no file for the year "
        "(expected data/landing/population/population_2023.csv)",
        "check quarantine_share on raw/population: 100.0 % of population/population_2022.csv quarantined",
        "publish: could not write /srv/phm/published/indicators.csv",  # not a landing file
    ]
    assert landing_files_named(failures, landing) == [
        "wmo/wmo-2023.csv", "population/population_2023.csv", "population/population_2022.csv"]
    text = failure_message("RG_X", "Regio X", "0123456789abcdef", "phm_run_rg_x", failures, landing,
                           run_failure="Exceeded maximum runtime of 14400 seconds.",
                           started_by="sensor landing_sensor_rg_x", years="2023")
    lines = text.splitlines()
    assert lines[0] == "phm: run failed for RG_X (Regio X)"
    assert sum(line.startswith("  - ") for line in lines) == 4 + 3
    assert f"  - {landing / 'population' / 'population_2022.csv'}" in lines
    assert "[run].max_runtime_minutes" in text and "years:      2023" in lines
    assert "Re-execute run 01234567" in text and "phm run --region RG_X" in text
    # a run that failed without a failed step (e.g. stopped at its time limit) still says what happened
    bare = failure_message("RG_X", "Regio X", "r", "j", [], None, "Exceeded maximum runtime of 60 seconds.")
    assert "no step or check failed" in bare and "Dagster: Exceeded maximum runtime of 60 seconds." in bare


def test_a_receiver_that_is_down_is_logged_and_the_others_still_get_the_alert(tmp_path, webhook, caplog):
    down = closed_port()
    settings = region(tmp_path, f'webhook = "http://127.0.0.1:{down}/x"\nemail_to = ["a@ggd.example"]\n'
                                f'email_from = "phm@ggd.example"\nsmtp_host = "127.0.0.1"\nsmtp_port = {down}\n')
    alert = build_alert(settings, "run-1", JOB, ["step: boom"], tags={"dagster/schedule_name": "yearly_run_rg_test"})
    started = time.monotonic()
    assert deliver(alert, settings) == {"file": True, "webhook": False, "email": False}
    assert time.monotonic() - started < 10  # refused at once, well within the 10 s timeouts
    assert sum("alert not" in r.getMessage() for r in caplog.records) == 2
    assert "started by: schedule yearly_run_rg_test" in alerts_file(settings).read_text(encoding="utf-8")
    # a webhook answering with an error counts as not delivered
    webhook.status = 500
    assert post_webhook(webhook.url, {"text": "x"}) is False and len(webhook.received) == 1
    webhook.status = 204
    assert post_webhook(webhook.url, {"text": "y"}) is True and webhook.received[1][2] == {"text": "y"}
    assert send_email(settings.alerts, "s", "t") is False


def test_no_file_when_switched_off_and_an_unwritable_file_does_not_raise(tmp_path, caplog):
    off = region(tmp_path / "off", 'file = ""\n')
    assert alerts_file(off) is None
    assert deliver(build_alert(off, "r", JOB, []), off) == {}
    assert any("no alert channel configured" in r.getMessage() for r in caplog.records)
    blocked = region(tmp_path / "blocked", 'file = "alerts"\n')
    (blocked.data_dir / "alerts").mkdir(parents=True)  # a folder where the file should be
    assert deliver(build_alert(blocked, "r", JOB, []), blocked) == {"file": False}
    absolute = region(tmp_path / "abs", f'file = "{tmp_path / "shared" / "phm-alerts.log"}"\n')
    assert alerts_file(absolute) == tmp_path / "shared" / "phm-alerts.log"


@pytest.mark.slow
def test_the_real_job_failing_on_a_landing_file_reaches_the_alerts_file(tmp_path):
    """The region's own job on a binary landing file: the alert names the region, the failed step and the file."""
    from pipelines.definitions import build_definitions
    from pipelines.partitions import run_tags
    from pipelines.resources import region_run_config

    settings = load_settings(write_config(tmp_path / "phm.toml", tmp_path / "data", years=[2022]))
    bad = settings.landing_dir / "wmo" / "wmo_2022.csv"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"\x00\x01PK\x03\x04 not text")
    defs = build_definitions(settings)
    instance = dg.DagsterInstance.ephemeral()
    result = defs.resolve_job_def(JOB).execute_in_process(
        run_config=region_run_config(settings), instance=instance, raise_on_error=False,
        tags=run_tags(settings.years))
    assert not result.success
    failed_steps = [e.step_key for e in result.get_step_failure_events()]
    assert len(failed_steps) == 1

    evaluate(defs.resolve_sensor_def("failure_alert_rg_test"), instance, result)
    text = (settings.data_dir / "alerts.log").read_text(encoding="utf-8")
    assert text.count("==== ") == 1 and "RG_TEST (Testregio)" in text and result.run_id in text
    assert f"  - {failed_steps[0]}: " in text and "looks like a binary file" in text
    assert text.split("Landing file(s) named above:\n")[1].splitlines()[0] == f"  - {bad}"
