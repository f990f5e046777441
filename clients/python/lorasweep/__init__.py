"""Report metrics from a training script to a LoRASweep worker.

The worker runs each trial's command with ``SWEEP_*`` environment variables
(docs/metrics-protocol.md). This module reads them and speaks the metrics protocol:
one JSON object of finite numbers per line on stdout, flushed at once.
Standard library only.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import threading
from typing import Any, Dict, Optional

__all__ = [
    "params",
    "report",
    "output_dir",
    "should_stop",
    "catch_stop_signal",
    "trial_id",
    "objective",
    "in_sweep",
    "report_cost",
    "cost_limit",
    "ReportError",
]

__version__ = "0.1.0"

_PARAM_PREFIX = "SWEEP_PARAM_"
_stop_lock = threading.Lock()
_stop_reason: Optional[str] = None


class ReportError(ValueError):
    """A metric that the protocol cannot carry (not a finite number, or a bad name)."""


def in_sweep() -> bool:
    """Whether this process was started by a LoRASweep worker."""
    return "SWEEP_TRIAL_ID" in os.environ


def trial_id() -> Optional[str]:
    return os.environ.get("SWEEP_TRIAL_ID")


def objective() -> Optional[str]:
    """The metric the sweep optimises (``SWEEP_OBJECTIVE``), e.g. ``accuracy``."""
    return os.environ.get("SWEEP_OBJECTIVE")


def _typed(text: str) -> Any:
    """A parameter's canonical text as the worker wrote it: int, float, or str."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
        if math.isfinite(value):
            return value
    except ValueError:
        pass
    return text


def params(environ: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """This trial's parameters, typed, with lowercase names: ``{"rank": 16, "weight_decay": 0.01}``.

    Empty outside a sweep, so a script can fall back to its own defaults.
    """
    env = os.environ if environ is None else environ
    return {
        name[len(_PARAM_PREFIX):].lower(): _typed(value)
        for name, value in env.items()
        if name.startswith(_PARAM_PREFIX)
    }


def report(_metrics: Optional[Dict[str, float]] = None, **metrics: float) -> None:
    """Reports metrics: one JSON line on stdout, flushed. Call it as often as you like; the last
    value of each metric is the trial's result. ``epoch`` and ``step`` mark progress (early
    stopping and the dashboard read them).

    Raises ReportError for a value that is not a finite number: the worker would otherwise take
    the line for ordinary output and the metric would be lost silently.
    """
    values: Dict[str, float] = dict(_metrics or {})
    values.update(metrics)
    if not values:
        return
    line: Dict[str, float] = {}
    for name, value in values.items():
        if not isinstance(name, str) or not name:
            raise ReportError(f"metric name {name!r} is not a non-empty string")
        if isinstance(value, bool):
            value = float(value)
        try:
            number = float(value)  # numpy and torch scalars convert
        except (TypeError, ValueError):
            raise ReportError(f"metric {name!r} = {value!r} is not a number") from None
        if not math.isfinite(number):
            raise ReportError(f"metric {name!r} = {number} is not finite; the protocol carries finite numbers only")
        line[name] = number
    text = json.dumps(line, separators=(",", ":"), allow_nan=False)
    stream = sys.stdout
    stream.write(text + "\n")
    stream.flush()


_cost_lock = threading.Lock()
_last_cost: Optional[float] = None


def cost_limit() -> Optional[float]:
    """What the sweep holds for this trial in dollars, when its trials are priced per job
    (``estimate.cost_usd_per_trial`` in the spec; ``SWEEP_COST_LIMIT_USD``), else None.

    A script that starts paid jobs (a fine-tuning API) checks it before starting one that would
    cost more: the worker stops the trial as ``cost_exceeded`` once its reported cost is past it.
    """
    text = os.environ.get("SWEEP_COST_LIMIT_USD")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def report_cost(usd_so_far: float) -> None:
    """Reports what this trial has cost so far in dollars (cumulative: the API's bill for its jobs,
    not the increment). The last value is what the sweep's budget is charged for the trial; a trial
    that never reports one is charged its declared price.

    Raises ReportError for a negative or non-finite amount, or one below an earlier report (a
    cost only grows; a smaller number is almost always an increment passed by mistake).
    """
    global _last_cost
    if isinstance(usd_so_far, bool):
        raise ReportError("cost_usd must be a number of dollars, not a bool")
    try:
        value = float(usd_so_far)
    except (TypeError, ValueError):
        raise ReportError(f"cost_usd = {usd_so_far!r} is not a number of dollars") from None
    if not math.isfinite(value) or value < 0:
        raise ReportError(f"cost_usd = {value} is not a finite amount ≥ 0")
    with _cost_lock:
        if _last_cost is not None and value < _last_cost:
            raise ReportError(
                f"cost_usd = {value} is below the {_last_cost} reported before; report the cumulative cost, not the increment"
            )
        _last_cost = value
    report(cost_usd=value)


def output_dir(create: bool = True) -> str:
    """This attempt's own output folder (``SWEEP_OUTPUT_DIR``); kept after the trial and never
    shared with another slot. Outside a sweep: ``./lorasweep-output``."""
    path = os.environ.get("SWEEP_OUTPUT_DIR") or os.path.join(os.getcwd(), "lorasweep-output")
    if create:
        os.makedirs(path, exist_ok=True)
    return path


def _on_stop_signal(signum, frame):  # noqa: ARG001 - the signal handler's signature
    global _stop_reason
    with _stop_lock:
        if _stop_reason is None:
            _stop_reason = "signal"


def catch_stop_signal() -> None:
    """Turns the worker's SIGTERM into a request (``should_stop()`` becomes true) instead of an
    immediate exit, so the script can save a checkpoint and return. The worker sends SIGKILL after
    its grace period (10 s by default), so do not linger. Call from the main thread."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_stop_signal)


def should_stop() -> Optional[str]:
    """Why the worker wants this trial to stop (``pruned``/``cancelled``, ``timed_out``,
    ``allowance_exhausted``, ``cost_exceeded``, ``interrupted``, or ``signal``), or None to carry on.

    The worker writes the reason to ``SWEEP_CONTROL_FILE`` before it sends SIGTERM.
    """
    global _stop_reason
    with _stop_lock:
        if _stop_reason is not None and _stop_reason != "signal":
            return _stop_reason
    path = os.environ.get("SWEEP_CONTROL_FILE")
    if path:
        try:
            with open(path, "r", encoding="utf-8") as handle:
                reason = json.load(handle).get("stop")
            if reason:
                with _stop_lock:
                    _stop_reason = str(reason)
                return str(reason)
        except (OSError, ValueError, AttributeError):
            pass
    with _stop_lock:
        return _stop_reason
