//! The signature recipe. Signatures are persisted, so everything here is fixed by
//! [`FORMAT_VERSION`]: a change to any step below — the normalisation, which characters count,
//! the shingle length, the shingle hash, the seeds or the rounds of sketching — makes old signatures
//! incomparable with new ones and must come with a new version (and a re-computation of the
//! stored signatures).
//!
//! 1. Text: [`normalize`](crate::text::normalize)`(title + " " + body)`, keeping only letters and
//!    digits (`char::is_alphanumeric`; Han characters are letters), so whitespace, punctuation
//!    and symbols neither form nor break shingles.
//! 2. Shingles: every run of [`SHINGLE_LEN`] consecutive characters; a text shorter than that
//!    but not empty is one shingle of all its characters; an empty text has none.
//! 3. Shingle hash: the code points folded as `h = h.rotate_left(21) ^ c` from `h = 0`, then
//!    MurmurHash3's 64-bit finaliser `fmix64`. Code points are below 2²¹ and never zero here,
//!    so grams of up to three characters fold injectively into 63 bits, and `fmix64` is a
//!    bijection: distinct shingles never share a hash. Pure integer arithmetic on code points,
//!    so it is the same on every platform, endianness and run.
//! 4. Rows: the 128 rows are filled by *fast similarity sketching* (Dahlgaard, Knudsen and
//!    Thorup, "Fast Similarity Sketching", FOCS 2017), which gives every row the property of a
//!    MinHash row — two texts agree on it with probability equal to the Jaccard index of their
//!    shingle sets — at the cost of a few hashes per shingle instead of 128. Round `r` (of at
//!    most 256) hashes every shingle `x` once, `h = fmix64(x ^ SEEDS[r])`, where `SEEDS[r]` is
//!    the `r`-th output of SplitMix64 started from state `0x4D49_4E53_4845_4E47` ("MINSHENG"),
//!    and gives it the value `r << 24 | (h & 0xFF_FFFF)`, so that every value of a round is
//!    below every value of a later one:
//!    - in rounds `0..128` the shingle's value goes to row `h >> 57` (its top 7 bits);
//!    - in round `128 + j` it goes to row `j`.
//!
//!    A row holds the least value it was given (`u32::MAX` when it was given none: an empty
//!    text). Rounds stop as soon as every row holds a value, since no later round can lower one;
//!    for a complaint of ~100 shingles that is after 6–8 rounds of the first phase, and the
//!    second phase only fills the rows a very short text left empty. Each row is then the least
//!    of values that depend on the shingle alone, not on the other shingles of its text, so two
//!    texts agree on a row exactly when that least value over their union comes from a shingle
//!    they share: probability J, as for a MinHash row. The rows are nearly independent (the
//!    paper bounds the estimate's variance by that of 128 independent permutations; the tests
//!    check its error against that).
//! 5. Signature: the 128 rows. The share of rows on which two signatures agree estimates the
//!    Jaccard index of their shingle sets, with standard error about √(J(1−J)/128) — 0.044 at
//!    J = 0.5.
//!
//! Version 1 used 128 seeded hash functions over every shingle (128 hashes a shingle; 19 µs of
//! the 26 µs a complaint took to sign); its signatures are not comparable with these and are
//! signed again.

use super::SimilarError;
use crate::text::normalize;

/// Rows in a signature (K).
pub const SIGNATURE_LEN: usize = 128;

/// Characters in a shingle for matters.
pub const SHINGLE_LEN: usize = 3;

/// The leading byte of [`Signature::to_bytes`]; names the recipe above.
pub const FORMAT_VERSION: u8 = 2;

const BYTES_LEN: usize = 1 + 4 * SIGNATURE_LEN;

/// MurmurHash3's 64-bit finaliser: a bijection on `u64` with full avalanche.
pub(super) const fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

/// Rounds of sketching: `SIGNATURE_LEN` that scatter every shingle over the rows, then one per
/// row that gives every shingle to that row.
const ROUNDS: usize = 2 * SIGNATURE_LEN;

/// The bits of a value below its round.
const FRACTION: u64 = 0xFF_FFFF;

const fn seeds() -> [u64; ROUNDS] {
    let mut seeds = [0; ROUNDS];
    let mut state: u64 = 0x4D49_4E53_4845_4E47;
    let mut i = 0;
    while i < ROUNDS {
        // SplitMix64.
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        seeds[i] = z ^ (z >> 31);
        i += 1;
    }
    seeds
}

const SEEDS: [u64; ROUNDS] = seeds();

/// The characters similarity looks at: the normalised title and body, letters and digits only.
pub(super) fn comparable_chars(text: &str) -> Vec<char> {
    normalize(text).chars().filter(|&c| is_letter_or_digit(c)).collect()
}

/// `char::is_alphanumeric`, without its table lookup for the common Han characters.
fn is_letter_or_digit(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || c.is_alphanumeric()
}

/// What similarity compares of a matter, as one string: step 1 of the recipe applied to its
/// title and body. Its characters' [`SHINGLE_LEN`]-grams are the shingles [`shingles`] hashes,
/// so a tool outside Rust (a peer benchmark) can shingle exactly the same sets from it.
pub fn comparable_text(title: &str, body: &str) -> String {
    comparable_chars(&format!("{title} {body}")).into_iter().collect()
}

fn shingle_hash(gram: &[char]) -> u64 {
    fmix64(gram.iter().fold(0u64, |h, &c| h.rotate_left(21) ^ u64::from(c)))
}

/// The hashed shingles of a matter, sorted and without repeats: the set whose Jaccard index
/// [`estimate`] approximates. `n` is the shingle length in characters ([`SHINGLE_LEN`] for the
/// persisted signatures; 0 counts as 1).
pub fn shingles(title: &str, body: &str, n: usize) -> Vec<u64> {
    let mut hashes = shingle_hashes(title, body, n);
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// The hashed shingles in text order, repeats included: what the sketch needs.
fn shingle_hashes(title: &str, body: &str, n: usize) -> Vec<u64> {
    let chars = comparable_chars(&format!("{title} {body}"));
    let n = n.max(1);
    if chars.len() < n {
        if chars.is_empty() { Vec::new() } else { vec![shingle_hash(&chars)] }
    } else {
        chars.windows(n).map(shingle_hash).collect()
    }
}

/// The exact Jaccard index of two sets given as sorted slices without repeats (as [`shingles`]
/// returns them); 0 when both are empty, as for [`estimate`].
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    if union == 0 { 0.0 } else { common as f64 / union as f64 }
}

/// A MinHash signature: [`SIGNATURE_LEN`] rows, each the least value a shingle of the matter
/// gave it. 512 bytes; see the module documentation for the recipe.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Signature {
    mins: [u32; SIGNATURE_LEN],
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Signature({:08x} {:08x} {:08x} {:08x} …)",
            self.mins[0], self.mins[1], self.mins[2], self.mins[3]
        )
    }
}

impl Signature {
    /// The signature of a matter: its title and body shingled in [`SHINGLE_LEN`]-grams.
    pub fn of_matter(title: &str, body: &str) -> Signature {
        // Each row keeps the least value any shingle gave it, and the sketch stops after the
        // first round that leaves no row empty: neither the shingles' order nor their repeats
        // change a row, so they are not sorted.
        Signature::sketch(&shingle_hashes(title, body, SHINGLE_LEN))
    }

    /// The signature of any set of 64-bit shingle hashes (repeats do not matter): step 4 of the
    /// recipe.
    pub fn from_shingles(shingles: impl IntoIterator<Item = u64>) -> Signature {
        let set: Vec<u64> = shingles.into_iter().collect();
        Signature::sketch(&set)
    }

    /// Step 4 over the shingles, in any order, repeats or not.
    fn sketch(set: &[u64]) -> Signature {
        let mut mins = [u32::MAX; SIGNATURE_LEN];
        if set.is_empty() {
            return Signature { mins };
        }
        let mut empty = SIGNATURE_LEN;
        for (round, &seed) in SEEDS.iter().enumerate().take(SIGNATURE_LEN) {
            let base = (round as u32) << 24;
            for &x in set {
                let h = fmix64(x ^ seed);
                let value = base | (h & FRACTION) as u32;
                let row = &mut mins[(h >> 57) as usize];
                if *row == u32::MAX {
                    empty -= 1;
                    *row = value;
                } else if value < *row {
                    *row = value;
                }
            }
            if empty == 0 {
                return Signature { mins };
            }
        }
        for (j, row) in mins.iter_mut().enumerate().filter(|(_, row)| **row == u32::MAX) {
            let round = SIGNATURE_LEN + j;
            let base = (round as u32) << 24;
            let seed = SEEDS[round];
            *row = set.iter().map(|&x| base | (fmix64(x ^ seed) & FRACTION) as u32).min().unwrap_or(u32::MAX);
        }
        Signature { mins }
    }

    /// The signature of a text without shingles (every row `u32::MAX`). A set that does have
    /// shingles looks empty only if all 128 minima are `u32::MAX`, which does not happen.
    pub fn is_empty(&self) -> bool {
        self.mins.iter().all(|&m| m == u32::MAX)
    }

    /// A signature of the given rows (for tests that need signatures a given distance apart).
    #[cfg(test)]
    pub(crate) fn from_rows(mins: [u32; SIGNATURE_LEN]) -> Signature {
        Signature { mins }
    }

    /// The rows: row `i` is the least value the shingles gave row `i` (step 4).
    pub fn rows(&self) -> &[u32; SIGNATURE_LEN] {
        &self.mins
    }

    /// The persisted form: [`FORMAT_VERSION`], then the rows as little-endian `u32`s (513 bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(BYTES_LEN);
        bytes.push(FORMAT_VERSION);
        for m in self.mins {
            bytes.extend_from_slice(&m.to_le_bytes());
        }
        bytes
    }

    /// Reads [`Signature::to_bytes`]; refuses other lengths and versions.
    pub fn from_bytes(bytes: &[u8]) -> Result<Signature, SimilarError> {
        let Some((&version, rows)) = bytes.split_first() else {
            return Err(SimilarError::SignatureLength { expected: BYTES_LEN, found: 0 });
        };
        if version != FORMAT_VERSION {
            return Err(SimilarError::SignatureVersion(version));
        }
        if bytes.len() != BYTES_LEN {
            return Err(SimilarError::SignatureLength { expected: BYTES_LEN, found: bytes.len() });
        }
        let mut mins = [0; SIGNATURE_LEN];
        for (min, chunk) in mins.iter_mut().zip(rows.chunks_exact(4)) {
            *min = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        Ok(Signature { mins })
    }
}

/// The estimated Jaccard index of the shingle sets behind two signatures: the share of rows on
/// which they agree. 0 when either text was empty (an empty matter resembles nothing).
pub fn estimate(a: &Signature, b: &Signature) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let agree = a.mins.iter().zip(&b.mins).filter(|(x, y)| x == y).count();
    agree as f64 / SIGNATURE_LEN as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::similar::synthetic::Rng;

    #[test]
    fn similar_shingles_ignore_punctuation_space_width_and_script() {
        let a = shingles("拖欠工資", "共計１２０００元！", 3);
        let b = shingles("拖欠工资", "共计 12000 元。", 3);
        assert_eq!(a, b);
        // 拖欠工资共计12000元: 12 characters, 10 distinct 3-grams.
        assert_eq!(a.len(), 10);
        assert_eq!(shingles("", "  ，。", 3), Vec::<u64>::new());
        assert_eq!(shingles("电梯", "", 3).len(), 1, "a short text is one shingle");
        assert_ne!(shingles("电梯", "", 3), shingles("电", "", 3));
    }

    /// The recipe is persisted: these values must never change without a new FORMAT_VERSION.
    /// (They were checked against an independent implementation of the documented recipe.)
    #[test]
    fn similar_recipe_is_pinned() {
        assert_eq!(SEEDS[0], 0x221e_21fa_95d5_31e0);
        assert_eq!(shingle_hash(&['拖', '欠', '工']), 0xea2e_5157_278b_f649);
        let sig = Signature::of_matter("小区电梯长期故障", "物业公司拒不维修。");
        assert_eq!(&sig.rows()[..4], &[0x08fd_14ad, 0x0036_57cc, 0x0364_390a, 0x072f_e2f2]);
    }

    #[test]
    fn similar_estimate_tracks_exact_jaccard_on_controlled_sets() {
        // 2,000 pairs of random sets of 60–300 elements with overlaps spread over [0, 1].
        let mut rng = Rng::new(7);
        let (mut abs_error, mut signed_error, mut expected_abs_error) = (0.0, 0.0, 0.0);
        let pairs = 2000;
        for _ in 0..pairs {
            let union = 60 + rng.below(240);
            let common = rng.below(union + 1);
            let only_a = rng.below(union - common + 1);
            let elements: Vec<u64> = (0..union).map(|_| rng.next_u64()).collect();
            let (shared, rest) = elements.split_at(common);
            let (a_only, b_only) = rest.split_at(only_a);
            let a: Vec<u64> = shared.iter().chain(a_only).copied().collect();
            let b: Vec<u64> = shared.iter().chain(b_only).copied().collect();
            let exact = common as f64 / union as f64;
            let est = estimate(&Signature::from_shingles(a), &Signature::from_shingles(b));
            abs_error += (est - exact).abs();
            signed_error += est - exact;
            // Ideal permutations: est ~ Binomial(K, J)/K, mean |error| ≈ √(2/π)·√(J(1−J)/K).
            expected_abs_error +=
                (2.0 / std::f64::consts::PI).sqrt() * (exact * (1.0 - exact) / SIGNATURE_LEN as f64).sqrt();
        }
        let (mae, bias, ideal) =
            (abs_error / pairs as f64, signed_error / pairs as f64, expected_abs_error / pairs as f64);
        println!("controlled sets: mean |est − exact| {mae:.4} (ideal {ideal:.4}), bias {bias:+.4}");
        assert!(mae < 1.2 * ideal + 0.002, "mean error {mae} against ideal {ideal}");
        assert!(bias.abs() < 0.005, "bias {bias}");
    }

    #[test]
    fn similar_order_and_repeats_do_not_change_a_signature() {
        let repeated = "电梯坏了。电梯坏了。电梯坏了。请尽快维修电梯，电梯坏了。";
        let set = shingles("电梯故障", repeated, SHINGLE_LEN);
        let text_order = shingle_hashes("电梯故障", repeated, SHINGLE_LEN);
        assert!(text_order.len() > set.len() + 5, "the text repeats shingles");
        let signed = Signature::of_matter("电梯故障", repeated);
        assert_eq!(signed, Signature::sketch(&set));
        let mut reversed = text_order.clone();
        reversed.reverse();
        assert_eq!(Signature::sketch(&reversed), signed);
        assert_eq!(Signature::from_shingles(text_order.iter().chain(&set).copied()), signed);
    }

    #[test]
    fn similar_persistence_round_trip() {
        let sig = Signature::of_matter("幸福里社区电梯经常故障", "电梯上个月坏了三次，有老人被困。");
        let bytes = sig.to_bytes();
        assert_eq!(bytes.len(), 513);
        assert_eq!(bytes[0], FORMAT_VERSION);
        assert_eq!(&bytes[1..5], &sig.rows()[0].to_le_bytes());
        let back = Signature::from_bytes(&bytes).unwrap();
        assert_eq!(back, sig);
        assert_eq!(estimate(&back, &sig), 1.0);
        let empty = Signature::of_matter("", "");
        assert!(empty.is_empty());
        assert_eq!(Signature::from_bytes(&empty.to_bytes()).unwrap(), empty);
        assert_eq!(estimate(&empty, &empty), 0.0);

        assert_eq!(
            Signature::from_bytes(&bytes[..512]),
            Err(SimilarError::SignatureLength { expected: 513, found: 512 })
        );
        assert_eq!(
            Signature::from_bytes(&[]),
            Err(SimilarError::SignatureLength { expected: 513, found: 0 })
        );
        let mut future = bytes.clone();
        future[0] = 1;
        assert_eq!(Signature::from_bytes(&future), Err(SimilarError::SignatureVersion(1)));
    }

    #[test]
    fn similar_comparable_text_is_what_is_shingled() {
        let text = comparable_text("拖欠工資", "共計１２０００元！ OK");
        assert_eq!(text, "拖欠工资共计12000元ok");
        assert_eq!(shingles("", &text, 3), shingles("拖欠工資", "共計１２０００元！ OK", 3));
    }

    #[test]
    fn similar_exact_jaccard() {
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
        assert_eq!(jaccard(&[], &[]), 0.0);
        assert_eq!(jaccard(&[1], &[]), 0.0);
        assert_eq!(jaccard(&[5, 9], &[5, 9]), 1.0);
    }
}
