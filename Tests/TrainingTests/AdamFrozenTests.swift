import Testing
@testable import LFADS
@testable import Training

/// Frozen and absent adapters of a stitched model (docs/model.md §18): Adam leaves them bit-unchanged.
struct AdamFrozenTests {
    @Test func frozenRangesKeepParametersAndMomentsBitForBit() {
        let hp = GradientCheck.stitchedHyperparameters(sessions: 3)
        let layout = ParameterLayout(hp)
        var frozenHp = hp; frozenHp.trainReadin = 0
        // Session 1 absent from the step, every read-in frozen.
        let frozen = layout.frozenRanges(frozenHp, present: [true, false, true])
        #expect(frozen.count == 4)
        var r = keyedStream(seed: 3, .testData, 9)
        var p = (0..<layout.count).map { _ in Float(r.normal()) }
        var adam = AdamState(count: layout.count)
        // Moments from earlier steps, so a zero gradient alone would still move the parameters.
        for _ in 0..<2 { adam.update(&p, grads: (0..<layout.count).map { _ in Float(r.normal()) }, lr: 0.01, hp: hp) }
        let (p0, m0, v0) = (p, adam.m, adam.v)
        let g = (0..<layout.count).map { _ in Float(r.normal()) }
        adam.update(&p, grads: g, lr: 0.01, hp: hp, frozen: frozen)
        for range in frozen {
            #expect(p[range].map(\.bitPattern) == p0[range].map(\.bitPattern))
            #expect(adam.m[range].map(\.bitPattern) == m0[range].map(\.bitPattern))
            #expect(adam.v[range].map(\.bitPattern) == v0[range].map(\.bitPattern))
        }
        let s0 = layout.sessionRanges(0), s1 = layout.sessionRanges(1)
        #expect(frozen.contains(s1.readout) && frozen.contains(s0.readin) && !frozen.contains(s0.readout))
        #expect(p[s0.readout] != p0[s0.readout])
        #expect(p[0..<layout["readin.s0.W"].offset] != p0[0..<layout["readin.s0.W"].offset])
        #expect(layout.frozenRanges(GradientCheck.tinyHyperparameters(), present: [true]).isEmpty)
    }
}
