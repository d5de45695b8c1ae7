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
//! an S-curve rising around (1/B)^(1/R). The default is **B = 32 bands of R = 4 rows**, all
//! 128 rows:
//!
//! | s        | 0.1   | 0.2   | 0.3   | 0.4   | 0.5       | 0.55  | 0.6   | 0.7   |
//! |----------|-------|-------|-------|-------|-----------|-------|-------|-------|
//! | 32 × 4   | 0.003 | 0.050 | 0.229 | 0.564 | **0.873** | 0.954 | 0.988 | 1.000 |
//! | 32 × 3   | 0.032 | 0.227 | 0.584 | 0.880 | 0.986     | 0.998 | 1.000 | 1.000 |
//! | 25 × 5   | 0.000 | 0.008 | 0.059 | 0.228 | 0.552     | 0.730 | 0.870 | 0.990 |
//!
//! A re-filing of a complaint scores 0.6–0.95, where 32 × 4 finds 99 %–100 % of the pairs;
//! only pairs within a few hundredths of 0.5 are missed more often (the synthetic register in
//! the tests: candidate recall 0.999 over all pairs ≥ 0.5, 0.986 in [0.5, 0.6)). What it buys
//! is what kills throughput: complaints of one kind share boilerplate (s ≈ 0.1–0.3), and
//! every such pair that becomes a candidate costs a random read of its fingerprint. 32 × 3
//! made 22 % of the pairs at 0.2 candidates — 2,600 a lookup among a million complaints, which
//! took 0.8 ms to check; 32 × 4 makes 5 % of them candidates. 25 × 5 (datasketch's choice for
//! 0.5) would be cheaper still but finds only 55 % of the pairs at 0.5 and 87 % at 0.6.
//!
//! Recall is limited by the estimate as well as the bands: a pair right at a threshold T has an
//! estimate with standard error σ(T) = √(T(1−T)/128) around it (0.044 at 0.5, 0.035 at 0.8), so
//! [`LshIndex::query`] at T returns such a pair about half the time. Callers who want the pairs
//! ≥ T ask for T − 2σ(T) and read the estimate.
//!
//! # Groups
//!
//! Entries with the same fingerprint (the same text, or texts whose signatures agree: mass
//! letters, a petition copied by many people) share one *group*: one fingerprint, one place
//! in each band, and the list of their ids. Candidates are groups, so a text copied ten
//! thousand times costs a lookup one check, not ten thousand; the peers' 17-template corpus
//! in `bench/similar` (a million texts, 22,386 distinct) is where this matters.
//!
//! # Memory
//!
//! Per group the index keeps the low 8 bits of each of the 128 rows (128 bytes: enough to
//! rank, since unrelated minima share their low 8 bits once in 256 rows, which lifts an
//! estimate at 0.5 by 0.002 on average, and band keys are taken from them so that removal
//! needs no copy of the signature), its members (32 bytes; more ids on the heap when a text
//! has copies), in each band's table either an 8-byte cell of its own (32-bit band key,
//! 32-bit group) or a 4-byte place in the list of the groups that share its band key (lists
//! live in one pool per band, `lists.rs`). A copy is found under the band key with the fewest
//! groups, comparing whole fingerprints, so no map of fingerprints is kept. Per id: its
//! group, 4 bytes in a table indexed by the id (`slots.rs`). Tables are open-addressed with
//! linear probing and at most 3/4 full. Removed groups and lists are reused;
//! [`LshIndex::shrink_to_fit`], after a bulk load, sizes each table at two thirds full and
//! packs the lists, and [`LshIndex::memory`] tells the parts. Measured at a million
//! complaints of the synthetic register: 22 million band keys (688,000 a band), 3.6 million
//! lists holding 13.6 million places, 483 MiB in all — 256 MiB of it the tables' cells; the
//! demo county's million (947,000 groups, 8.9 million band keys): 384 MiB.
//!
//! # Lookups
//!
//! A lookup reads every band's cell, then the heads of the lists they name, then the lists'
//! first groups, issuing each pass's reads for all bands before it waits on any. It drops
//! repeated groups by sorting when the lists hold few entries (up to 2,048) and otherwise by a
//! per-thread array of generation stamps (one `u32` per group, reused across lookups); either
//! way it knows in how many bands each group was seen, and at thresholds where a true pair
//! nearly always shares two bands or more (above 0.71) it compares only those
//! (`LshIndex::min_bands`). Fingerprints are read a few candidates ahead of the comparison.

use super::SimilarError;
use super::lists::Lists;
use super::minhash::{SIGNATURE_LEN, Signature, fmix64};
use super::slots::Slots;
use std::cell::RefCell;

/// The most distinct fingerprints an index holds (groups and lists are numbered below
/// `CHAINED`).
pub const MAX_ENTRIES: usize = CHAINED as usize - 2;

/// Bands in the default index.
pub const DEFAULT_BANDS: usize = 32;
/// Rows per band in the default index.
pub const DEFAULT_ROWS: usize = 4;

/// The probability `1 − (1 − s^R)^B` that two signatures of Jaccard index `similarity` share
/// at least one of `bands` bands of `rows` rows.
pub fn collision_probability(similarity: f64, bands: usize, rows: usize) -> f64 {
    let rows = i32::try_from(rows).unwrap_or(i32::MAX);
    let bands = i32::try_from(bands).unwrap_or(i32::MAX);
    1.0 - (1.0 - similarity.powi(rows)).powi(bands)
}

/// The low 8 bits of a signature's rows: what the index keeps and compares.
type Fingerprint = [u8; SIGNATURE_LEN];

fn fingerprint(signature: &Signature) -> Fingerprint {
    let mut fp = [0; SIGNATURE_LEN];
    for (f, &row) in fp.iter_mut().zip(signature.rows()) {
        *f = row as u8;
    }
    fp
}

/// The ids of a group, ascending.
#[derive(Debug, Clone)]
enum Members {
    One(i64),
    Many(Vec<i64>),
}

impl Members {
    fn as_slice(&self) -> &[i64] {
        match self {
            Members::One(id) => std::slice::from_ref(id),
            Members::Many(ids) => ids,
        }
    }
}

/// What an index holds, in bytes by part ([`LshIndex::memory`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memory {
    /// Distinct band keys over all bands (not bytes).
    pub band_keys: usize,
    /// The bands' open-addressed cells (8 bytes a cell).
    pub cells: usize,
    /// The lists of groups that share a band key.
    pub lists: usize,
    /// One byte per row per group.
    pub fingerprints: usize,
    /// The ids of each group.
    pub members: usize,
    /// Id → group.
    pub slots: usize,
}

impl Memory {
    pub fn total(&self) -> usize {
        self.cells + self.lists + self.fingerprints + self.members + self.slots
    }
}

/// Near-duplicate lookup over signatures: banded buckets to find candidates, the kept rows to
/// rank them. Ids are the caller's (matter ids); each id has at most one signature.
#[derive(Debug, Clone)]
pub struct LshIndex {
    bands: usize,
    rows: usize,
    tables: Vec<BandTable>,
    /// `SIGNATURE_LEN` values per group.
    fingerprints: Vec<u8>,
    /// The ids of each group; `Many(vec![])` for a free group.
    members: Vec<Members>,
    free: Vec<u32>,
    /// Id → group.
    slots: Slots,
}

impl Default for LshIndex {
    fn default() -> Self {
        LshIndex::new()
    }
}

/// A lookup's working memory, kept per thread: the stamp of each group seen by the lookup
/// that last stamped, its generation, the candidates, and each band's key and cell value.
#[derive(Default)]
struct Scratch {
    stamps: Vec<u32>,
    generation: u32,
    candidates: Vec<u32>,
    keys: Vec<u32>,
    /// Each band's cell value for the lookup's key (`NONE` without one).
    values: Vec<u32>,
}

/// Starts a use of `stamps` over `groups` groups: returns its generation, which no stamp holds.
/// A stamp is `generation << COUNT_BITS | bands`: the lookup that last saw the group, and in
/// how many of its bands (at most `MAX_COUNT`).
fn next_generation(stamps: &mut Vec<u32>, generation: &mut u32, groups: usize) -> u32 {
    if stamps.len() < groups {
        stamps.resize(groups, 0);
    }
    *generation = (*generation + 1) & (u32::MAX >> COUNT_BITS);
    if *generation == 0 {
        stamps.fill(0);
        *generation = 1;
    }
    *generation
}

const COUNT_BITS: u32 = 6;
const MAX_COUNT: u32 = (1 << COUNT_BITS) - 1;

/// How rarely a lookup may drop a pair at its threshold for sharing too few bands.
const MISS_AT_MOST: f64 = 1000.0;

/// Below this many list entries a lookup sorts its candidates to drop repeats; above, it
/// stamps the groups it has seen.
const SORT_BELOW: usize = 2048;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl LshIndex {
    /// An empty index with the default banding, [`DEFAULT_BANDS`] × [`DEFAULT_ROWS`].
    pub fn new() -> LshIndex {
        LshIndex {
            bands: DEFAULT_BANDS,
            rows: DEFAULT_ROWS,
            tables: (0..DEFAULT_BANDS).map(|_| BandTable::default()).collect(),
            fingerprints: Vec::new(),
            members: Vec::new(),
            free: Vec::new(),
            slots: Slots::default(),
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

    /// Makes room for `additional` more entries (for loading at start-up), counting each as a
    /// group of its own and giving each band keys for three quarters of them (entries that
    /// share a band key share its cell; a table that fills grows by half).
    pub fn reserve(&mut self, additional: usize) {
        let target = self.members.len() + additional * 3 / 4;
        for table in &mut self.tables {
            table.reserve(target);
        }
        self.fingerprints.reserve(additional.saturating_mul(SIGNATURE_LEN));
        self.members.reserve(additional);
        self.slots.reserve(additional);
    }

    /// Entries (ids) in the index.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.len() == 0
    }

    /// Distinct fingerprints in the index: entries that are copies of another count once.
    pub fn groups(&self) -> usize {
        self.members.len() - self.free.len()
    }

    pub fn contains(&self, id: i64) -> bool {
        self.slots.get(id).is_some()
    }

    /// Bytes held by the index's own allocations (capacity, not length), without allocator
    /// overhead.
    pub fn heap_bytes(&self) -> usize {
        self.memory().total()
    }

    /// Bytes held by each part of the index (capacity, not length), without allocator overhead.
    pub fn memory(&self) -> Memory {
        let many: usize = self
            .members
            .iter()
            .map(|m| match m {
                Members::One(_) => 0,
                Members::Many(ids) => ids.capacity() * 8,
            })
            .sum();
        Memory {
            band_keys: self.tables.iter().map(|t| t.len).sum(),
            cells: self.tables.iter().map(|t| t.cells.capacity() * 8).sum::<usize>()
                + self.tables.capacity() * size_of::<BandTable>(),
            lists: self.tables.iter().map(|t| t.lists.heap_bytes()).sum(),
            fingerprints: self.fingerprints.capacity(),
            members: self.members.capacity() * size_of::<Members>() + many + self.free.capacity() * 4,
            slots: self.slots.heap_bytes(),
        }
    }

    /// Gives back what loading left spare: each band's table sized for its keys with room for
    /// an eighth more, its lists packed, and the groups' vectors cut to their length. Call it
    /// once a bulk load is done; inserting afterwards works as before.
    pub fn shrink_to_fit(&mut self) {
        for table in &mut self.tables {
            table.shrink_to_fit();
        }
        self.fingerprints.shrink_to_fit();
        self.members.shrink_to_fit();
        self.free.shrink_to_fit();
        self.slots.shrink_to_fit();
    }

    fn fingerprint_of(&self, group: u32) -> &[u8] {
        let at = group as usize * SIGNATURE_LEN;
        self.fingerprints.get(at..at + SIGNATURE_LEN).unwrap_or(&[])
    }

    /// Stores `signature` under `id`, replacing what `id` had. Returns whether the id can now
    /// be found: not for the signature of an empty text, which resembles nothing, nor once
    /// the index holds [`MAX_ENTRIES`] distinct fingerprints.
    pub fn insert(&mut self, id: i64, signature: &Signature) -> bool {
        self.remove(id);
        if signature.is_empty() {
            return false;
        }
        let fp = fingerprint(signature);
        if let Some(group) = self.copy_of(&fp)
            && let Some(members) = self.members.get_mut(group as usize)
        {
            let ids = match std::mem::replace(members, Members::Many(Vec::new())) {
                Members::One(first) => vec![first],
                Members::Many(ids) => ids,
            };
            let mut ids = ids;
            let at = ids.partition_point(|&other| other < id);
            ids.insert(at, id);
            *members = Members::Many(ids);
            self.slots.insert(id, group);
            return true;
        }
        let group = match self.free.pop() {
            Some(group) => {
                let at = group as usize * SIGNATURE_LEN;
                self.fingerprints[at..at + SIGNATURE_LEN].copy_from_slice(&fp);
                self.members[group as usize] = Members::One(id);
                group
            }
            None => {
                let Ok(group) = u32::try_from(self.members.len()) else { return false };
                if group as usize >= MAX_ENTRIES {
                    return false;
                }
                self.fingerprints.extend_from_slice(&fp);
                self.members.push(Members::One(id));
                group
            }
        };
        for (band, table) in self.tables.iter_mut().enumerate() {
            table.insert(band_key(&fp, band, self.rows), group);
        }
        self.slots.insert(id, group);
        true
    }

    /// The group whose fingerprint is `fp`, if any. A copy is under every one of `fp`'s band
    /// keys, so it is looked for under the key with the fewest groups (a text of its own has
    /// few or none), comparing whole fingerprints.
    fn copy_of(&self, fp: &Fingerprint) -> Option<u32> {
        let mut fewest: Option<(usize, u32, usize)> = None;
        for (band, table) in self.tables.iter().enumerate() {
            let value = table.value(band_key(fp, band, self.rows));
            let n = table.len_of(value);
            if fewest.is_none_or(|(_, _, m)| n < m) {
                fewest = Some((band, value, n));
            }
            if n <= 1 {
                break;
            }
        }
        let (band, value, _) = fewest?;
        let mut found = None;
        self.tables.get(band)?.groups(value, |group| {
            if found.is_none() && self.fingerprint_of(group) == fp {
                found = Some(group);
            }
        });
        found
    }

    /// Forgets `id`; returns whether it was there.
    pub fn remove(&mut self, id: i64) -> bool {
        let Some(group) = self.slots.remove(id) else { return false };
        let Some(members) = self.members.get_mut(group as usize) else { return true };
        match members {
            Members::Many(ids) => {
                if let Ok(at) = ids.binary_search(&id) {
                    ids.remove(at);
                }
                if let [only] = ids.as_slice() {
                    *members = Members::One(*only);
                }
                if !members.as_slice().is_empty() {
                    return true;
                }
            }
            Members::One(_) => *members = Members::Many(Vec::new()),
        }
        // The group's last id: the group goes.
        let mut fp = [0; SIGNATURE_LEN];
        fp.copy_from_slice(self.fingerprint_of(group));
        for (band, table) in self.tables.iter_mut().enumerate() {
            table.remove(band_key(&fp, band, self.rows), group);
        }
        self.free.push(group);
        true
    }

    /// The groups sharing at least `min_bands` bands with `fp`, each once, in the thread's
    /// scratch (`scratch.candidates`).
    fn gather(&self, fp: &Fingerprint, min_bands: usize, scratch: &mut Scratch) {
        scratch.candidates.clear();
        let Scratch { stamps, generation, candidates, keys, values } = scratch;
        // In passes, each issuing its reads for every band before any waits on them: the
        // home cells, then the lists' headers, then the lists' groups.
        keys.clear();
        keys.extend((0..self.bands).map(|band| band_key(fp, band, self.rows)));
        for (table, &key) in self.tables.iter().zip(keys.iter()) {
            table.touch(key);
        }
        values.clear();
        values.extend(self.tables.iter().zip(keys.iter()).map(|(table, &key)| table.value(key)));
        for (table, &value) in self.tables.iter().zip(values.iter()) {
            table.touch_list(value);
        }
        for (table, &value) in self.tables.iter().zip(values.iter()) {
            table.touch_groups(value);
        }
        let visits: usize =
            self.tables.iter().zip(values.iter()).map(|(table, &value)| table.len_of(value)).sum();
        if visits <= SORT_BELOW {
            // Few: sorting them in cache beats a random stamp read each; a group seen in n
            // bands is a run of n.
            for (table, &value) in self.tables.iter().zip(values.iter()) {
                table.groups(value, |group| candidates.push(group));
            }
            candidates.sort_unstable();
            let mut kept = 0;
            for run in 0..candidates.len() {
                let group = candidates[run];
                if run > 0 && candidates[run - 1] == group {
                    continue;
                }
                let bands = candidates[run..].iter().take_while(|&&g| g == group).count();
                if bands >= min_bands {
                    candidates[kept] = group;
                    kept += 1;
                }
            }
            candidates.truncate(kept);
            return;
        }
        let generation = next_generation(stamps, generation, self.members.len());
        let first = generation << COUNT_BITS | 1;
        for (table, &value) in self.tables.iter().zip(values.iter()) {
            table.groups(value, |group| {
                if let Some(stamp) = stamps.get_mut(group as usize) {
                    if *stamp >> COUNT_BITS != generation {
                        *stamp = first;
                        candidates.push(group);
                    } else if *stamp & MAX_COUNT < MAX_COUNT {
                        *stamp += 1;
                    }
                }
            });
        }
        if min_bands > 1 {
            let min_bands = u32::try_from(min_bands).unwrap_or(MAX_COUNT).min(MAX_COUNT);
            candidates.retain(|&g| stamps.get(g as usize).is_some_and(|s| s & MAX_COUNT >= min_bands));
        }
    }

    /// The fewest bands a pair at `rows` agreeing rows of 128 shares but for one time in
    /// `MISS_AT_MOST`: a candidate seen in fewer bands is not worth comparing. With 32 × 4
    /// bands, 1 up to 0.71 (a pair at 0.5 shares no band at all 13 % of the time), 2 above (a
    /// pair at 0.73, what a lookup for the pairs ≥ 0.8 asks, shares fewer once in 3,000). Most
    /// boilerplate candidates share a single band, so a lookup at 0.8 compares few.
    fn min_bands(&self, rows: usize) -> usize {
        let s = rows as f64 / SIGNATURE_LEN as f64;
        let p = s.powi(i32::try_from(self.rows).unwrap_or(i32::MAX));
        if p >= 1.0 {
            return self.bands;
        }
        // P(X < m) for X ~ Binomial(bands, p), summed term by term.
        let (n, mut below, mut term) =
            (self.bands, 0.0, (1.0 - p).powi(i32::try_from(self.bands).unwrap_or(0)));
        for m in 0..n {
            below += term;
            if below > 1.0 / MISS_AT_MOST {
                return m.max(1);
            }
            term *= (n - m) as f64 / (m + 1) as f64 * p / (1.0 - p);
        }
        n
    }

    /// The ids sharing at least one band with `signature`, in no particular order. An id
    /// stored with this very signature is among them.
    pub fn candidates(&self, signature: &Signature) -> Vec<i64> {
        if signature.is_empty() {
            return Vec::new();
        }
        let fp = fingerprint(signature);
        SCRATCH.with_borrow_mut(|scratch| {
            self.gather(&fp, 1, scratch);
            scratch
                .candidates
                .iter()
                .filter_map(|&g| self.members.get(g as usize))
                .flat_map(|m| m.as_slice().iter().copied())
                .collect()
        })
    }

    /// The candidates whose estimated similarity to `signature` is at least `threshold`, most
    /// similar first (ties by id), at most `limit` of them, each with its estimate. The
    /// estimate is the share of the 128 rows that agree in their low 8 bits, so it can exceed
    /// [`estimate`](super::estimate) on the full rows by a few 1/128ths (module documentation).
    pub fn query(&self, signature: &Signature, threshold: f64, limit: usize) -> Vec<(i64, f64)> {
        if signature.is_empty() || limit == 0 {
            return Vec::new();
        }
        let fp = fingerprint(signature);
        // Compare whole row counts, so that a threshold of 0.5 means 64 rows exactly.
        let needed = (threshold * SIGNATURE_LEN as f64 - 1e-9).ceil().max(0.0) as usize;
        let min_bands = self.min_bands(needed);
        let mut matched: Vec<(usize, u32)> = SCRATCH.with_borrow_mut(|scratch| {
            self.gather(&fp, min_bands, scratch);
            let candidates = &scratch.candidates;
            let mut matched = Vec::new();
            for (i, &group) in candidates.iter().enumerate() {
                // Read ahead: a load of a later candidate's fingerprint, so that its cache
                // lines are on their way while this one is compared.
                if let Some(&ahead) = candidates.get(i + READ_AHEAD) {
                    let at = ahead as usize * SIGNATURE_LEN;
                    std::hint::black_box((
                        self.fingerprints.get(at).copied(),
                        self.fingerprints.get(at + 64).copied(),
                    ));
                }
                let agree = agreement(self.fingerprint_of(group), &fp);
                if agree >= needed {
                    matched.push((agree, group));
                }
            }
            matched
        });
        matched.sort_unstable_by_key(|&(agree, _)| std::cmp::Reverse(agree));
        // Groups of one level in turn: their ids merged in order until `limit`.
        let mut found = Vec::new();
        let mut level = Vec::new();
        for run in matched.chunk_by(|a, b| a.0 == b.0) {
            let score = run[0].0 as f64 / SIGNATURE_LEN as f64;
            let ids = |&(_, g): &(usize, u32)| self.members.get(g as usize).map(Members::as_slice);
            match run {
                [one] => level.extend_from_slice(ids(one).unwrap_or(&[])),
                many => {
                    level.extend(many.iter().filter_map(ids).flatten());
                    // Runs of ascending ids: the stable sort merges them.
                    level.sort();
                }
            }
            found.extend(level.drain(..).take(limit - found.len()).map(|id| (id, score)));
            if found.len() >= limit {
                break;
            }
        }
        found
    }
}

/// How many candidates ahead a lookup starts reading fingerprints.
const READ_AHEAD: usize = 8;

/// Rows on which two fingerprints agree. Written over fixed-size chunks so that it compiles to
/// a few vector compares: a lookup compares hundreds of candidates, and a short loop body lets
/// the processor fetch the next candidates' fingerprints while it compares this one.
fn agreement(a: &[u8], b: &Fingerprint) -> usize {
    let Ok(a) = <&Fingerprint>::try_from(a) else { return 0 };
    let mut total = 0;
    for (x, y) in a.chunks_exact(32).zip(b.chunks_exact(32)) {
        let same: u8 = x.iter().zip(y).map(|(p, q)| u8::from(p == q)).sum();
        total += usize::from(same);
    }
    total
}

/// The 32-bit key of band `band`: its rows, eight to a word, mixed with the band number so
/// that equal rows in different bands do not meet.
fn band_key(fp: &Fingerprint, band: usize, rows: usize) -> u32 {
    let mut h = (band as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for chunk in fp[band * rows..(band + 1) * rows].chunks(8) {
        let word = chunk.iter().fold(0u64, |w, &r| (w << 8) | u64::from(r));
        h = fmix64(h ^ word);
    }
    (h >> 32) as u32
}

/// One band's buckets: an open-addressed map from band key to the groups under it. Each cell
/// packs `key << 32 | value`: a value below `CHAINED` is the key's only group, `CHAINED | list`
/// the index of the list in `lists` that holds the groups of a key several share. `EMPTY`
/// marks a free cell. A key's home cell is `key · capacity / 2³²` (keys are uniform hashes),
/// collisions probe forward, and removal shifts later cells back, so no tombstones
/// accumulate. Each key has one cell, so a key shared by thousands of groups costs an insert
/// one probe, not a walk past all of them.
#[derive(Debug, Clone, Default)]
struct BandTable {
    cells: Vec<u64>,
    /// Keys in the table (cells in use).
    len: usize,
    /// The groups of keys that several share.
    lists: Lists,
}

const EMPTY: u64 = u64::MAX;
/// Marks a cell's value as a list; groups and lists are below it.
const CHAINED: u32 = 1 << 31;
/// No cell: the key is not in the table (a value no cell holds).
const NONE: u32 = u32::MAX;

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
        self.rehash((len * 4).div_ceil(3).max(16));
    }

    /// Moves every key into a new table of `capacity` cells.
    fn rehash(&mut self, capacity: usize) {
        let old = std::mem::replace(&mut self.cells, vec![EMPTY; capacity]);
        for cell in old.into_iter().filter(|&c| c != EMPTY) {
            self.place(cell);
        }
    }

    /// Resizes to hold its keys at two thirds full (a table grows at three quarters), and
    /// packs its lists.
    fn shrink_to_fit(&mut self) {
        let capacity = (self.len * 3 / 2).max(16);
        if capacity < self.cells.len() {
            self.rehash(capacity);
        }
        self.lists.pack();
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

    fn set(&mut self, i: usize, key: u32, value: u32) {
        self.cells[i] = u64::from(key) << 32 | u64::from(value);
    }

    fn insert(&mut self, key: u32, group: u32) {
        if let Some(i) = self.cell_of(key) {
            let value = self.cells[i] as u32;
            if value & CHAINED == 0 {
                let list = self.lists.make(&[value, group]);
                self.set(i, key, CHAINED | list);
            } else {
                self.lists.push(value & !CHAINED, group);
            }
            return;
        }
        if (self.len + 1) * 4 > self.cells.len() * 3 {
            // Grow by half: the table ends between 1/2 and 3/4 full.
            self.reserve((self.cells.len() * 3 / 2 * 3 / 4).max(self.len + 1));
        }
        self.place(u64::from(key) << 32 | u64::from(group));
        self.len += 1;
    }

    /// Reads `key`'s home cell, so that a [`BandTable::find`] soon after finds it in cache.
    fn touch(&self, key: u32) {
        if !self.cells.is_empty() {
            std::hint::black_box(self.cells.get(self.home(key)).copied());
        }
    }

    /// The value of `key`'s cell: a group, `CHAINED | list`, or `NONE`.
    fn value(&self, key: u32) -> u32 {
        self.cell_of(key).map_or(NONE, |i| self.cells[i] as u32)
    }

    /// The list a cell value names, if it names one.
    fn list(&self, value: u32) -> Option<u32> {
        (value != NONE && value & CHAINED != 0).then_some(value & !CHAINED)
    }

    /// The number of groups under a cell value.
    fn len_of(&self, value: u32) -> usize {
        match self.list(value) {
            Some(list) => self.lists.len(list),
            None => usize::from(value != NONE),
        }
    }

    /// Reads the head of the list a cell value names.
    fn touch_list(&self, value: u32) {
        std::hint::black_box(self.list(value).map(|list| self.lists.len(list)));
    }

    /// Reads the first groups of the list a cell value names.
    fn touch_groups(&self, value: u32) {
        std::hint::black_box(self.list(value).and_then(|list| self.lists.get(list).first().copied()));
    }

    /// The groups under a cell value.
    fn groups(&self, value: u32, mut found: impl FnMut(u32)) {
        if value == NONE {
            return;
        }
        match self.list(value) {
            Some(list) => self.lists.get(list).iter().for_each(|&group| found(group)),
            None => found(value),
        }
    }

    #[cfg(test)]
    fn find(&self, key: u32, found: impl FnMut(u32)) {
        self.groups(self.value(key), found);
    }

    fn remove(&mut self, key: u32, group: u32) {
        let Some(i) = self.cell_of(key) else { return };
        let value = self.cells[i] as u32;
        if value & CHAINED == 0 {
            if value == group {
                self.remove_cell(i);
            }
            return;
        }
        let list = value & !CHAINED;
        match self.lists.remove(list, group) {
            0 => self.remove_cell(i),
            // One group left: back in the cell.
            1 => {
                let only = self.lists.get(list).first().copied().unwrap_or(NONE);
                self.lists.drop_list(list);
                self.set(i, key, only);
            }
            _ => {}
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
        // Replacing id 1 moves it into b's group.
        assert!(index.insert(1, &b));
        assert_eq!((index.len(), index.groups()), (2, 1));
        assert!(index.query(&a, 0.5, 10).is_empty());
        assert_eq!(index.query(&b, 0.5, 10), vec![(1, 1.0), (2, 1.0)]);
        assert_eq!(index.query(&b, 0.5, 1), vec![(1, 1.0)]);
        assert!(index.remove(1));
        assert!(!index.remove(1));
        assert_eq!(index.candidates(&b), vec![2]);
        // The freed group is reused.
        assert!(index.insert(3, &a));
        assert_eq!((index.members.len(), index.groups()), (2, 2));
        assert_eq!(index.candidates(&a), vec![3]);
        // Empty texts are not stored and match nothing.
        let empty = Signature::of_matter("", "");
        assert!(!index.insert(2, &empty));
        assert!(!index.contains(2));
        assert!(index.candidates(&empty).is_empty());
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn similar_a_shrunk_index_answers_as_before_and_keeps_growing() {
        let mut rng = Rng::new(17);
        let bases: Vec<Signature> = (0..50).map(|_| sig(&mut rng)).collect();
        // Each stored text: a base with a few rows changed (near copies share most band keys,
        // so their lists grow and move), and some exact copies.
        let variant = |rng: &mut Rng, base: &Signature| {
            let mut rows = *base.rows();
            for _ in 0..rng.below(12) {
                rows[rng.below(SIGNATURE_LEN)] ^= 0x00ff_00ff;
            }
            Signature::from_rows(rows)
        };
        let mut index = LshIndex::new();
        index.reserve(20_000);
        for id in 1..=20_000i64 {
            let base = &bases[rng.below(bases.len())];
            let s = if id % 10 == 0 { base.clone() } else { variant(&mut rng, base) };
            assert!(index.insert(id, &s));
        }
        for id in (1..=20_000i64).step_by(7) {
            assert!(index.remove(id));
        }
        let probes: Vec<Signature> = (0..40).map(|i| variant(&mut rng, &bases[i % bases.len()])).collect();
        let before: Vec<_> = probes.iter().map(|p| index.query(p, 0.5, 50)).collect();
        let (held, grouped) = (index.len(), index.groups());
        let loaded = index.memory();
        index.shrink_to_fit();
        let shrunk = index.memory();
        assert!(shrunk.total() < loaded.total(), "{shrunk:?} vs {loaded:?}");
        assert!(shrunk.cells < loaded.cells && shrunk.lists < loaded.lists, "{shrunk:?} vs {loaded:?}");
        assert_eq!(shrunk.band_keys, loaded.band_keys);
        assert_eq!((index.len(), index.groups()), (held, grouped));
        let after: Vec<_> = probes.iter().map(|p| index.query(p, 0.5, 50)).collect();
        assert_eq!(after, before, "the same answers from the shrunk index");
        // It grows again as before: new ids, new copies, removals.
        for id in 20_001..=24_000i64 {
            let base = &bases[rng.below(bases.len())];
            let s = variant(&mut rng, base);
            assert!(index.insert(id, &s));
        }
        assert!(index.insert(30_000, &bases[0]));
        assert!(index.remove(20_000 - 1));
        let found = index.query(&bases[0], 0.99, 20_000);
        assert!(found.iter().any(|&(id, _)| id == 30_000), "a copy added after shrinking is found");
        let copies = found.iter().filter(|&&(id, score)| score == 1.0 && id <= 20_000).count();
        assert!(copies > 10, "the copies stored before shrinking are found with it: {copies}");
    }

    #[test]
    fn similar_copies_share_a_group_and_rank_by_id() {
        let mut rng = Rng::new(5);
        let mut index = LshIndex::new();
        let (a, b) = (sig(&mut rng), sig(&mut rng));
        // b with its first 32 rows changed: another group, estimate 0.75, 24 bands shared.
        let mut rows = *b.rows();
        for row in rows.iter_mut().take(32) {
            *row ^= 0x5555;
        }
        let near = Signature::from_rows(rows);
        for id in [40, 10, 30] {
            assert!(index.insert(id, &b));
        }
        for id in [35, 5] {
            assert!(index.insert(id, &near));
        }
        assert!(index.insert(20, &a));
        assert_eq!((index.len(), index.groups()), (6, 3));
        assert_eq!(index.query(&b, 0.5, 10), vec![(10, 1.0), (30, 1.0), (40, 1.0), (5, 0.75), (35, 0.75)]);
        assert_eq!(index.query(&b, 0.5, 4), vec![(10, 1.0), (30, 1.0), (40, 1.0), (5, 0.75)]);
        let mut candidates = index.candidates(&near);
        candidates.sort_unstable();
        assert_eq!(candidates, vec![5, 10, 30, 35, 40]);
        // Two groups at one level (127 rows of 128) merge their ids in order.
        for (id, row) in [(7, 1), (6, 2)] {
            let mut other = rows;
            other[row] ^= 0x5555;
            assert!(index.insert(id, &Signature::from_rows(other)));
        }
        let ranked: Vec<i64> = index.query(&near, 0.7, 10).into_iter().map(|(id, _)| id).collect();
        assert_eq!(ranked, vec![5, 35, 6, 7, 10, 30, 40]);
        // Copies leave one by one; the group goes with the last.
        for id in [10, 40] {
            assert!(index.remove(id));
        }
        assert_eq!(index.query(&b, 0.9, 10), vec![(30, 1.0)]);
        assert!(index.remove(30));
        assert_eq!((index.len(), index.groups()), (5, 4));
        assert!(index.query(&b, 0.9, 10).is_empty());
        // A copy inserted again finds no stale group.
        assert!(index.insert(50, &b));
        assert_eq!(index.query(&b, 0.9, 10), vec![(50, 1.0)]);
    }

    #[test]
    fn similar_few_shared_bands_are_not_compared_at_high_thresholds() {
        let index = LshIndex::new();
        assert_eq!(index.min_bands(0), 1);
        assert_eq!(index.min_bands(64), 1, "0.5: a pair may share a single band");
        assert_eq!(index.min_bands(90), 1, "0.703: fewer than two bands 1.4 times in 1,000");
        assert_eq!(index.min_bands(92), 2, "0.719: 0.6 times in 1,000");
        assert_eq!(index.min_bands(94), 2, "0.734, what a lookup for 0.8 asks");
        assert_eq!(index.min_bands(128), 32);
        // A candidate sharing one band is dropped at 0.8, one sharing two is kept.
        let mut rng = Rng::new(17);
        let query = sig(&mut rng);
        let mut index = LshIndex::new();
        for (id, shared) in [(1, 1), (2, 2), (3, 32)] {
            let mut rows = *sig(&mut rng).rows();
            rows[..shared * 4].copy_from_slice(&query.rows()[..shared * 4]);
            if shared == 32 {
                rows = *query.rows();
            }
            assert!(index.insert(id, &Signature::from_rows(rows)));
        }
        let mut candidates = index.candidates(&query);
        candidates.sort_unstable();
        assert_eq!(candidates, vec![1, 2, 3]);
        assert_eq!(index.query(&query, 0.0, 10).len(), 3);
        // At 0.73 the one-band candidate is not compared; neither it nor the two-band one
        // (8 rows of 128 agree) passes the estimate, but the copy does.
        assert_eq!(index.query(&query, 0.73, 10), vec![(3, 1.0)]);
        let seen = |min_bands| {
            let fp = fingerprint(&query);
            SCRATCH.with_borrow_mut(|scratch| {
                index.gather(&fp, min_bands, scratch);
                let mut groups = scratch.candidates.clone();
                groups.sort_unstable();
                groups
            })
        };
        assert_eq!(seen(1).len(), 3);
        assert_eq!(seen(2).len(), 2);
        assert_eq!(seen(3).len(), 1);

        // More list entries than a lookup sorts: the same through the stamps, twice over (a
        // second lookup must not see the first one's stamps).
        let mut index = LshIndex::new();
        for id in 0..3000 {
            let mut rows = *sig(&mut rng).rows();
            let shared = if id % 100 == 0 { 2 } else { 1 };
            rows[..shared * 4].copy_from_slice(&query.rows()[..shared * 4]);
            assert!(index.insert(id, &Signature::from_rows(rows)));
        }
        let fp = fingerprint(&query);
        for _ in 0..2 {
            let (all, two) = SCRATCH.with_borrow_mut(|scratch| {
                index.gather(&fp, 1, scratch);
                let all = scratch.candidates.len();
                index.gather(&fp, 2, scratch);
                (all, scratch.candidates.len())
            });
            assert_eq!((all, two), (3000, 30));
            assert_eq!(index.candidates(&query).len(), 3000);
        }
    }

    #[test]
    fn similar_banding_is_checked_and_default_meets_recall() {
        assert!(LshIndex::with_banding(32, 3).is_ok());
        assert_eq!(LshIndex::with_banding(43, 3).err(), Some(SimilarError::Banding { bands: 43, rows: 3 }));
        assert!(LshIndex::with_banding(0, 3).is_err());
        let (b, r) = LshIndex::new().banding();
        assert_eq!(b * r, SIGNATURE_LEN, "the default uses every row");
        // The figures the module documentation gives.
        assert!(collision_probability(0.5, b, r) > 0.87);
        assert!(collision_probability(0.55, b, r) >= 0.95);
        assert!(collision_probability(0.6, b, r) > 0.98);
        assert!(collision_probability(0.2, b, r) < 0.06);
    }
}
