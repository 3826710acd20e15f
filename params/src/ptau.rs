//! snarkjs `.ptau` powers-of-tau files (iden3's binary format), as written by
//! `snarkjs powersoftau new/contribute/beacon/prepare phase2` and published by the Perpetual
//! Powers of Tau and Hermez ceremonies.
//!
//! ```text
//! "ptau" (4)  version u32 (1)  number of sections u32
//! each section: type u32, size u64, then its bytes
//!   1 header:   n8 u32 (32), q (n8 bytes, LE), power u32, ceremony power u32
//!   2 tauG1:    2^(power+1) - 1 G1 points: tau^i g1
//!   3 tauG2:    2^power G2 points: tau^i g2
//!   4..7        alpha/beta powers and the contributions (not needed for KZG)
//!   12..15      phase-2 Lagrange sections of `prepare phase2` (ignored: zkpot derives its own)
//! ```
//!
//! Every field element is `n8` bytes little endian in Montgomery form (`x * 2^256 mod q`); a G1
//! point is `x, y`, a G2 point `x.c0, x.c1, y.c0, y.c1`. zkpot reads the first `2^k` G1 powers
//! and `g2`, `tau g2`, checks every point (on the curve, G2 in the subgroup), and builds KZG
//! parameters; the caller runs [`crate::check::same_ratio`] on them.

use crate::error::ParamsError;
use halo2_proofs::arithmetic::CurveAffine;
use halo2_proofs::halo2curves::bn256::{Fq, Fq2, Fr, G1Affine, G2Affine, G2};
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_proofs::halo2curves::group::Curve;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The magic bytes of `.ptau` files.
pub const MAGIC: &[u8; 4] = b"ptau";
const N8: usize = 32;
/// BN254's base field modulus, little endian (what the header's `q` must be).
const Q_LE: [u8; 32] = [
    0x47, 0xfd, 0x7c, 0xd8, 0x16, 0x8c, 0x20, 0x3c, 0x8d, 0xca, 0x71, 0x68, 0x91, 0x6a, 0x81, 0x97, 0x5d, 0x58, 0x81, 0x81, 0xb6, 0x45, 0x50, 0xb8,
    0x29, 0xa0, 0x31, 0xe1, 0x72, 0x4e, 0x64, 0x30,
];

/// What a `.ptau` file holds, read up to `2^k` G1 powers.
#[derive(Clone, Debug)]
pub struct Ptau {
    /// The file's power: it holds `2^power` G2 powers and `2^(power+1) - 1` G1 powers.
    pub power: u32,
    /// Whether the phase-2 Lagrange sections (12..15) are present.
    pub prepared: bool,
    /// `tau^i g1` for `i < 2^k`.
    pub g1: Vec<G1Affine>,
    /// `g2` and `tau g2`.
    pub g2: G2Affine,
    pub tau_g2: G2Affine,
}

/// Reads the first `2^k` G1 powers, `g2` and `tau g2` of the `.ptau` file at `path`.
pub fn read(path: &Path, k: u32) -> Result<Ptau, ParamsError> {
    let origin = path.display().to_string();
    let bad = |detail: String| ParamsError::Ceremony { path: origin.clone(), detail };
    let io = |e: std::io::Error| ParamsError::Ceremony { path: origin.clone(), detail: format!("I/O: {e}") };
    let mut f = std::io::BufReader::new(std::fs::File::open(path).map_err(|source| ParamsError::Io { action: "cannot open", path: origin.clone(), source })?);
    let file_len = f.get_ref().metadata().map_err(io)?.len();
    let mut head = [0u8; 12];
    f.read_exact(&mut head).map_err(|_| bad("shorter than the 12-byte header".into()))?;
    if &head[..4] != MAGIC {
        return Err(bad("not a .ptau file (bad magic bytes)".into()));
    }
    let version = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    if version != 1 {
        return Err(bad(format!(".ptau version {version}, this reader takes version 1")));
    }
    let n_sections = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
    // the section table: type -> (offset, size)
    let mut sections = std::collections::BTreeMap::new();
    let mut pos = 12u64;
    for _ in 0..n_sections {
        let mut h = [0u8; 12];
        f.seek(SeekFrom::Start(pos)).map_err(io)?;
        f.read_exact(&mut h).map_err(|_| bad(format!("truncated section header at byte {pos}")))?;
        let ty = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
        let size = u64::from_le_bytes([h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11]]);
        let start = pos + 12;
        if start.checked_add(size).is_none_or(|end| end > file_len) {
            return Err(bad(format!("section {ty} declares {size} bytes at byte {start}, past the end of the file ({file_len} bytes)")));
        }
        if sections.insert(ty, (start, size)).is_some() {
            return Err(bad(format!("section {ty} appears twice")));
        }
        pos = start + size;
    }
    let section = |ty: u32| sections.get(&ty).copied().ok_or_else(|| bad(format!("section {ty} is missing")));
    // header
    let (start, size) = section(1)?;
    if size != 4 + N8 as u64 + 8 {
        return Err(bad(format!("header section is {size} bytes, expected {}", 4 + N8 + 8)));
    }
    f.seek(SeekFrom::Start(start)).map_err(io)?;
    let mut hdr = vec![0u8; size as usize];
    f.read_exact(&mut hdr).map_err(io)?;
    let n8 = u32::from_le_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]) as usize;
    if n8 != N8 || hdr[4..4 + N8] != Q_LE {
        return Err(bad("the header's field is not BN254's base field (n8 = 32 and q)".into()));
    }
    let power = u32::from_le_bytes([hdr[36], hdr[37], hdr[38], hdr[39]]);
    if power > 28 {
        return Err(bad(format!("power {power} is larger than BN254 supports (28)")));
    }
    if power < k {
        return Err(ParamsError::TooSmall { path: origin.clone(), have: power, need: k });
    }
    let n_g1 = (1u64 << (power + 1)) - 1;
    let n_g2 = 1u64 << power;
    let (g1_start, g1_size) = section(2)?;
    if g1_size != n_g1 * 2 * N8 as u64 {
        return Err(bad(format!("tauG1 section is {g1_size} bytes, power {power} needs {}", n_g1 * 2 * N8 as u64)));
    }
    let (g2_start, g2_size) = section(3)?;
    if g2_size != n_g2 * 4 * N8 as u64 {
        return Err(bad(format!("tauG2 section is {g2_size} bytes, power {power} needs {}", n_g2 * 4 * N8 as u64)));
    }
    let n = 1usize << k;
    f.seek(SeekFrom::Start(g1_start)).map_err(io)?;
    let mut buf = vec![0u8; n * 2 * N8];
    f.read_exact(&mut buf).map_err(io)?;
    let r_inv = montgomery_r_inv();
    let g1 = buf
        .chunks_exact(2 * N8)
        .enumerate()
        .map(|(i, c)| g1_point(c, &r_inv).map_err(|e| bad(format!("tauG1 point {i} (tau^{i} g1): {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    f.seek(SeekFrom::Start(g2_start)).map_err(io)?;
    let mut buf = vec![0u8; 2 * 4 * N8];
    f.read_exact(&mut buf).map_err(io)?;
    let g2 = g2_point(&buf[..4 * N8], &r_inv).map_err(|e| bad(format!("tauG2 point 0 (g2): {e}")))?;
    let tau_g2 = g2_point(&buf[4 * N8..], &r_inv).map_err(|e| bad(format!("tauG2 point 1 (tau g2): {e}")))?;
    let prepared = (12..=15).all(|t| sections.contains_key(&t));
    Ok(Ptau { power, prepared, g1, g2, tau_g2 })
}

/// `2^-256 mod q`: multiplying a Montgomery-form value by it gives the value.
fn montgomery_r_inv() -> Fq {
    Fq::from(2).pow_vartime([256]).invert().unwrap_or(Fq::ZERO)
}

/// A base field element from 32 little-endian Montgomery bytes.
fn fq(bytes: &[u8], r_inv: &Fq) -> Result<Fq, String> {
    let mut repr = <Fq as PrimeField>::Repr::default();
    repr.as_mut().copy_from_slice(bytes);
    let m: Option<Fq> = Fq::from_repr(repr).into();
    Ok(m.ok_or("a coordinate is not below the field modulus")? * r_inv)
}

fn g1_point(c: &[u8], r_inv: &Fq) -> Result<G1Affine, String> {
    if c.iter().all(|b| *b == 0) {
        return Err("the point at infinity".into());
    }
    let p: Option<G1Affine> = G1Affine::from_xy(fq(&c[..N8], r_inv)?, fq(&c[N8..], r_inv)?).into();
    p.ok_or_else(|| "not on the curve".into())
}

fn g2_point(c: &[u8], r_inv: &Fq) -> Result<G2Affine, String> {
    if c.iter().all(|b| *b == 0) {
        return Err("the point at infinity".into());
    }
    let x = Fq2 { c0: fq(&c[..N8], r_inv)?, c1: fq(&c[N8..2 * N8], r_inv)? };
    let y = Fq2 { c0: fq(&c[2 * N8..3 * N8], r_inv)?, c1: fq(&c[3 * N8..], r_inv)? };
    let p: G2Affine = Option::from(G2Affine::from_xy(x, y)).ok_or("not on the curve")?;
    // in the order-r subgroup iff (r - 1) p = -p
    let g: G2 = p.into();
    if (g * -Fr::ONE).to_affine() != (-g).to_affine() {
        return Err("not in the prime-order subgroup".into());
    }
    Ok(p)
}

/// Writes `g1` powers, `g2` and `tau g2` as a minimal `.ptau` file (header and sections 2 and 3
/// only, G1 section sized for `power`): for tests of the reader.
pub fn write_minimal(power: u32, g1: &[G1Affine], g2: &G2Affine, tau_g2: &G2Affine) -> Vec<u8> {
    let r = Fq::from(2).pow_vartime([256]);
    let put = |out: &mut Vec<u8>, x: &Fq| out.extend_from_slice((*x * r).to_repr().as_ref());
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(4 + N8 as u64 + 8).to_le_bytes());
    out.extend_from_slice(&(N8 as u32).to_le_bytes());
    out.extend_from_slice(&Q_LE);
    out.extend_from_slice(&power.to_le_bytes());
    out.extend_from_slice(&power.to_le_bytes());
    let n_g1 = (1usize << (power + 1)) - 1;
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&((n_g1 * 2 * N8) as u64).to_le_bytes());
    for i in 0..n_g1 {
        let p = g1.get(i).copied().unwrap_or_else(G1Affine::generator);
        put(&mut out, &p.x);
        put(&mut out, &p.y);
    }
    let n_g2 = 1usize << power;
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&((n_g2 * 4 * N8) as u64).to_le_bytes());
    for i in 0..n_g2 {
        let p = match i {
            0 => *g2,
            1 => *tau_g2,
            _ => G2Affine::generator(),
        };
        for x in [p.x.c0, p.x.c1, p.y.c0, p.y.c1] {
            put(&mut out, &x);
        }
    }
    out
}
