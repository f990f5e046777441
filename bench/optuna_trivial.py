"""Trivial trials through Optuna's storages, for docs/performance.md's comparison.

Each worker process opens the same study and runs `objective` (returns at once) until the study
has TRIALS finished trials; trials/s is completed trials over wall time, as for sweep-bench.
"""
import json
import multiprocessing
import os
import sys
import tempfile
import time

import optuna
from optuna.storages import JournalStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend

optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial):
    return trial.suggest_float("x", 0.0, 1.0)


def storage_for(kind, path):
    if kind == "sqlite":
        return RDBStorage(f"sqlite:///{path}", engine_kwargs={"connect_args": {"timeout": 60}})
    if kind == "journal":
        return JournalStorage(JournalFileBackend(path))
    raise ValueError(kind)


def sampler():
    # Random sampling, so that the figure is Optuna's storage and bookkeeping, not TPE's cost.
    return optuna.samplers.RandomSampler(seed=7)


def work(kind, path, per_process):
    study = optuna.load_study(study_name="bench", storage=storage_for(kind, path), sampler=sampler())
    study.optimize(objective, n_trials=per_process)


def run(kind, trials, processes):
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "optuna.db" if kind == "sqlite" else "journal.log")
        if kind == "memory":
            study = optuna.create_study(sampler=sampler())
            start = time.perf_counter()
            study.optimize(objective, n_trials=trials)
            return trials / (time.perf_counter() - start)
        optuna.create_study(study_name="bench", storage=storage_for(kind, path), sampler=sampler())
        per_process = trials // processes
        workers = [multiprocessing.Process(target=work, args=(kind, path, per_process)) for _ in range(processes)]
        start = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - start
        return per_process * processes / elapsed


def main():
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    processes = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    repetitions = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    rows = []
    for kind in ["sqlite", "journal", "memory"]:
        run(kind, min(trials, 200), processes)  # warm-up
        rates = sorted(run(kind, trials, processes) for _ in range(repetitions))
        row = {"storage": kind, "optuna": optuna.__version__, "trials": trials,
               "processes": 1 if kind == "memory" else processes,
               "trials_per_s": {"median": rates[len(rates) // 2], "min": rates[0], "max": rates[-1]}}
        rows.append(row)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
