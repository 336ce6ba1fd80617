import CBLAS
import Foundation

/// NLB's velocity decoding (nlb_tools `fit_and_eval_decoder`): ridge regression with an intercept
/// from rates to behaviour, alpha chosen by scikit-learn's `GridSearchCV(Ridge(), alpha ∈
/// logspace(−4, 0, 9))` (5 contiguous unshuffled folds, mean R² per alpha, first best), refitted on
/// all training rows and scored by R² on the evaluation rows. Solves use LAPACK (dposv).
public enum RidgeDecoding {
    public static let alphas: [Double] = (0..<9).map { Foundation.pow(10, -4 + 0.5 * Double($0)) }
    public static let folds = 5

    /// Rows are samples (trial × bin flattened), `F` features, `B` outputs; rows whose first
    /// behaviour channel is NaN are dropped, as nlb_tools does. NaN when too few rows remain.
    public static func velocityR2(trainRates: [Double], trainBehavior: [Double], evalRates: [Double],
                                  evalBehavior: [Double], features F: Int, outputs B: Int) -> Double {
        let (tx, ty) = keepRows(trainRates, trainBehavior, F, B)
        let (ex, ey) = keepRows(evalRates, evalBehavior, F, B)
        let n = ty.count / B
        guard n >= folds, !ey.isEmpty else { return .nan }
        let stats = FoldStatistics(x: tx, y: ty, F: F, B: B, folds: folds)
        var best = (alpha: alphas[0], score: -Double.infinity)
        for alpha in alphas {
            var score = 0.0
            for f in 0..<folds {
                let others = (0..<folds).filter { $0 != f }
                guard let fit = stats.fit(alpha: alpha, folds: others) else { return .nan }
                let r = stats.bounds[f]
                score += Metrics.r2Score(truth: Array(ty[(r.lowerBound * B)..<(r.upperBound * B)]),
                                         pred: fit.predict(Array(tx[(r.lowerBound * F)..<(r.upperBound * F)])), outputs: B)
            }
            score /= Double(folds)
            if score > best.score { best = (alpha, score) }  // strict: the first of equal scores wins
        }
        guard let fit = stats.fit(alpha: best.alpha, folds: Array(0..<folds)) else { return .nan }
        return Metrics.r2Score(truth: ey, pred: fit.predict(ex), outputs: B)
    }

    static func keepRows(_ x: [Double], _ y: [Double], _ F: Int, _ B: Int) -> ([Double], [Double]) {
        // Real sessions have hundreds of thousands of rows: copy only when some must go.
        if !(0..<(y.count / B)).contains(where: { y[$0 * B].isNaN }) { return (x, y) }
        var kx: [Double] = [], ky: [Double] = []
        for r in 0..<(y.count / B) where !y[r * B].isNaN {
            kx += x[(r * F)..<((r + 1) * F)]; ky += y[(r * B)..<((r + 1) * B)]
        }
        return (kx, ky)
    }

    /// A fitted ridge model: predictions are x·w + b.
    struct Fit {
        let w: [Double], b: [Double], F: Int, B: Int
        func predict(_ x: [Double]) -> [Double] {
            let rows = x.count / F
            var out = [Double](repeating: 0, count: rows * B)
            for r in 0..<rows { for j in 0..<B { out[r * B + j] = b[j] } }
            x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in out.withUnsafeMutableBufferPointer { op in
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(B), Int32(F),
                            1, xp.baseAddress, Int32(F), wp.baseAddress, Int32(B), 1, op.baseAddress, Int32(B))
            } } }
            return out
        }
    }

    /// Per-fold sums of products of the rows shifted by the overall means (shifting first keeps
    /// the centred Gram matrix free of cancellation), so each fit adds folds instead of
    /// re-reading the rows.
    struct FoldStatistics {
        let F: Int, B: Int
        let bounds: [Range<Int>]
        let shiftX: [Double], shiftY: [Double]
        var gram: [[Double]] = [], cross: [[Double]] = [], sumX: [[Double]] = [], sumY: [[Double]] = []

        init(x: [Double], y: [Double], F: Int, B: Int, folds: Int) {
            self.F = F; self.B = B
            let n = y.count / B
            // scikit-learn's KFold: the first n mod k folds get one extra row.
            var b: [Range<Int>] = [], start = 0
            for f in 0..<folds {
                let size = n / folds + (f < n % folds ? 1 : 0)
                b.append(start..<(start + size)); start += size
            }
            bounds = b
            shiftX = (0..<F).map { j in (0..<n).reduce(0.0) { $0 + x[$1 * F + j] } / Double(n) }
            shiftY = (0..<B).map { j in (0..<n).reduce(0.0) { $0 + y[$1 * B + j] } / Double(n) }
            for r in bounds {
                let m = r.count
                var xs = [Double](repeating: 0, count: m * F), ys = [Double](repeating: 0, count: m * B)
                for i in 0..<m {
                    for j in 0..<F { xs[i * F + j] = x[(r.lowerBound + i) * F + j] - shiftX[j] }
                    for j in 0..<B { ys[i * B + j] = y[(r.lowerBound + i) * B + j] - shiftY[j] }
                }
                var g = [Double](repeating: 0, count: F * F), c = [Double](repeating: 0, count: F * B)
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(F), Int32(F), Int32(m),
                            1, xs, Int32(F), xs, Int32(F), 0, &g, Int32(F))
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(F), Int32(B), Int32(m),
                            1, xs, Int32(F), ys, Int32(B), 0, &c, Int32(B))
                gram.append(g); cross.append(c)
                sumX.append((0..<F).map { j in (0..<m).reduce(0.0) { $0 + xs[$1 * F + j] } })
                sumY.append((0..<B).map { j in (0..<m).reduce(0.0) { $0 + ys[$1 * B + j] } })
            }
        }

        /// Ridge on the rows of `folds`: (XcᵀXc + αI) w = Xcᵀyc with X, y centred on those rows.
        func fit(alpha: Double, folds: [Int]) -> Fit? {
            let n = Double(folds.reduce(0) { $0 + bounds[$1].count })
            var a = [Double](repeating: 0, count: F * F), rhs = [Double](repeating: 0, count: F * B)
            var mx = [Double](repeating: 0, count: F), my = [Double](repeating: 0, count: B)
            for f in folds {
                for i in a.indices { a[i] += gram[f][i] }
                for i in rhs.indices { rhs[i] += cross[f][i] }
                for j in 0..<F { mx[j] += sumX[f][j] / n }
                for j in 0..<B { my[j] += sumY[f][j] / n }
            }
            for i in 0..<F {
                for j in 0..<F { a[i * F + j] -= n * mx[i] * mx[j] }
                for j in 0..<B { rhs[i * B + j] -= n * mx[i] * my[j] }
                a[i * F + i] += alpha
            }
            guard let w = solve(a, rhs) else { return nil }
            // Intercept in the unshifted coordinates: mean(y) − mean(x)·w.
            let b = (0..<B).map { j in
                (0..<F).reduce(my[j] + shiftY[j]) { $0 - (mx[$1] + shiftX[$1]) * w[$1 * B + j] }
            }
            return Fit(w: w, b: b, F: F, B: B)
        }

        /// Solves the symmetric system a·w = rhs ([F, F], [F, B] row-major) by Cholesky (dposv),
        /// falling back to LU (dgesv) if rounding left it not quite positive definite.
        func solve(_ a: [Double], _ rhs: [Double]) -> [Double]? {
            // LAPACK is column-major: a is symmetric, and rhs goes in transposed.
            var n = Int32(F), nrhs = Int32(B), lda = Int32(F), info: Int32 = 0
            var m = a, x = [Double](repeating: 0, count: F * B)
            for i in 0..<F { for j in 0..<B { x[j * F + i] = rhs[i * B + j] } }
            var uplo = CChar(UInt8(ascii: "L"))
            dposv_(&uplo, &n, &nrhs, &m, &lda, &x, &lda, &info)
            if info != 0 {
                m = a
                for i in 0..<F { for j in 0..<B { x[j * F + i] = rhs[i * B + j] } }
                var pivots = [Int32](repeating: 0, count: F)
                dgesv_(&n, &nrhs, &m, &lda, &pivots, &x, &lda, &info)
                guard info == 0 else { return nil }
            }
            var w = [Double](repeating: 0, count: F * B)
            for i in 0..<F { for j in 0..<B { w[i * B + j] = x[j * F + i] } }
            return w
        }
    }
}
