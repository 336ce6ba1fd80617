/// Fisher–Yates with unbiased bounded integers by rejection, so the order is platform-independent.
public func shuffle<R: RandomNumberGenerator>(_ a: inout [Int], using r: inout R) {
    guard a.count > 1 else { return }
    for i in stride(from: a.count - 1, to: 0, by: -1) {
        let j = boundedRandom(i + 1, using: &r)
        a.swapAt(i, j)
    }
}

/// Uniform in 0..<n without modulo bias.
public func boundedRandom<R: RandomNumberGenerator>(_ n: Int, using r: inout R) -> Int {
    let bound = UInt64(n)
    let limit = UInt64.max - UInt64.max % bound
    while true {
        let v = r.next()
        if v < limit { return Int(v % bound) }
    }
}
