//! The one Ed25519 acceptance rule every replica applies, alone or batched.
//!
//! Ed25519 has two verification equations: *cofactorless* `[s]B = R + [h]A` (what
//! `verify_strict` checks) and *cofactored* `[8][s]B = [8]R + [8][h]A`. They disagree
//! on signatures whose signer put a small-order (torsion) component into `R` or `A`,
//! and a batch check with random coefficients `z_i` over the cofactorless equation
//! accepts such a signature only when `z_i` happens to kill the torsion (one batch
//! in eight): two replicas that batch the same message with different neighbours can
//! then disagree on it, which a Byzantine client or replica can use to split them.
//!
//! The rule here (the one ZIP 215 adopted for Zcash consensus for the same reason):
//! a signature `(R, s)` by key `A` on `M` is valid iff
//! - `s` is canonical (`s < l`),
//! - `R` and `A` decode to curve points and `A` is not of small order (a weak key
//!   would sign every message),
//! - `[8]([s]B - R - [h]A)` is the identity, `h = SHA-512(R || A || M) mod l`.
//!
//! Checked one by one or batched (`[8](Σ z_i([s_i]B - R_i - [h_i]A_i))` with 128-bit
//! `z_i` derived from a hash of the whole batch), the answer is the same except with
//! probability about 2^-128: after multiplying by the cofactor every term lies in the
//! prime-order subgroup, where a random combination of non-zero terms vanishes only
//! with that probability. So batch composition can never change an answer. It
//! accepts every signature `verify_strict` accepts; it also accepts those whose
//! signer added torsion to its own `R` (nobody can forge another key's signature
//! this way), consistently on every replica.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest as _, Sha512};

/// One signature, decoded: `None` fields never reach the equation.
struct Parsed {
    r: EdwardsPoint,
    a: EdwardsPoint,
    s: Scalar,
    h: Scalar,
}

/// Decode and run the cheap up-front checks (canonical `s`, points on the curve,
/// key not of small order), computing `h`.
fn parse(key: &VerifyingKey, msg: &[u8], sig: &Signature) -> Option<Parsed> {
    let s: Option<Scalar> = Scalar::from_canonical_bytes(*sig.s_bytes()).into();
    let s = s?;
    let r = CompressedEdwardsY(*sig.r_bytes()).decompress()?;
    let a = key.to_edwards();
    if a.is_small_order() {
        return None;
    }
    let mut hasher = Sha512::new();
    hasher.update(sig.r_bytes());
    hasher.update(key.as_bytes());
    hasher.update(msg);
    let h = Scalar::from_bytes_mod_order_wide(&hasher.finalize().into());
    Some(Parsed { r, a, s, h })
}

/// `[8]([s]B - R - [h]A) == 0`.
fn check_parsed(p: &Parsed) -> bool {
    let sb_minus_ha = EdwardsPoint::vartime_double_scalar_mul_basepoint(&p.h, &-p.a, &p.s);
    (sb_minus_ha - p.r).mul_by_cofactor().is_identity()
}

/// Verify one signature under the rule of this module.
pub fn verify(key: &VerifyingKey, msg: &[u8], sig: &Signature) -> bool {
    parse(key, msg, sig).is_some_and(|p| check_parsed(&p))
}

/// The batch equation over already-parsed signatures (at least one).
fn check_batch(items: &[&Parsed]) -> bool {
    // 128-bit coefficients from a hash of every input of the batch (deterministic, so
    // no randomness source is needed; choosing inputs to make them cancel a non-zero
    // term means finding a 2^-128 event of SHA-512).
    let mut seed = Sha512::new();
    seed.update(b"zkpot cofactored ed25519 batch");
    for p in items {
        seed.update(p.r.compress().as_bytes());
        seed.update(p.a.compress().as_bytes());
        seed.update(p.s.as_bytes());
        seed.update(p.h.as_bytes());
    }
    let seed = seed.finalize();
    let zs: Vec<Scalar> = (0..items.len() as u64)
        .map(|i| {
            let z = Sha512::new().chain_update(seed).chain_update(i.to_le_bytes()).finalize();
            let mut low = [0u8; 16];
            low.copy_from_slice(&z[..16]);
            Scalar::from(u128::from_le_bytes(low))
        })
        .collect();
    let b_coeff: Scalar = items.iter().zip(&zs).map(|(p, z)| z * p.s).sum();
    let scalars = std::iter::once(b_coeff)
        .chain(zs.iter().map(|z| -z))
        .chain(items.iter().zip(&zs).map(|(p, z)| -(z * p.h)));
    let points = std::iter::once(ED25519_BASEPOINT_POINT)
        .chain(items.iter().map(|p| p.r))
        .chain(items.iter().map(|p| p.a));
    EdwardsPoint::vartime_multiscalar_mul(scalars, points).mul_by_cofactor().is_identity()
}

/// Verify many signatures: one batch equation over all that pass the up-front
/// checks, and only if it fails, each on its own. `result[i]` is exactly
/// [`verify`]`(items[i])` (up to the 2^-128 above), whatever else is in the batch.
pub fn verify_each(items: &[(&VerifyingKey, &[u8], &Signature)]) -> Vec<bool> {
    let parsed: Vec<Option<Parsed>> = items.iter().map(|(k, m, s)| parse(k, m, s)).collect();
    let ok: Vec<&Parsed> = parsed.iter().flatten().collect();
    match ok.len() {
        0 => return vec![false; items.len()],
        1 => {}
        _ if check_batch(&ok) => return parsed.iter().map(Option::is_some).collect(),
        _ => {}
    }
    parsed.iter().map(|p| p.as_ref().is_some_and(check_parsed)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::EIGHT_TORSION;
    use ed25519_dalek::{Signer as _, SigningKey};

    fn key(i: u8) -> SigningKey {
        SigningKey::from_bytes(&[i; 32])
    }

    /// A signature by `key` on `msg` whose nonce point carries the torsion point `t`:
    /// `R = [r]B + T`, `s = r + h a`, with `h` computed over this `R`. The cofactorless
    /// equation is off by exactly `T`.
    fn torsion_signature(key: &SigningKey, msg: &[u8], t: EdwardsPoint) -> Signature {
        let expanded = hazmat_scalar(key);
        let r = Scalar::from_bytes_mod_order_wide(&Sha512::digest(msg).into());
        let big_r = (ED25519_BASEPOINT_POINT * r + t).compress();
        let mut h = Sha512::new();
        h.update(big_r.as_bytes());
        h.update(key.verifying_key().as_bytes());
        h.update(msg);
        let h = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
        let s = r + h * expanded;
        let mut bytes = [0u8; 64];
        bytes[..32].copy_from_slice(big_r.as_bytes());
        bytes[32..].copy_from_slice(s.as_bytes());
        Signature::from_bytes(&bytes)
    }

    /// The secret scalar `a` of an Ed25519 key (clamped low half of SHA-512(seed)).
    fn hazmat_scalar(key: &SigningKey) -> Scalar {
        let h = Sha512::digest(key.to_bytes());
        let mut a = [0u8; 32];
        a.copy_from_slice(&h[..32]);
        a[0] &= 248;
        a[31] &= 127;
        a[31] |= 64;
        Scalar::from_bytes_mod_order(a)
    }

    #[test]
    fn honest_signatures_verify_alone_and_batched() {
        let keys: Vec<SigningKey> = (1..=5).map(key).collect();
        let msgs: Vec<Vec<u8>> = (0..5).map(|i| vec![i; 10 + i as usize]).collect();
        let sigs: Vec<Signature> = keys.iter().zip(&msgs).map(|(k, m)| k.sign(m)).collect();
        let vks: Vec<VerifyingKey> = keys.iter().map(|k| k.verifying_key()).collect();
        for i in 0..5 {
            assert!(verify(&vks[i], &msgs[i], &sigs[i]));
            assert!(vks[i].verify_strict(&msgs[i], &sigs[i]).is_ok());
        }
        let items: Vec<_> = (0..5).map(|i| (&vks[i], msgs[i].as_slice(), &sigs[i])).collect();
        assert_eq!(verify_each(&items), vec![true; 5]);
        // a wrong message fails alone and in the batch, and only it
        let mut bad = items.clone();
        bad[2].1 = b"other";
        assert_eq!(verify_each(&bad), vec![true, true, false, true, true]);
        assert!(verify_each(&[]).is_empty());
    }

    /// The attack the rule exists for: a signature with a torsion component in R.
    /// Strict verification rejects it and ed25519-dalek's cofactorless batch accepts
    /// it for some batch compositions and not others (the split between replicas);
    /// under this rule the answer never depends on the batch it travels in.
    #[test]
    fn torsion_signature_gets_one_answer_in_every_batch() {
        let signer = key(9);
        let vk = signer.verifying_key();
        let msg = b"pay 100 to mallory";
        for t in EIGHT_TORSION.iter().skip(1) {
            let sig = torsion_signature(&signer, msg, *t);
            assert!(vk.verify_strict(msg, &sig).is_err(), "strict rejects a torsion R");
            let alone = verify(&vk, msg, &sig);
            let others: Vec<(VerifyingKey, Vec<u8>, Signature)> = (0..40u8)
                .map(|i| {
                    let k = key(100 + i);
                    let m = vec![i; 3];
                    let s = k.sign(&m);
                    (k.verifying_key(), m, s)
                })
                .collect();
            let mut dalek_answers = std::collections::BTreeSet::new();
            for k in 0..others.len() {
                let mut items: Vec<(&VerifyingKey, &[u8], &Signature)> =
                    others[..k].iter().map(|(k, m, s)| (k, m.as_slice(), s)).collect();
                items.push((&vk, msg.as_slice(), &sig));
                let got = verify_each(&items);
                assert_eq!(got[k], alone, "batch of {} changed the answer", k + 1);
                assert!(got[..k].iter().all(|x| *x), "honest neighbours stay valid");
                if k >= 1 {
                    let (ks, ms, ss): (Vec<VerifyingKey>, Vec<&[u8]>, Vec<Signature>) =
                        items.iter().map(|(k, m, s)| (**k, *m, **s)).fold((vec![], vec![], vec![]), |mut a, x| {
                            a.0.push(x.0);
                            a.1.push(x.1);
                            a.2.push(x.2);
                            a
                        });
                    dalek_answers.insert(ed25519_dalek::verify_batch(&ms, &ss, &ks).is_ok());
                }
            }
            // What the old code relied on: the cofactorless batch answer depends on the
            // neighbours (for a torsion point of order 8 both answers occur in 40 tries
            // with overwhelming probability; for order 2 and 4 as well).
            assert_eq!(dalek_answers.len(), 2, "dalek's batch answer varies with the batch");
            // The cofactored rule accepts it (the signer only fooled itself).
            assert!(alone);
        }
    }

    /// Small-order keys, non-canonical s and undecodable R are refused up front, alone
    /// and batched.
    #[test]
    fn weak_keys_and_malformed_signatures_are_refused() {
        let honest = key(1);
        let vk = honest.verifying_key();
        let msg = b"m";
        let good = honest.sign(msg);
        // the identity as a key (small order): R = [s]B signs every message
        let mut id = [0u8; 32];
        id[0] = 1;
        let weak = VerifyingKey::from_bytes(&id).unwrap();
        let s = Scalar::from(7u64);
        let mut forged = [0u8; 64];
        forged[..32].copy_from_slice((ED25519_BASEPOINT_POINT * s).compress().as_bytes());
        forged[32..].copy_from_slice(s.as_bytes());
        let forged = Signature::from_bytes(&forged);
        assert!(!verify(&weak, b"anything", &forged));
        // non-canonical s (s + l)
        let mut big_s = good.to_bytes();
        big_s[63] |= 0xf0;
        let big_s = Signature::from_bytes(&big_s);
        assert!(!verify(&vk, msg, &big_s));
        // R not on the curve
        let mut bad_r = good.to_bytes();
        bad_r[..32].copy_from_slice(&[0xff; 32]);
        let bad_r = Signature::from_bytes(&bad_r);
        let got = verify_each(&[
            (&vk, msg.as_slice(), &good),
            (&weak, b"anything".as_slice(), &forged),
            (&vk, msg.as_slice(), &big_s),
            (&vk, msg.as_slice(), &bad_r),
            (&vk, msg.as_slice(), &good),
        ]);
        assert_eq!(got, vec![true, false, false, false, true]);
    }
}
