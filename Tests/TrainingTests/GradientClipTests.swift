import Testing
import Training

/// The global-norm clip of docs/model.md §5: g ← g·min(1, max_norm/(n + 1e−6)) over the whole
/// flat gradient, returning n before clipping.
struct GradientClipTests {
    @Test func theNormIsOverEveryElementOfTheBuffer() {
        #expect(globalNorm([3, 0, -4, 0]) == 5)
        #expect(globalNorm([]) == 0)
    }

    @Test func aGradientAboveTheLimitIsScaledToIt() {
        var g: [Float] = [3, 0, -4, 12]          // n = 13
        let n = clipGlobalNorm(&g, maxNorm: 6.5)
        #expect(n == 13, "the norm before clipping is returned")
        let f = 6.5 / (13 + 1e-6)
        #expect(zip(g, [3, 0, -4, 12]).allSatisfy { abs(Double($0) - f * $1) < 1e-6 }, "\(g)")
        #expect(abs(globalNorm(g) - 6.5) < 1e-5)
    }

    @Test func aGradientBelowTheLimitIsUntouched() {
        var g: [Float] = [0.3, -0.4]
        #expect(abs(clipGlobalNorm(&g, maxNorm: 200) - 0.5) < 1e-7)
        #expect(g == [0.3, -0.4])
    }

    /// The 1e−6 in the denominator: a gradient exactly at the limit is still scaled, by
    /// max/(max + 1e−6). With max = 1e−5 that is a factor 10/11.
    @Test func theDenominatorCarriesTheOneInAMillion() {
        var g: [Float] = [6e-6, 8e-6]               // n = 1e−5
        clipGlobalNorm(&g, maxNorm: 1e-5)
        #expect(abs(Double(g[0]) - 6e-6 * 10 / 11) < 1e-12, "\(g)")
        #expect(abs(Double(g[1]) - 8e-6 * 10 / 11) < 1e-12, "\(g)")
    }
}
