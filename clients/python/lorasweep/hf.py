"""A Hugging Face ``transformers`` Trainer callback (PEFT's and TRL's trainers inherit it).

    from lorasweep.hf import LoRASweepCallback
    trainer = Trainer(..., callbacks=[LoRASweepCallback()])

or, once this module is imported, ``TrainingArguments(report_to=["lorasweep"])``.

It reports what the Trainer logs in the metrics protocol:
- evaluation metrics without their ``eval_`` prefix (``eval_accuracy`` -> ``accuracy``, the
  sweep's objective), ``latency`` (seconds per evaluated example, from ``eval_runtime`` and
  ``eval_samples_per_second``);
- training logs as ``train_loss`` and ``grad_norm`` (``learning_rate`` is left out: it is usually
  one of the sweep's parameters, and a metric may not shadow a parameter);
- ``epoch`` and ``step`` for progress.
When the worker asks the trial to stop (an early-stopping prune, a cancel, the paid allowance
ending), it sets ``control.should_save`` and ``control.should_training_stop``: the Trainer saves a
checkpoint and returns from ``train()`` cleanly instead of dying on SIGTERM.
"""

from __future__ import annotations

from typing import Dict, Optional

from transformers import TrainerCallback

import lorasweep

_SKIPPED = {"learning_rate", "total_flos", "train_runtime", "train_samples_per_second", "train_steps_per_second"}
_EVAL_BOOKKEEPING = {"runtime", "samples_per_second", "steps_per_second"}


def translate(logs: Dict[str, float], objective: Optional[str] = None) -> Dict[str, float]:
    """The protocol's metrics for one Trainer log entry."""
    out: Dict[str, float] = {}
    for name, value in logs.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        if name == "epoch":
            out["epoch"] = float(value)
        elif name.startswith("eval_"):
            short = name[len("eval_"):]
            if short == "samples_per_second" and value > 0:
                out["latency"] = 1.0 / float(value)
            if short not in _EVAL_BOOKKEEPING:
                out[short] = float(value)
        elif name == "loss":
            out["train_loss"] = float(value)
        elif name not in _SKIPPED:
            out[name] = float(value)
    if objective and objective not in out and f"eval_{objective}" in logs:
        out[objective] = float(logs[f"eval_{objective}"])
    return {k: v for k, v in out.items() if v == v and v not in (float("inf"), float("-inf"))}


class LoRASweepCallback(TrainerCallback):
    """Reports the Trainer's logs to the LoRASweep worker and stops cleanly when asked."""

    def __init__(self, objective: Optional[str] = None):
        self.objective = objective or lorasweep.objective()
        self.stopped_for: Optional[str] = None

    def on_train_begin(self, args, state, control, **kwargs):
        lorasweep.catch_stop_signal()
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs:
            metrics = translate(logs, self.objective)
            if metrics:
                metrics["step"] = float(state.global_step)
                lorasweep.report(metrics)
        return self._check_stop(control)

    def on_step_end(self, args, state, control, **kwargs):
        return self._check_stop(control)

    def on_epoch_end(self, args, state, control, **kwargs):
        return self._check_stop(control)

    def _check_stop(self, control):
        reason = lorasweep.should_stop()
        if reason and not self.stopped_for:
            self.stopped_for = reason
            control.should_save = True
            control.should_training_stop = True
        return control


def _register() -> None:
    """Makes ``report_to=["lorasweep"]`` work where transformers keeps its integration table."""
    try:
        from transformers.integrations import integration_utils
    except ImportError:  # an older layout: the callback still works when passed explicitly
        return
    table = getattr(integration_utils, "INTEGRATION_TO_CALLBACK", None)
    if isinstance(table, dict):
        table.setdefault("lorasweep", LoRASweepCallback)


_register()
