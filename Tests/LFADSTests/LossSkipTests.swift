import Testing
@testable import LFADS

/// Posterior sampling asks forward for the log-rates only (PassOptions.computesLoss = false, Poisson):
/// the skipped loss must leave the log-rates, hence the rates `eval --mode sample` writes, unchanged.
@Suite("Forward without the loss")
struct LossSkipTests {
    @Test("A Poisson pass without the loss has the full pass's log-rates and zero loss terms")
    func logRatesUnchangedWithoutLoss() {
        let hp = GradientCheck.tinyHyperparameters()
        let (model, p, x, _) = GradientCheck.problem(hp)
        let noise = NoiseBundle<Double>(model.dims)
        noise.draw(hp, trials: Array(0..<model.dims.B), epoch: 0, step: 0, kind: .sampling)
        let full = model.forward(params: p, x: x, noise: noise, weights: .full)
        let fullRates = model.logRates.array
        var options = PassOptions()
        options.computesLoss = false
        model.logRates.zero()
        let skipped = model.forward(params: p, x: x, noise: noise, weights: .full, options: options)
        #expect(model.logRates.array == fullRates)
        #expect(full.total != 0 && full.recon != 0)
        #expect(skipped.total == 0 && skipped.recon == 0 && skipped.klIc == 0 && skipped.l2 == 0,
                "the loss was computed anyway")
    }

    @Test("A stitched Poisson pass without the loss has the full pass's log-rates and zero loss terms")
    func stitchedLogRatesUnchangedWithoutLoss() {
        let hp = GradientCheck.stitchedHyperparameters(sessions: 3)
        let batches = [2, 3, 2]
        let (model, p, xs, noise) = GradientCheck.stitchedProblem(hp, batches: batches)
        let ptrs = xs.map { x -> UnsafeMutablePointer<Double> in
            let q = UnsafeMutablePointer<Double>.allocate(capacity: max(x.count, 1)); q.initialize(from: x, count: x.count); return q
        }
        defer { ptrs.forEach { $0.deallocate() } }
        func pass(_ options: SessionPassOptions) -> LossTerms {
            p.withUnsafeBufferPointer {
                model.forward(params: $0.baseAddress!, xs: ptrs.map { UnsafePointer($0) }, noise: noise, weights: .full, options: options)
            }
        }
        let full = pass(SessionPassOptions())
        let fullRates = model.logRates.map(\.array)
        for r in model.logRates { r.zero() }
        var options = SessionPassOptions()
        options.computesLoss = false
        let skipped = pass(options)
        #expect(model.logRates.map(\.array) == fullRates)
        #expect(full.total != 0 && full.recon != 0)
        #expect(skipped.total == 0 && skipped.recon == 0 && skipped.klIc == 0 && skipped.l2 == 0,
                "the loss was computed anyway")
    }
}
