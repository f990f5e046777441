/// How `sweep fleet up` starts and stops the boxes of a group.
///
/// `local` starts `sweep-worker` processes on this machine and stops them with SIGTERM. The others
/// run shell commands: `up` rents one box whose worker joins this coordinator (and prints the
/// box's id as its last line), `down {id}` gives it back. The cloud templates use each provider's
/// documented command line; `command` is any pair the user writes.
public enum FleetProvider: String, Hashable, Sendable, CaseIterable {
  case local, runpod, vastai, skypilot, command

  /// The `--provider` its workers declare to the coordinator.
  public var workerProvider: Provider {
    switch self {
    case .local: .local
    case .runpod: .runpod
    case .vastai: .vast
    case .skypilot, .command: .other
    }
  }

  /// How long such a box usually takes from `up` to a worker asking for work.
  public var defaultBootTime: Duration {
    switch self {
    case .local: .zero
    case .command: .seconds(120)
    case .runpod, .vastai, .skypilot: .seconds(180)
    }
  }

  /// The provider's own `up` template (nil: the user must write one).
  public var defaultUp: String? {
    // Every box's worker gets the join token through the environment of the `up` command
    // (`$SWEEP_WORKER_TOKEN`, expanded by the shell): it never appears in the fleet's log.
    switch self {
    case .local, .command:
      return nil
    case .runpod:
      // The image is your training image built with `sweep deploy docker`: its entrypoint installs
      // and starts the worker from these variables. runpodctl prints `pod "ID" created …`.
      return """
        runpodctl create pod --name {name} --gpuType '{gpu}' --gpuCount 1 --imageName '{image}' \
        --env SWEEP_COORDINATOR={coordinator} --env "SWEEP_WORKER_TOKEN=$SWEEP_WORKER_TOKEN" \
        --env SWEEP_HOURLY_COST={hourly_cost} --env SWEEP_PROVIDER=runpod --env SWEEP_SLOTS=1 --env SWEEP_NAME={name} \
        --env SWEEP_BILLING_STARTED_AT={started_at} --env SWEEP_TLS_PIN={tls_pin} \
        | sed -n 's/^pod "\\([^"]*\\)" created.*/\\1/p'
        """
    case .vastai:
      // The cheapest rentable offer of the GPU, then an instance of the `sweep deploy docker`
      // image on it; `--raw` answers JSON with the new instance's id in `new_contract`.
      return """
        offer=$(vastai search offers 'gpu_name={gpu} num_gpus=1 rentable=true' -o dph --raw \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])') && \
        vastai create instance "$offer" --image '{image}' --raw \
        --env "-e SWEEP_COORDINATOR={coordinator} -e SWEEP_WORKER_TOKEN=$SWEEP_WORKER_TOKEN -e SWEEP_HOURLY_COST={hourly_cost} -e SWEEP_PROVIDER=vast -e SWEEP_SLOTS=1 -e SWEEP_NAME={name} -e SWEEP_BILLING_STARTED_AT={started_at} -e SWEEP_TLS_PIN={tls_pin}" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["new_contract"])'
        """
    case .skypilot:
      // A cluster named after the box runs the one-line installer; `--env NAME` passes the
      // variable from this shell. The cluster's name is its id.
      return """
        sky launch -y -d -c {name} --gpus '{gpu}' --env SWEEP_WORKER_TOKEN "{install} --on-exit 'sudo shutdown -h now'" \
        >&2 && echo {name}
        """
    }
  }

  /// The provider's own `down` template (nil: the user must write one).
  public var defaultDown: String? {
    switch self {
    case .local, .command: nil
    case .runpod: "runpodctl remove pod {id}"
    case .vastai: "vastai destroy instance {id}"
    case .skypilot: "sky down -y {id}"
    }
  }

  /// Placeholders an `up` template may use; `down` may use these and `{id}`.
  public static let upPlaceholders = [
    "name", "gpu", "image", "coordinator", "hourly_cost", "provider", "started_at", "tls_pin", "install",
  ]

  /// `{key}` replaced by `values[key]`; anything else left as it is.
  public static func fill(_ template: String, _ values: [String: String]) -> String {
    var result = template
    for (key, value) in values { result = result.replacing("{\(key)}", with: value) }
    return result
  }

  /// The placeholders `{word}` a template names.
  public static func placeholders(in template: String) -> [String] {
    var names: [String] = []
    var rest = Substring(template)
    while let open = rest.firstIndex(of: "{") {
      let after = rest[rest.index(after: open)...]
      guard let close = after.firstIndex(of: "}") else { break }
      let word = after[..<close]
      if !word.isEmpty, word.allSatisfy({ $0.isLetter || $0 == "_" }) { names.append(String(word)) }
      rest = after[after.index(after: close)...]
    }
    return names
  }

  /// The one-line installer for a box named `name`: it downloads this coordinator's worker and
  /// starts it with the group's price, billing from `startedAt` — when `up` rented it (a
  /// container's "boot" would be its host's).
  /// `pin`: the key pin of a coordinator started with `--tls auto`, for curl.
  public static func installLine(
    coordinator: String, name: String, hourlyCost: String, provider: Provider, startedAt: Timestamp,
    pin: String? = nil
  ) -> String {
    "curl -fsSL\(pin.map { " --insecure --pinnedpubkey \($0)" } ?? "") \(coordinator)/install.sh | sh -s -- --hourly-cost \(hourlyCost) --provider \(provider.rawValue) --name \(name) --billing-started-at \(startedAt.iso8601)"
  }
}
