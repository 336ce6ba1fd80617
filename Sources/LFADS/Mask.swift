import Foundation

/// A random mask whose every element is either 0 or one value, `scale` (inverted dropout's 1/keep,
/// CD's 1/(1 − cd_rate), or 1 for 0/1 masks), stored as one byte per element: a quarter of a Float
/// mask's memory, and the [T,B,·] masks of a maze-sized batch are tens of MB (docs/performance.md,
/// "Memory, maze-medium"). `value(_:)` gives exactly the Float the element stood for (0 or scale),
/// so every product with it has the bits it had when the mask was stored as Floats.
public final class Mask<T: Scalar> {
    public let count: Int
    /// 1 where the element is kept (its value is `scale`), 0 where it is dropped.
    public let p: UnsafeMutablePointer<UInt8>
    /// The value of a kept element.
    public internal(set) var scale: T = 1

    public init(_ count: Int) {
        self.count = count
        p = .allocate(capacity: max(count, 1))
        fill(1)
    }
    deinit { p.deallocate() }

    @inlinable public subscript(i: Int) -> T { maskValue(p[i], scale) }

    /// Every element v: 0 (all dropped) or v (all kept, scale v).
    public func fill(_ v: T) {
        memset(p, v == 0 ? 0 : 1, max(count, 1))
        if v != 0 { scale = v }
    }

    public var array: [T] { (0..<count).map { self[$0] } }

    /// Loads a mask given as values (golden fixtures, tests): each element must be 0 or one common
    /// nonzero value, which becomes the scale.
    public func copy(from a: [T]) {
        precondition(a.count == count, "mask size \(count) vs \(a.count)")
        let s = a.first { $0 != 0 } ?? 1
        for (i, v) in a.enumerated() {
            precondition(v == 0 || v == s, "mask element \(i) is \(v): a mask holds 0 or one value (\(s))")
            p[i] = v == 0 ? 0 : 1
        }
        scale = s
    }
}

/// A mask element as a value: 0 or `scale`, selected rather than converted and multiplied, so a
/// dropped element is +0 as it was in a Float mask, and the loop stays a plain vector select.
@inlinable @inline(__always) public func maskValue<T: Scalar>(_ bit: UInt8, _ scale: T) -> T { bit == 0 ? 0 : scale }
