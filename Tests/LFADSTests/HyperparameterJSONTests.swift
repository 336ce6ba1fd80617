import Foundation
import Testing
@testable import LFADS

/// The `hps` JSON of parameter files (docs/model.md §10): exact round trip, every key written.
@Suite("Hyperparameters JSON (docs/model.md §10)")
struct HyperparameterJSONTests {
    @Test("Hyperparameters JSON round trip is equal and writes every §1 key")
    func hyperparameterJSONRoundTrip() throws {
        var hp = Hyperparameters()
        hp.dataDim = 29; hp.seqLen = 50; hp.coDim = 0; hp.genDim = 100; hp.facDim = 40
        hp.klIcScale = 6.65e-7; hp.klCoScale = 5e-5; hp.l2ConScale = 3e-4; hp.l2GenScale = 2.25e-5
        hp.lr = 0.015; hp.smoothCoef = 1.0 / 3.0; hp.cellClip = 0.6; hp.maxMinutes = 12.5
        hp.lrSchedule = "plateau"; hp.svRate = 0.2; hp.svSeed = 17; hp.cdPassRate = 0.2
        hp.seed = 123_456; hp.lossScale = 1e4; hp.adamEps = 1e-12; hp.icPostVarMin = 1e-300
        hp.heldoutNeurons = 4; hp.forwardBins = 3
        #expect(hp != Hyperparameters())
        let json = hp.jsonString()
        let back = try Hyperparameters(json: json)
        #expect(back == hp, "\(json)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        // §1's keys plus the data layout keys of docs/data.md §1 (held-out neurons, forward bins).
        let allKeys = specKeys.union(["heldout_neurons", "forward_bins"])
        // A Poisson model writes no observation-model key (§14): its file is the base model's.
        #expect(Set(obj.keys) == allKeys)
        // `sbtt` (§15) is written only when on, so a base model's file is unchanged.
        // `ext_input_dim` (§16) likewise, written only when > 0, the temporal-shift keys (§17), and the
        // stitching keys (§18) only for a model with read-ins.
        let everyKey = allKeys.union(observationKeys).union(["sbtt"])
        let shiftKeys = Hyperparameters.temporalShiftKeys
        #expect(Set(Hyperparameters.keys) == everyKey.union(["ext_input_dim"]).union(shiftKeys).union(Hyperparameters.sessionKeys)
                && Hyperparameters.keys.count == everyKey.count + 1 + shiftKeys.count + Hyperparameters.sessionKeys.count)
        var zig = hp
        zig.recon = "zig"; zig.gammaLoc = 0.25
        let zigJSON = zig.jsonString()
        let zigObj = try #require(try JSONSerialization.jsonObject(with: Data(zigJSON.utf8)) as? [String: Any])
        #expect(Set(zigObj.keys) == allKeys.union(observationKeys))
        #expect(try Hyperparameters(json: zigJSON) == zig)
        var sbtt = zig
        sbtt.sbtt = 1
        let sbttObj = try #require(try JSONSerialization.jsonObject(with: Data(sbtt.jsonString().utf8)) as? [String: Any])
        #expect(Set(sbttObj.keys) == everyKey)
        #expect(try Hyperparameters(json: sbtt.jsonString()) == sbtt)
        var ext = sbtt
        ext.extInputDim = 2
        let extObj = try #require(try JSONSerialization.jsonObject(with: Data(ext.jsonString().utf8)) as? [String: Any])
        #expect(Set(extObj.keys) == everyKey.union(["ext_input_dim"]))
        #expect(try Hyperparameters(json: ext.jsonString()) == ext)

        // Missing keys keep their defaults.
        let partial = try Hyperparameters(json: #"{"data_dim": 3, "cell_clip": 0.75}"#)
        var want = Hyperparameters()
        want.dataDim = 3; want.cellClip = 0.75
        #expect(partial == want)
    }

    // JSONSerialization's NSNumber.doubleValue rounds 17-digit decimals on Linux; these guard the exact reader.

    @Test("Hyperparameters JSON round trip is exact for 17-significant-digit doubles")
    func hyperparameterJSONRoundTripFullPrecisionDoubles() throws {
        var hp = Hyperparameters()
        hp.cellClip = 0.1 + 0.2                 // 0.30000000000000004
        hp.lr = 0.123_456_789_012_345_68
        #expect(hp.jsonString().contains("0.30000000000000004"), "the writer emits the shortest exact form")
        let back = try Hyperparameters(json: hp.jsonString())
        #expect(back.cellClip == hp.cellClip, "cell_clip \(back.cellClip) vs \(hp.cellClip)")
        #expect(back.lr == hp.lr, "lr \(back.lr) vs \(hp.lr)")
    }

    @Test("Hyperparameters JSON round trip is exact for integers ≥ 1e15")
    func hyperparameterJSONRoundTripLargeIntegers() throws {
        var hp = Hyperparameters()
        hp.seed = (1 << 53) + 1
        let back = try Hyperparameters(json: hp.jsonString())
        #expect(back.seed == hp.seed, "seed \(back.seed) vs \(hp.seed)")
    }

    @Test("Hyperparameters JSON rejects unknown keys, naming the key")
    func hyperparameterJSONRejectsUnknownKey() {
        let error = #expect(throws: HyperparameterError.self) {
            _ = try Hyperparameters(json: #"{"data_dim": 3, "kl_co_scal": 0.1}"#)
        }
        #expect(error?.description.contains("kl_co_scal") == true, "\(String(describing: error))")
    }}

/// The keys of the §1 table, written out from the spec.
private let observationKeys: Set<String> = ["recon", "gamma_loc", "zig_scale_init", "zig_scale_prior", "zig_scale_penalty"]

private let specKeys: Set<String> = [
    "data_dim", "seq_len", "ic_enc_dim", "ci_enc_dim", "con_dim", "co_dim", "ic_dim", "gen_dim", "fac_dim",
    "ci_lag", "cell_clip", "ic_post_var_min", "ic_prior_var", "co_prior_tau", "co_prior_nvar",
    "dropout_rate", "cd_rate", "cd_pass_rate", "sv_rate", "sv_seed", "kl_ic_scale", "kl_co_scale",
    "l2_gen_scale", "l2_con_scale", "l2_ic_enc_scale", "l2_ci_enc_scale",
    "kl_start_epoch", "kl_increase_epoch", "l2_start_epoch", "l2_increase_epoch",
    "lr", "lr_schedule", "lr_decay", "lr_patience", "lr_stop", "adam_beta1", "adam_beta2", "adam_eps",
    "loss_scale", "max_grad_norm", "batch_size", "max_epochs", "early_stop_patience", "max_minutes",
    "smooth_coef", "posterior_samples", "seed",
]
