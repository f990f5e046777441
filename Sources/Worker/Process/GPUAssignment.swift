/// Which GPUs each slot's trials see (`--gpus`, `--gpus-per-trial`): slot k gets its own
/// `CUDA_VISIBLE_DEVICES`, so four slots on a four-GPU box do not all train on GPU 0.
public enum GPUAssignment {
  /// The device indices in `nvidia-smi -L` output ("GPU 0: NVIDIA A100 … (UUID: GPU-…)").
  public static func devices(nvidiaSMIList output: String) -> [String] {
    output.split(whereSeparator: \.isNewline).compactMap { line in
      guard line.hasPrefix("GPU "), let colon = line.firstIndex(of: ":") else { return nil }
      let index = line[line.index(line.startIndex, offsetBy: 4)..<colon]
      return index.allSatisfy(\.isNumber) && !index.isEmpty ? String(index) : nil
    }
  }

  /// `--gpus 0,1,2,3`: the listed devices, in order, without repeats.
  public static func devices(list text: String) throws(GPUAssignmentError) -> [String] {
    var seen = Set<String>()
    var out: [String] = []
    for item in text.split(separator: ",", omittingEmptySubsequences: false) {
      let name = item.trimmingSpaces
      guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
        throw GPUAssignmentError("'\(text)' is not a list of GPU indices or UUIDs such as 0,1,2,3 (or all)")
      }
      if seen.insert(name).inserted { out.append(name) }
    }
    return out
  }

  /// The devices of each slot: slot k takes the k-th group of `perTrial`.
  public static func slots(devices: [String], perTrial: Int, slots: Int) throws(GPUAssignmentError) -> [[String]] {
    guard perTrial >= 1 else { throw GPUAssignmentError("--gpus-per-trial: expected 1 or more, got \(perTrial)") }
    guard slots * perTrial <= devices.count else {
      throw GPUAssignmentError(
        "\(slots) slot(s) × \(perTrial) GPU(s) per trial need \(slots * perTrial) GPUs, but --gpus has \(devices.count) (\(devices.joined(separator: ","))); lower --slots or --gpus-per-trial"
      )
    }
    return (0..<slots).map { Array(devices[($0 * perTrial)..<(($0 + 1) * perTrial)]) }
  }
}

/// A `--gpus` problem, said the way the command line shows it.
public struct GPUAssignmentError: Error, Equatable, Sendable {
  public var message: String
  init(_ message: String) { self.message = message }
}

extension Substring {
  fileprivate var trimmingSpaces: String {
    String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
  }
}
