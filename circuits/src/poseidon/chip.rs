//! The halo2 gadget for [`super::permute`] and [`super::hash_chain`]: one row per round.
//!
//! Columns: the state `s[0..3]`, the squares `q[0..3]` of `s + rc` (to keep gates at degree 4),
//! the round constants `rc[0..3]` (fixed). A full-round row enforces `q_i = (s_i + rc_i)^2` and
//! `s'_i = sum_j M_ij q_j^2 (s_j + rc_j)` on the next row; a partial-round row squares lane 0
//! only. The last round of each permutation constrains only lane 0 of the next row, so that row
//! doubles as the next permutation's input row `[h, m_a, m_b]`: a chain of `P` permutations
//! takes `65 P + 1` rows, its output in lane 0 of the last row.

use super::{constants, is_full_round, Constants, ROUNDS, WIDTH};
use crate::field::Fr;
use halo2_proofs::halo2curves::ff::Field;
use halo2_proofs::circuit::{Cell, Region, Value};
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Expression, Fixed, Selector};
use halo2_proofs::poly::Rotation;

/// The columns and selectors of the Poseidon gadget.
#[derive(Clone, Debug)]
pub struct PoseidonConfig {
    pub state: [Column<Advice>; WIDTH],
    pub sq: [Column<Advice>; WIDTH],
    pub rc: [Column<Fixed>; WIDTH],
    pub q_full: Selector,
    pub q_last: Selector,
    pub q_partial: Selector,
}

/// A message element for the chain: a copy of an assigned cell, or a constant.
#[derive(Clone, Copy, Debug)]
pub enum Message {
    Cell(Cell, Value<Fr>),
    Constant(Fr),
}

impl Message {
    fn value(&self) -> Value<Fr> {
        match self {
            Message::Cell(_, v) => *v,
            Message::Constant(c) => Value::known(*c),
        }
    }
}

impl PoseidonConfig {
    /// Allocates the columns and creates the round gates.
    pub fn configure(meta: &mut ConstraintSystem<Fr>) -> Self {
        let state = [(); WIDTH].map(|_| meta.advice_column());
        let sq = [(); WIDTH].map(|_| meta.advice_column());
        let rc = [(); WIDTH].map(|_| meta.fixed_column());
        for c in state {
            meta.enable_equality(c);
        }
        let q_full = meta.selector();
        let q_last = meta.selector();
        let q_partial = meta.selector();
        let mds = constants().mds;

        // A full round (all lanes of the next row) and the last round (lane 0 only).
        for (name, sel, lanes) in [("poseidon full round", q_full, WIDTH), ("poseidon last round", q_last, 1)] {
            meta.create_gate(name, |m| {
                let s = m.query_selector(sel);
                let x: [Expression<Fr>; WIDTH] =
                    std::array::from_fn(|i| m.query_advice(state[i], Rotation::cur()) + m.query_fixed(rc[i], Rotation::cur()));
                let q: [Expression<Fr>; WIDTH] = std::array::from_fn(|i| m.query_advice(sq[i], Rotation::cur()));
                let mut out = Vec::new();
                for i in 0..WIDTH {
                    out.push(s.clone() * (q[i].clone() - x[i].clone() * x[i].clone()));
                }
                for (i, row) in mds.iter().enumerate().take(lanes) {
                    let next = m.query_advice(state[i], Rotation::next());
                    let mix = (0..WIDTH).fold(Expression::Constant(Fr::ZERO), |acc, j| {
                        acc + Expression::Constant(row[j]) * q[j].clone() * q[j].clone() * x[j].clone()
                    });
                    out.push(s.clone() * (next - mix));
                }
                out
            });
        }

        meta.create_gate("poseidon partial round", |m| {
            let p = m.query_selector(q_partial);
            let x: [Expression<Fr>; WIDTH] =
                std::array::from_fn(|i| m.query_advice(state[i], Rotation::cur()) + m.query_fixed(rc[i], Rotation::cur()));
            let q0 = m.query_advice(sq[0], Rotation::cur());
            let next: [Expression<Fr>; WIDTH] = std::array::from_fn(|i| m.query_advice(state[i], Rotation::next()));
            let sbox = q0.clone() * q0.clone() * x[0].clone();
            let mut out = vec![p.clone() * (q0 - x[0].clone() * x[0].clone())];
            for i in 0..WIDTH {
                let mix = Expression::Constant(mds[i][0]) * sbox.clone()
                    + Expression::Constant(mds[i][1]) * x[1].clone()
                    + Expression::Constant(mds[i][2]) * x[2].clone();
                out.push(p.clone() * (next[i].clone() - mix));
            }
            out
        });

        PoseidonConfig { state, sq, rc, q_full, q_last, q_partial }
    }

    /// Rows used by a chain over `elements` message elements.
    pub fn chain_rows(elements: usize) -> usize {
        ROUNDS * elements.div_ceil(2) + 1
    }

    /// Assigns [`super::hash_chain`] over `messages` starting at row `start` and returns the
    /// output cell (lane 0 of the last row) with its value.
    pub fn assign_chain(&self, region: &mut Region<'_, Fr>, start: usize, messages: &[Message]) -> Result<(Cell, Value<Fr>), halo2_proofs::plonk::Error> {
        let c: &Constants = constants();
        let mut row = start;
        let mut h = Value::known(Fr::ZERO);
        let mut first = true;
        for pair in messages.chunks(2) {
            let a = pair[0];
            let b = pair.get(1).copied().unwrap_or(Message::Constant(Fr::ZERO));
            // input row: [h, a, b]
            let h_cell = region.assign_advice(self.state[0], row, h);
            if first {
                region.constrain_constant(h_cell.cell(), Fr::ZERO)?;
                first = false;
            }
            let mut state: Value<[Fr; WIDTH]> = h.zip(a.value()).zip(b.value()).map(|((h, a), b)| [h, a, b]);
            for (lane, msg) in [(1, a), (2, b)] {
                let v = msg.value();
                let cell = region.assign_advice(self.state[lane], row, v).cell();
                match msg {
                    Message::Cell(src, _) => region.constrain_equal(src, cell),
                    Message::Constant(k) => region.constrain_constant(cell, k)?,
                }
            }
            for r in 0..ROUNDS {
                let full = is_full_round(r);
                if r > 0 {
                    for i in 0..WIDTH {
                        region.assign_advice(self.state[i], row, state.map(|s| s[i]));
                    }
                }
                for i in 0..WIDTH {
                    region.assign_fixed(self.rc[i], row, c.rc[r][i]);
                    if full || i == 0 {
                        region.assign_advice(self.sq[i], row, state.map(|s| (s[i] + c.rc[r][i]).square()));
                    }
                }
                if !full {
                    self.q_partial.enable(region, row)?;
                } else if r == ROUNDS - 1 {
                    self.q_last.enable(region, row)?;
                } else {
                    self.q_full.enable(region, row)?;
                }
                state = state.map(|s| super::round(&s, r));
                row += 1;
            }
            h = state.map(|s| s[0]);
        }
        if messages.is_empty() {
            let cell = region.assign_advice(self.state[0], row, h).cell();
            region.constrain_constant(cell, Fr::ZERO)?;
            return Ok((cell, h));
        }
        let out = region.assign_advice(self.state[0], row, h).cell();
        Ok((out, h))
    }
}
