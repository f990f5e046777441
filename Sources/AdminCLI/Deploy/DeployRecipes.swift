import CommandLineSupport

/// The recipes `sweep deploy TARGET` prints: each turns a place GPUs are rented into workers of
/// this coordinator through its one-line installer (`GET /install.sh`), so no recipe carries a
/// binary or a build. `deploy/recipes/` holds each as a template (`--template`), kept equal to
/// these by a test.
enum DeployRecipes {
  enum Target: String, CaseIterable {
    case docker, cloudInit = "cloud-init", systemd, skypilot, kubernetes, slurm
  }

  /// What a recipe is filled with.
  struct Values {
    var coordinator = "{COORDINATOR}"
    var token = "{WORKER_TOKEN}"
    var hourlyCost = "{HOURLY_COST}"
    var provider = "{PROVIDER}"
    var slots = "{SLOTS}"
    var workers = "{WORKERS}"
    var gpus = "{GPUS}"
    /// The server key's pin of a coordinator started with `--tls auto` (its CA is its own), for
    /// `curl --pinnedpubkey`; nil for a coordinator with a public certificate or plain HTTP.
    var pin: String? = nil
    /// What curl needs to fetch the installer: the pin, when there is one.
    var curlTrust: String { TLSPin.curlOptions(pin) }
  }

  /// The installer line with the worker's options, as a shell command.
  static func install(_ v: Values, extra: String = "") -> String {
    "curl -fsSL\(v.curlTrust) \(v.coordinator)/install.sh | sh -s -- --token \(v.token) --hourly-cost \(v.hourlyCost) --provider \(v.provider) --slots \(v.slots)\(extra)"
  }

  static func render(_ target: Target, _ v: Values) -> String {
    switch target {
    case .docker:
      return """
        # syntax=docker/dockerfile:1
        # Your training image, plus what starts a LoRASweep worker when the container starts: the form
        # RunPod and Vast.ai templates take. Build, push, and give the template these variables:
        #   SWEEP_COORDINATOR=\(v.coordinator)  SWEEP_WORKER_TOKEN=\(v.token)
        #   SWEEP_HOURLY_COST=\(v.hourlyCost)  SWEEP_PROVIDER=\(v.provider)  SWEEP_SLOTS=\(v.slots)
        #   docker build --build-arg BASE=your/training-image:tag -t your/training-image:lorasweep .
        # The worker is downloaded at start, digest checked, so the image holds no token and no binary.
        ARG BASE=pytorch/pytorch:latest
        FROM ${BASE}
        RUN command -v curl >/dev/null || (apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*)
        ENV SWEEP_COORDINATOR=\(v.coordinator) SWEEP_HOURLY_COST=\(v.hourlyCost) SWEEP_PROVIDER=\(v.provider) SWEEP_SLOTS=\(v.slots)\(v.pin.map { " SWEEP_TLS_PIN=\($0)" } ?? "")
        WORKDIR /workspace
        # Optional: SWEEP_NAME (the worker's name; `sweep fleet up` names its boxes),
        # SWEEP_BILLING_STARTED_AT (when the box began billing, a UTC time; `sweep fleet up` sets it),
        # SWEEP_TLS_PIN (the key pin of a coordinator started with --tls auto).
        ENTRYPOINT ["/bin/sh", "-c", "curl -fsSL ${SWEEP_TLS_PIN:+--insecure --pinnedpubkey \\"$SWEEP_TLS_PIN\\"} \\"$SWEEP_COORDINATOR/install.sh\\" | sh -s -- --hourly-cost \\"$SWEEP_HOURLY_COST\\" --provider \\"$SWEEP_PROVIDER\\" --slots \\"$SWEEP_SLOTS\\" ${SWEEP_NAME:+--name \\"$SWEEP_NAME\\"} ${SWEEP_BILLING_STARTED_AT:+--billing-started-at \\"$SWEEP_BILLING_STARTED_AT\\"}"]

        """
    case .cloudInit:
      return """
        #cloud-config
        # A Lambda (or any cloud) VM that becomes a LoRASweep worker at boot and powers off when the
        # sweep has nothing more for it. Paste as the instance's user data.
        package_update: true
        packages: [curl, ca-certificates]
        runcmd:
          - [sh, -c, "\(install(v, extra: " --on-exit 'shutdown -h now'")) > /var/log/sweep-worker.log 2>&1 &"]

        """
    case .systemd:
      return """
        # A LoRASweep worker as a systemd service on a VM you keep (not in a container: those have no
        # systemd). It installs the coordinator's worker at each start, so upgrades come by themselves.
        #   install -m 0644 sweep-worker-install.service /etc/systemd/system/ && systemctl enable --now sweep-worker-install
        [Unit]
        Description=LoRASweep worker (installed from \(v.coordinator))
        After=network-online.target
        Wants=network-online.target

        [Service]
        Environment=SWEEP_HOME=/var/lib/sweep-worker
        ExecStart=/bin/sh -c '\(install(v))'
        Restart=on-failure
        RestartSec=30
        KillSignal=SIGTERM
        TimeoutStopSec=120

        [Install]
        WantedBy=multi-user.target

        """
    case .skypilot:
      return """
        # A SkyPilot task: the cheapest GPU any of your clouds has, running a LoRASweep worker until
        # the sweep has nothing more for it.  sky launch -c lorasweep skypilot.yaml  (sky down lorasweep after)
        name: lorasweep-worker
        resources:
          accelerators: {A10G: 1, L4: 1, A100: 1}
        num_nodes: \(v.workers)
        run: |
          \(install(v, extra: " --exit-when-done"))

        """
    case .kubernetes:
      return """
        # An Indexed Job: \(v.workers) pods, one LoRASweep worker each, on a GPU, until the sweep is done.
        #   kubectl create secret generic lorasweep --from-literal=token=\(v.token)
        #   kubectl apply -f kubernetes-job.yaml
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: lorasweep-workers
        spec:
          completionMode: Indexed
          completions: \(v.workers)
          parallelism: \(v.workers)
          backoffLimit: 4
          template:
            spec:
              restartPolicy: OnFailure
              containers:
                - name: worker
                  image: pytorch/pytorch:latest
                  command: ["/bin/sh", "-c"]
                  args:
                    - >-
                      (command -v curl >/dev/null || (apt-get update && apt-get install -y curl)) &&
                      curl -fsSL\(v.curlTrust) \(v.coordinator)/install.sh | sh -s -- --hourly-cost \(v.hourlyCost)
                      --provider \(v.provider) --slots \(v.slots) --name "$HOSTNAME" --exit-when-done
                  env:
                    - name: SWEEP_WORKER_TOKEN
                      valueFrom: {secretKeyRef: {name: lorasweep, key: token}}
                  resources:
                    limits: {nvidia.com/gpu: \(v.gpus)}

        """
    case .slurm:
      // A CPU partition takes no GPU request.
      let gpuLine = v.gpus == "0" ? "" : "#SBATCH --gpus-per-task=\(v.gpus)\n"
      return """
        #!/bin/bash
        # A Slurm job array: \(v.workers) tasks, one LoRASweep worker each, on the cluster's GPUs, each
        # leaving when the sweep has nothing more for it.  sbatch sweep-worker.sbatch
        #SBATCH --job-name=lorasweep
        #SBATCH --array=1-\(v.workers)
        #SBATCH --ntasks=1
        \(gpuLine)#SBATCH --time=24:00:00
        #SBATCH --output=lorasweep-%A_%a.log
        set -eu
        export SWEEP_HOME="${SWEEP_HOME:-$HOME/.lorasweep}"
        # Each task its own spool: tasks on one node must not share one.
        curl -fsSL \(v.coordinator)/install.sh | sh -s -- --token \(v.token) --hourly-cost \(v.hourlyCost) \\
          --provider \(v.provider) --slots \(v.slots) --name "slurm-${SLURM_ARRAY_JOB_ID:-0}-${SLURM_ARRAY_TASK_ID:-0}" \\
          --spool "$SWEEP_HOME/spool-${SLURM_ARRAY_JOB_ID:-0}-${SLURM_ARRAY_TASK_ID:-0}" --exit-when-done

        """
    }
  }
}
