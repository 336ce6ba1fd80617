import Foundation
import Testing
@testable import LFADS

/// The forward caches backward does not read but rebuilds (docs/performance.md, "Memory"): the ρ
/// rows [x_t | r ⊙ h_prev] of every GRU run and the dropped generator states. Whatever is left in
/// them between forward and backward must not change a single bit of the gradient, or sharing them
/// between runs would change results.
@Suite("Forward caches rebuilt in backward")
struct ForwardCacheTests {

    /// dA, dx_t, the initial state's gradient, dW and db of one run with I inputs, with the ρ rows
    /// poisoned (NaN) between forward and backward or not.
    static func gruGradients(reverse: Bool, poison: Bool) -> [[Float]] {
        let T = 5, B = 3, H = 4, I = 2, ld = I + H, H3 = 3 * H
        var r = SplitMix64(state: reverse ? 32 : 31)
        func normals(_ n: Int, _ sd: Double = 1) -> [Float] { (0..<n).map { _ in Float(sd * r.normal()) } }
        let w = normals(ld * H3, 0.8), bias = normals(H3, 0.5)
        let x = normals(T * B * I), h0 = normals(B * H, 0.5)
        let dOut = normals(T * B * H)
        let run = GRURun<Float>(T: T, B: B, H: H, inputs: I, reverse: reverse, contiguousStates: false, keepsUnclipped: false)
        let order = reverse ? Array((0..<T).reversed()) : Array(0..<T)
        for b in 0..<B { for j in 0..<H { run.initial[b * run.stateLd + j] = h0[b * H + j] } }
        w.withUnsafeBufferPointer { wp in
            bias.withUnsafeBufferPointer { bp in
                for t in order {
                    let (xz, xr, l) = run.input(t)
                    for b in 0..<B { for j in 0..<I { xz[b * l + j] = x[(t * B + b) * I + j]; xr[b * l + j] = x[(t * B + b) * I + j] } }
                    run.stepForward(t, a: bp.baseAddress!, aStride: 0, wh: wp.baseAddress!, clip: 0.7)
                }
            }
            if poison { run.rho.fill(.nan) }
            run.prepareBackward(wh: wp.baseAddress!)
        }
        let dh = Buffer<Float>(B * ld)
        var dx = [Float]()
        for t in order.reversed() {
            for b in 0..<B { for j in 0..<H { dh[b * ld + I + j] += dOut[(t * B + b) * H + j] } }
            run.stepBackward(t, dh: dh.p, clip: 0.7, mutation: .none, inputGrad: true)
            for b in 0..<B { for j in 0..<I { dx.append(dh[b * ld + j]) } }
        }
        let dW = Buffer<Float>(ld * H3), db = Buffer<Float>(H3)
        run.accumulateRecurrentGrads(dWh: dW.p, db: db.p)
        return [run.dA.array, dx, dh.array, dW.array, db.array]
    }

    @Test("A GRU run's backward rebuilds its ρ rows: poisoning them after forward changes no bit", arguments: [false, true])
    func gruRunRebuildsRho(reverse: Bool) {
        let clean = Self.gruGradients(reverse: reverse, poison: false)
        let poisoned = Self.gruGradients(reverse: reverse, poison: true)
        #expect(clean[3].contains { $0 != 0 } && clean[1].contains { $0 != 0 }, "dW and dx must not be trivially zero")
        for (k, name) in ["dA", "dx", "dh0", "dW", "db"].enumerated() {
            #expect(clean[k].map(\.bitPattern) == poisoned[k].map(\.bitPattern), "\(name) changed with poisoned ρ rows")
        }
    }

    /// The whole model's gradient (controller and external inputs on, so the generator's ρ rows carry
    /// [u_t | ẽ_t]) with the shared rows and the controller's ρ rows poisoned after forward or not.
    static func modelGradient(poison: Bool) -> [UInt64] {
        var hp = GradientCheck.tinyHyperparameters()
        hp.extInputDim = 2
        let (model, p, x, noise) = GradientCheck.problem(hp)
        let ext = GradientCheck.externalInputs(hp, batch: model.dims.B)
        var g = [Double](repeating: 0, count: p.count)
        p.withUnsafeBufferPointer { pp in
            _ = model.forward(params: pp.baseAddress!, x: x, ext: ext, noise: noise, weights: .full)
            if poison { model.sharedRows.fill(.nan); model.con!.rho.fill(.nan); model.gDroppedStep.fill(.nan) }
            g.withUnsafeMutableBufferPointer {
                model.backward(params: pp.baseAddress!, grads: $0.baseAddress!, x: x, noise: noise, weights: .full)
            }
        }
        return g.map(\.bitPattern)
    }

    @Test("The model's gradient does not depend on what the shared ρ rows hold between forward and backward")
    func modelRebuildsSharedRows() {
        let clean = Self.modelGradient(poison: false)
        #expect(clean.contains { $0 != 0 })
        #expect(clean == Self.modelGradient(poison: true))
    }
}
