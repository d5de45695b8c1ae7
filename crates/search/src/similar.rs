//! Near-duplicate matters: MinHash signatures over character shingles, an LSH index that finds
//! the matters whose signatures are likely to be close, and the shared phrases that show staff
//! why two matters match. A pure library: the server computes a [`Signature`] when a matter is
//! registered or edited, persists [`Signature::to_bytes`] and keeps an [`LshIndex`] in memory.
//!
//! - [`minhash`] owns the signature recipe: the shingles of a matter, their hash, the sketch that
//!   fills the 128 rows, the persisted byte form and the Jaccard estimate.
//! - [`lsh`] owns the banded index and its defaults (the S-curve and why 32 bands of 4 rows),
//!   the groups of identical fingerprints and how a lookup reads memory; `lists` the pooled
//!   lists of the groups that share a band key.
//! - [`shared`] owns [`shared_words`], the longest phrases two matters have in common.
//!
//! Similarity is the Jaccard index of the two matters' sets of character 3-grams, |A ∩ B| / |A ∪ B|,
//! taken over the normalised text with everything but letters and digits removed. A re-filing
//! with a few words changed scores about 0.6–0.95; two different people's complaints, even
//! about the same kind of problem, mostly score below 0.15 (in the synthetic register the tests
//! use: median 0.016, 99th percentile 0.135). The index is tuned for a threshold of 0.5.

mod lists;
pub mod lsh;
pub mod minhash;
pub mod shared;
mod slots;
#[cfg(test)]
pub(crate) mod synthetic;
#[cfg(test)]
mod tests;

pub use lsh::{LshIndex, Memory, collision_probability};
pub use minhash::{SHINGLE_LEN, SIGNATURE_LEN, Signature, comparable_text, estimate, jaccard, shingles};
pub use shared::shared_words;

/// What can go wrong reading a persisted signature or configuring an index.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimilarError {
    #[error("a signature is {expected} bytes, found {found}")]
    SignatureLength { expected: usize, found: usize },
    #[error("signature format version {0} is not known to this build")]
    SignatureVersion(u8),
    #[error("{bands} bands of {rows} rows do not fit a signature of {SIGNATURE_LEN} rows")]
    Banding { bands: usize, rows: usize },
}
