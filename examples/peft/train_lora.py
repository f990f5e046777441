#!/usr/bin/env python3
"""LoRA fine-tuning of a small transformer with PEFT, on CPU, in seconds, with no download.

What a real run does, shrunk: a base model is "pretrained" once on a general task and cached;
each domain then gets its own shifted version of the task, and a LoRA adapter of the given rank,
alpha, weight decay and learning rate is trained on it with transformers' Trainer. The adapter is
saved to the trial's output folder (SWEEP_OUTPUT_DIR), and the Trainer's evaluation reaches the
sweep through lorasweep's callback (eval_accuracy -> accuracy).

    python train_lora.py --domain legal --rank 8 --alpha 16 --weight-decay 0.01 --learning-rate 0.003 --epochs 3
    python train_lora.py --check OUTPUT_DIR/adapter --domain legal   # reload an adapter, print its accuracy

The task: sequences of 16 tokens from a 64-token vocabulary; the label (one of 4) is the group
whose tokens appear most. The general task groups tokens 0-15, 16-31, ...; a domain regroups
them by its own permutation of the vocabulary, so its adapter must learn new token meanings.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import sys
import time

import torch
import transformers
from peft import LoraConfig, PeftModel, get_peft_model

try:
    import lorasweep
    from lorasweep.hf import LoRASweepCallback
except ImportError:  # run by hand without the client: the raw protocol still works
    lorasweep = None

VOCAB, LENGTH, CLASSES = 64, 16, 4
BASE_SEED = 1234


def seed_of(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")


def make_task(domain: str | None, count: int, seed: int):
    """Examples of the general task (domain None) or of a domain's shifted one."""
    generator = torch.Generator().manual_seed(seed)
    groups = torch.arange(VOCAB) // (VOCAB // CLASSES)
    if domain is not None:
        groups = groups[torch.randperm(VOCAB, generator=torch.Generator().manual_seed(seed_of(domain)))]
    # each sequence leans towards one group, so the label is clear but not trivial
    labels = torch.randint(0, CLASSES, (count,), generator=generator)
    tokens = torch.randint(0, VOCAB, (count, LENGTH), generator=generator)
    for i in range(count):
        members = torch.nonzero(groups == labels[i]).flatten()
        lean = members[torch.randint(0, len(members), (LENGTH // 3,), generator=generator)]
        positions = torch.randperm(LENGTH, generator=generator)[: LENGTH // 3]
        tokens[i, positions] = lean
    counts = torch.stack([(groups[tokens] == c).sum(dim=1) for c in range(CLASSES)], dim=1)
    return tokens, counts.argmax(dim=1)


class Examples(torch.utils.data.Dataset):
    def __init__(self, tokens, labels):
        self.tokens, self.labels = tokens, labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"input_ids": self.tokens[i], "attention_mask": torch.ones(LENGTH, dtype=torch.long), "labels": self.labels[i]}


def accuracy(prediction) -> dict:
    logits, labels = prediction
    return {"accuracy": float((logits.argmax(-1) == labels).mean())}


def base_model(cache: str) -> str:
    """The pretrained base, built once per cache folder (a lock: two workers may start at once)."""
    path = os.path.join(cache, "base-v1")
    if os.path.exists(os.path.join(path, "config.json")):
        return path
    os.makedirs(cache, exist_ok=True)
    with open(os.path.join(cache, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(os.path.join(path, "config.json")):
            return path
        torch.manual_seed(BASE_SEED)
        config = transformers.BertConfig(
            vocab_size=VOCAB, hidden_size=48, num_hidden_layers=2, num_attention_heads=2, intermediate_size=96,
            max_position_embeddings=LENGTH, num_labels=CLASSES,
        )
        model = transformers.BertForSequenceClassification(config)
        tokens, labels = make_task(None, 4096, BASE_SEED)
        optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
        model.train()
        for epoch in range(4):
            for start in range(0, len(labels), 64):
                batch = model(input_ids=tokens[start : start + 64], labels=labels[start : start + 64])
                batch.loss.backward()
                optimizer.step()
                optimizer.zero_grad()
        staging = path + f".tmp{os.getpid()}"
        model.save_pretrained(staging)
        os.replace(staging, path)
        print(f"pretrained the base model into {path}", file=sys.stderr)
    return path


def evaluate(model, domain: str) -> tuple[float, float]:
    tokens, labels = make_task(domain, 1024, seed_of(domain + "/eval"))
    model.eval()
    started = time.perf_counter()
    with torch.no_grad():
        logits = model(input_ids=tokens).logits
    latency = (time.perf_counter() - started) / len(labels)
    return float((logits.argmax(-1) == labels).float().mean()), latency


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domain", required=True)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--alpha", type=float, default=16)
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--examples", type=int, default=1024, help="training examples: fewer screen faster")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SWEEP_SEED", "0")),
                        help="run-to-run randomness (initialisation, data order); a replicated sweep sets SWEEP_SEED")
    parser.add_argument("--output", help="where the adapter goes (default: SWEEP_OUTPUT_DIR or ./lorasweep-output)")
    parser.add_argument("--cache", default=os.environ.get("LORASWEEP_EXAMPLE_CACHE", os.path.join(".cache", "peft-example")),
                        help="folder of the pretrained base model (built on first use)")
    parser.add_argument("--check", metavar="ADAPTER", help="load this adapter onto the base and print its accuracy")
    args = parser.parse_args()
    torch.set_num_threads(1)  # one trial per core: slots run side by side
    base = base_model(args.cache)

    if args.check:
        model = PeftModel.from_pretrained(transformers.BertForSequenceClassification.from_pretrained(base), args.check)
        acc, _ = evaluate(model, args.domain)
        print(json.dumps({"accuracy": acc}))
        return 0

    output = args.output or (lorasweep.output_dir() if lorasweep else os.path.join(os.getcwd(), "lorasweep-output"))
    # The configuration fixes the run; --seed varies it (0 keeps the runs of earlier versions).
    transformers.set_seed(
        seed_of(f"{args.domain}/{args.rank}/{args.alpha}/{args.weight_decay}/{args.learning_rate}") + args.seed)
    model = transformers.BertForSequenceClassification.from_pretrained(base)
    lora = LoraConfig(
        r=args.rank, lora_alpha=args.alpha, lora_dropout=0.0, target_modules=["word_embeddings", "query", "value", "dense"],
        modules_to_save=["classifier"], task_type="SEQ_CLS",
    )
    model = get_peft_model(model, lora)
    train = Examples(*make_task(args.domain, args.examples, seed_of(args.domain + "/train")))
    held_out = Examples(*make_task(args.domain, 256, seed_of(args.domain + "/validation")))
    training = transformers.TrainingArguments(
        output_dir=os.path.join(output, "checkpoints"), num_train_epochs=args.epochs, per_device_train_batch_size=32,
        per_device_eval_batch_size=256, learning_rate=args.learning_rate, weight_decay=args.weight_decay,
        eval_strategy="epoch", logging_strategy="epoch", save_strategy="no", report_to="none", use_cpu=True,
        disable_tqdm=True, dataloader_num_workers=0, seed=(42 + args.seed) % 2**31,
    )
    callbacks = [LoRASweepCallback()] if lorasweep else []
    trainer = transformers.Trainer(
        model=model, args=training, train_dataset=train, eval_dataset=held_out, compute_metrics=accuracy,
        callbacks=callbacks,
    )
    trainer.train()
    model.save_pretrained(os.path.join(output, "adapter"))
    # the final word: accuracy on the domain's test set, the one --check reproduces
    acc, latency = evaluate(model, args.domain)
    final = {"accuracy": acc, "latency": latency, "epoch": float(args.epochs)}
    if lorasweep:
        lorasweep.report(final)
    else:
        print(json.dumps(final), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
