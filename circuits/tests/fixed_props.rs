//! Property tests of the fixed-point ops against their definitions in plain arithmetic.

use proptest::prelude::*;
use zkpot_circuits::fixed::{argmax, rescale, FixedParams};

proptest! {
    #[test]
    fn rescale_is_round_half_up(acc in -(1i64 << 40)..(1i64 << 40), s in 1u32..16) {
        let (z, r) = rescale(acc as i128, s);
        prop_assert!(r >= 0 && r < (1i128 << s));
        prop_assert_eq!(z * (1i128 << s) + r, acc as i128 + (1i128 << (s - 1)));
        // equals floor(acc / 2^s + 1/2) computed exactly with rationals
        let num = 2 * acc as i128 + (1i128 << s);
        let den = 1i128 << (s + 1);
        prop_assert_eq!(z, num.div_euclid(den));
    }

    #[test]
    fn argmax_is_first_maximum(v in proptest::collection::vec(-50i64..50, 1..12)) {
        let p = argmax(&v);
        let m = *v.iter().max().unwrap();
        prop_assert_eq!(v[p], m);
        prop_assert!(v[..p].iter().all(|x| *x < m));
    }

    #[test]
    fn quantize_roundtrips_within_half_a_step(x in -100.0f64..100.0, s in 1u32..12) {
        let p = FixedParams { scale_bits: s, value_bits: 20 };
        if let Ok(q) = p.quantize(x, || "x".into()) {
            prop_assert!((p.dequantize(q) - x).abs() <= 0.5 / (1u64 << s) as f64 + 1e-12);
        }
    }
}
