import Foundation

/// `GET /install.sh`: the POSIX shell script that turns a rented box into a worker in one line,
///
///     curl -fsSL https://COORD/install.sh | sh -s -- --token TOKEN --hourly-cost 0.44 --provider runpod
///
/// It picks the box's platform, downloads that `sweep-worker` with the join token, checks its
/// sha256 against the digest written into the script, installs it under `$SWEEP_HOME`
/// (`~/.lorasweep`), and runs it against this coordinator with the remaining arguments.
public enum InstallScript {
  /// The coordinator's address as the box reached it, or nil when the Host header holds anything
  /// but a host name, an address and a port (it is written into a shell script).
  public static func coordinatorURL(host: String?, tls: Bool) -> String? {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]")
    guard let host, !host.isEmpty, host.count <= 255, host.allSatisfy(allowed.contains) else { return nil }
    return (tls ? "https://" : "http://") + host
  }

  /// `authority`: the PEM of the CA that signed the coordinator's certificate (`--tls auto`): the
  /// script writes it beside the worker, downloads through it, and gives it to the worker
  /// (`--ca-cert`); the script itself was fetched with the server key's pin.
  public static func render(coordinator: String, binaries: [WorkerBinary], authority: String? = nil) -> String {
    let cases = binaries.sorted { $0.platform < $1.platform }.map { "  \($0.platform)) want=\($0.sha256) ;;" }
    let platforms = binaries.map(\.platform).sorted().joined(separator: ", ")
    // A PEM holds letters, digits, '+', '/', '=', '-', spaces and newlines: safe in a quoted here-document.
    let trust =
      authority.map { pem in
        """
        mkdir -p "$DIR"
        cat > "$DIR/ca.pem" <<'LORASWEEP_CA'
        \(pem.trimmingCharacters(in: .whitespacesAndNewlines))
        LORASWEEP_CA
        CURL_TRUST="--cacert $DIR/ca.pem"
        WGET_TRUST="--ca-certificate=$DIR/ca.pem"
        if [ -z "$HAS_CA" ]; then set -- "$@" --ca-cert "$DIR/ca.pem"; fi
        """
      } ?? "CURL_TRUST=\"\"\nWGET_TRUST=\"\""
    return """
      #!/bin/sh
      # LoRASweep worker installer, from the coordinator at \(coordinator).
      #   curl -fsSL\(authority == nil ? "" : " --insecure --pinnedpubkey PIN") \(coordinator)/install.sh | sh -s -- --token TOKEN [--hourly-cost USD --provider NAME] [sweep-worker options]\(authority == nil ? "" : "\n# PIN: the coordinator's key (sweep serve's log, or DB.tls/pin next to its database): its CA is its own.")
      # --token (or SWEEP_WORKER_TOKEN): the worker join token. --dir: where to install (SWEEP_HOME,
      # default ~/.lorasweep). --platform: install another platform's binary (e.g. in a Docker build)
      # and stop. Every other option goes to sweep-worker (sweep-worker --help).
      set -eu
      COORDINATOR='\(coordinator)'
      TOKEN="${SWEEP_WORKER_TOKEN:-}"
      DIR="${SWEEP_HOME:-${HOME:-/root}/.lorasweep}"
      PLATFORM=""
      PROVIDER=""
      HAS_ON_EXIT=""
      HAS_SPOOL=""
      HAS_CA=""
      say() { echo "lorasweep install: $*" >&2; }
      n=$#
      i=0
      while [ "$i" -lt "$n" ]; do
        a=$1; shift; i=$((i + 1))
        case "$a" in
          --token) TOKEN=${1:-}; shift; i=$((i + 1)) ;;
          --token=*) TOKEN=${a#--token=} ;;
          --dir) DIR=${1:-}; shift; i=$((i + 1)) ;;
          --dir=*) DIR=${a#--dir=} ;;
          --platform) PLATFORM=${1:-}; shift; i=$((i + 1)) ;;
          --platform=*) PLATFORM=${a#--platform=} ;;
          --provider) PROVIDER=${1:-}; set -- "$@" "$a" "${1:-}"; shift; i=$((i + 1)) ;;
          --provider=*) PROVIDER=${a#--provider=}; set -- "$@" "$a" ;;
          --on-exit) HAS_ON_EXIT=1; set -- "$@" "$a" "${1:-}"; shift; i=$((i + 1)) ;;
          --on-exit=*) HAS_ON_EXIT=1; set -- "$@" "$a" ;;
          --spool|--spool=*) HAS_SPOOL=1; set -- "$@" "$a" ;;
          --ca-cert|--ca-cert=*) HAS_CA=1; set -- "$@" "$a" ;;
          *) set -- "$@" "$a" ;;
        esac
      done
      if [ -z "$TOKEN" ]; then
        say "no token: pass --token TOKEN (the worker join token: 'worker' in the coordinator's sweep.db.tokens)"
        exit 2
      fi
      target=${PLATFORM:-$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m)}
      case "$target" in
        linux-arm64) target=linux-aarch64 ;;
        darwin-aarch64) target=darwin-arm64 ;;
      esac
      want=""
      case "$target" in
      \(cases.joined(separator: "\n"))
        *) say "this coordinator has no sweep-worker for $target (it has: \(platforms.isEmpty ? "none" : platforms)); build one (deploy/README.md) and start sweep serve with --worker-binary PATH"; exit 1 ;;
      esac
      \(trust)
      mkdir -p "$DIR/bin"
      # Its own name: workers starting together on one machine (a Slurm node) must not share a file.
      download="$DIR/bin/sweep-worker.download.$$"
      rm -f "$download"
      if command -v curl >/dev/null 2>&1; then
        code=$(curl -sS $CURL_TRUST -o "$download" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$COORDINATOR/v1/worker/$target") || {
          say "cannot reach the coordinator at $COORDINATOR"; exit 1; }
      elif command -v wget >/dev/null 2>&1; then
        if wget -q $WGET_TRUST --header="Authorization: Bearer $TOKEN" -O "$download" "$COORDINATOR/v1/worker/$target"; then code=200; else code=401; fi
      else
        say "needs curl or wget to download the worker"; exit 1
      fi
      case "$code" in
        200) ;;
        401|403) rm -f "$download"; say "the coordinator refused the token ($code): pass the worker join token ('worker' in sweep.db.tokens next to its database)"; exit 1 ;;
        *) rm -f "$download"; say "downloading the worker failed: HTTP $code from $COORDINATOR/v1/worker/$target"; exit 1 ;;
      esac
      if command -v sha256sum >/dev/null 2>&1; then
        got=$(sha256sum "$download" | cut -d' ' -f1)
      else
        got=$(shasum -a 256 "$download" | cut -d' ' -f1)
      fi
      if [ "$got" != "$want" ]; then
        rm -f "$download"
        say "the downloaded worker's sha256 is $got, not $want as the coordinator announced: refusing to run it (a damaged download, or something in between changed it)"
        exit 1
      fi
      chmod 755 "$download"
      mv -f "$download" "$DIR/bin/sweep-worker"
      say "installed $DIR/bin/sweep-worker ($target, sha256 $got)"
      if [ -n "$PLATFORM" ]; then exit 0; fi
      # A rented box stops itself when the sweep has nothing more for it, where the provider can tell us how.
      if [ -z "$HAS_ON_EXIT" ] && [ "$PROVIDER" = runpod ] && [ -n "${RUNPOD_POD_ID:-}" ] && command -v runpodctl >/dev/null 2>&1; then
        set -- "$@" --on-exit "runpodctl stop pod $RUNPOD_POD_ID"
        say "the pod stops itself when the worker exits (runpodctl stop pod $RUNPOD_POD_ID)"
      fi
      if [ -z "$HAS_SPOOL" ]; then set -- "$@" --spool "$DIR/spool"; fi
      SWEEP_WORKER_TOKEN=$TOKEN
      export SWEEP_WORKER_TOKEN
      exec "$DIR/bin/sweep-worker" --coordinator "$COORDINATOR" "$@"

      """
  }
}
