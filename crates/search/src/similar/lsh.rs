//! The LSH index: which stored signatures are worth comparing with a new one.
//!
//! # Banding
//!
//! The rows of a signature are cut into B bands of R rows; two signatures that agree on every
//! row of at least one band become candidates. Rows agree independently with probability s
//! (the Jaccard index), so a pair of similarity s becomes a candidate with probability
//!
//! ```text
//! P(s) = 1 − (1 − s^R)^B
//! ```
//!
//! an S-curve rising around (1/B)^(1/R). The default is tuned for a threshold of 0.5:
//! **B = 32 bands of R = 3 rows** (96 of the 128 rows; all 128 still count in the estimate
//! that ranks the candidates).
//!
//! | s        | 0.05   | 0.1   | 0.2   | 0.3   | 0.4   | 0.5       | 0.6   | 0.7   |
//! |----------|--------|-------|-------|-------|-------|-----------|-------|-------|
//! | 32 × 3   | 0.004  | 0.032 | 0.227 | 0.584 | 0.880 | **0.986** | 1.000 | 1.000 |
//! | 32 × 4   | 0.0002 | 0.003 | 0.050 | 0.229 | 0.564 | 0.873     | 0.988 | 1.000 |
//! | 64 × 2   | 0.148  | 0.474 | 0.927 | 0.998 | 1.000 | 1.000     | 1.000 | 1.000 |
//! | 42 × 3   | 0.005  | 0.041 | 0.286 | 0.683 | 0.938 | 0.996     | 1.000 | 1.000 |
//!
//! The two splits that use all 128 rows both fail: 32 × 4 finds only 87 % of the pairs at 0.5,
//! and 64 × 2 makes nearly every pair of complaints about the same kind of problem (s ≈ 0.2) a
//! candidate. With R = 3, 1 − 0.875^B ≥ 0.95 needs B ≥ 23; 32 bands leave a margin (98.6 % at
//! exactly 0.5, 99.7 % at 0.55) with a quarter fewer candidates, less memory and less time than
//! the 42 bands that would use every row. Recall is then limited by the estimate, not the
//! bands: a pair right at the threshold has an estimate with standard error 0.044 around it,
//! so [`LshIndex::query`] returns such a pair about half the time; callers who want those pass
//! a lower threshold (at 0.45, the synthetic benchmark recalls 99.6 % of the pairs ≥ 0.5).
//!
//! # Memory
//!
//! Per entry the index keeps its id (8 bytes), the low 16 bits of each of the 128 rows
//! (256 bytes: enough to re-rank, since two unrelated minima share their low 16 bits once in
//! 65,536 rows, and band keys are taken from them so that [`LshIndex::remove`] needs no copy of
//! the signature), an id → slot map entry (about 20 bytes), and in each band's table either an
//! 8-byte cell of its own (32-bit band key, 32-bit slot) or, when it shares the band key with
//! other entries, an 8-byte list node under their common cell. Tables are open-addressed with
//! linear probing and at most 3/4 full. Common phrases make band keys repeat: in the synthetic
//! register 70 % of a band's entries share their key, and copies of one text share all 32.
//! Measured at 1,000,000 entries after [`LshIndex::reserve`]: 648 bytes per entry, 618 MiB of
//! allocations, 661 MiB resident (`examples/similar_bench.rs`). Removed slots and nodes are
//! reused; tables do not shrink.
//!
//! One cell per key rather than per entry: with a cell per entry, the entries of a key formed one
//! cluster that every insert of that key walked to its end, so keys shared by tens of thousands
//! of texts (the peers' 17-template corpus in `bench/similar`) made loading quadratic.

use super::SimilarError;
use super::minhash::{SIGNATURE_LEN, Signature, fmix64};
use std::collections::HashMap;

/// The most entries an index holds (slots and list nodes are numbered below `CHAINED`).
pub const MAX_ENTRIES: usize = CHAINED as usize - 2;

/// Bands in the default index.
pub const DEFAULT_BANDS: usize = 32;
/// Rows per band in the default index.
pub const DEFAULT_ROWS: usize = 3;

/// The probability `1 − (1 − s^R)^B` that two signatures of Jaccard index `similarity` share
/// at least one of `bands` bands of `rows` rows.
pub fn collision_probability(similarity: f64, bands: usize, rows: usize) -> f64 {
    let rows = i32::try_from(rows).unwrap_or(i32::MAX);
    let bands = i32::try_from(bands).unwrap_or(i32::MAX);
    1.0 - (1.0 - similarity.powi(rows)).powi(bands)
}

/// The low 16 bits of a signature's rows: what the index keeps and compares.
type Fingerprint = [u16; SIGNATURE_LEN];

fn fingerprint(signature: &Signature) -> Fingerprint {
    let mut fp = [0; SIGNATURE_LEN];
    for (f, &row) in fp.iter_mut().zip(signature.rows()) {
        *f = row as u16;
    }
    fp
}

/// Near-duplicate lookup over signatures: banded buckets to find candidates, the kept rows to
/// rank them. Ids are the caller's (matter ids); each id has at most one signature.
#[derive(Debug, Clone)]
pub struct LshIndex {
    bands: usize,
    rows: usize,
    tables: Vec<BandTable>,
    /// `SIGNATURE_LEN` values per slot.
    fingerprints: Vec<u16>,
    /// The id in each slot; meaningless for free slots.
    ids: Vec<i64>,
    free: Vec<u32>,
    slots: HashMap<i64, u32>,
}

impl Default for LshIndex {
    fn default() -> Self {
        LshIndex::new()
    }
}

impl LshIndex {
    /// An empty index with the default banding, [`DEFAULT_BANDS`] × [`DEFAULT_ROWS`].
    pub fn new() -> LshIndex {
        LshIndex {
            bands: DEFAULT_BANDS,
            rows: DEFAULT_ROWS,
            tables: (0..DEFAULT_BANDS).map(|_| BandTable::default()).collect(),
            fingerprints: Vec::new(),
            ids: Vec::new(),
            free: Vec::new(),
            slots: HashMap::new(),
        }
    }

    /// An empty index with `bands` bands of `rows` rows; `bands · rows` may not exceed
    /// [`SIGNATURE_LEN`].
    pub fn with_banding(bands: usize, rows: usize) -> Result<LshIndex, SimilarError> {
        if bands == 0 || rows == 0 || bands.saturating_mul(rows) > SIGNATURE_LEN {
            return Err(SimilarError::Banding { bands, rows });
        }
        Ok(LshIndex {
            bands,
            rows,
            tables: (0..bands).map(|_| BandTable::default()).collect(),
            ..LshIndex::new()
        })
    }

    /// Bands and rows per band.
    pub fn banding(&self) -> (usize, usize) {
        (self.bands, self.rows)
    }

    /// Makes room for `additional` more entries (for loading at start-up): their rows, ids and
    /// slots, and band keys for half of them. Entries sharing a band key share its cell (in the
    /// synthetic register, 70 % of a band's entries share their key with another), so a table
    /// sized for every entry would stay mostly empty; a table that fills grows by half.
    pub fn reserve(&mut self, additional: usize) {
        let target = self.slots.len() + additional / 2;
        for table in &mut self.tables {
            table.reserve(target);
        }
        self.fingerprints.reserve(additional.saturating_mul(SIGNATURE_LEN));
        self.ids.reserve(additional);
        self.slots.reserve(additional);
    }

    /// Entries in the index.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn contains(&self, id: i64) -> bool {
        self.slots.contains_key(&id)
    }

    /// Bytes held by the index's own allocations (capacity, not length), without allocator
    /// overhead.
    pub fn heap_bytes(&self) -> usize {
        let tables: usize = self.tables.iter().map(BandTable::heap_bytes).sum();
        // A hashbrown table: per bucket the (i64, u32) entry padded to 16 bytes and a control
        // byte; buckets are a power of two at least 8/7 of the capacity.
        let map = (self.slots.capacity() * 8 / 7).next_power_of_two() * 17;
        tables
            + map
            + self.fingerprints.capacity() * 2
            + self.ids.capacity() * 8
            + self.free.capacity() * 4
            + self.tables.capacity() * size_of::<BandTable>()
    }

    /// Stores `signature` under `id`, replacing what `id` had. Returns whether the id can now
    /// be found: not for the signature of an empty text, which resembles nothing, nor once
    /// the index holds [`MAX_ENTRIES`] entries.
    pub fn insert(&mut self, id: i64, signature: &Signature) -> bool {
        self.remove(id);
        if signature.is_empty() {
            return false;
        }
        let fp = fingerprint(signature);
        let slot = match self.free.pop() {
            Some(slot) => {
                let at = slot as usize * SIGNATURE_LEN;
                self.fingerprints[at..at + SIGNATURE_LEN].copy_from_slice(&fp);
                self.ids[slot as usize] = id;
                slot
            }
            None => {
                let Ok(slot) = u32::try_from(self.ids.len()) else { return false };
                if slot as usize >= MAX_ENTRIES {
                    return false;
                }
                self.fingerprints.extend_from_slice(&fp);
                self.ids.push(id);
                slot
            }
        };
        for (band, table) in self.tables.iter_mut().enumerate() {
            table.insert(band_key(&fp, band, self.rows), slot);
        }
        self.slots.insert(id, slot);
        true
    }

    /// Forgets `id`; returns whether it was there.
    pub fn remove(&mut self, id: i64) -> bool {
        let Some(slot) = self.slots.remove(&id) else { return false };
        let at = slot as usize * SIGNATURE_LEN;
        let mut fp = [0; SIGNATURE_LEN];
        fp.copy_from_slice(&self.fingerprints[at..at + SIGNATURE_LEN]);
        for (band, table) in self.tables.iter_mut().enumerate() {
            table.remove(band_key(&fp, band, self.rows), slot);
        }
        self.free.push(slot);
        true
    }

    fn candidate_slots(&self, fp: &Fingerprint) -> Vec<u32> {
        let mut slots = Vec::new();
        for (band, table) in self.tables.iter().enumerate() {
            table.find(band_key(fp, band, self.rows), |slot| slots.push(slot));
        }
        slots.sort_unstable();
        slots.dedup();
        slots
    }

    /// The ids sharing at least one band with `signature`, in no particular order. An id
    /// stored with this very signature is among them.
    pub fn candidates(&self, signature: &Signature) -> Vec<i64> {
        if signature.is_empty() {
            return Vec::new();
        }
        self.candidate_slots(&fingerprint(signature))
            .into_iter()
            .map(|slot| self.ids[slot as usize])
            .collect()
    }

    /// The candidates whose estimated similarity to `signature` is at least `threshold`, most
    /// similar first (ties by id), at most `limit` of them, each with its estimate. The
    /// estimate is the share of the 128 rows that agree in their low 16 bits, so it can exceed
    /// [`estimate`](super::estimate) on the full rows by 1/128 for about one pair in 500.
    pub fn query(&self, signature: &Signature, threshold: f64, limit: usize) -> Vec<(i64, f64)> {
        if signature.is_empty() || limit == 0 {
            return Vec::new();
        }
        let fp = fingerprint(signature);
        // Compare whole row counts, so that a threshold of 0.5 means 64 rows exactly.
        let needed = (threshold * SIGNATURE_LEN as f64 - 1e-9).ceil().max(0.0) as usize;
        let mut found: Vec<(usize, i64)> = self
            .candidate_slots(&fp)
            .into_iter()
            .filter_map(|slot| {
                let at = slot as usize * SIGNATURE_LEN;
                let stored = &self.fingerprints[at..at + SIGNATURE_LEN];
                let agree = stored.iter().zip(&fp).filter(|(a, b)| a == b).count();
                (agree >= needed).then(|| (agree, self.ids[slot as usize]))
            })
            .collect();
        found.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        found.truncate(limit);
        found.into_iter().map(|(agree, id)| (id, agree as f64 / SIGNATURE_LEN as f64)).collect()
    }
}

/// The 32-bit key of band `band`: its rows' low 16 bits, four to a word, mixed with the band
/// number so that equal rows in different bands do not meet.
fn band_key(fp: &Fingerprint, band: usize, rows: usize) -> u32 {
    let mut h = (band as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for chunk in fp[band * rows..(band + 1) * rows].chunks(4) {
        let word = chunk.iter().fold(0u64, |w, &r| (w << 16) | u64::from(r));
        h = fmix64(h ^ word);
    }
    (h >> 32) as u32
}

/// One band's buckets: an open-addressed map from band key to the slots under it. Each cell
/// packs `key << 32 | value`: a value below `CHAINED` is the key's only slot, `CHAINED | node`
/// the first node of the list in `nodes` that holds the slots of a key several entries share
/// (near-duplicates; many copies of one text). `EMPTY` marks a free cell. A key's home cell is
/// `key · capacity / 2³²` (keys are uniform hashes), collisions probe forward, and removal
/// shifts later cells back, so no tombstones accumulate. Each key has one cell, so a key shared
/// by thousands of entries costs an insert one probe, not a walk past all of them.
#[derive(Debug, Clone, Default)]
struct BandTable {
    cells: Vec<u64>,
    /// Keys in the table (cells in use).
    len: usize,
    /// List nodes: a slot and the next node (`NIL` ends the list).
    nodes: Nodes,
    /// Nodes to reuse.
    free: Vec<u32>,
}

const EMPTY: u64 = u64::MAX;
/// Marks a cell's value as the head of a list; slots and nodes are below it.
const CHAINED: u32 = 1 << 31;
const NIL: u32 = u32::MAX;

impl BandTable {
    fn home(&self, key: u32) -> usize {
        ((u64::from(key) * self.cells.len() as u64) >> 32) as usize
    }

    fn next(&self, i: usize) -> usize {
        if i + 1 == self.cells.len() { 0 } else { i + 1 }
    }

    /// Grows so that `len` keys keep the table at most 3/4 full.
    fn reserve(&mut self, len: usize) {
        if len * 4 <= self.cells.len() * 3 {
            return;
        }
        let capacity = (len * 4).div_ceil(3).max(16);
        let old = std::mem::replace(&mut self.cells, vec![EMPTY; capacity]);
        for cell in old.into_iter().filter(|&c| c != EMPTY) {
            self.place(cell);
        }
    }

    fn place(&mut self, cell: u64) {
        let mut i = self.home((cell >> 32) as u32);
        while self.cells[i] != EMPTY {
            i = self.next(i);
        }
        self.cells[i] = cell;
    }

    /// The cell holding `key`.
    fn cell_of(&self, key: u32) -> Option<usize> {
        if self.cells.is_empty() {
            return None;
        }
        let mut i = self.home(key);
        loop {
            match self.cells[i] {
                EMPTY => return None,
                cell if (cell >> 32) as u32 == key => return Some(i),
                _ => i = self.next(i),
            }
        }
    }

    fn node(&mut self, slot: u32, next: u32) -> u32 {
        match self.free.pop() {
            Some(node) => {
                if let Some(at) = self.nodes.get_mut(node) {
                    *at = (slot, next);
                }
                node
            }
            None => self.nodes.push((slot, next)),
        }
    }

    fn set(&mut self, i: usize, key: u32, value: u32) {
        self.cells[i] = u64::from(key) << 32 | u64::from(value);
    }

    fn insert(&mut self, key: u32, slot: u32) {
        if let Some(i) = self.cell_of(key) {
            let value = self.cells[i] as u32;
            let rest = if value & CHAINED == 0 { self.node(value, NIL) } else { value & !CHAINED };
            let head = self.node(slot, rest);
            self.set(i, key, CHAINED | head);
            return;
        }
        if (self.len + 1) * 4 > self.cells.len() * 3 {
            // Grow by half: the table ends between 1/2 and 3/4 full.
            self.reserve((self.cells.len() * 3 / 2 * 3 / 4).max(self.len + 1));
        }
        self.place(u64::from(key) << 32 | u64::from(slot));
        self.len += 1;
    }

    fn find(&self, key: u32, mut found: impl FnMut(u32)) {
        let Some(i) = self.cell_of(key) else { return };
        let value = self.cells[i] as u32;
        if value & CHAINED == 0 {
            found(value);
            return;
        }
        let mut node = value & !CHAINED;
        while let Some((slot, next)) = self.nodes.get(node) {
            found(slot);
            node = next;
        }
    }

    fn remove(&mut self, key: u32, slot: u32) {
        let Some(i) = self.cell_of(key) else { return };
        let value = self.cells[i] as u32;
        if value & CHAINED == 0 {
            if value == slot {
                self.remove_cell(i);
            }
            return;
        }
        let mut head = value & !CHAINED;
        let (mut previous, mut node) = (NIL, head);
        while let Some((at, next)) = self.nodes.get(node) {
            if at == slot {
                match self.nodes.get_mut(previous) {
                    Some(before) => before.1 = next,
                    None => head = next,
                }
                self.free.push(node);
                break;
            }
            (previous, node) = (node, next);
        }
        match self.nodes.get(head) {
            None => self.remove_cell(i),
            // One slot left: back in the cell.
            Some((only, NIL)) => {
                self.free.push(head);
                self.set(i, key, only);
            }
            Some(_) => self.set(i, key, CHAINED | head),
        }
    }

    fn remove_cell(&mut self, mut hole: usize) {
        // Backward shift: pull later cells of the cluster into the hole when their home does
        // not lie after it, so every cell stays reachable from its home without a gap.
        let n = self.cells.len();
        let mut j = self.next(hole);
        while self.cells[j] != EMPTY {
            let home = self.home((self.cells[j] >> 32) as u32);
            if (j + n - home) % n >= (j + n - hole) % n {
                self.cells[hole] = self.cells[j];
                hole = j;
            }
            j = self.next(j);
        }
        self.cells[hole] = EMPTY;
        self.len -= 1;
    }

    fn heap_bytes(&self) -> usize {
        self.cells.capacity() * 8 + self.nodes.heap_bytes() + self.free.capacity() * 4
    }
}

/// Nodes in chunks of `NODE_CHUNK`: growing never holds twice the nodes, as a doubling vector
/// would (lists hold about half of a band's entries in the synthetic register).
#[derive(Debug, Clone, Default)]
struct Nodes {
    chunks: Vec<Box<[(u32, u32)]>>,
    len: usize,
}

const NODE_CHUNK: usize = 1 << 14;

impl Nodes {
    fn get(&self, node: u32) -> Option<(u32, u32)> {
        let node = node as usize;
        if node >= self.len {
            return None;
        }
        self.chunks.get(node / NODE_CHUNK).and_then(|chunk| chunk.get(node % NODE_CHUNK)).copied()
    }

    fn get_mut(&mut self, node: u32) -> Option<&mut (u32, u32)> {
        let node = node as usize;
        if node >= self.len {
            return None;
        }
        self.chunks.get_mut(node / NODE_CHUNK).and_then(|chunk| chunk.get_mut(node % NODE_CHUNK))
    }

    fn push(&mut self, value: (u32, u32)) -> u32 {
        if self.len == self.chunks.len() * NODE_CHUNK {
            self.chunks.push(vec![(0, 0); NODE_CHUNK].into_boxed_slice());
        }
        let node = self.len;
        self.len += 1;
        if let Some(at) = self.get_mut(node as u32) {
            *at = value;
        }
        node as u32
    }

    fn heap_bytes(&self) -> usize {
        self.chunks.len() * NODE_CHUNK * 8 + self.chunks.capacity() * size_of::<Box<[(u32, u32)]>>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::similar::synthetic::Rng;

    fn sig(rng: &mut Rng) -> Signature {
        Signature::from_shingles((0..50).map(|_| rng.next_u64()))
    }

    #[test]
    fn similar_band_table_matches_a_reference_multimap() {
        let mut rng = Rng::new(3);
        let mut table = BandTable::default();
        let mut reference: Vec<(u32, u32)> = Vec::new();
        for step in 0..20_000u32 {
            // Few distinct keys, so clusters form and wrap around the end of the table.
            let key = (rng.below(64) as u32).wrapping_mul(0x0400_0000) | (rng.below(2) as u32 * u32::MAX);
            if rng.below(3) == 0 && !reference.is_empty() {
                let (k, s) = reference.swap_remove(rng.below(reference.len()));
                table.remove(k, s);
            } else {
                table.insert(key, step);
                reference.push((key, step));
            }
            let keys: std::collections::BTreeSet<u32> = reference.iter().map(|&(k, _)| k).collect();
            assert_eq!(table.len, keys.len());
        }
        let keys: std::collections::BTreeSet<u32> = reference.iter().map(|&(k, _)| k).collect();
        for key in keys {
            let mut got = Vec::new();
            table.find(key, |s| got.push(s));
            got.sort_unstable();
            let mut want: Vec<u32> = reference.iter().filter(|&&(k, _)| k == key).map(|&(_, s)| s).collect();
            want.sort_unstable();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn similar_index_insert_replace_remove() {
        let mut rng = Rng::new(11);
        let mut index = LshIndex::new();
        let (a, b) = (sig(&mut rng), sig(&mut rng));
        assert!(index.insert(1, &a));
        assert!(index.insert(2, &b));
        assert_eq!(index.len(), 2);
        assert_eq!(index.candidates(&a), vec![1]);
        assert_eq!(index.query(&a, 0.5, 10), vec![(1, 1.0)]);
        // Replacing id 1 moves it.
        assert!(index.insert(1, &b));
        assert_eq!(index.len(), 2);
        assert!(index.query(&a, 0.5, 10).is_empty());
        assert_eq!(index.query(&b, 0.5, 10), vec![(1, 1.0), (2, 1.0)]);
        assert_eq!(index.query(&b, 0.5, 1), vec![(1, 1.0)]);
        assert!(index.remove(1));
        assert!(!index.remove(1));
        assert_eq!(index.candidates(&b), vec![2]);
        // The freed slot is reused.
        assert!(index.insert(3, &a));
        assert_eq!(index.ids.len(), 2);
        assert_eq!(index.candidates(&a), vec![3]);
        // Empty texts are not stored and match nothing.
        let empty = Signature::of_matter("", "");
        assert!(!index.insert(2, &empty));
        assert!(!index.contains(2));
        assert!(index.candidates(&empty).is_empty());
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn similar_banding_is_checked_and_default_meets_recall() {
        assert!(LshIndex::with_banding(32, 4).is_ok());
        assert_eq!(LshIndex::with_banding(43, 3).err(), Some(SimilarError::Banding { bands: 43, rows: 3 }));
        assert!(LshIndex::with_banding(0, 3).is_err());
        let (b, r) = LshIndex::new().banding();
        assert!(collision_probability(0.5, b, r) >= 0.95);
        assert!(collision_probability(0.5, 32, 4) < 0.95);
    }
}
