//! Columns, gates and lookups of the validation circuit. Each gate is the in-circuit twin of a
//! native op in [`crate::fixed`] / [`crate::eval`] / [`crate::commit`]; the row types that use
//! them are laid out in [`super::circuit`].
//!
//! Main column group (`a*` first phase, `b*` second phase):
//!
//! | row type | a0 | a1 | a2 | a3 | a4 | a5 | b0 | b1 | b2 | b3 |
//! |---|---|---|---|---|---|---|---|---|---|---|
//! | data value, model value beside it | x or label | pack acc | | model pack acc | relu(w) | w or b | c_k (copy) | g = sum x c | Horner of the W row or bias row (r2) | |
//! | layer output | acc | z | rem | out | relu(z) if no ReLU | | c_j of next layer | g of next layer | Horner of acc (r2) | |
//! | combine | | | | | | | f_i (copy) | g_i (copy) | Horner (r1) | beta (copy) |
//! | input block | | | | x (copy) | | | c_k (copy) | g = sum x c | | |
//! | argmax, max-pool tap | z_j (copy) | e_j | cum e | max | cum e z | cum e j | | | | |
//! | avg-pool tap | x (copy) | sum | | | | | | | | |
//! | avg-pool division | | out | rem | out | relu(out) | | | | | |
//! | avg-pool remainder bound | | | 2d - 1 - rem | | | | | | | |
//! | rank (top-k only; `g`, `rank`, `t` in [`RankConfig`]'s columns) | z_j (copy) | e_j (label one-hot) | cum e | z_l | cum e z | cum e j | | | | |
//! | score | count | label | inv | correct | | | | | | |
//! | MSE rows (MSE only, instead of argmax and score rows; see [`super::mse`]) | z or S | t | e or r | e^2 | SSE | | | | | |
//!
//! Conv layers' Freivalds blocks (kernel, power and pair rows) are tabled in [`super::conv`].
//!
//! The model's values run beside the data values, on the same rows from the top of the stream
//! block (whichever stream is longer continues alone), so a model costs no rows of its own
//! once the data set has more values than the model.
//!
//! A score row reads `pred` from a5 of the row above (the sample's last argmax row) and the
//! previous count from a0 of the previous sample's score row, `C + 1` rows up.

use crate::field::{fr_pow2, Fr};
use crate::fixed::FixedParams;
use crate::score::ScoreFunction;
use crate::poseidon::chip::PoseidonConfig;
use super::conv::ConvConfig;
use super::mse::MseConfig;
use halo2_proofs::halo2curves::ff::Field;
use halo2_proofs::plonk::{
    Advice, Challenge, Column, ConstraintSystem, Expression, FirstPhase, Fixed, Instance, SecondPhase, Selector, TableColumn,
};
use halo2_proofs::poly::Rotation;

/// The top-k rank gadget (twin of [`crate::score::label_rank`]): per sample, one row per class
/// with the argmax row's one-hot structure put on the *label's* position (`a0 = z_j`, `a1 = e_j`,
/// `a2 = cum e`, `a3 = z_l`, `a4 = cum e z`, `a5 = cum e j`, selectors `q_arg_first/cont/last`),
/// plus `g_j = [z_j > z_l or (j < l and z_j = z_l)]` in `g` and the running rank in `rank`;
/// then a score row with `correct = [rank < k]`.
#[derive(Clone, Copy, Debug)]
pub struct RankConfig {
    pub k: usize,
    pub g: Column<Advice>,
    pub rank: Column<Advice>,
    /// The range-checked helper: `g ? d : -d - 1` on rank rows, `correct ? k - 1 - rank : rank - k`
    /// on the score row.
    pub t: Column<Advice>,
    pub q_rank: Selector,
    pub q_score_topk: Selector,
}

/// All columns, selectors and challenges of the circuit.
#[derive(Clone, Debug)]
pub struct ValidationConfig {
    pub fixed: FixedParams,
    pub a: [Column<Advice>; 6],
    pub b: [Column<Advice>; 4],
    pub idx: Column<Fixed>,
    pub constant: Column<Fixed>,
    pub instance: Column<Instance>,
    pub t_relu_in: TableColumn,
    pub t_relu_out: TableColumn,
    pub r1: Challenge,
    pub r2: Challenge,
    // selectors that feed lookups (complex)
    pub q_pack: Selector,
    /// Model value rows: `a5` range-checked by the relu lookup with `a4 = relu(a5)`.
    pub q_mval: Selector,
    pub q_rescale: Selector,
    pub q_relu: Selector,
    pub q_norelu: Selector,
    pub q_arg: Selector,
    // gate-only selectors
    pub q_pack_start: Selector,
    pub q_pack_cont: Selector,
    pub q_g0_start: Selector,
    pub q_g0_cont: Selector,
    pub q_g3_start: Selector,
    pub q_g3_cont: Selector,
    pub q_h_start: Selector,
    pub q_h_cont: Selector,
    pub q_mpack_start: Selector,
    pub q_mpack_cont: Selector,
    pub q_h3_start: Selector,
    pub q_h3_cont: Selector,
    pub q_comb_start: Selector,
    pub q_comb_cont: Selector,
    pub q_comb_end: Selector,
    pub q_arg_first: Selector,
    pub q_arg_cont: Selector,
    pub q_arg_last: Selector,
    pub q_score: Selector,
    pub q_score_first: Selector,
    pub q_score_cont: Selector,
    pub q_sum_start: Selector,
    pub q_sum_cont: Selector,
    pub q_div: Selector,
    pub q_div_hi: Selector,
    /// Top-k only: the rank rows' extra columns (`g_j`, running rank) and selectors.
    pub rank: Option<RankConfig>,
    /// MSE only: the squared-error and mean rows' selectors.
    pub mse: Option<MseConfig>,
    /// Recurrent architectures only: the recurrent column group ([`super::recurrent_rows`]),
    /// set by the circuit's `configure_with_params`.
    pub recurrent: Option<super::recurrent_rows::RecurrentRowsConfig>,
    /// Conv models only: the conv layers' Freivalds blocks ([`super::conv`]).
    pub conv: Option<ConvConfig>,
    /// Max-pools laid out on their input's rows ([`super::pool`]), set by the circuit's
    /// `configure_with_params` where there is one.
    pub pool: Option<super::pool::PoolRowsConfig>,
    pub poseidon: PoseidonConfig,
}

fn c(v: Fr) -> Expression<Fr> {
    Expression::Constant(v)
}

impl ValidationConfig {
    /// Builds the constraint system for fixed-point parameters `fixed`, `num_classes` outputs,
    /// score function `score`, (used by MSE only) `samples` samples, the conv blocks' gates
    /// when `has_conv`, and whether a layer copies the model's values out of the model stream
    /// (`copies_model`: a conv layer's kernel rows or a recurrent layer's weights; only then is
    /// a5 in the permutation argument).
    #[allow(clippy::too_many_arguments)]
    pub fn configure(meta: &mut ConstraintSystem<Fr>, fixed: FixedParams, num_classes: usize, score: ScoreFunction, samples: usize, has_conv: bool, copies_model: bool) -> Self {
        let a = [(); 6].map(|_| meta.advice_column_in(FirstPhase));
        // top-k's rank columns, first phase like a*, allocated before the challenges
        let rank_cols = match score {
            ScoreFunction::Top1 | ScoreFunction::Mse => None,
            ScoreFunction::TopK { .. } => Some([(); 3].map(|_| meta.advice_column_in(FirstPhase))),
        };
        let r1 = meta.challenge_usable_after(FirstPhase);
        let r2 = meta.challenge_usable_after(FirstPhase);
        let b = [(); 4].map(|_| meta.advice_column_in(SecondPhase));
        // a2 (remainders, argmax running sums, inverses) and a4 are never copied; a5 (the model
        // stream's values) only when a layer copies them (`copies_model`)
        for col in a.iter().chain(b.iter()).filter(|col| ![a[2], a[4]].contains(col) && (copies_model || **col != a[5])) {
            meta.enable_equality(*col);
        }
        let idx = meta.fixed_column();
        let constant = meta.fixed_column();
        meta.enable_constant(constant);
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        let t_relu_in = meta.lookup_table_column();
        let t_relu_out = meta.lookup_table_column();

        let [q_pack, q_mval, q_rescale, q_relu, q_norelu, q_arg] = [(); 6].map(|_| meta.complex_selector());
        let [q_mpack_start, q_mpack_cont, q_h3_start, q_h3_cont] = [(); 4].map(|_| meta.selector());
        let [q_pack_start, q_pack_cont, q_g0_start, q_g0_cont, q_g3_start, q_g3_cont, q_h_start, q_h_cont] =
            [(); 8].map(|_| meta.selector());
        let [q_comb_start, q_comb_cont, q_comb_end, q_arg_first, q_arg_cont, q_arg_last] = [(); 6].map(|_| meta.selector());
        let [q_score, q_score_first, q_score_cont, q_sum_start, q_sum_cont] = [(); 5].map(|_| meta.selector());
        let [q_div, q_div_hi] = [(); 2].map(|_| meta.complex_selector());

        let half = fr_pow2(fixed.value_bits - 1); // 2^(b-1): signed -> unsigned slot
        let slot_shift = fr_pow2(fixed.value_bits); // 2^b
        let scale = fr_pow2(fixed.scale_bits); // 2^s
        let round_half = fr_pow2(fixed.scale_bits - 1); // 2^(s-1)

        // Packing for hashing (twin of commit::pack): acc = acc_prev * 2^b + (v + 2^(b-1)); the
        // data stream packs a0 into a1, the model stream a5 into a3.
        for (name, v_col, acc_col, start_sel, cont_sel) in [("pack", a[0], a[1], q_pack_start, q_pack_cont), ("pack model", a[5], a[3], q_mpack_start, q_mpack_cont)] {
            meta.create_gate(name, |m| {
                let v = m.query_advice(v_col, Rotation::cur());
                let acc = m.query_advice(acc_col, Rotation::cur());
                let prev = m.query_advice(acc_col, Rotation::prev());
                let start = m.query_selector(start_sel);
                let cont = m.query_selector(cont_sel);
                vec![
                    start * (acc.clone() - v.clone() - c(half)),
                    cont * (acc - prev * c(slot_shift) - v - c(half)),
                ]
            });
        }

        // Freivalds, input side: g = sum_k x_k c_k along a sample, x in a0 (data) or a3 (layer out).
        for (name, col, start_sel, cont_sel) in [("g over a0", a[0], q_g0_start, q_g0_cont), ("g over a3", a[3], q_g3_start, q_g3_cont)] {
            meta.create_gate(name, |m| {
                let x = m.query_advice(col, Rotation::cur());
                let cc = m.query_advice(b[0], Rotation::cur());
                let g = m.query_advice(b[1], Rotation::cur());
                let prev = m.query_advice(b[1], Rotation::prev());
                let start = m.query_selector(start_sel);
                let cont = m.query_selector(cont_sel);
                vec![start * (g.clone() - x.clone() * cc.clone()), cont * (g - prev - x * cc)]
            });
        }

        // Freivalds, Horner with r2 over a0 (a sample's accumulators) or a5 (a dense layer's W
        // row or biases, in the model stream).
        for (name, v_col, start_sel, cont_sel) in [("horner r2", a[0], q_h_start, q_h_cont), ("horner r2 over a5", a[5], q_h3_start, q_h3_cont)] {
            meta.create_gate(name, |m| {
                let v = m.query_advice(v_col, Rotation::cur());
                let h = m.query_advice(b[2], Rotation::cur());
                let prev = m.query_advice(b[2], Rotation::prev());
                let r2 = m.query_challenge(r2);
                let start = m.query_selector(start_sel);
                let cont = m.query_selector(cont_sel);
                vec![start * (h.clone() - v.clone()), cont * (h - prev * r2 - v)]
            });
        }

        // Freivalds, combination over samples with r1: H = H_prev r1 + f - g - 2^s beta; H_end = 0.
        meta.create_gate("freivalds combine", |m| {
            let f = m.query_advice(b[0], Rotation::cur());
            let g = m.query_advice(b[1], Rotation::cur());
            let h = m.query_advice(b[2], Rotation::cur());
            let beta = m.query_advice(b[3], Rotation::cur());
            let prev = m.query_advice(b[2], Rotation::prev());
            let r1 = m.query_challenge(r1);
            let d = f - g - beta * c(scale);
            vec![
                m.query_selector(q_comb_start) * (h.clone() - d.clone()),
                m.query_selector(q_comb_cont) * (h.clone() - prev * r1 - d),
                m.query_selector(q_comb_end) * h,
            ]
        });

        // Rescale (twin of fixed::rescale): acc + 2^(s-1) = z 2^s + rem.
        meta.create_gate("rescale", |m| {
            let q = m.query_selector(q_rescale);
            let acc = m.query_advice(a[0], Rotation::cur());
            let z = m.query_advice(a[1], Rotation::cur());
            let rem = m.query_advice(a[2], Rotation::cur());
            vec![q * (acc + c(round_half) - z * c(scale) - rem)]
        });

        // No ReLU: out = z.
        meta.create_gate("identity", |m| {
            let q = m.query_selector(q_norelu);
            vec![q * (m.query_advice(a[3], Rotation::cur()) - m.query_advice(a[1], Rotation::cur()))]
        });

        // Argmax (twin of fixed::argmax): one-hot e, max = sum e z, pred = sum e j.
        meta.create_gate("argmax", |m| {
            let z = m.query_advice(a[0], Rotation::cur());
            let e = m.query_advice(a[1], Rotation::cur());
            let cum = m.query_advice(a[2], Rotation::cur());
            let max = m.query_advice(a[3], Rotation::cur());
            let ms = m.query_advice(a[4], Rotation::cur());
            let ps = m.query_advice(a[5], Rotation::cur());
            let [cum_p, max_p, ms_p, ps_p] = [a[2], a[3], a[4], a[5]].map(|col| m.query_advice(col, Rotation::prev()));
            let j = m.query_fixed(idx, Rotation::cur());
            let q = m.query_selector(q_arg);
            let first = m.query_selector(q_arg_first);
            let cont = m.query_selector(q_arg_cont);
            let last = m.query_selector(q_arg_last);
            let one = c(Fr::ONE);
            vec![
                q * e.clone() * (one.clone() - e.clone()),
                first.clone() * (cum.clone() - e.clone()),
                first.clone() * (ms.clone() - e.clone() * z.clone()),
                first * (ps.clone() - e.clone() * j.clone()),
                cont.clone() * (cum.clone() - cum_p - e.clone()),
                cont.clone() * (ms.clone() - ms_p - e.clone() * z),
                cont.clone() * (ps - ps_p - e * j),
                cont * (max.clone() - max_p),
                last.clone() * (cum - one),
                last * (ms - max),
            ]
        });

        // Average pooling (twin of layers::pool::avg_pool): a running tap sum in a1 over the taps
        // in a0, then a division row `2 sum + d = 2 d out + rem` (out in a1, rem in a2, d in the
        // fixed idx column) and a row holding `2 d - 1 - rem`; both rem and `2 d - 1 - rem` are
        // range-checked, so rem is in [0, 2d) and out is the rounded quotient (bounded by the
        // relu lookup of the no-ReLU row type enabled on the division row).
        meta.create_gate("avgpool", |m| {
            let x = m.query_advice(a[0], Rotation::cur());
            let sum = m.query_advice(a[1], Rotation::cur());
            let sum_p = m.query_advice(a[1], Rotation::prev());
            let rem = m.query_advice(a[2], Rotation::cur());
            let rem_p = m.query_advice(a[2], Rotation::prev());
            let d = m.query_fixed(idx, Rotation::cur());
            let two = c(Fr::from(2u64));
            vec![
                m.query_selector(q_sum_start) * (sum.clone() - x.clone()),
                m.query_selector(q_sum_cont) * (sum.clone() - sum_p.clone() - x),
                m.query_selector(q_div) * (two.clone() * sum_p + d.clone() - two.clone() * d.clone() * sum - rem.clone()),
                m.query_selector(q_div_hi) * (rem - two * d + c(Fr::ONE) + rem_p),
            ]
        });

        // Score: correct = [pred == label] (is-zero with an inverse), count = previous + correct.
        // The score row follows the sample's last argmax row, whose a5 holds pred; the previous
        // sample's score row is `C + 1` rows up. Reading both by rotation keeps a4/a5 out of
        // the permutation argument.
        let back = Rotation(-((num_classes as i32) + 1));
        meta.create_gate("score", |m| {
            let q = m.query_selector(q_score);
            let first = m.query_selector(q_score_first);
            let cont = m.query_selector(q_score_cont);
            let pred = m.query_advice(a[5], Rotation::prev());
            let [count, label, inv, correct] = [a[0], a[1], a[2], a[3]].map(|col| m.query_advice(col, Rotation::cur()));
            let prev = m.query_advice(a[0], back);
            let d = pred - label;
            vec![
                q.clone() * d.clone() * correct.clone(),
                q.clone() * (d * inv - c(Fr::ONE) + correct.clone()),
                first.clone() * (count.clone() - correct.clone()),
                cont * (count - prev - correct),
            ]
        });

        // Range checks: each checked quantity q in [0, 2^b) is looked up as q - 2^(b-1) in the
        // signed column of the relu table (a value v in bound is looked up as itself). The
        // remainder of a rescale goes in scaled by 2^(b-s): `rem 2^(b-s)` in [0, 2^b) together
        // with the bound on z (the relu lookup) and the rescale gate forces rem in [0, 2^s) and
        // z = floor((acc + 2^(s-1)) / 2^s), since multiplying the gate by 2^(b-s) gives the
        // integer identity 2^(b-s)(acc + 2^(s-1)) = 2^b z + rem 2^(b-s) (all terms far below
        // p), so one lookup does the work of two (see docs/circuit.md).
        let rem_shift = fr_pow2(fixed.value_bits - fixed.scale_bits);
        meta.lookup("range", |m| {
            let [a0, _, a2, a3, _, _] = a.map(|col| m.query_advice(col, Rotation::cur()));
            let pack = m.query_selector(q_pack);
            let resc = m.query_selector(q_rescale);
            let arg = m.query_selector(q_arg);
            let div = m.query_selector(q_div) + m.query_selector(q_div_hi);
            // value; scaled remainder; max - z_j - [j < pred] >= 0 (cum e = 1 - [j < pred]);
            // an average-pool remainder rem or 2d - 1 - rem
            let input = pack * a0.clone()
                + resc * (a2.clone() * c(rem_shift) - c(half))
                + arg * (a3 - a0 - c(Fr::ONE) + a2.clone() - c(half))
                + div * (a2 - c(half));
            vec![(input, t_relu_in)]
        });

        // ReLU (twin of fixed::relu) and the signed bound on z in one lookup: (z, relu(z)) is a
        // table row. Without a ReLU the pair is (z, a4) with a4 = relu(z) as a helper cell, so
        // the lookup only bounds z (the identity gate ties out = z).
        // A model value (a5 on a model-stream row) is bounded the same way, with a4 = relu(a5).
        meta.lookup("relu", |m| {
            let q = m.query_selector(q_relu);
            let qn = m.query_selector(q_norelu);
            let qm = m.query_selector(q_mval);
            let z = m.query_advice(a[1], Rotation::cur());
            let out = m.query_advice(a[3], Rotation::cur());
            let helper = m.query_advice(a[4], Rotation::cur());
            let w = m.query_advice(a[5], Rotation::cur());
            vec![((q.clone() + qn.clone()) * z + qm.clone() * w, t_relu_in), (q * out + (qn + qm) * helper, t_relu_out)]
        });

        let rank = match (score, rank_cols) {
            (ScoreFunction::TopK { k }, Some(cols)) => Some(configure_rank(meta, &a, cols, [q_arg_first, q_arg_cont], t_relu_in, fixed, k)),
            _ => None,
        };
        let mse = score.is_mse().then(|| MseConfig::configure(meta, [a[0], a[1], a[2], a[3], a[4]], t_relu_in, fixed, samples));

        let conv = has_conv.then(|| ConvConfig::configure(meta, a[0], b, r2));
        let poseidon = PoseidonConfig::configure(meta);

        ValidationConfig {
            fixed,
            a,
            b,
            idx,
            constant,
            instance,
            t_relu_in,
            t_relu_out,
            r1,
            r2,
            q_pack,
            q_mval,
            q_rescale,
            q_relu,
            q_norelu,
            q_arg,
            q_pack_start,
            q_pack_cont,
            q_g0_start,
            q_g0_cont,
            q_g3_start,
            q_g3_cont,
            q_h_start,
            q_h_cont,
            q_mpack_start,
            q_mpack_cont,
            q_h3_start,
            q_h3_cont,
            q_comb_start,
            q_comb_cont,
            q_comb_end,
            q_arg_first,
            q_arg_cont,
            q_arg_last,
            q_score,
            q_score_first,
            q_score_cont,
            q_sum_start,
            q_sum_cont,
            q_div,
            q_div_hi,
            rank,
            mse,
            recurrent: None,
            conv,
            pool: None,
            poseidon,
        }
    }
}

/// The rank gadget's gates and lookup (see [`RankConfig`]).
#[allow(clippy::too_many_arguments)]
fn configure_rank(meta: &mut ConstraintSystem<Fr>, a: &[Column<Advice>; 6], cols: [Column<Advice>; 3], sel: [Selector; 2], table: TableColumn, fixed: FixedParams, k: usize) -> RankConfig {
    let [q_arg_first, q_arg_cont] = sel;
    let [g, rank, t] = cols;
    let q_rank = meta.complex_selector();
    let q_score_topk = meta.complex_selector();
    let half = fr_pow2(fixed.value_bits - 1);
    let one = || c(Fr::ONE);
    // On a rank row (with q_arg_first/cont/last doing the one-hot bookkeeping, as for argmax):
    // e and g are bits; rank = g on the first row, rank_prev + g after. The running-rank
    // constraints ride on q_arg_first/cont, whose other rows (argmax, max-pool) leave g and
    // rank unassigned, i.e. 0.
    meta.create_gate("rank", |m| {
        let q = m.query_selector(q_rank);
        let e = m.query_advice(a[1], Rotation::cur());
        let gv = m.query_advice(g, Rotation::cur());
        let r = m.query_advice(rank, Rotation::cur());
        let r_prev = m.query_advice(rank, Rotation::prev());
        let first = m.query_selector(q_arg_first);
        let cont = m.query_selector(q_arg_cont);
        vec![
            q.clone() * e.clone() * (one() - e),
            q * gv.clone() * (one() - gv.clone()),
            first * (r.clone() - gv.clone()),
            cont * (r - r_prev - gv),
        ]
    });
    // d_j = z_j - z_l - cum_j: >= 0 exactly when class j ranks ahead of the label; the bit g
    // says which side: t = g ? d : -d - 1 must be in [0, 2^b). On the score row, t = correct ?
    // k - 1 - rank : rank - k (rank from the last rank row) makes correct = [rank < k]. t is a
    // cell of its own so the lookup input stays degree 2 (halo2-axiom caps the constraint
    // degree at 5, and a lookup costs 3 + its input degree).
    meta.create_gate("rank helper", |m| {
        let q = m.query_selector(q_rank);
        let qs = m.query_selector(q_score_topk);
        let z = m.query_advice(a[0], Rotation::cur());
        let cum = m.query_advice(a[2], Rotation::cur());
        let zl = m.query_advice(a[3], Rotation::cur());
        let gv = m.query_advice(g, Rotation::cur());
        let tv = m.query_advice(t, Rotation::cur());
        let d = z - zl - cum;
        let rank_t = gv.clone() * d.clone() - (one() - gv) * (d + one());
        let correct = m.query_advice(a[3], Rotation::cur());
        let r = m.query_advice(rank, Rotation::prev());
        let kk = c(Fr::from(k as u64));
        let score_t = correct.clone() * (kk.clone() - one() - r.clone()) + (one() - correct) * (r - kk);
        vec![q * (tv.clone() - rank_t), qs * (tv - score_t)]
    });
    meta.lookup("rank range", |m| {
        let q = m.query_selector(q_rank) + m.query_selector(q_score_topk);
        let tv = m.query_advice(t, Rotation::cur());
        vec![(q * (tv - c(half)), table)]
    });
    // The score row: the label equals the one-hot position (a5 of the last rank row), correct is a bit.
    meta.create_gate("score top-k", |m| {
        let q = m.query_selector(q_score_topk);
        let pos = m.query_advice(a[5], Rotation::prev());
        let label = m.query_advice(a[1], Rotation::cur());
        let correct = m.query_advice(a[3], Rotation::cur());
        vec![q.clone() * (pos - label), q * correct.clone() * (one() - correct)]
    });
    RankConfig { k, g, rank, t, q_rank, q_score_topk }
}
