import Foundation
import Testing
@testable import LFADS

/// Temporal-shift augmentation (docs/model.md §17).
struct TemporalShiftTests {
    /// The tiny check model (CD, SV, dropout on) with shifts up to 2 of its 5 bins.
    static func shiftHP(_ recon: String = "poisson", sbtt: Bool = false) -> Hyperparameters {
        var hp = GradientCheck.tinyHyperparameters()
        hp.temporalShiftMax = 2; hp.temporalShiftStd = 1.5
        hp.recon = recon
        if sbtt { hp.sbtt = 1 }
        return hp
    }

    static func bits(_ a: [Double]) -> [UInt64] { a.map(\.bitPattern) }

    // MARK: gradients

    @Test(arguments: ["poisson", "gaussian", "gamma", "zig"])
    func gradientCheckWithShiftsCDSVAndSBTT(recon: String) {
        let r = GradientCheck.run(Self.shiftHP(recon, sbtt: true), missing: 0.3)
        expectGradientsMatch(r, "\(recon)")
    }

    @Test func gradientCheckWithHeldoutNeuronsForwardBinsAndNoController() {
        var hp = Self.shiftHP()
        hp.heldoutNeurons = 1; hp.forwardBins = 2
        #expect(GradientCheck.run(hp).passed)
        hp.coDim = 0
        #expect(GradientCheck.run(hp).passed)
    }

    /// The check is not vacuous: its fixed shifts move data, and they differ between source and target.
    @Test func theCheckProblemIsShifted() {
        let hp = Self.shiftHP()
        let base = GradientCheck.problem(GradientCheck.tinyHyperparameters()), on = GradientCheck.problem(hp)
        #expect(on.noise.shiftEnc.contains { $0 != 0 } && on.noise.shiftRec.contains { $0 != 0 })
        #expect(on.noise.shiftEnc != on.noise.shiftRec)
        #expect(on.x != base.x)
        // The encoder reads the shifted source (times CD and dropout), not the target.
        _ = SBTTTests.pass(on.model, on.params, on.x, on.noise)
        let src = on.noise.shiftedSource!, n = on.x.count
        var fromSource = true, fromTarget = true
        for i in 0..<n {
            let cd = on.noise.cdKeep[i], din = on.noise.dIn[i]
            if on.model.xIn[i] != src[i] * cd * din { fromSource = false }
            if on.model.xIn[i] != on.x[i] * on.noise.svMask[i] / 0.75 * cd * din { fromTarget = false }
        }
        #expect(fromSource && !fromTarget)
    }

    // MARK: R0 and identity

    /// std = 0: every shift is 0, so loss and gradient are the base model's, bit for bit (the new
    /// streams move no old one, and the shifted source is x ⊙ s_sv computed in the same order).
    @Test(arguments: [false, true])
    func zeroStdIsTheIdentity(sbtt: Bool) {
        var base = GradientCheck.tinyHyperparameters()
        if sbtt { base.sbtt = 1 }
        var on = base; on.temporalShiftMax = 3; on.temporalShiftStd = 0
        let missing = sbtt ? 0.3 : 0
        let a = GradientCheck.problem(base, missing: missing), b = GradientCheck.problem(on, missing: missing)
        #expect(b.noise.shiftedSource != nil && b.noise.shiftEnc.allSatisfy { $0 == 0 })
        #expect(Self.bits(a.x) == Self.bits(b.x))
        let ra = SBTTTests.pass(a.model, a.params, a.x, a.noise), rb = SBTTTests.pass(b.model, b.params, b.x, b.noise)
        #expect(ra.terms == rb.terms)
        #expect(Self.bits(ra.grads) == Self.bits(rb.grads))
    }

    @Test func keysAreWrittenOnlyWhenOnAndRangesAreChecked() throws {
        var off = GradientCheck.tinyHyperparameters()
        off.temporalShiftStd = 2.5   // std alone does not turn the shift on
        #expect(!off.jsonString().contains("temporal_shift"))
        #expect(off.jsonString() == GradientCheck.tinyHyperparameters().jsonString())
        let on = Self.shiftHP()
        #expect(on.jsonString().contains("\"temporal_shift_max\": 2"))
        #expect(try Hyperparameters(json: on.jsonString()) == on)
        var bad = on; bad.temporalShiftMax = on.seqLen
        #expect(bad.problems().contains { $0.contains("temporal_shift_max") && $0.contains("seq_len") })
        bad = on; bad.temporalShiftMax = -1
        #expect(bad.problems().contains { $0.contains("temporal_shift_max") })
        bad = on; bad.temporalShiftStd = -0.5
        #expect(bad.problems().contains { $0.contains("temporal_shift_std") })
        #expect(on.problems().isEmpty)
    }

    // MARK: the shifts

    /// A trial's shifts depend on the trial, not on its batch position or the rank that holds it.
    @Test func sameShiftsWhateverTheBatchLayout() {
        var hp = Self.shiftHP(); hp.seqLen = 12; hp.temporalShiftMax = 4; hp.temporalShiftStd = 2
        let N = hp.dataDim, T = hp.seqLen
        func batch(_ trials: [Int]) -> (x: [Double], noise: NoiseBundle<Double>) {
            let noise = NoiseBundle<Double>(Dims(hp, batch: trials.count))
            noise.draw(hp, trials: trials, epoch: 5, step: 2, kind: .training)
            // x[t, b, n] = 1000·trial + 10·t + n: each trial's data are its own.
            var x = [Double](repeating: 0, count: T * trials.count * N)
            for t in 0..<T { for (b, k) in trials.enumerated() { for n in 0..<N { x[(t * trials.count + b) * N + n] = Double(1000 * k + 10 * t + n) } } }
            x.withUnsafeMutableBufferPointer { noise.applyTemporalShift(hp, trials: trials, epoch: 5, step: 2, x: $0.baseAddress!) }
            return (x, noise)
        }
        let whole = batch([0, 1, 2, 3, 4, 5]), rank1 = batch([5, 3]), alone = batch([3])
        func rows(_ r: (x: [Double], noise: NoiseBundle<Double>), _ b: Int, _ B: Int) -> ([Int], [Int], [Double], [Double]) {
            let enc = Array(r.noise.shiftEnc[(b * N)..<((b + 1) * N)]), rec = Array(r.noise.shiftRec[(b * N)..<((b + 1) * N)])
            var target: [Double] = [], src: [Double] = []
            for t in 0..<T { for n in 0..<N { target.append(r.x[(t * B + b) * N + n]); src.append(r.noise.shiftedSource![(t * B + b) * N + n]) } }
            return (enc, rec, target, src)
        }
        #expect(rows(whole, 3, 6) == rows(rank1, 1, 2))
        #expect(rows(whole, 3, 6) == rows(alone, 0, 1))
        #expect(rows(whole, 5, 6) == rows(rank1, 0, 2))
        // Another step, or the encoder's stream, gives other shifts.
        #expect(TemporalShift.shifts(hp, .tshiftEnc, trial: 3, epoch: 5, step: 2) != TemporalShift.shifts(hp, .tshiftEnc, trial: 3, epoch: 5, step: 3))
        #expect(TemporalShift.shifts(hp, .tshiftEnc, trial: 3, epoch: 5, step: 2) != TemporalShift.shifts(hp, .tshiftRec, trial: 3, epoch: 5, step: 2))
    }

    /// out[t] = in[clamp(t − s, …)]: interior bins are copies of the bin s earlier, the edges repeat
    /// the first or last bin. The encoder source stays inside the bins it may see, with SV
    /// held-out elements zero and the rest scaled by 1/k_sv; the SV mask moves with the target.
    @Test func columnsAreShiftedCopies() {
        var hp = Self.shiftHP(); hp.seqLen = 16; hp.dataDim = 5; hp.temporalShiftMax = 6; hp.temporalShiftStd = 3
        hp.forwardBins = 3; hp.svRate = 0.25
        let (T, N, B, Tin) = (16, 5, 4, 13)
        let d = Dims(hp, batch: B)
        let noise = NoiseBundle<Double>(d)
        let sv = (0..<B).map { sampleValidationMask(hp, split: 0, trialIndex: $0) } as [[Double]]
        noise.draw(hp, trials: Array(0..<B), epoch: 1, step: 4, kind: .training, svMasks: sv)
        let raw = (0..<(T * B * N)).map { Double($0 + 1) }
        var x = raw
        x.withUnsafeMutableBufferPointer { noise.applyTemporalShift(hp, trials: Array(0..<B), epoch: 1, step: 4, x: $0.baseAddress!) }
        let src = noise.shiftedSource!, k = 1 - hp.svRate
        var interior = 0, maxSeen = 0
        for b in 0..<B {
            for n in 0..<N {
                let s = noise.shiftRec[b * N + n], e = noise.shiftEnc[b * N + n]
                #expect(abs(s) <= hp.temporalShiftMax && abs(e) <= hp.temporalShiftMax)
                maxSeen = max(maxSeen, abs(s), abs(e))
                for t in 0..<T {
                    let i = (t * B + b) * N + n
                    let from = t - s
                    let want = from < 0 ? 0 : from > T - 1 ? T - 1 : from
                    if from >= 0 && from < T { interior += 1 }
                    #expect(x[i] == raw[(want * B + b) * N + n])
                    #expect(noise.svMask[i] == sv[b][want * N + n])
                    if t >= Tin { #expect(src[i] == 0); continue }
                    let ef = min(max(t - e, 0), Tin - 1), j = (ef * B + b) * N + n
                    #expect(src[i] == (sv[b][ef * N + n] == 0 ? 0 : raw[j] * 1 * (1 / k)))
                }
            }
        }
        #expect(interior > T * B * N / 2 && maxSeen >= 3)
    }

    /// 10⁵ shifts against the rounded, clamped normal, by χ² over the 2·max + 1 values: std 3,
    /// max 6 (lfads-torch's), so both clamped tails hold mass. The stream is fixed, so this cannot
    /// flake; 32.9 is the 0.999 quantile of χ² with 12 degrees of freedom.
    @Test func shiftsFollowTheRoundedClampedNormal() {
        var hp = Hyperparameters(); hp.dataDim = 10; hp.seqLen = 20; hp.temporalShiftMax = 6; hp.temporalShiftStd = 3
        let m = hp.temporalShiftMax, sd = hp.temporalShiftStd
        var counts = [Int](repeating: 0, count: 2 * m + 1)
        for trial in 0..<10_000 {
            for s in TemporalShift.shifts(hp, .tshiftEnc, trial: trial, epoch: 0, step: 0) {
                #expect(abs(s) <= m)
                counts[s + m] += 1
            }
        }
        func Phi(_ z: Double) -> Double { 0.5 * (1 + erf(z / 2.0.squareRoot())) }
        var chi2 = 0.0
        let n = Double(counts.reduce(0, +))
        #expect(n == 100_000)
        for v in -m...m {
            let lo = v == -m ? 0 : Phi((Double(v) - 0.5) / sd), hi = v == m ? 1 : Phi((Double(v) + 0.5) / sd)
            let expected = n * (hi - lo)
            chi2 += pow(Double(counts[v + m]) - expected, 2) / expected
        }
        #expect(chi2 < 32.9, "χ² = \(chi2), counts \(counts)")
    }

    // MARK: SV, SBTT, validation

    /// SV held-out elements hold a marker; whatever it is, the encoder input, the weighted loss
    /// (L_rec, the held-in NLL) and every gradient are the same bit for bit. Only NLL_sv, the
    /// gradient-free held-out metric, reads it.
    @Test func svHeldOutValuesNeverReachEncoderOrWeightedLoss() {
        let hp = Self.shiftHP()
        func run(marker: Double) -> ((terms: LossTerms, grads: [Double], dTheta: [Double]), [Double], Double) {
            let (_, p, x0, noise) = GradientCheck.problem(GradientCheck.tinyHyperparameters())
            var x = x0
            // Rebuild the training batch by hand: raw data with the marker under m_sv = 0.
            let B = 4, N = hp.dataDim
            for t in 0..<hp.seqLen { for b in 0..<B { for n in 0..<N where noise.svMask[(t * B + b) * N + n] == 0 { x[(t * B + b) * N + n] = marker } } }
            let m = LFADSModel<Double>(hp: hp, batch: B)
            x.withUnsafeMutableBufferPointer { noise.applyTemporalShift(hp, trials: Array(0..<B), epoch: 3, step: 1, x: $0.baseAddress!) }
            let r = SBTTTests.pass(m, p, x, noise)
            return (r, noise.shiftedSource!.array, r.terms.svNll)
        }
        let a = run(marker: 1e6), b = run(marker: 7)
        #expect(!a.1.contains { $0 >= 1e5 })
        #expect(a.1 == b.1)
        #expect(a.0.terms.recon == b.0.terms.recon && a.0.terms.heldInRecon == b.0.terms.heldInRecon)
        #expect(Self.bits(a.0.grads) == Self.bits(b.0.grads))
        #expect(a.2 != b.2)   // the marker is really there, in the held-out metric only
    }

    /// SBTT: O is ¬isnan of the shifted target. The gradient on the read-out is 0 exactly there,
    /// and the trainer's observed count (from the split and the trial's keyed shifts) agrees.
    @Test func observedMaskComesFromTheShiftedTarget() {
        var hp = Self.shiftHP(sbtt: true); hp.seqLen = 9; hp.temporalShiftMax = 4; hp.temporalShiftStd = 2
        hp.forwardBins = 2; hp.heldoutNeurons = 1
        let (m, p, x, noise) = GradientCheck.problem(hp, missing: 0.3)
        let raw = GradientCheck.problem(GradientCheck.tinyHyperparameters().with { $0.seqLen = 9; $0.sbtt = 1 }, missing: 0.3).x
        #expect(x.map(\.isNaN) != raw.map(\.isNaN))
        let r = SBTTTests.pass(m, p, x, noise)
        for i in x.indices where x[i].isNaN { #expect(r.dTheta[i] == 0) }
        #expect(r.dTheta.indices.contains { !x[$0].isNaN && r.dTheta[$0] != 0 })
        // The trainer's count: each trial [T,N] trial-major, with its keyed target shifts.
        let (T, N, B) = (hp.seqLen, hp.dataDim, m.dims.B)
        var all = 0, visible = 0
        for b in 0..<B {
            var trial = [Float](repeating: 0, count: T * N)
            for t in 0..<T { for n in 0..<N { trial[t * N + n] = Float(raw[(t * B + b) * N + n]) } }
            let rec = TemporalShift.shifts(hp, .tshiftRec, trial: b, epoch: 3, step: 1)
            let c = trial.withUnsafeBufferPointer { TemporalShift.observedCounts($0.baseAddress!, rec: rec, T: T, N: N, Tin: T - 2, Nin: N - 1) }
            all += c.all; visible += c.visible
        }
        #expect(all == x.filter { !$0.isNaN }.count)
        var vis = 0
        for t in 0..<(T - 2) { for b in 0..<B { for n in 0..<(N - 1) where !x[(t * B + b) * N + n].isNaN { vis += 1 } } }
        #expect(visible == vis)
    }

    /// Validation and posterior sampling draw their bundle anew, which clears the shift.
    @Test func drawingAgainTurnsTheShiftOff() {
        let (_, _, _, noise) = GradientCheck.problem(Self.shiftHP())
        #expect(noise.shiftedSource != nil)
        noise.draw(Self.shiftHP(), trials: [0, 1, 2, 3], epoch: 0, step: 0, kind: .sampling)
        #expect(noise.shiftedSource == nil)
        let other = GradientCheck.problem(Self.shiftHP()).noise
        other.setAllOff()
        #expect(other.shiftedSource == nil)
    }
}

extension Hyperparameters {
    func with(_ f: (inout Hyperparameters) -> Void) -> Hyperparameters { var h = self; f(&h); return h }
}
