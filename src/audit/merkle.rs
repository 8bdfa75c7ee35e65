//! The audit log as an RFC 6962 (RFC 9162 §2.1) Merkle tree: leaf = SHA-256(0x00 ‖ entry),
//! node = SHA-256(0x01 ‖ left ‖ right), over the events' canonical records in seq order. It
//! gives inclusion proofs, so a report can prove the events it cites against a signed
//! checkpoint without shipping the whole log.

use openssl::sha::Sha256;

pub type Hash = [u8; 32];

pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update(&[0]);
    h.update(entry);
    h.finish()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update(&[1]);
    h.update(left);
    h.update(right);
    h.finish()
}

/// Largest power of two strictly smaller than `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// MTH(D[n]) over leaf hashes; SHA-256("") for the empty tree.
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::new().finish(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// PATH(m, D[n]): the audit path of leaf `m` (0-based), bottom-up.
pub fn inclusion_proof(leaves: &[Hash], m: usize) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut p = inclusion_proof(&leaves[..k], m);
        p.push(root(&leaves[k..]));
        p
    } else {
        let mut p = inclusion_proof(&leaves[k..], m - k);
        p.push(root(&leaves[..k]));
        p
    }
}

/// RFC 9162 §2.1.3.2: whether `leaf` at `index` is in the tree of `size` leaves with `root`.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], expected_root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && &r == expected_root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_vectors() {
        assert_eq!(hex::encode(root(&[])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert!(hex::encode(leaf_hash(b"")).starts_with("6e340b9c"));
        let abc: Vec<Hash> = [b"a", b"b", b"c"].iter().map(|x| leaf_hash(*x)).collect();
        assert_eq!(hex::encode(root(&abc)), "36642e73c2540ab121e3a6bf9545b0a24982cd830eb13d3cd19de3ce6c021ec1");
    }

    #[test]
    fn every_leaf_proves_and_a_wrong_leaf_or_index_does_not() {
        for n in 1..40usize {
            let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect();
            let r = root(&leaves);
            for m in 0..n {
                let p = inclusion_proof(&leaves, m);
                assert!(verify_inclusion(&leaves[m], m as u64, n as u64, &p, &r), "n={n} m={m}");
                assert!(!verify_inclusion(&leaf_hash(b"forged"), m as u64, n as u64, &p, &r));
                if n > 1 {
                    assert!(!verify_inclusion(&leaves[m], ((m + 1) % n) as u64, n as u64, &p, &r));
                }
            }
        }
    }
}
