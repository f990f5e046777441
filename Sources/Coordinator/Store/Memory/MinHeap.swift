/// A binary min-heap. The memory store keeps its queues in these (pending shards by position,
/// active leases by expiry) with lazy deletion: an entry whose object changed since it was
/// pushed is skipped when it comes to the top.
struct MinHeap<Element: Comparable> {
  private var items: [Element] = []

  var isEmpty: Bool { items.isEmpty }
  var top: Element? { items.first }

  mutating func push(_ element: Element) {
    items.append(element)
    var child = items.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard items[child] < items[parent] else { break }
      items.swapAt(child, parent)
      child = parent
    }
  }

  @discardableResult
  mutating func pop() -> Element? {
    guard !items.isEmpty else { return nil }
    items.swapAt(0, items.count - 1)
    let smallest = items.removeLast()
    var parent = 0
    while true {
      let left = 2 * parent + 1
      let right = left + 1
      var next = parent
      if left < items.count, items[left] < items[next] { next = left }
      if right < items.count, items[right] < items[next] { next = right }
      if next == parent { break }
      items.swapAt(parent, next)
      parent = next
    }
    return smallest
  }
}
