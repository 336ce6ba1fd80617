import ArgumentParser
import Foundation
import LFADS

struct GradCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract: "Check the whole loss's hand-written gradient against finite differences (Float64).",
        discussion: """
            Builds the tiny model of docs/model.md §12 (every loss term on, CD, SV and dropout on, the \
            GRU clip active for part of the generator units), perturbs all parameters, and compares the \
            analytic gradient of every tensor with central differences. Exits 1 on failure. \
            --recon checks the model with another observation model (docs/model.md §14); \
            --missing turns SBTT on with that fraction of the data missing (docs/model.md §15); \
            --ext-input E feeds E external inputs to the generator (docs/model.md §16); \
            --temporal-shift shifts the data in time with one fixed draw of shifts (docs/model.md §17); \
            --sessions S checks a model stitched over S sessions with trainable read-ins and read-outs \
            (docs/model.md §18; with --heldout, odd sessions hide a neuron and a bin; with --recon, each \
            session's read-out gives that model's channels).
            """)

    @Option(help: "Break one backward formula on purpose, to see the check fail: \(BackwardMutation.allCases.map(\.rawValue).joined(separator: ", ")).")
    var mutation: String = "none"

    @Flag(help: "Check the model without a controller (co_dim = 0).")
    var noController = false

    @Flag(help: "Hide the last neuron and the last 2 of 5 bins from the encoder (held-out neurons, forward bins).")
    var heldout = false

    @Option(help: "Observation model (docs/model.md §14): \(ObservationModel.allCases.map(\.rawValue).joined(separator: ", ")). Data are drawn in its domain.")
    var recon: String = "poisson"

    @Option(help: "SBTT (docs/model.md §15): make this fraction of the data elements missing (NaN), e.g. 0.3; 0 = SBTT off.")
    var missing: Double = 0

    @Option(help: "External inputs (docs/model.md §16): E inputs per bin to the generator, with their dropout; 0 = none.")
    var extInput: Int = 0

    @Option(help: "Temporal shift (docs/model.md §17): temporal_shift_max, in [0, 5) for the 5-bin model, with temporal_shift_std 1.5; the shifts are drawn once and held fixed. 0 = off.")
    var temporalShift: Int = 0

    @Option(help: "Multi-session stitching (docs/model.md §18): check a model stitched over this many sessions (0 = off).")
    var sessions: Int = 0

    @Option(help: "Seed of the perturbed parameters, data and noise.")
    var seed: UInt64 = 7

    func run() throws {
        guard let m = BackwardMutation(rawValue: mutation) else {
            throw ValidationError("unknown --mutation '\(mutation)'; choose one of \(BackwardMutation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard ObservationModel(rawValue: recon) != nil else {
            throw ValidationError("unknown --recon '\(recon)'; choose one of \(ObservationModel.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard missing >= 0 && missing < 1 else {
            throw ValidationError("--missing must be in [0, 1), got \(missing)")
        }
        guard extInput >= 0 else { throw ValidationError("--ext-input must be ≥ 0, got \(extInput)") }
        var hp = GradientCheck.tinyHyperparameters()
        guard temporalShift >= 0 && temporalShift < hp.seqLen else {
            throw ValidationError("--temporal-shift must be in [0, \(hp.seqLen)) (the check's seq_len is \(hp.seqLen)), got \(temporalShift)")
        }
        if temporalShift > 0 { hp.temporalShiftMax = temporalShift; hp.temporalShiftStd = 1.5 }
        if missing > 0 { hp.sbtt = 1 }
        hp.extInputDim = extInput
        hp.recon = recon
        if noController { hp.coDim = 0 }
        if heldout { hp.heldoutNeurons = 1; hp.forwardBins = 2 }
        let r: GradientCheckReport
        if sessions > 0 {
            guard m == .none else {
                throw ValidationError("--sessions does not combine with --mutation (the mutations break the base model's backward)")
            }
            var s = GradientCheck.stitchedHyperparameters(sessions: sessions, heldout: heldout)
            s.recon = recon
            if missing > 0 { s.sbtt = 1 }
            s.extInputDim = extInput
            if temporalShift > 0 { s.temporalShiftMax = temporalShift; s.temporalShiftStd = 1.5 }
            if noController { s.coDim = 0 }
            r = GradientCheck.runStitched(s, batches: (0..<sessions).map { 1 + $0 % 2 }, seed: seed, missing: missing)
        } else {
            r = GradientCheck.run(hp, mutation: m, seed: seed, missing: missing)
        }
        print("tensor                      scalars   max |Δ|      max rel   result")
        for t in r.tensors {
            let line = t.name.padding(toLength: 26, withPad: " ", startingAt: 0)
                + String(format: "%8d   %.3e   %.3e   %@", t.count, t.maxAbsError, t.maxRelError,
                         t.passed ? "ok" : "FAIL (\(t.failures) scalars)")
            print(line)
        }
        print(String(format: "%d tensors, %d scalars; %.0f%% of generator states in the clip",
                     r.tensors.count, r.scalars, 100 * r.clippedFraction))
        print(r.passed ? "gradcheck passed" : "gradcheck FAILED")
        if !r.passed { throw ExitCode(1) }
    }
}
