//! The Groth16 circuit's constraint system in iden3's `.r1cs` binary format, so that snarkjs runs
//! the phase-2 ceremony for it (`snarkjs groth16 setup circuit.r1cs final.ptau c0.zkey`, `zkey
//! contribute`, `zkey beacon`, `zkey verify`). The constraints are exactly what key generation
//! synthesizes (setup mode, optimized for constraints, linear combinations inlined), read off
//! arkworks' matrices; nothing here changes the constraint system.
//!
//! Wire numbering: snarkjs's wire 0 is the constant one, then the public signals; arkworks
//! numbers its variables the same way (instance variables, the constant first, then witness
//! variables), so wire `i` is arkworks variable `i` and the public signals are
//! `[model commitment, data set commitment, N, S]` as wires 1..=4 (declared as public inputs,
//! no outputs).
//!
//! ```text
//! "r1cs" (4)  version u32 (1)  number of sections u32 (3)
//! section 1 header:      n8 u32 (32), prime (32 bytes LE), nWires u32, nPubOut u32 (0),
//!                        nPubIn u32 (4), nPrvIn u32 (0), nLabels u64, mConstraints u32
//! section 2 constraints: per constraint, A then B then C: nTerms u32, then (wire u32, coefficient
//!                        32 bytes LE, canonical form) per term
//! section 3 wire->label: nWires u64 labels (the identity)
//! ```

use super::circuit::Groth16Circuit;
use super::ArkFr;
use crate::error::{CircuitError, Result};
use crate::halo2::CircuitShape;
use ark_ff::{BigInteger, PrimeField};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode, R1CS_PREDICATE_LABEL};

/// A row: `(coefficient, variable)` terms.
pub type Row = Vec<(ArkFr, usize)>;

/// The circuit's R1CS as key generation sees it.
#[derive(Clone, Debug)]
pub struct R1cs {
    /// Instance variables, the constant one included (5: one and the four public inputs).
    pub num_instance: usize,
    /// Witness variables.
    pub num_witness: usize,
    /// The `A`, `B`, `C` rows of every constraint.
    pub a: Vec<Row>,
    pub b: Vec<Row>,
    pub c: Vec<Row>,
}

impl R1cs {
    /// Synthesizes the circuit of `shape` as key generation does and reads its matrices.
    pub fn of(shape: &CircuitShape) -> Result<Self> {
        let circuit = Groth16Circuit::keygen(shape)?;
        let cs = ConstraintSystem::<ArkFr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        circuit.generate_constraints(cs.clone()).map_err(|e| CircuitError::Synthesis(e.to_string()))?;
        cs.finalize();
        let mut all = cs.to_matrices().map_err(|e| CircuitError::Synthesis(e.to_string()))?;
        let mut m = all.remove(R1CS_PREDICATE_LABEL).ok_or_else(|| CircuitError::Synthesis("no R1CS constraints".into()))?;
        if m.len() != 3 {
            return Err(CircuitError::Synthesis(format!("{} matrices in the R1CS predicate, expected 3", m.len())));
        }
        let (c, b, a) = (m.remove(2), m.remove(1), m.remove(0));
        Ok(R1cs { num_instance: cs.num_instance_variables(), num_witness: cs.num_witness_variables(), a, b, c })
    }

    /// The number of wires (variables, the constant one included).
    pub fn num_wires(&self) -> usize {
        self.num_instance + self.num_witness
    }

    /// The `.r1cs` file contents.
    pub fn to_bytes(&self) -> Vec<u8> {
        let u32le = |out: &mut Vec<u8>, v: usize| out.extend_from_slice(&(v as u32).to_le_bytes());
        let field = |out: &mut Vec<u8>, x: &ArkFr| {
            let mut bytes = x.into_bigint().to_bytes_le();
            bytes.resize(32, 0);
            out.extend_from_slice(&bytes);
        };
        let mut header = Vec::new();
        u32le(&mut header, 32);
        let mut prime = ArkFr::MODULUS.to_bytes_le();
        prime.resize(32, 0);
        header.extend_from_slice(&prime);
        u32le(&mut header, self.num_wires());
        u32le(&mut header, 0);
        u32le(&mut header, self.num_instance - 1);
        u32le(&mut header, 0);
        header.extend_from_slice(&(self.num_wires() as u64).to_le_bytes());
        u32le(&mut header, self.a.len());
        let mut constraints = Vec::new();
        for ((a, b), c) in self.a.iter().zip(&self.b).zip(&self.c) {
            for row in [a, b, c] {
                u32le(&mut constraints, row.len());
                for (coeff, wire) in row {
                    u32le(&mut constraints, *wire);
                    field(&mut constraints, coeff);
                }
            }
        }
        let mut labels = Vec::with_capacity(8 * self.num_wires());
        for i in 0..self.num_wires() as u64 {
            labels.extend_from_slice(&i.to_le_bytes());
        }
        let mut out = Vec::new();
        out.extend_from_slice(b"r1cs");
        u32le(&mut out, 1);
        u32le(&mut out, 3);
        for (ty, body) in [(1u32, header), (2, constraints), (3, labels)] {
            out.extend_from_slice(&ty.to_le_bytes());
            out.extend_from_slice(&(body.len() as u64).to_le_bytes());
            out.extend_from_slice(&body);
        }
        out
    }
}
