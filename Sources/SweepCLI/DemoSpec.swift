/// The demo's sweep, kept identical to `examples/demo.yaml` (a test checks), so that `sweep demo`
/// also works from a binary installed away from the repository.
enum DemoSpec {
  static let yaml = """
    # `sweep demo` runs this sweep on one machine: the reference LoRA trainer (pure Swift, CPU, about
    # half a second per trial), a free "laptop" worker and a rented GPU *simulated* at $0.40/h.
    # The budget is deliberately tiny (about 11 s of the rented GPU): the paid worker uses it up — its
    # last leases shrink to what is left — then gets `budget_exhausted`, and the free worker finishes.
    name: demo
    budget_usd: 0.0012
    objective: {metric: accuracy, goal: maximize}
    domains: [financial, legal]
    seed: 7
    sampler: lhs
    trials_per_domain: 24
    shard_size: 1
    max_attempts: 2
    trial_timeout: 2m
    estimate: {minutes_per_trial: 0.05}
    space:
      rank:          {int: [1, 16], log: true}
      alpha:         {int: [4, 64], log: true}
      weight_decay:  {log_uniform: [1.0e-6, 1.0e-2]}
      learning_rate: {log_uniform: [3.0e-3, 3.0e-2]}
      epochs:        {value: 3}
    command: [sweep-worker, reference-train, --domain, "{domain}", --rank, "{rank}", --alpha, "{alpha}",
              --weight-decay, "{weight_decay}", --learning-rate, "{learning_rate}", --epochs, "{epochs}",
              --seed, "7"]

    """
}
