extension Hyperparameters {
    /// Every out-of-range value, one message each, naming the key, the value and the allowed range.
    public func problems() -> [String] {
        var p: [String] = []
        func need(_ ok: Bool, _ key: String, _ rule: String) {
            if !ok { p.append("'\(key)' = \(self[key]!) is out of range: must be \(rule)") }
        }
        need(dataDim >= 1, "data_dim", "≥ 1")
        need(seqLen >= 1, "seq_len", "≥ 1")
        need(heldoutNeurons >= 0 && (dataDim < 1 || heldoutNeurons < dataDim), "heldout_neurons",
             "in [0, data_dim): at least one neuron must stay held in")
        need(forwardBins >= 0 && (seqLen < 1 || forwardBins < seqLen), "forward_bins",
             "in [0, seq_len): at least one bin must stay observed")
        need(icEncDim >= 1, "ic_enc_dim", "≥ 1")
        need(icDim >= 1, "ic_dim", "≥ 1")
        need(genDim >= 1, "gen_dim", "≥ 1")
        need(facDim >= 1, "fac_dim", "≥ 1")
        need(coDim >= 0, "co_dim", "≥ 0")
        if coDim > 0 {
            need(ciEncDim >= 1, "ci_enc_dim", "≥ 1 when co_dim > 0")
            need(conDim >= 1, "con_dim", "≥ 1 when co_dim > 0")
        }
        need(ciLag >= 0 && (seqLen < 1 || ciLag < seqLen), "ci_lag", "in [0, seq_len)")
        need(cellClip > 0 && cellClip.isFinite, "cell_clip", "> 0")
        need(icPostVarMin >= 0 && icPostVarMin.isFinite, "ic_post_var_min", "≥ 0")
        need(icPriorVar > 0 && icPriorVar.isFinite, "ic_prior_var", "> 0")
        need(coPriorTau > 0 && coPriorTau.isFinite, "co_prior_tau", "> 0")
        need(coPriorNvar > 0 && coPriorNvar.isFinite, "co_prior_nvar", "> 0")
        need(dropoutRate >= 0 && dropoutRate < 1, "dropout_rate", "in [0, 1)")
        need(cdRate >= 0 && cdRate < 1, "cd_rate", "in [0, 1)")
        need(cdPassRate >= 0 && cdPassRate <= 1, "cd_pass_rate", "in [0, 1]")
        need(svRate >= 0 && svRate < 1, "sv_rate", "in [0, 1)")
        need(svSeed >= 0, "sv_seed", "≥ 0")
        for k in ["kl_ic_scale", "kl_co_scale", "l2_gen_scale", "l2_con_scale", "l2_ic_enc_scale", "l2_ci_enc_scale"] {
            if case .double(let v) = self[k]! { need(v >= 0 && v.isFinite, k, "≥ 0 and finite") }
        }
        need(klStartEpoch >= 0, "kl_start_epoch", "≥ 0")
        need(klIncreaseEpoch >= 0, "kl_increase_epoch", "≥ 0")
        need(l2StartEpoch >= 0, "l2_start_epoch", "≥ 0")
        need(l2IncreaseEpoch >= 0, "l2_increase_epoch", "≥ 0")
        need(lr > 0 && lr.isFinite, "lr", "> 0")
        need(lrSchedule == "constant" || lrSchedule == "plateau", "lr_schedule", "\"constant\" or \"plateau\"")
        need(lrDecay > 0 && lrDecay < 1, "lr_decay", "in (0, 1)")
        need(lrPatience >= 1, "lr_patience", "≥ 1")
        need(lrStop >= 0, "lr_stop", "≥ 0")
        need(adamBeta1 >= 0 && adamBeta1 < 1, "adam_beta1", "in [0, 1)")
        need(adamBeta2 >= 0 && adamBeta2 < 1, "adam_beta2", "in [0, 1)")
        need(adamEps > 0, "adam_eps", "> 0")
        need(lossScale > 0 && lossScale.isFinite, "loss_scale", "> 0")
        need(maxGradNorm > 0, "max_grad_norm", "> 0")
        need(batchSize >= 1, "batch_size", "≥ 1")
        need(maxEpochs >= 1, "max_epochs", "≥ 1")
        need(earlyStopPatience >= 0, "early_stop_patience", "≥ 0")
        need(maxMinutes >= 0, "max_minutes", "≥ 0")
        need(smoothCoef > 0 && smoothCoef <= 1, "smooth_coef", "in (0, 1]")
        need(posteriorSamples >= 1, "posterior_samples", "≥ 1")
        need(seed >= 0, "seed", "≥ 0")
        need(ObservationModel(rawValue: recon) != nil, "recon",
             "one of " + ObservationModel.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
        need(gammaLoc >= 0 && gammaLoc.isFinite, "gamma_loc", "≥ 0 and finite")
        need(sbtt == 0 || sbtt == 1, "sbtt", "0 (off) or 1 (on)")
        need(extInputDim >= 0, "ext_input_dim", "≥ 0")
        need(temporalShiftStd >= 0 && temporalShiftStd.isFinite, "temporal_shift_std", "≥ 0 and finite")
        need(temporalShiftMax >= 0 && (seqLen < 1 || temporalShiftMax < seqLen), "temporal_shift_max",
             "in [0, seq_len): 0 = off, otherwise a shift must leave one bin in place")
        need(zigScaleInit > 0 && zigScaleInit.isFinite, "zig_scale_init", "> 0 and finite")
        need(zigScalePrior.isFinite, "zig_scale_prior", "finite")
        need(zigScalePenalty >= 0 && zigScalePenalty.isFinite, "zig_scale_penalty", "≥ 0 and finite")
        p += sessionProblems()
        return p
    }

    public func validated() throws -> Hyperparameters {
        let p = problems()
        if !p.isEmpty { throw HyperparameterError(p.joined(separator: "\n")) }
        return self
    }
}
