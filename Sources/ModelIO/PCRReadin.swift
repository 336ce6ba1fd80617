import Foundation
import LFADS
import Store

/// The PCR read-in and read-out of a stitched model (docs/model.md §18): from each session's
/// `readin_weight` [N_s,R] and `readout_bias` [N_s] (lfads-torch) or `alignment_matrix_cxf` [N_s,F]
/// and `alignment_bias_c` [N_s] (LFADS TF; its read-out is always the transpose, as in TF's
/// lfads.py) when its file has them, else from LT's recipe
/// (condition PSTHs smoothed with σ = 1 bin, stacked over sessions, centred, PCA to R; per session a
/// ridge regression, α = 1 without intercept, from its centred PSTH to the PCs). Then
/// W_in = readin_weight, b_in = −μ·W_in, W_out = pinv(W_in) or W_inᵀ, b_out = μ (the mean count per bin).
public enum PCRReadin {
    public struct Adapter: Sendable, Equatable {
        public var readinW: [Double], readinB: [Double], readoutW: [Double], readoutB: [Double]
        public var rank: Int
    }

    /// One adapter per session; `warnings` gets a line for each rank-deficient W_in.
    public static func adapters(_ sessions: [SpikeDataset], R: Int, readout: String, warnings: inout [String]) throws -> [Adapter] {
        let given = try sessions.map { try fromFile($0, R: R) }
        let recipe: [(w: [Double], mu: [Double], transpose: Bool)]
        if given.allSatisfy({ $0 != nil }) { recipe = given.map { $0! } }
        else {
            if let i = given.firstIndex(where: { $0 != nil }), given.contains(where: { $0 == nil }) {
                let j = given.firstIndex { $0 == nil }!
                let name = given[i]!.transpose ? "alignment_matrix_cxf" : "readin_weight"
                throw DatasetError("readin_init: pcr: \(sessions[i].path) has \(name) but \(sessions[j].path) does not; give read-in weights to every session or to none")
            }
            recipe = try fit(sessions, R: R).map { ($0.w, $0.mu, false) }
        }
        return try zip(sessions, recipe).map { d, r in
            let N = d.N
            var bIn = [Double](repeating: 0, count: R)
            for j in 0..<R { for n in 0..<N { bIn[j] -= r.mu[n] * r.w[n * R + j] } }
            let (pinv, rank) = pseudoInverse(r.w, rows: N, cols: R)
            if rank < R { warnings.append("\(d.path): the PCR read-in has rank \(rank) < readin_dim \(R)") }
            var wOut = [Double](repeating: 0, count: R * N)
            if readout == "transpose" || r.transpose { for n in 0..<N { for j in 0..<R { wOut[j * N + n] = r.w[n * R + j] } } }
            else { wOut = pinv }
            return Adapter(readinW: r.w, readinB: bIn, readoutW: wOut, readoutB: r.mu, rank: rank)
        }
    }

    /// The read-in weights and bias of one file, nil when it has none: lfads-torch's `readin_weight`
    /// [N,R] and `readout_bias` [N], or TF's `alignment_matrix_cxf` [N,F] and `alignment_bias_c` [N]
    /// (R = F under pcr), whose read-out is the transpose.
    static func fromFile(_ d: SpikeDataset, R: Int) throws -> (w: [Double], mu: [Double], transpose: Bool)? {
        let f = try H5File.open(d.path)
        defer { try? f.close() }
        let hasW = f.exists("readin_weight"), hasB = f.exists("readout_bias")
        let hasA = f.exists("alignment_matrix_cxf"), hasC = f.exists("alignment_bias_c")
        if (hasW || hasB) && (hasA || hasC) {
            throw DatasetError("\(d.path): has both readin_weight/readout_bias (lfads-torch) and alignment_matrix_cxf/alignment_bias_c (TF); keep one")
        }
        let (wName, bName) = hasA || hasC ? ("alignment_matrix_cxf", "alignment_bias_c") : ("readin_weight", "readout_bias")
        guard f.exists(wName) || f.exists(bName) else { return nil }
        guard f.exists(wName) && f.exists(bName) else { throw DatasetError("\(d.path): \(wName) and \(bName) go together; give both") }
        let w = try f.readDouble(wName), b = try f.readDouble(bName)
        guard w.shape == [d.N, R] else { throw DatasetError("\(d.path): \(wName) has shape \(w.shape), expected [\(d.N), \(R)] (N, readin_dim)") }
        guard b.shape == [d.N] else { throw DatasetError("\(d.path): \(bName) has shape \(b.shape), expected [\(d.N)]") }
        guard (w.values + b.values).allSatisfy(\.isFinite) else { throw DatasetError("\(d.path): \(wName) or \(bName) holds NaN/Inf") }
        return (w.values, b.values, hasA)
    }

    /// LT's recipe over the train trials: every session needs condition labels, the same conditions.
    static func fit(_ sessions: [SpikeDataset], R: Int) throws -> [(w: [Double], mu: [Double])] {
        let T = sessions[0].T
        var psths: [[Double]] = [] // per session [C·T, N_s]
        var conditions: [Int]? = nil
        for d in sessions {
            guard let tc = d.trainConditions else {
                throw DatasetError("\(d.path): readin_init: pcr needs train_conditions (for the PSTHs) or read-in weights (readin_weight + readout_bias, or alignment_matrix_cxf + alignment_bias_c)")
            }
            let cs = Array(Set(tc)).sorted()
            if let c = conditions, c != cs {
                throw DatasetError("\(d.path): its train conditions differ from \(sessions[0].path)'s; PCR stacks PSTHs of the same conditions")
            }
            conditions = cs
            let N = d.N, index = Dictionary(uniqueKeysWithValues: cs.enumerated().map { ($1, $0) })
            var sum = [Double](repeating: 0, count: cs.count * T * N), n = [Double](repeating: 0, count: cs.count)
            for (k, c) in tc.enumerated() {
                let ci = index[c]!
                n[ci] += 1
                for i in 0..<(T * N) where !d.trainCounts[k * T * N + i].isNaN { sum[ci * T * N + i] += Double(d.trainCounts[k * T * N + i]) }
            }
            for ci in 0..<cs.count { for i in 0..<(T * N) { sum[ci * T * N + i] /= max(n[ci], 1) } }
            psths.append(smooth(sum, conditions: cs.count, T: T, N: N))
        }
        let rows = conditions!.count * T
        let Ns = sessions.map(\.N), total = Ns.reduce(0, +)
        guard R <= min(rows, total) else {
            throw DatasetError("readin_init: pcr: readin_dim \(R) exceeds the \(min(rows, total)) principal components of \(rows) PSTH bins × \(total) neurons")
        }
        // Centre each session's PSTH; μ_s is its mean (count per bin).
        var centred: [[Double]] = [], mus: [[Double]] = []
        for (p, N) in zip(psths, Ns) {
            var mu = [Double](repeating: 0, count: N)
            for r in 0..<rows { for j in 0..<N { mu[j] += p[r * N + j] / Double(rows) } }
            centred.append((0..<(rows * N)).map { p[$0] - mu[$0 % N] })
            mus.append(mu)
        }
        // PCA of the stacked [rows, ΣN]: top-R eigenvectors of its scatter matrix.
        var X = [Double](repeating: 0, count: rows * total), o = 0
        for (c, N) in zip(centred, Ns) {
            for r in 0..<rows { for j in 0..<N { X[r * total + o + j] = c[r * N + j] } }
            o += N
        }
        let (vals, vecs) = symmetricEigen(gram(X, rows: rows, cols: total), n: total)
        let top = vals.indices.sorted { vals[$0] > vals[$1] }.prefix(R)
        var pcs = [Double](repeating: 0, count: rows * R)
        for (j, e) in top.enumerated() {
            for r in 0..<rows { var s = 0.0; for i in 0..<total { s += X[r * total + i] * vecs[i * total + e] }; pcs[r * R + j] = s }
        }
        // Ridge per session: W = (XᵀX + I)⁻¹ Xᵀ PCs, [N_s, R].
        return zip(centred, Ns).enumerated().map { s, cn in
            let (c, N) = cn
            var A = gram(c, rows: rows, cols: N)
            for j in 0..<N { A[j * N + j] += 1 }
            var XtY = [Double](repeating: 0, count: N * R)
            for r in 0..<rows { for i in 0..<N { let x = c[r * N + i]; for j in 0..<R { XtY[i * R + j] += x * pcs[r * R + j] } } }
            let (ev, V) = symmetricEigen(A, n: N)
            var w = [Double](repeating: 0, count: N * R)
            // A⁻¹ = V diag(1/λ) Vᵀ (A is positive definite: λ ≥ 1).
            for i in 0..<N { for k in 0..<N {
                var inv = 0.0
                for e in 0..<N { inv += V[i * N + e] * V[k * N + e] / ev[e] }
                for j in 0..<R { w[i * R + j] += inv * XtY[k * R + j] }
            } }
            return (w, mus[s])
        }
    }

    /// Each neuron's PSTH smoothed over time with a Gaussian of σ = 1 bin (truncated at 4σ, renormalised at the edges).
    static func smooth(_ p: [Double], conditions C: Int, T: Int, N: Int) -> [Double] {
        let k = (-4...4).map { Foundation.exp(-0.5 * Double($0 * $0)) }
        var out = p
        for c in 0..<C { for t in 0..<T { for n in 0..<N {
            var s = 0.0, w = 0.0
            for d in -4...4 where t + d >= 0 && t + d < T { s += k[d + 4] * p[(c * T + t + d) * N + n]; w += k[d + 4] }
            out[(c * T + t) * N + n] = s / w
        } } }
        return out
    }

    /// XᵀX of a row-major [rows, cols] matrix.
    static func gram(_ X: [Double], rows: Int, cols: Int) -> [Double] {
        var g = [Double](repeating: 0, count: cols * cols)
        for r in 0..<rows { for i in 0..<cols { let a = X[r * cols + i]; if a == 0 { continue }; for j in 0..<cols { g[i * cols + j] += a * X[r * cols + j] } } }
        return g
    }

    /// Moore–Penrose pseudo-inverse [cols, rows] of W [rows, cols] through the eigen-decomposition of
    /// WᵀW (eigenvalues below 1e−10 of the largest count as zero), and the rank it found.
    public static func pseudoInverse(_ W: [Double], rows: Int, cols: Int) -> ([Double], Int) {
        let (ev, V) = symmetricEigen(gram(W, rows: rows, cols: cols), n: cols)
        let tol = (ev.max() ?? 0) * 1e-10
        var inv = [Double](repeating: 0, count: cols * cols) // (WᵀW)⁺
        var rank = 0
        for e in 0..<cols where ev[e] > tol {
            rank += 1
            for i in 0..<cols { for j in 0..<cols { inv[i * cols + j] += V[i * cols + e] * V[j * cols + e] / ev[e] } }
        }
        var p = [Double](repeating: 0, count: cols * rows)
        for i in 0..<cols { for r in 0..<rows {
            var s = 0.0
            for j in 0..<cols { s += inv[i * cols + j] * W[r * cols + j] }
            p[i * rows + r] = s
        } }
        return (p, rank)
    }

    /// Eigenvalues and eigenvectors (columns of V, row-major [n,n]) of a symmetric matrix: cyclic Jacobi.
    static func symmetricEigen(_ a: [Double], n: Int) -> ([Double], [Double]) {
        var A = a, V = [Double](repeating: 0, count: n * n)
        for i in 0..<n { V[i * n + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { off += A[i * n + j] * A[i * n + j] } }
            if off < 1e-22 * max(1, (0..<n).reduce(0.0) { $0 + A[$1 * n + $1] * A[$1 * n + $1] }) { break }
            for p in 0..<n { for q in (p + 1)..<max(n, p + 1) {
                let apq = A[p * n + q]
                if abs(apq) < 1e-300 { continue }
                let theta = (A[q * n + q] - A[p * n + p]) / (2 * apq)
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<n {
                    let akp = A[k * n + p], akq = A[k * n + q]
                    A[k * n + p] = c * akp - s * akq; A[k * n + q] = s * akp + c * akq
                }
                for k in 0..<n {
                    let apk = A[p * n + k], aqk = A[q * n + k]
                    A[p * n + k] = c * apk - s * aqk; A[q * n + k] = s * apk + c * aqk
                }
                for k in 0..<n {
                    let vkp = V[k * n + p], vkq = V[k * n + q]
                    V[k * n + p] = c * vkp - s * vkq; V[k * n + q] = s * vkp + c * vkq
                }
            } }
        }
        return ((0..<n).map { A[$0 * n + $0] }, V)
    }
}
