#!/usr/bin/env python3
"""Make the posterior-mean golden fixtures posterior_mean_{tiny,nocon,lag2}.h5.

What it computes
----------------
An independent Float64 numpy reference of the LFADS forward pass, written from the
spec docs/model.md alone (no code ported from Sources/):
  §1  notation, shapes, [B,T,F] layout, controller iff co_dim > 0
  §2  ClippedGRU cell: blocks (r|u|c), one bias, reset applied before the recurrent
      matmul, state clipped to [-cell_clip, cell_clip]
  §3  the four bidirectional encoders (trainable h0), e_ic = final states,
      ci_t = [f_{t-L} | r_{t+L}], zero outside 0..T-1
  §4  IC posterior, g0 = z_ic W + b, column-normalised fac.W, phi_{-1} from g0,
      controller -> co_post -> generator -> factors -> readout
  §9  posterior mean: dropout, CD and SV all OFF, the encoder sees raw x
      (unscaled); z_ic = mu_ic; u_t = mu_co,t; rates = exp(logrates)
  §10 parameter names and shapes; §13 the golden_*.h5 layout read here.

Step 1 (validation): for each source fixture golden_{tiny,nocon,lag2}.h5, run the
forward with the fixture's own noise bundle (§13: encoder input
x * sv_mask/(1-sv_rate) * cd_keep * do_in, do_ic, do_ci, do_fac_con, do_g0,
do_gen, eps_ic, eps_co) and require every stored /outputs/* tensor to match to
1e-10 (max abs difference); the script aborts otherwise.

Step 2: with the same params and x, run the posterior-mean pass (all masks 1,
no SV scale, eps = 0) and write posterior_mean_<case>.h5, all float64, root group:
  x                   [B,T,N]  the counts (copied from inputs/x)
  logrates            [B,T,N]  lambda of the posterior-mean pass (rates = exp)
  factors             [B,T,F]  phi_t = g_t . W~ (no dropout)
  ic_mean             [B,D]    mu_ic
  logrates_sv_scaled  [B,T,N]  the same pass but with the encoder input multiplied
                               by 1/(1-sv_rate) -- what a buggy implementation that
                               keeps the SV scale in inference produces
  attrs: hps (JSON string copied verbatim from the source fixture), source, about
Batch-major [B,T,.] everywhere; B, T, N from the source fixture (4, 7, 5).

Python is only used to make the fixture; tests never run it.
Usage: python3 make_posterior_mean.py   (run from any directory; needs numpy, h5py)
"""
import json
import os
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = ["tiny", "nocon", "lag2"]
VALIDATION_TOL = 1e-10


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def gru_step(a, h, W_h, clip):
    """§2. a = x.W_x + b (precomputed) [B,3H]; h [B,H]; blocks (r|u|c)."""
    H = h.shape[1]
    ru = h @ W_h[:, : 2 * H]
    r = sigmoid(a[:, :H] + ru[:, :H])
    u = sigmoid(a[:, H : 2 * H] + ru[:, H:])
    c = np.tanh(a[:, 2 * H :] + (r * h) @ W_h[:, 2 * H :])
    v = u * h + (1.0 - u) * c
    return np.clip(v, -clip, clip)


def run_encoder(xin, p, name, clip, reverse):
    """§3. xin [B,T,N]; returns outputs [B,T,H] (h_t at index t)."""
    B, T, _ = xin.shape
    W_x, W_h, b, h0 = p[name + ".W_x"], p[name + ".W_h"], p[name + ".b"], p[name + ".h0"]
    H = W_h.shape[0]
    a = xin @ W_x + b  # [B,T,3H]
    out = np.zeros((B, T, H))
    h = np.broadcast_to(h0, (B, H)).copy()
    order = range(T - 1, -1, -1) if reverse else range(T)
    for t in order:
        h = gru_step(a[:, t, :], h, W_h, clip)
        out[:, t, :] = h
    return out


def forward(p, hps, x, noise=None, enc_scale=None):
    """Forward pass (§3-§4). noise=None is the posterior-mean pass of §9.

    noise: dict of the §13 noise bundle plus 'sv_mask'; enc_scale (only used when
    noise is None) multiplies the raw x before the encoders (for the SV-scale bug).
    """
    B, T, N = x.shape
    clip = float(hps["cell_clip"])
    U = int(hps["co_dim"])
    L = int(hps["ci_lag"])
    D = int(hps["ic_dim"])
    Hg = int(hps["gen_dim"])
    F = int(hps["fac_dim"])
    has_con = U > 0

    def mask(name, shape):
        return np.ones(shape) if noise is None else noise[name]

    # encoder input x~ = x . s_sv . s_cd . d_in
    if noise is None:
        xin = x * (1.0 if enc_scale is None else enc_scale)
    else:
        k_sv = 1.0 - float(hps["sv_rate"])
        xin = x * (noise["sv_mask"] / k_sv) * noise["cd_keep"] * noise["do_in"]

    # IC encoder
    f_ic = run_encoder(xin, p, "ic_enc_fwd", clip, reverse=False)
    r_ic = run_encoder(xin, p, "ic_enc_bwd", clip, reverse=True)
    E_ic = f_ic.shape[2]
    e_ic = np.concatenate([f_ic[:, T - 1, :], r_ic[:, 0, :]], axis=1)
    e_ic = e_ic * mask("do_ic", (B, 2 * E_ic))

    # IC posterior
    ic_mean = e_ic @ p["ic_post.W_mean"] + p["ic_post.b_mean"]
    ic_var = np.exp(e_ic @ p["ic_post.W_logvar"] + p["ic_post.b_logvar"]) + float(hps["ic_post_var_min"])
    if noise is None:
        z_ic = ic_mean
    else:
        z_ic = ic_mean + np.sqrt(ic_var) * noise["eps_ic"]
    g0 = z_ic @ p["ic_to_g0.W"] + p["ic_to_g0.b"]

    # factor map: unit-norm columns
    Wf = p["fac.W"]
    Wt = Wf / np.sqrt(np.sum(Wf * Wf, axis=0, keepdims=True))

    # controller input
    if has_con:
        f_ci = run_encoder(xin, p, "ci_enc_fwd", clip, reverse=False)
        r_ci = run_encoder(xin, p, "ci_enc_bwd", clip, reverse=True)
        E_ci = f_ci.shape[2]
        ci = np.zeros((B, T, 2 * E_ci))
        for t in range(T):
            if 0 <= t - L < T:
                ci[:, t, :E_ci] = f_ci[:, t - L, :]
            if 0 <= t + L < T:
                ci[:, t, E_ci:] = r_ci[:, t + L, :]
        ci = ci * mask("do_ci", (B, T, 2 * E_ci))
        Hc = p["con.W_h"].shape[0]
        s = np.broadcast_to(p["con.h0"], (B, Hc)).copy()
        phi_prev = (g0 * mask("do_g0", (B, Hg))) @ Wt
        do_fac_con = mask("do_fac_con", (T, B, F))

    do_gen = mask("do_gen", (T, B, Hg))
    g = g0
    gen_states = np.zeros((B, T, Hg))
    factors = np.zeros((B, T, F))
    co_mean = np.zeros((B, T, U))
    co_logvar = np.zeros((B, T, U))
    for t in range(T):
        if has_con:
            cin = np.concatenate([ci[:, t, :], phi_prev * do_fac_con[t]], axis=1)
            s = gru_step(cin @ p["con.W_x"] + p["con.b"], s, p["con.W_h"], clip)
            mu = s @ p["co_post.W_mean"] + p["co_post.b_mean"]
            lv = s @ p["co_post.W_logvar"] + p["co_post.b_logvar"]
            co_mean[:, t, :] = mu
            co_logvar[:, t, :] = lv
            u = mu if noise is None else mu + np.exp(lv / 2.0) * noise["eps_co"][t]
            a_gen = u @ p["gen.W_x"] + p["gen.b"]
        else:
            a_gen = np.broadcast_to(p["gen.b"], (B, 3 * Hg))
        g = gru_step(a_gen, g, p["gen.W_h"], clip)
        gen_states[:, t, :] = g
        phi = (g * do_gen[t]) @ Wt
        factors[:, t, :] = phi
        if has_con:
            phi_prev = phi

    logrates = factors @ p["readout.W"] + p["readout.b"]
    out = dict(logrates=logrates, factors=factors, gen_states=gen_states,
               ic_mean=ic_mean, ic_var=ic_var, g0=g0)
    if has_con:
        out["co_mean"] = co_mean
        out["co_logvar"] = co_logvar
    return out


def load(path):
    with h5py.File(path, "r") as h:
        hps_str = h.attrs["hps"]
        if isinstance(hps_str, bytes):
            hps_str = hps_str.decode("utf-8")
        p = {k: np.asarray(v[()], dtype=np.float64) for k, v in h["params"].items()}
        x = np.asarray(h["inputs/x"][()], dtype=np.float64)
        noise = {k: np.asarray(v[()], dtype=np.float64) for k, v in h["noise"].items()}
        noise["sv_mask"] = np.asarray(h["inputs/sv_mask"][()], dtype=np.float64)
        outputs = {k: np.asarray(v[()], dtype=np.float64) for k, v in h["outputs"].items()}
    return hps_str, p, x, noise, outputs


def main():
    worst = 0.0
    results = {}
    for case in CASES:
        src = "golden_%s.h5" % case
        hps_str, p, x, noise, ref = load(os.path.join(HERE, src))
        hps = json.loads(hps_str)

        # Step 1: reproduce the fixture's own forward outputs with its noise bundle
        got = forward(p, hps, x, noise=noise)
        for name, r in sorted(ref.items()):
            d = float(np.max(np.abs(got[name] - r))) if r.size else 0.0
            worst = max(worst, d)
            print("validate %-6s %-11s max|diff| = %.3e  (max|ref| %.3g)" % (case, name, d, np.max(np.abs(r))))
            if not d <= VALIDATION_TOL:
                sys.exit("validation failed for %s/%s: %.3e > %.0e" % (src, name, d, VALIDATION_TOL))
        missing = set(ref) - set(got)
        if missing:
            sys.exit("validation: outputs not computed: %s" % sorted(missing))

        # Step 2: posterior-mean pass (§9) and the SV-scaled bug variant
        pm = forward(p, hps, x, noise=None)
        k_sv = 1.0 - float(hps["sv_rate"])
        bug = forward(p, hps, x, noise=None, enc_scale=1.0 / k_sv)
        results[case] = (hps_str, x, pm, bug, src)

    print("validation: worst max|diff| over all outputs of all fixtures = %.3e" % worst)

    for case, (hps_str, x, pm, bug, src) in results.items():
        dst = os.path.join(HERE, "posterior_mean_%s.h5" % case)
        with h5py.File(dst, "w") as h:
            h.create_dataset("x", data=x.astype(np.float64))
            h.create_dataset("logrates", data=pm["logrates"])
            h.create_dataset("factors", data=pm["factors"])
            h.create_dataset("ic_mean", data=pm["ic_mean"])
            h.create_dataset("logrates_sv_scaled", data=bug["logrates"])
            h.attrs["hps"] = hps_str
            h.attrs["source"] = "params and x from %s; made by make_posterior_mean.py" % src
            h.attrs["about"] = (
                "float64 posterior-mean forward pass (docs/model.md §9): dropout, CD and SV off, "
                "encoder input = raw x, z_ic = ic_mean, u_t = co_mean_t, rates = exp(logrates). "
                "Layout batch-major: x, logrates, logrates_sv_scaled [B,T,N], factors [B,T,F], "
                "ic_mean [B,ic_dim]. logrates_sv_scaled = same pass with the encoder input "
                "multiplied by 1/(1-sv_rate) (the bug of keeping the SV scale in inference)."
            )
        d = float(np.max(np.abs(pm["logrates"] - bug["logrates"])))
        print("wrote %s  max|logrates - logrates_sv_scaled| = %.6g" % (os.path.basename(dst), d))


if __name__ == "__main__":
    main()
