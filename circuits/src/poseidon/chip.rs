//! The halo2 gadget for [`super::permute`] and [`super::hash_chain`]: one row per full round,
//! and the 57 partial rounds in rows of two and three.
//!
//! Columns: the state `s[0..3]`, three helper cells `q[0..3]` and three round-constant columns
//! `rc[0..3]` (fixed). The chip uses the *folded* round constants
//! ([`super::fold_partial_constants`]): partial rounds add a constant to lane 0 only, so the
//! intermediate states differ from the plain rounds' but every permutation output is the same.
//! A full-round row enforces `q_i = (s_i + rc_i)^2` and `s'_i = sum_j M_ij q_j^2 (s_j + rc_j)` on
//! the next row (degree 4 with the selector). A double-partial row applies round `r` (constant
//! `rc_0`) and round `r + 1` (constant `rc_1`): `q_0 = (s_0 + rc_0)^2`, `q_2 = t_0` (lane 0 after
//! round `r`), `q_1 = (t_0 + rc_1)^2`; the next row holds the state after round `r + 1`, all
//! three lanes, or (a *lazy* double row) lane 0 only. The row after a lazy one is a
//! triple-partial row: its lanes 1 and 2 are not stored but are the degree-3 expressions of the
//! lazy row's cells, which frees the cells `s_1`, `s_2` for a third round: `q_0 = (s_0 + rc_0)^2`,
//! `q_2` = lane 0 after the first round, `q_1` its square plus constant, `s_1` = lane 0 after
//! the second, `s_2 = (s_1 + rc_2)^2`, and the next row holds the full state after the third.
//! The 57 partial rounds take 11 (lazy double, triple) pairs and one double row, so a
//! permutation takes 8 + 23 = 31 rows (37 with double rows alone). The last round of each
//! permutation constrains only lane 0 of the next row, so that row doubles as the next
//! permutation's input row `[h, m_a, m_b]`: a chain of `P` permutations takes `31 P + 1` rows.

use super::{constants, is_full_round, Constants, ROUNDS, WIDTH};
use crate::field::Fr;
use halo2_proofs::halo2curves::ff::Field;
use halo2_proofs::circuit::{Cell, Region, Value};
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Expression, Fixed, Selector, VirtualCells};
use halo2_proofs::poly::Rotation;

/// The columns and selectors of the Poseidon gadget.
#[derive(Clone, Debug)]
pub struct PoseidonConfig {
    pub state: [Column<Advice>; WIDTH],
    pub sq: [Column<Advice>; WIDTH],
    pub rc: [Column<Fixed>; WIDTH],
    pub q_full: Selector,
    pub q_last: Selector,
    pub q_partial2: Selector,
    pub q_lazy2: Selector,
    pub q_partial3: Selector,
}

/// What one row of a permutation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Full(usize),
    Last(usize),
    /// Rounds `r` and `r + 1`, both partial; the next row holds the full state.
    Partial2(usize),
    /// Rounds `r` and `r + 1`; the next row (a [`Step::Partial3`]) holds lane 0 only.
    Lazy2(usize),
    /// Rounds `r`, `r + 1` and `r + 2` after a [`Step::Lazy2`] row.
    Partial3(usize),
}

/// The rows of one permutation.
fn steps() -> Vec<Step> {
    let mut out = Vec::new();
    let mut r = 0;
    while r < ROUNDS {
        if is_full_round(r) {
            out.push(if r == ROUNDS - 1 { Step::Last(r) } else { Step::Full(r) });
            r += 1;
            continue;
        }
        let left = (r..ROUNDS).take_while(|q| !is_full_round(*q)).count();
        if left >= 5 {
            out.extend([Step::Lazy2(r), Step::Partial3(r + 2)]);
            r += 5;
        } else {
            // 57 = 11 x 5 + 2: the constants leave exactly one double row (a test checks)
            out.push(Step::Partial2(r));
            r += 2;
        }
    }
    out
}

/// One partial round on expressions: lane 0's input `x0` (constant added) and its square cell
/// `sq`, lanes 1 and 2 as they are; returns the state after the S-box and the MDS.
fn partial_round(mds: &[[Fr; WIDTH]; WIDTH], x0: Expression<Fr>, sq: Expression<Fr>, x1: Expression<Fr>, x2: Expression<Fr>) -> [Expression<Fr>; WIDTH] {
    let sbox = sq.clone() * sq * x0;
    std::array::from_fn(|i| Expression::Constant(mds[i][0]) * sbox.clone() + Expression::Constant(mds[i][1]) * x1.clone() + Expression::Constant(mds[i][2]) * x2.clone())
}

/// The two rounds of a double-partial row at rotation `rot`: its three helper constraints
/// (`q_0`, `q_2 = t_0`, `q_1`) and the state after both rounds.
fn double_partial(m: &mut VirtualCells<'_, Fr>, cfg: (&[Column<Advice>; WIDTH], &[Column<Advice>; WIDTH], &[Column<Fixed>; WIDTH]), rot: Rotation) -> ([Expression<Fr>; 3], [Expression<Fr>; WIDTH]) {
    let (state, sq, rc) = cfg;
    let mds = &constants().mds;
    let s: [Expression<Fr>; WIDTH] = std::array::from_fn(|i| m.query_advice(state[i], rot));
    let x0 = s[0].clone() + m.query_fixed(rc[0], rot);
    let c1 = m.query_fixed(rc[1], rot);
    let q0 = m.query_advice(sq[0], rot);
    let q1 = m.query_advice(sq[1], rot);
    let mid = m.query_advice(sq[2], rot);
    // round r: t = M [x0^5, s1, s2]; lane 0 of t is the cell `mid`
    let t = partial_round(mds, x0.clone(), q0.clone(), s[1].clone(), s[2].clone());
    // round r + 1 on (mid + c1, t1, t2)
    let y0 = mid.clone() + c1;
    let u = partial_round(mds, y0.clone(), q1.clone(), t[1].clone(), t[2].clone());
    let [t0, _, _] = t;
    ([q0 - x0.clone() * x0, mid - t0, q1 - y0.clone() * y0], u)
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
        let q_partial2 = meta.selector();
        let q_lazy2 = meta.selector();
        let q_partial3 = meta.selector();
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

        // a double-partial row: the next row's lane 0 always, lanes 1 and 2 unless lazy
        meta.create_gate("poseidon double partial round", |m| {
            // (simple selectors cannot be added, so the shared constraints appear once per selector)
            let p = m.query_selector(q_partial2);
            let lazy = m.query_selector(q_lazy2);
            let (helpers, u) = double_partial(m, (&state, &sq, &rc), Rotation::cur());
            let next: [Expression<Fr>; WIDTH] = std::array::from_fn(|i| m.query_advice(state[i], Rotation::next()));
            let mut out = Vec::new();
            for (i, (n, u)) in next.into_iter().zip(u).enumerate() {
                let diff = n - u;
                if i == 0 {
                    out.push(lazy.clone() * diff.clone());
                }
                out.push(p.clone() * diff);
            }
            for h in helpers {
                out.push(p.clone() * h.clone());
                out.push(lazy.clone() * h);
            }
            out
        });

        // a triple-partial row after a lazy double row: lanes 1 and 2 come from the row above
        meta.create_gate("poseidon triple partial round", |m| {
            let p = m.query_selector(q_partial3);
            let (_, u) = double_partial(m, (&state, &sq, &rc), Rotation::prev());
            let [_, u1, u2] = u;
            let s0 = m.query_advice(state[0], Rotation::cur());
            let mid2 = m.query_advice(state[1], Rotation::cur());
            let sq3 = m.query_advice(state[2], Rotation::cur());
            let [q0, q1, mid1] = [0, 1, 2].map(|i| m.query_advice(sq[i], Rotation::cur()));
            let [c0, c1, c2] = [0, 1, 2].map(|i| m.query_fixed(rc[i], Rotation::cur()));
            let next: [Expression<Fr>; WIDTH] = std::array::from_fn(|i| m.query_advice(state[i], Rotation::next()));
            let x0 = s0 + c0;
            let v = partial_round(&mds, x0.clone(), q0.clone(), u1, u2);
            let y0 = mid1.clone() + c1;
            let w = partial_round(&mds, y0.clone(), q1.clone(), v[1].clone(), v[2].clone());
            let z0 = mid2.clone() + c2;
            let out3 = partial_round(&mds, z0.clone(), sq3.clone(), w[1].clone(), w[2].clone());
            let mut out = vec![
                p.clone() * (q0 - x0.clone() * x0),
                p.clone() * (mid1 - v[0].clone()),
                p.clone() * (q1 - y0.clone() * y0),
                p.clone() * (mid2 - w[0].clone()),
                p.clone() * (sq3 - z0.clone() * z0),
            ];
            for (n, o) in next.into_iter().zip(out3) {
                out.push(p.clone() * (n - o));
            }
            out
        });

        PoseidonConfig { state, sq, rc, q_full, q_last, q_partial2, q_lazy2, q_partial3 }
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
                let bump = |lane: usize| if fault == Some((row - start, lane)) { Fr::ONE } else { Fr::ZERO };
                // a triple row stores lane 0 only; its s_1, s_2 cells are helpers (below)
                let lanes = if matches!(step, Step::Partial3(_)) { 1 } else { WIDTH };
                if si > 0 {
                    for i in 0..lanes {
                        let b = bump(i);
                        region.assign_advice(self.state[i], row, state.map(|s| s[i] + b));
                    }
                }
                let r = match step {
                    Step::Full(r) | Step::Last(r) | Step::Partial2(r) | Step::Lazy2(r) | Step::Partial3(r) => r,
                };
                let k = &c.folded;
                // one partial round on `st` in the helper cell `col` (its square), returning the
                // state after it
                let sq_cell = |region: &mut Region<'_, Fr>, col: Column<Advice>, st: Value<[Fr; WIDTH]>, rr: usize, b: Fr| {
                    region.assign_fixed(self.rc[rr - r], row, k[rr][0]);
                    region.assign_advice(col, row, st.map(|s| (s[0] + k[rr][0]).square() + b));
                    st.map(|s| super::round_folded(&s, rr))
                };
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
                    Step::Partial2(_) | Step::Lazy2(_) => {
                        let mid = sq_cell(region, self.sq[0], state, r, Fr::ZERO);
                        region.assign_advice(self.sq[2], row, mid.map(|t| t[0]));
                        state = sq_cell(region, self.sq[1], mid, r + 1, Fr::ZERO);
                        if matches!(step, Step::Lazy2(_)) {
                            self.q_lazy2.enable(region, row)?;
                        } else {
                            self.q_partial2.enable(region, row)?;
                        }
                    }
                    Step::Partial3(_) => {
                        let mid1 = sq_cell(region, self.sq[0], state, r, Fr::ZERO);
                        region.assign_advice(self.sq[2], row, mid1.map(|t| t[0]));
                        let mid2 = sq_cell(region, self.sq[1], mid1, r + 1, Fr::ZERO);
                        let b1 = bump(1);
                        region.assign_advice(self.state[1], row, mid2.map(|t| t[0] + b1));
                        state = sq_cell(region, self.state[2], mid2, r + 2, bump(2));
                        self.q_partial3.enable(region, row)?;
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
        // a tampered state cell in a full round (rows 0-3, 27-30), a lazy double row (4, 6, ..),
        // a triple row's lane 0 and its two helper cells in s_1, s_2 (5, 7, ..), the closing
        // double row (26), the last round, and in the second permutation
        for (row, lane) in [(2, 0), (2, 2), (4, 1), (4, 2), (5, 0), (5, 1), (5, 2), (15, 1), (25, 2), (26, 0), (26, 2), (27, 1), (30, 1), (31 + 5, 1), (31 + 6, 2)] {
            assert!(!check(&msgs, Some((row, lane)), h), "fault at row {row} lane {lane}");
        }
    }

    #[test]
    fn a_permutation_takes_31_rows() {
        assert_eq!(PoseidonConfig::rows_per_permutation(), 31);
        let st = steps();
        assert_eq!(st.iter().filter(|s| matches!(s, Step::Lazy2(_))).count(), 11);
        assert_eq!(st.iter().filter(|s| matches!(s, Step::Partial3(_))).count(), 11);
        assert_eq!(st.iter().filter(|s| matches!(s, Step::Partial2(_))).count(), 1);
        assert_eq!(st.last(), Some(&Step::Last(ROUNDS - 1)));
        // every round exactly once, in order, each triple row right after a lazy double row
        let mut next = 0;
        for (i, s) in st.iter().enumerate() {
            let (r, n) = match *s {
                Step::Full(r) | Step::Last(r) => (r, 1),
                Step::Partial2(r) | Step::Lazy2(r) => (r, 2),
                Step::Partial3(r) => {
                    assert!(matches!(st[i - 1], Step::Lazy2(_)), "row {i}");
                    (r, 3)
                }
            };
            assert_eq!(r, next, "row {i}");
            assert!((r..r + n).all(|q| is_full_round(q) == matches!(s, Step::Full(_) | Step::Last(_))), "row {i}");
            next = r + n;
        }
        assert_eq!(next, ROUNDS);
    }

    #[test]
    fn long_chains_match_native() {
        // several permutations and an odd message count (padded), against the native chain
        for n in [1usize, 2, 7] {
            let msgs: Vec<Fr> = (0..n as u64).map(|v| Fr::from(v * 7 + 3)).collect();
            assert!(check(&msgs, None, hash_chain(&msgs)), "{n} messages");
        }
    }
}
