//! The R1CS-to-QAP reduction of snarkjs (and circom's provers), for proving with a proving key
//! from a snarkjs phase-2 ceremony (`.zkey`). It differs from arkworks' libsnark reduction in
//! the `H` query: a `.zkey` holds `H` for the evaluations of `A(x) B(x) - C(x)` on the odd
//! powers of a root of unity of twice the domain (where the vanishing polynomial is the
//! constant -2, folded into the key), so the prover hands exactly those evaluations to the
//! `H` multi-exponentiation. The constraint rows and the public-input rows
//! (`a[num_constraints + i] = x_i`) are arkworks' own, which snarkjs's setup mirrors.
//!
//! Only proving is supported: keys with this reduction come from snarkjs, never from
//! arkworks' generator.

use ark_ff::PrimeField;
use ark_groth16::r1cs_to_qap::{evaluate_constraint, R1CSToQAP};
use ark_poly::EvaluationDomain;
use ark_relations::gr1cs::{ConstraintSystemRef, Matrix, SynthesisError};

/// snarkjs's reduction (see the module doc).
pub struct CircomReduction;

impl R1CSToQAP for CircomReduction {
    #[allow(clippy::type_complexity)]
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        _cs: ConstraintSystemRef<F>,
        _t: &F,
    ) -> Result<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize), SynthesisError> {
        // keys for this reduction come from a snarkjs ceremony, not from arkworks' generator
        Err(SynthesisError::Unsatisfiable)
    }

    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &[Matrix<F>],
        num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> Result<Vec<F>, SynthesisError> {
        let domain = D::new(num_constraints + num_inputs).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let n = domain.size();
        let mut a = vec![F::zero(); n];
        let mut b = vec![F::zero(); n];
        let mut c = vec![F::zero(); n];
        for i in 0..num_constraints {
            a[i] = evaluate_constraint(&matrices[0][i], full_assignment);
            b[i] = evaluate_constraint(&matrices[1][i], full_assignment);
            c[i] = a[i] * b[i];
        }
        a[num_constraints..num_constraints + num_inputs].copy_from_slice(&full_assignment[..num_inputs]);
        domain.ifft_in_place(&mut a);
        domain.ifft_in_place(&mut b);
        domain.ifft_in_place(&mut c);
        // move to the odd powers of a primitive 2n-th root of unity
        let root = D::new(2 * n).ok_or(SynthesisError::PolynomialDegreeTooLarge)?.element(1);
        for v in [&mut a, &mut b, &mut c] {
            D::distribute_powers_and_mul_by_const(v, root, F::one());
            domain.fft_in_place(v);
        }
        Ok(a.iter().zip(&b).zip(&c).map(|((a, b), c)| *a * b - c).collect())
    }

    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(_max_power: usize, _t: F, _zt: F, _delta_inverse: F) -> Result<Vec<F>, SynthesisError> {
        Err(SynthesisError::Unsatisfiable)
    }
}
