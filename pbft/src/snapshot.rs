//! Checkpoint snapshots as Merkle trees of fixed-size chunks, so that state transfer
//! can move a snapshot of any size in frames of `Params::snapshot_chunk_bytes` and
//! check every chunk the moment it arrives.
//!
//! The digest a checkpoint certifies (`<CHECKPOINT, n, d, i>`, §4.3) is
//!
//! ```text
//! d = SHA-256("pbft/snapshot/v1" || len: u64 LE || chunk_bytes: u32 LE || root)
//! ```
//!
//! where `root` is the root of a binary Merkle tree over the chunks
//! `snapshot[i*c .. min((i+1)*c, len)]` (at least one chunk, the empty snapshot has
//! one empty chunk): leaf `SHA-256(0x00 || chunk)`, node `SHA-256(0x01 || left ||
//! right)`, and a node without a right sibling is carried up unchanged. The domain
//! bytes keep leaves and nodes apart; the length and the chunk size are bound into `d`,
//! so the shape of the tree (how many chunks, where the last one ends) is certified
//! with it. A chunk with its sibling path ([`verify_chunk`]) proves itself against `d`
//! alone: a lagging replica refuses a forged chunk, a chunk of another checkpoint or
//! a wrong total size on the first chunk, without buffering anything (the same idea
//! as Diem/Aptos state sync, which proves each chunk of accounts against the
//! certified root, where CometBFT leaves chunk checks to the application).

use crate::types::{sha256, Digest};

const DIGEST_TAG: &[u8] = b"pbft/snapshot/v1";

/// Longest sibling path accepted (a tree of up to 2^64 chunks).
pub const MAX_PROOF_LEN: usize = 64;

/// Why a chunk was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkError {
    /// The index is not below the chunk count of the declared length.
    IndexOutOfRange,
    /// The chunk is not as long as the chunk at that index must be.
    WrongLength,
    /// The sibling path does not have the length the tree's shape needs.
    WrongProofLength,
    /// Chunk, path, length and chunk size do not hash to the certified digest.
    DigestMismatch,
}

impl std::fmt::Display for ChunkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ChunkError::IndexOutOfRange => "chunk index beyond the snapshot",
            ChunkError::WrongLength => "chunk of the wrong length",
            ChunkError::WrongProofLength => "Merkle path of the wrong length",
            ChunkError::DigestMismatch => "chunk does not hash to the certified digest",
        })
    }
}

/// Number of chunks of a snapshot of `len` bytes (at least one).
pub fn chunk_count(len: u64, chunk_bytes: u32) -> u64 {
    len.div_ceil(u64::from(chunk_bytes.max(1))).max(1)
}

/// Length of chunk `index` of a snapshot of `len` bytes, if there is such a chunk.
pub fn chunk_len(len: u64, chunk_bytes: u32, index: u64) -> Option<u64> {
    let c = u64::from(chunk_bytes.max(1));
    (index < chunk_count(len, chunk_bytes)).then(|| len.saturating_sub(index * c).min(c))
}

fn leaf(chunk: &[u8]) -> Digest {
    let mut b = Vec::with_capacity(chunk.len() + 1);
    b.push(0);
    b.extend_from_slice(chunk);
    sha256(&b)
}

fn node(l: &Digest, r: &Digest) -> Digest {
    let mut b = [0u8; 65];
    b[0] = 1;
    b[1..33].copy_from_slice(l);
    b[33..].copy_from_slice(r);
    sha256(&b)
}

fn bind(len: u64, chunk_bytes: u32, root: &Digest) -> Digest {
    let mut b = DIGEST_TAG.to_vec();
    b.extend_from_slice(&len.to_le_bytes());
    b.extend_from_slice(&chunk_bytes.to_le_bytes());
    b.extend_from_slice(root);
    sha256(&b)
}

/// The next level up: pairs hashed, a lone last node carried up.
fn parent_level(level: &[Digest]) -> Vec<Digest> {
    level.chunks(2).map(|p| if let [l, r] = p { node(l, r) } else { p[0] }).collect()
}

/// A snapshot's Merkle tree, kept by a replica that serves chunks of it.
#[derive(Clone, Debug)]
pub struct ChunkTree {
    len: u64,
    chunk_bytes: u32,
    /// `levels[0]` are the leaves, the last level is the root alone.
    levels: Vec<Vec<Digest>>,
}

impl ChunkTree {
    /// Hash `snapshot` in chunks of `chunk_bytes`.
    pub fn new(snapshot: &[u8], chunk_bytes: u32) -> Self {
        let c = chunk_bytes.max(1) as usize;
        let leaves: Vec<Digest> = if snapshot.is_empty() { vec![leaf(&[])] } else { snapshot.chunks(c).map(leaf).collect() };
        let mut levels = vec![leaves];
        while levels.last().is_some_and(|l| l.len() > 1) {
            let up = parent_level(levels.last().map(Vec::as_slice).unwrap_or_default());
            levels.push(up);
        }
        ChunkTree { len: snapshot.len() as u64, chunk_bytes, levels }
    }

    /// The digest a checkpoint certifies.
    pub fn digest(&self) -> Digest {
        let root = self.levels.last().and_then(|l| l.first()).copied().unwrap_or_default();
        bind(self.len, self.chunk_bytes, &root)
    }

    /// Snapshot length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the snapshot is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The sibling path of chunk `index`, leaf level first (`None` past the end).
    pub fn proof(&self, index: u64) -> Option<Vec<Digest>> {
        let mut i = usize::try_from(index).ok()?;
        if i >= self.levels.first()?.len() {
            return None;
        }
        let mut path = Vec::new();
        for level in &self.levels[..self.levels.len() - 1] {
            if let Some(s) = level.get(i ^ 1) {
                path.push(*s);
            }
            i /= 2;
        }
        Some(path)
    }
}

/// The digest a checkpoint certifies for `snapshot` ([`ChunkTree::digest`]).
pub fn snapshot_digest(snapshot: &[u8], chunk_bytes: u32) -> Digest {
    ChunkTree::new(snapshot, chunk_bytes).digest()
}

/// Check chunk `index` of a snapshot of `len` bytes against the certified `digest`.
pub fn verify_chunk(
    digest: &Digest,
    len: u64,
    chunk_bytes: u32,
    index: u64,
    chunk: &[u8],
    proof: &[Digest],
) -> Result<(), ChunkError> {
    let want = chunk_len(len, chunk_bytes, index).ok_or(ChunkError::IndexOutOfRange)?;
    if chunk.len() as u64 != want {
        return Err(ChunkError::WrongLength);
    }
    // Walk up: at each level the node has a sibling unless it is a lone last node.
    let (mut i, mut width) = (index, chunk_count(len, chunk_bytes));
    let mut h = leaf(chunk);
    let mut path = proof.iter();
    while width > 1 {
        if i % 2 == 1 {
            let s = path.next().ok_or(ChunkError::WrongProofLength)?;
            h = node(s, &h);
        } else if i + 1 < width {
            let s = path.next().ok_or(ChunkError::WrongProofLength)?;
            h = node(&h, s);
        }
        i /= 2;
        width = width.div_ceil(2);
    }
    if path.next().is_some() {
        return Err(ChunkError::WrongProofLength);
    }
    if bind(len, chunk_bytes, &h) == *digest {
        Ok(())
    } else {
        Err(ChunkError::DigestMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + 3) as u8).collect()
    }

    /// Every chunk of snapshots of many lengths (empty, one chunk, exact multiples,
    /// odd chunk counts) verifies with its path; a tampered chunk, path, index,
    /// length, chunk size or digest does not.
    #[test]
    fn every_chunk_verifies_and_every_tampering_is_caught() {
        for len in [0usize, 1, 7, 8, 9, 24, 25, 40, 63, 64, 65, 200] {
            let snap = bytes(len);
            let c = 8u32;
            let tree = ChunkTree::new(&snap, c);
            let d = tree.digest();
            assert_eq!(d, snapshot_digest(&snap, c));
            let count = chunk_count(len as u64, c);
            assert_eq!(count, (len as u64).div_ceil(8).max(1));
            for i in 0..count {
                let start = (i * 8) as usize;
                let chunk = &snap[start.min(len)..(start + 8).min(len)];
                let p = tree.proof(i).unwrap();
                assert_eq!(verify_chunk(&d, len as u64, c, i, chunk, &p), Ok(()), "len {len} chunk {i}");
                if !chunk.is_empty() {
                    let mut bad = chunk.to_vec();
                    bad[0] ^= 1;
                    assert_eq!(verify_chunk(&d, len as u64, c, i, &bad, &p), Err(ChunkError::DigestMismatch));
                }
                if let Some(first) = p.first() {
                    let mut bad = p.clone();
                    bad[0] = [first[0] ^ 1; 32];
                    assert_eq!(verify_chunk(&d, len as u64, c, i, chunk, &bad), Err(ChunkError::DigestMismatch));
                    assert_eq!(verify_chunk(&d, len as u64, c, i, chunk, &p[1..]), Err(ChunkError::WrongProofLength));
                }
                let mut long = p.clone();
                long.push([0; 32]);
                assert_eq!(verify_chunk(&d, len as u64, c, i, chunk, &long), Err(ChunkError::WrongProofLength));
                let mut other = d;
                other[5] ^= 1;
                assert_eq!(verify_chunk(&other, len as u64, c, i, chunk, &p), Err(ChunkError::DigestMismatch));
                // the same chunk claimed under another chunk size or total length
                assert!(verify_chunk(&d, len as u64, 16, i, chunk, &p).is_err());
                if len % 8 == 0 && len > 0 {
                    assert!(verify_chunk(&d, len as u64 + 8, c, i, chunk, &p).is_err(), "a longer snapshot");
                }
            }
            assert_eq!(tree.proof(count), None);
            assert_eq!(verify_chunk(&d, len as u64, c, count, &[], &[]), Err(ChunkError::IndexOutOfRange));
        }
    }

    /// Chunks swapped between positions do not verify (the position is bound by
    /// the path), and digests of different snapshots, lengths or chunk sizes differ.
    #[test]
    fn positions_lengths_and_chunk_sizes_are_bound() {
        let snap = bytes(32);
        let tree = ChunkTree::new(&snap, 8);
        let d = tree.digest();
        assert!(verify_chunk(&d, 32, 8, 1, &snap[0..8], &tree.proof(0).unwrap()).is_err());
        assert!(verify_chunk(&d, 32, 8, 0, &snap[8..16], &tree.proof(0).unwrap()).is_err());
        assert_ne!(d, snapshot_digest(&snap, 16));
        assert_ne!(d, snapshot_digest(&snap[..31], 8));
        assert_ne!(snapshot_digest(&[], 8), snapshot_digest(&[0], 8));
        // A single chunk has an empty path.
        assert_eq!(ChunkTree::new(&snap, 64).proof(0), Some(vec![]));
    }
}
