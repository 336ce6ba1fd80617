import Testing
@testable import LFADS
@testable import Training

/// Mixed and single session batching of a stitched run (docs/model.md §18).
struct SessionBatchingTests {
    static func trainer(_ batching: String, trains: [Int] = [10, 4, 7], batch: Int = 6) -> Trainer {
        var hp = TinyTrainer.hyperparameters()
        hp.readinDim = 2; hp.batchSize = batch; hp.sessionBatching = batching
        hp.setSessions([SessionShape(neurons: 2), SessionShape(neurons: 3), SessionShape(neurons: 2)])
        let sessions = zip(hp.sessions, trains).map { s, k -> TrainingData in
            var h = hp; h.dataDim = s.neurons
            return TinyTrainer.data(h, train: k, valid: 2)
        }
        return Trainer(hp: hp, sessions: sessions)
    }

    @Test func mixedTakesTheSameShareOfEverySessionAndCyclesTheShortOnes() {
        let t = Self.trainer("mixed")
        let steps = t.sessionMinibatches(epoch: 3)
        // B_s = ⌊6/3⌋ = 2; max_s ⌊K_s/2⌋ = 5 steps.
        #expect(steps.count == 5)
        #expect(steps.allSatisfy { $0.map(\.count) == [2, 2, 2] })
        // Session 0 (10 trials) sees each trial once; session 1 (4 trials, 2 steps a cycle) repeats
        // each trial only after its whole cycle.
        #expect(Set(steps.flatMap { $0[0] }) == Set(0..<10))
        for c in 0..<2 { #expect(Set(steps[(2 * c)...(2 * c + 1)].flatMap { $0[1] }) == Set(0..<4)) }
        // The next cycle is a new shuffle, not a repeat.
        #expect(steps[0][1] + steps[1][1] != steps[2][1] + steps[3][1])
        #expect(steps == t.sessionMinibatches(epoch: 3))
        #expect(steps != t.sessionMinibatches(epoch: 4))
    }

    @Test func singleTakesOneSessionPerStep() {
        let t = Self.trainer("single", trains: [13, 4, 7], batch: 3)
        let steps = t.sessionMinibatches(epoch: 0)
        #expect(steps.allSatisfy { $0.filter { !$0.isEmpty }.count == 1 })
        // ⌊13/3⌋ + ⌊4/3⌋ + ⌊7/3⌋ batches of 3.
        #expect(steps.count == 4 + 1 + 2 && steps.allSatisfy { $0.reduce(0) { $0 + $1.count } == 3 })
        #expect(Set(steps.map { $0.firstIndex { !$0.isEmpty }! }) == [0, 1, 2])
        #expect(steps == t.sessionMinibatches(epoch: 0))
    }

    /// A `single` step of session 1 leaves sessions 0 and 2's adapters and their Adam moments bit-unchanged.
    @Test func absentSessionsAdaptersAreLeftAloneByAStep() throws {
        var t = Self.trainer("single", trains: [6, 6, 6], batch: 3)
        var hp = t.hp; hp.trainReadin = 1
        t = Trainer(hp: hp, sessions: t.stitched!.sessions)
        var state = TrainerState(hp: hp, params: Initialization.parameters(hp, seed: 1))
        // Moments from a mixed-style step with every session present first.
        _ = try t.trainStepSessions(&state, batch: [[0, 1], [2], [3, 4]], epoch: 0, step: 0, weights: .full)
        let (p0, m0, v0) = (state.params, state.adam.m, state.adam.v)
        _ = try t.trainStepSessions(&state, batch: [[], [0, 1, 2], []], epoch: 0, step: 1, weights: .full)
        let layout = ParameterLayout(hp)
        for s in [0, 2] {
            let r = layout.sessionRanges(s)
            for range in [r.readin, r.readout] {
                #expect(state.params[range].map(\.bitPattern) == p0[range].map(\.bitPattern))
                #expect(state.adam.m[range].map(\.bitPattern) == m0[range].map(\.bitPattern))
                #expect(state.adam.v[range].map(\.bitPattern) == v0[range].map(\.bitPattern))
            }
        }
        let r1 = layout.sessionRanges(1)
        #expect(state.params[r1.readin] != p0[r1.readin] && state.params[r1.readout] != p0[r1.readout])
    }

    /// A few stitched epochs train: the loss falls and frozen read-ins stay where they started.
    @Test func trainingLowersTheLossAndLeavesFrozenReadinsAlone() throws {
        let t = Self.trainer("mixed")
        var state = TrainerState(hp: t.hp, params: Initialization.parameters(t.hp, seed: 1))
        let start = state.params
        let first = try t.trainEpochSessions(&state)
        for _ in 0..<15 { state.epoch += 1; _ = try t.trainEpochSessions(&state) }
        let last = try t.trainEpochSessions(&state)
        #expect(last.trainTotal < first.trainTotal)
        let layout = ParameterLayout(t.hp)
        for s in 0..<3 {
            let r = layout.sessionRanges(s)
            #expect(state.params[r.readin] == start[r.readin])
            #expect(state.params[r.readout] != start[r.readout])
        }
        var rec = EpochRecord()
        try t.validateSessions(state, &rec)
        #expect(rec.validRecon.isFinite && t.stitched!.validRecon.allSatisfy(\.isFinite))
        #expect(abs(rec.validRecon - t.stitched!.validRecon.reduce(0, +) / 3) < 1e-12)
    }
}
