//! The halo2 gadget for [`super::permute`] and [`super::hash_chain`]: one row per full round,
//! one row per *two* partial rounds.
//!
//! Columns: the state `s[0..3]`, three helper cells `q[0..3]` and three round-constant columns
//! `rc[0..3]` (fixed). The chip uses the *folded* round constants
//! ([`super::fold_partial_constants`]): partial rounds add a constant to lane 0 only, so the
//! intermediate states differ from the plain rounds' but every permutation output is the same.
//! A full-round row enforces `q_i = (s_i + rc_i)^2` and `s'_i = sum_j M_ij q_j^2 (s_j + rc_j)` on
//! the next row (degree 4 with the selector). A double-partial row applies round `r` (constant
//! `rc_0`) and round `r + 1` (constant `rc_1`, the column lane 1 does not need in a partial
//! round): `q_0 = (s_0 + rc_0)^2`, `q_2 = t_0` (lane 0 after round `r`), `q_1 = (t_0 + rc_1)^2`,
//! and the next row is the state after round `r + 1`. The 57 partial rounds take 28 double rows and
//! one single row, so a permutation takes 8 + 29 = 37 rows. The last round of each permutation
//! constrains only lane 0 of the next row, so that row doubles as the next permutation's input
//! row `[h, m_a, m_b]`: a chain of `P` permutations takes `37 P + 1` rows.

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
    pub q_partial2: Selector,
}

/// What one row of a permutation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Full(usize),
    Last(usize),
    Partial(usize),
    /// Rounds `r` and `r + 1`, both partial.
    Partial2(usize),
}

/// The rows of one permutation.
fn steps() -> Vec<Step> {
    let mut out = Vec::new();
    let mut r = 0;
    while r < ROUNDS {
        if is_full_round(r) {
            out.push(if r == ROUNDS - 1 { Step::Last(r) } else { Step::Full(r) });
            r += 1;
        } else if r + 1 < ROUNDS && !is_full_round(r + 1) {
            out.push(Step::Partial2(r));
            r += 2;
        } else {
            out.push(Step::Partial(r));
            r += 1;
        }
    }
    out
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
        let q_partial2 = meta.selector();
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

        // partial rounds: lane 0 gets its (folded) constant, lanes 1 and 2 none
        let partial_input = |m: &mut halo2_proofs::plonk::VirtualCells<'_, Fr>| -> [Expression<Fr>; WIDTH] {
            std::array::from_fn(|i| {
                let s = m.query_advice(state[i], Rotation::cur());
                if i == 0 {
                    s + m.query_fixed(rc[0], Rotation::cur())
                } else {
                    s
                }
            })
        };
        meta.create_gate("poseidon partial round", |m| {
            let p = m.query_selector(q_partial);
            let x = partial_input(m);
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

        meta.create_gate("poseidon double partial round", |m| {
            let p = m.query_selector(q_partial2);
            let x = partial_input(m);
            let cb0 = m.query_fixed(rc[1], Rotation::cur());
            let q0 = m.query_advice(sq[0], Rotation::cur());
            let q1 = m.query_advice(sq[1], Rotation::cur());
            let mid = m.query_advice(sq[2], Rotation::cur());
            let next: [Expression<Fr>; WIDTH] = std::array::from_fn(|i| m.query_advice(state[i], Rotation::next()));
            // round r: t = M [x0^5, x1, x2]; lane 0 of t is the cell `mid`
            let sbox = q0.clone() * q0.clone() * x[0].clone();
            let t: [Expression<Fr>; WIDTH] = std::array::from_fn(|i| {
                Expression::Constant(mds[i][0]) * sbox.clone()
                    + Expression::Constant(mds[i][1]) * x[1].clone()
                    + Expression::Constant(mds[i][2]) * x[2].clone()
            });
            // round r + 1 on (mid, t1, t2)
            let y0 = mid.clone() + cb0;
            let y1 = t[1].clone();
            let y2 = t[2].clone();
            let sbox2 = q1.clone() * q1.clone() * y0.clone();
            let mut out = vec![
                p.clone() * (q0 - x[0].clone() * x[0].clone()),
                p.clone() * (mid - t[0].clone()),
                p.clone() * (q1 - y0.clone() * y0),
            ];
            for i in 0..WIDTH {
                let mix = Expression::Constant(mds[i][0]) * sbox2.clone()
                    + Expression::Constant(mds[i][1]) * y1.clone()
                    + Expression::Constant(mds[i][2]) * y2.clone();
                out.push(p.clone() * (next[i].clone() - mix));
            }
            out
        });

        PoseidonConfig { state, sq, rc, q_full, q_last, q_partial, q_partial2 }
    }

    /// Rows one permutation takes.
    pub fn rows_per_permutation() -> usize {
        steps().len()
    }

    /// Rows used by a chain over `elements` message elements.
    pub fn chain_rows(elements: usize) -> usize {
        Self::rows_per_permutation() * elements.div_ceil(2) + 1
    }

    /// Assigns [`super::hash_chain`] over `messages` starting at row `start` and returns the
    /// output cell (lane 0 of the last row) with its value.
    pub fn assign_chain(&self, region: &mut Region<'_, Fr>, start: usize, messages: &[Message]) -> Result<(Cell, Value<Fr>), halo2_proofs::plonk::Error> {
        self.assign_chain_with_fault(region, start, messages, None)
    }

    /// [`Self::assign_chain`], optionally adding 1 to the state cell `(row offset, lane)`: a
    /// tampered witness for soundness tests.
    fn assign_chain_with_fault(
        &self,
        region: &mut Region<'_, Fr>,
        start: usize,
        messages: &[Message],
        fault: Option<(usize, usize)>,
    ) -> Result<(Cell, Value<Fr>), halo2_proofs::plonk::Error> {
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
            for (si, step) in steps().into_iter().enumerate() {
                if si > 0 {
                    for i in 0..WIDTH {
                        let bump = if fault == Some((row - start, i)) { Fr::ONE } else { Fr::ZERO };
                        region.assign_advice(self.state[i], row, state.map(|s| s[i] + bump));
                    }
                }
                let r = match step {
                    Step::Full(r) | Step::Last(r) | Step::Partial(r) | Step::Partial2(r) => r,
                };
                let k = &c.folded;
                match step {
                    Step::Full(_) | Step::Last(_) => {
                        for i in 0..WIDTH {
                            region.assign_fixed(self.rc[i], row, k[r][i]);
                            region.assign_advice(self.sq[i], row, state.map(|s| (s[i] + k[r][i]).square()));
                        }
                        if matches!(step, Step::Last(_)) {
                            self.q_last.enable(region, row)?;
                        } else {
                            self.q_full.enable(region, row)?;
                        }
                        state = state.map(|s| super::round_folded(&s, r));
                    }
                    Step::Partial(_) => {
                        region.assign_fixed(self.rc[0], row, k[r][0]);
                        region.assign_advice(self.sq[0], row, state.map(|s| (s[0] + k[r][0]).square()));
                        self.q_partial.enable(region, row)?;
                        state = state.map(|s| super::round_folded(&s, r));
                    }
                    Step::Partial2(_) => {
                        region.assign_fixed(self.rc[0], row, k[r][0]);
                        region.assign_fixed(self.rc[1], row, k[r + 1][0]);
                        region.assign_advice(self.sq[0], row, state.map(|s| (s[0] + k[r][0]).square()));
                        let mid = state.map(|s| super::round_folded(&s, r));
                        region.assign_advice(self.sq[2], row, mid.map(|t| t[0]));
                        region.assign_advice(self.sq[1], row, mid.map(|t| (t[0] + k[r + 1][0]).square()));
                        self.q_partial2.enable(region, row)?;
                        state = mid.map(|t| super::round_folded(&t, r + 1));
                    }
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poseidon::hash_chain;
    use halo2_proofs::circuit::{Layouter, SimpleFloorPlanner};
    use halo2_proofs::dev::MockProver;
    use halo2_proofs::plonk::{Circuit, Column, ConstraintSystem, Error, Instance};

    #[derive(Clone)]
    struct ChainCircuit {
        messages: Vec<Fr>,
        fault: Option<(usize, usize)>,
    }

    impl Circuit<Fr> for ChainCircuit {
        type Config = (PoseidonConfig, Column<Instance>, Column<Fixed>);
        type FloorPlanner = SimpleFloorPlanner;
        type Params = ();

        fn without_witnesses(&self) -> Self {
            self.clone()
        }

        fn configure(meta: &mut ConstraintSystem<Fr>) -> Self::Config {
            let p = PoseidonConfig::configure(meta);
            let inst = meta.instance_column();
            meta.enable_equality(inst);
            let constant = meta.fixed_column();
            meta.enable_constant(constant);
            (p, inst, constant)
        }

        fn synthesize(&self, (p, inst, _): Self::Config, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
            let msgs: Vec<Message> = self.messages.iter().map(|m| Message::Constant(*m)).collect();
            let out = layouter.assign_region(|| "chain", |mut region| p.assign_chain_with_fault(&mut region, 0, &msgs, self.fault))?;
            layouter.constrain_instance(out.0, inst, 0);
            Ok(())
        }
    }

    fn check(messages: &[Fr], fault: Option<(usize, usize)>, expected: Fr) -> bool {
        let c = ChainCircuit { messages: messages.to_vec(), fault };
        MockProver::run(8, &c, vec![vec![expected]]).map(|p| p.verify().is_ok()).unwrap_or(false)
    }

    #[test]
    fn chip_matches_native_and_rejects_tampering() {
        let msgs: Vec<Fr> = (1..=5u64).map(Fr::from).collect();
        let h = hash_chain(&msgs);
        assert!(check(&msgs, None, h));
        assert!(!check(&msgs, None, h + Fr::ONE), "wrong output");
        // a tampered state cell in a full round, a double partial round, the single partial
        // round and the last round, and in the second permutation
        for (row, lane) in [(2, 0), (2, 2), (5, 1), (20, 0), (20, 2), (32, 0), (35, 1), (36, 1), (37 + 6, 1)] {
            assert!(!check(&msgs, Some((row, lane)), h), "fault at row {row} lane {lane}");
        }
    }

    #[test]
    fn a_permutation_takes_37_rows() {
        assert_eq!(PoseidonConfig::rows_per_permutation(), 37);
        let st = steps();
        assert_eq!(st.iter().filter(|s| matches!(s, Step::Partial2(_))).count(), 28);
        assert_eq!(st.last(), Some(&Step::Last(ROUNDS - 1)));
    }
}
