import json
import os

import pytest

import torch  # noqa: E402  (CI installs it; a missing torch must fail, not skip)
import transformers  # noqa: E402  (the callback's whole point; the CI venv has it)

import lorasweep  # noqa: E402
from lorasweep.hf import LoRASweepCallback, translate  # noqa: E402


def test_eval_metrics_lose_their_prefix_and_give_latency():
    metrics = translate(
        {"eval_accuracy": 0.8, "eval_loss": 0.4, "eval_runtime": 2.0, "eval_samples_per_second": 50.0, "epoch": 2.0},
        objective="accuracy",
    )
    assert metrics == {"accuracy": 0.8, "loss": 0.4, "latency": 0.02, "epoch": 2.0}


def test_training_logs_keep_loss_apart_and_leave_the_learning_rate_alone():
    assert translate({"loss": 1.2, "learning_rate": 1e-4, "grad_norm": 3.0, "epoch": 0.5}) == {
        "train_loss": 1.2,
        "grad_norm": 3.0,
        "epoch": 0.5,
    }


def test_report_to_lorasweep_is_registered():
    from transformers.integrations import integration_utils

    assert integration_utils.get_reporting_integration_callbacks(["lorasweep"]) == [LoRASweepCallback]


class _Data(torch.utils.data.Dataset):
    def __init__(self, n=64):
        generator = torch.Generator().manual_seed(0)
        self.x = torch.randn(n, 8, generator=generator)
        self.y = (self.x.sum(dim=1) > 0).long()

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"x": self.x[i], "labels": self.y[i]}


class _Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(8, 2)

    def forward(self, x, labels=None):
        logits = self.linear(x)
        loss = torch.nn.functional.cross_entropy(logits, labels)
        return {"loss": loss, "logits": logits}


def test_a_prune_stops_the_trainer_cleanly_with_a_checkpoint(tmp_path, monkeypatch, capsys):
    control = tmp_path / "control.json"
    monkeypatch.setenv("SWEEP_CONTROL_FILE", str(control))
    monkeypatch.setenv("SWEEP_OBJECTIVE", "accuracy")
    monkeypatch.setattr(lorasweep, "_stop_reason", None)

    class PruneAtStep(transformers.TrainerCallback):
        """Plays the worker: after step 3 it writes the control file, as on an ASHA prune."""

        def on_step_end(self, args, state, control_, **kwargs):
            if state.global_step == 3:
                control.write_text(json.dumps({"stop": "cancelled"}))

    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "run"),
        per_device_train_batch_size=4,
        num_train_epochs=50,
        logging_steps=1,
        save_strategy="no",
        report_to=["lorasweep"],
        use_cpu=True,
        disable_tqdm=True,
    )
    trainer = transformers.Trainer(model=_Model(), args=args, train_dataset=_Data(), callbacks=[PruneAtStep()])
    result = trainer.train()
    sweep_callback = next(c for c in trainer.callback_handler.callbacks if isinstance(c, LoRASweepCallback))
    assert sweep_callback.stopped_for == "cancelled"
    assert result.global_step <= 4  # stopped at once, not after 50 epochs (800 steps)
    assert any(p.name.startswith("checkpoint-") for p in (tmp_path / "run").iterdir())
    reported = []
    for line in capsys.readouterr().out.splitlines():
        try:
            reported.append(json.loads(line))  # the Trainer prints its own dicts too (not JSON)
        except ValueError:
            pass
    assert any("train_loss" in r and "step" in r for r in reported)
