import json
import os
import signal
import subprocess
import sys

import pytest

import lorasweep


def test_params_are_typed_and_lowercased():
    env = {
        "SWEEP_PARAM_RANK": "16",
        "SWEEP_PARAM_WEIGHT_DECAY": "1e-05",
        "SWEEP_PARAM_OPTIMIZER": "adamw",
        "SWEEP_TRIAL_ID": "t1",
        "PATH": "/bin",
    }
    assert lorasweep.params(env) == {"rank": 16, "weight_decay": 1e-05, "optimizer": "adamw"}


def test_params_are_empty_outside_a_sweep():
    assert lorasweep.params({"PATH": "/bin"}) == {}


def test_report_writes_one_flushed_json_line(capsys):
    lorasweep.report(epoch=1, accuracy=0.75)
    lorasweep.report({"loss": 0.5})
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == [{"epoch": 1.0, "accuracy": 0.75}, {"loss": 0.5}]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "high", None])
def test_report_refuses_what_the_protocol_cannot_carry(value, capsys):
    with pytest.raises(lorasweep.ReportError):
        lorasweep.report(accuracy=value)
    assert capsys.readouterr().out == ""


def test_output_dir_is_the_workers_folder(tmp_path, monkeypatch):
    target = tmp_path / "out" / "t1-1"
    monkeypatch.setenv("SWEEP_OUTPUT_DIR", str(target))
    assert lorasweep.output_dir() == str(target)
    assert target.is_dir()


def test_should_stop_reads_the_control_file(tmp_path, monkeypatch):
    control = tmp_path / "control.json"
    monkeypatch.setenv("SWEEP_CONTROL_FILE", str(control))
    monkeypatch.setattr(lorasweep, "_stop_reason", None)
    assert lorasweep.should_stop() is None
    control.write_text('{"stop":"cancelled"}\n')
    assert lorasweep.should_stop() == "cancelled"


def test_sigterm_becomes_a_stop_request_not_an_exit(tmp_path):
    # A real process and a real signal: after catch_stop_signal, SIGTERM lets the script finish.
    script = tmp_path / "script.py"
    script.write_text(
        "import os, signal, time, lorasweep\n"
        "lorasweep.catch_stop_signal()\n"
        "print('ready', flush=True)\n"
        "deadline = time.time() + 20\n"
        "while not lorasweep.should_stop() and time.time() < deadline:\n"
        "    time.sleep(0.01)\n"
        "print('saved after', lorasweep.should_stop(), flush=True)\n"
    )
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert out.strip() == "saved after signal"


def test_cost_limit_reads_the_workers_reservation(monkeypatch):
    monkeypatch.delenv("SWEEP_COST_LIMIT_USD", raising=False)
    assert lorasweep.cost_limit() is None
    monkeypatch.setenv("SWEEP_COST_LIMIT_USD", "2.5")
    assert lorasweep.cost_limit() == 2.5
    monkeypatch.setenv("SWEEP_COST_LIMIT_USD", "nan")
    assert lorasweep.cost_limit() is None


def test_report_cost_is_cumulative_and_refuses_going_down(capsys, monkeypatch):
    monkeypatch.setattr(lorasweep, "_last_cost", None)
    lorasweep.report_cost(0.25)
    lorasweep.report_cost(0.5)
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == [{"cost_usd": 0.25}, {"cost_usd": 0.5}]
    with pytest.raises(lorasweep.ReportError, match="cumulative"):
        lorasweep.report_cost(0.1)
    for bad in (-1, float("inf"), "x", True):
        with pytest.raises(lorasweep.ReportError):
            lorasweep.report_cost(bad)
