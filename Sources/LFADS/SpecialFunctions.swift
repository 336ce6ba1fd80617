import Foundation

/// ln Γ(x) for x > 0, in Double (libm's lgamma, accurate to a few ulp). The observation models
/// evaluate it in Double even on the Float path, so Float training never sees its cancellation.
@inlinable public func logGamma(_ x: Double) -> Double { Foundation.lgamma(x) }

/// ψ(x) = d ln Γ(x)/dx for x > 0 (docs/model.md §14): the recurrence ψ(x) = ψ(x+1) − 1/x lifts x
/// to ≥ 10, where the asymptotic series ln x − 1/(2x) − Σ_{k≤7} B_2k/(2k·x^2k) leaves an error
/// below 5e−17 (the first omitted term, (3617/8160)/x^16), i.e. below an ulp of ψ there.
public func digamma(_ x: Double) -> Double {
    guard x.isFinite else { return x.isNaN || x < 0 ? .nan : .infinity }
    if x <= 0 { return .nan }
    var v = x, shift = 0.0
    while v < 10 { shift -= 1 / v; v += 1 }
    let r = 1 / v, r2 = r * r
    // B2/2, B4/4, B6/6, B8/8, B10/10, B12/12, B14/14 with their signs.
    let series = r2 * (1.0 / 12 - r2 * (1.0 / 120 - r2 * (1.0 / 252 - r2 * (1.0 / 240
        - r2 * (1.0 / 132 - r2 * (691.0 / 32760 - r2 * (1.0 / 12)))))))
    return shift + Foundation.log(v) - 0.5 * r - series
}

/// ln σ(z) = −softplus(−z), without forming σ(z), so it stays finite where σ(z) rounds to 0 or 1.
@inlinable public func logSigmoid(_ z: Double) -> Double {
    z >= 0 ? -Foundation.log1p(Foundation.exp(-z)) : z - Foundation.log1p(Foundation.exp(z))
}

@inlinable public func logistic(_ z: Double) -> Double {
    z >= 0 ? 1 / (1 + Foundation.exp(-z)) : Foundation.exp(z) / (1 + Foundation.exp(z))
}
