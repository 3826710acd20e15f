//! What the prover's memory depends on, read from the configured constraint system of a shape:
//! the numbers of columns of each kind (selectors counted as the fixed columns key generation
//! compresses them into), of lookup arguments and of permutation columns, and the quotient's
//! extended-domain factor. The root package's chunk planner turns these into bytes a row
//! (`src/chunk_memory.rs`).

use super::{CircuitShape, ValidationCircuit};
use crate::field::Fr;
use halo2_proofs::circuit::Value;
use halo2_proofs::plonk::{Advice, Any, Assigned, Assignment, Challenge, Circuit, Column, ConstraintSystem, Error, Fixed, FloorPlanner, Instance, Selector};

/// Column and argument counts of the circuit of one shape (each column a polynomial of `2^k`
/// values in the prover).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CircuitFootprint {
    /// Advice columns (both phases).
    pub advice: usize,
    /// Fixed columns as the proving key holds them: the circuit's own (lookup tables included)
    /// and those its selectors are compressed into at key generation.
    pub fixed: usize,
    /// Instance columns.
    pub instance: usize,
    /// Columns under the copy constraint (each has a permutation polynomial in the proving key).
    pub permutation_columns: usize,
    /// Lookup arguments (each commits a permuted input, a permuted table and a product).
    pub lookups: usize,
    /// The constraint system's degree, as halo2 caps it (`MAX_DEGREE`, default 5).
    pub degree: usize,
}

impl CircuitFootprint {
    /// The counts of the circuit of `shape`. Selector compression depends on which selectors
    /// share a row, so the key-generation layout is run once, recording only the selectors (a
    /// bit mask a row of the `2^k`, no cell values).
    pub fn of(shape: &CircuitShape) -> Self {
        let mut cs = ConstraintSystem::<Fr>::default();
        let config = ValidationCircuit::configure_with_params(&mut cs, shape.clone());
        let own_fixed = cs.num_fixed_columns();
        let selector_columns = compressed_selectors(&cs, shape, config).unwrap_or(cs.num_selectors());
        CircuitFootprint {
            advice: cs.num_advice_columns(),
            fixed: own_fixed + selector_columns,
            instance: cs.num_instance_columns(),
            permutation_columns: cs.permutation().get_columns().len(),
            lookups: cs.lookups().len(),
            degree: cs.degree(),
        }
    }

    /// Permutation product polynomials: the copy-constrained columns in sets of `degree - 2`.
    pub fn permutation_sets(&self) -> usize {
        self.permutation_columns.div_ceil(self.degree.saturating_sub(2).max(1))
    }

    /// The quotient's extended domain over the `2^k` rows: `2^ceil(log2(degree - 1))` (halo2's
    /// `EvaluationDomain`), the number of `2^k`-value parts the prover evaluates it in.
    pub fn extended_factor(&self) -> usize {
        self.degree.saturating_sub(1).max(1).next_power_of_two()
    }
}

/// The number of fixed columns halo2's `compress_selectors` makes of the selectors of `shape`'s
/// key-generation layout; `None` (the caller counts one column a selector, an upper bound) when
/// there are more than 128 selectors or the layout fails. Compression only asks which selectors
/// share a row, so each distinct set of selectors enabled together stands for all its rows.
fn compressed_selectors(cs: &ConstraintSystem<Fr>, shape: &CircuitShape, config: <ValidationCircuit as Circuit<Fr>>::Config) -> Option<usize> {
    let selectors = cs.num_selectors();
    if selectors > 128 {
        return None;
    }
    let mut rec = SelectorRows { rows: vec![0; 1 << shape.k()] };
    let circuit = ValidationCircuit::keygen(shape.clone());
    <ValidationCircuit as Circuit<Fr>>::FloorPlanner::synthesize(&mut rec, &circuit, config, cs.constants().clone()).ok()?;
    let mut patterns = rec.rows;
    patterns.sort_unstable();
    patterns.dedup();
    let activations: Vec<Vec<bool>> = (0..selectors).map(|s| patterns.iter().map(|p| p >> s & 1 == 1).collect()).collect();
    let before = cs.num_fixed_columns();
    let (compressed, _) = cs.clone().compress_selectors(activations);
    Some(compressed.num_fixed_columns() - before)
}

/// An [`Assignment`] that records which selectors each row enables and ignores everything else.
struct SelectorRows {
    rows: Vec<u128>,
}

impl Assignment<Fr> for SelectorRows {
    fn enter_region<NR: Into<String>, N: FnOnce() -> NR>(&mut self, _: N) {}
    fn annotate_column<A: FnOnce() -> AR, AR: Into<String>>(&mut self, _: A, _: Column<Any>) {}
    fn exit_region(&mut self) {}
    fn enable_selector<A: FnOnce() -> AR, AR: Into<String>>(&mut self, _: A, selector: &Selector, row: usize) -> Result<(), Error> {
        let current_k = self.rows.len().trailing_zeros();
        let cell = self.rows.get_mut(row).ok_or(Error::NotEnoughRowsAvailable { current_k })?;
        *cell |= 1u128 << selector.index();
        Ok(())
    }
    fn query_instance(&self, _: Column<Instance>, _: usize) -> Result<Value<Fr>, Error> {
        Ok(Value::unknown())
    }
    fn assign_advice<'v>(&mut self, _: Column<Advice>, _: usize, _: Value<Assigned<Fr>>) -> Value<&'v Assigned<Fr>> {
        Value::unknown()
    }
    fn assign_fixed(&mut self, _: Column<Fixed>, _: usize, _: Assigned<Fr>) {}
    fn copy(&mut self, _: Column<Any>, _: usize, _: Column<Any>, _: usize) {}
    fn fill_from_row(&mut self, _: Column<Fixed>, _: usize, _: Value<Assigned<Fr>>) -> Result<(), Error> {
        Ok(())
    }
    fn get_challenge(&self, _: Challenge) -> Value<Fr> {
        Value::unknown()
    }
    fn push_namespace<NR: Into<String>, N: FnOnce() -> NR>(&mut self, _: N) {}
    fn pop_namespace(&mut self, _: Option<String>) {}
}
