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
}
