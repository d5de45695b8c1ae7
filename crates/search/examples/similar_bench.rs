//! Benchmark (similar): near-duplicate lookup at scale. Builds the signatures of N synthetic
//! complaints (one in eight a near-duplicate of another; argv[1], default 1,000,000) on all
//! cores, inserts them into an `LshIndex`, and reports build time, resident memory and the
//! index's own allocations. Then times 10,000 lookups of new texts on one thread (half of them
//! near-duplicates of indexed complaints), end to end (text → signature → ranked matches) and
//! the index lookup alone, and measures recall and precision at Jaccard 0.5 for 200 of them
//! against brute-force exact Jaccard over the first 100,000 complaints. Prints RESULT lines;
//! asserts nothing.
//!
//!   cargo run --release -p minsheng-search --example similar_bench -- 1000000
//!   BANDS, ROWS (the index defaults): another banding to compare

#[path = "../src/similar/synthetic.rs"]
mod synthetic;

use minsheng_search::similar::{LshIndex, SHINGLE_LEN, Signature, jaccard, shingles};
use std::time::{Duration, Instant};
use synthetic::{Complaint, Rng, complaint, document, near_duplicate};

const SEED: u64 = 0x5EED;
const QUERIES: usize = 10_000;
const THRESHOLD: f64 = 0.5;
const RECALL_QUERIES: usize = 400;
const RECALL_SUBSET: u64 = 100_000;

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    kib / 1024.0
}

fn env(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn signature(c: &Complaint) -> Signature {
    Signature::of_matter(&c.title, &c.body)
}

/// `f(i)` for every `i` in `range`, computed on `threads` threads, in order.
fn parallel<T: Send>(range: std::ops::Range<u64>, threads: usize, f: impl Fn(u64) -> T + Sync) -> Vec<T> {
    let len = range.end - range.start;
    let chunk = len.div_ceil(threads as u64).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads as u64)
            .map(|t| {
                let (start, f) = (range.start + t * chunk, &f);
                let end = (start + chunk).min(range.end);
                s.spawn(move || (start..end).map(f).collect::<Vec<T>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len().saturating_sub(1)) as f64 * p).round() as usize;
    sorted.get(at).map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
}

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let mut index = match (env("BANDS"), env("ROWS")) {
        (Some(b), Some(r)) => match LshIndex::with_banding(b, r) {
            Ok(index) => index,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        },
        _ => LshIndex::new(),
    };
    let (bands, rows) = index.banding();
    println!("RESULT entries={n} bands={bands} rows={rows} threads={threads}");

    // Build in batches, so that no more than a batch of full signatures is alive at once and
    // the resident memory afterwards is the index's.
    let rss_before = rss_mib();
    // As a server loading its stored signatures would: without this the tables and arrays grow
    // by steps and end up to half empty.
    index.reserve(n as usize);
    let (mut signing, mut inserting) = (Duration::ZERO, Duration::ZERO);
    let batch = 1 << 16;
    let mut start = 0;
    while start < n {
        let end = (start + batch).min(n);
        let t = Instant::now();
        let signatures = parallel(start..end, threads, |i| signature(&document(SEED, i)));
        signing += t.elapsed();
        let t = Instant::now();
        for (i, sig) in (start..end).zip(&signatures) {
            index.insert(i as i64, sig);
        }
        inserting += t.elapsed();
        start = end;
    }
    // As the server does once its stored signatures are in: give back what loading left spare.
    let t = Instant::now();
    index.shrink_to_fit();
    inserting += t.elapsed();
    let rss_after = rss_mib();
    println!(
        "RESULT build: generate+sign {:.1} s ({threads} threads, {:.1} µs per text per thread), insert {:.1} s \
         ({:.2} µs each)",
        signing.as_secs_f64(),
        signing.as_secs_f64() * threads as f64 / n as f64 * 1e6,
        inserting.as_secs_f64(),
        inserting.as_secs_f64() / n as f64 * 1e6
    );
    println!(
        "RESULT memory: VmRSS {rss_after:.0} MiB ({:.0} MiB over the {rss_before:.0} MiB before the build), \
         index allocations {:.0} MiB ({:.0} bytes per entry)",
        rss_after - rss_before,
        index.heap_bytes() as f64 / (1 << 20) as f64,
        index.heap_bytes() as f64 / n as f64
    );

    // Query texts: even ones re-file an indexed complaint with edits, odd ones are new.
    let mut rng = Rng::new(SEED ^ 0x51_4E52);
    let queries: Vec<(Option<u64>, Complaint)> = (0..QUERIES)
        .map(|q| {
            if q % 2 == 0 {
                let j = rng.below(n as usize) as u64;
                (Some(j), near_duplicate(&document(SEED, j), rng.next_u64()))
            } else {
                (None, complaint(rng.next_u64() | 1 << 63))
            }
        })
        .collect();
    let (mut end_to_end, mut lookup) = (Vec::with_capacity(QUERIES), Vec::with_capacity(QUERIES));
    let (mut matches, mut origin_found) = (0usize, 0usize);
    let t = Instant::now();
    for (origin, text) in &queries {
        let t0 = Instant::now();
        let sig = signature(text);
        let t1 = Instant::now();
        let found = index.query(&sig, THRESHOLD, 20);
        let t2 = Instant::now();
        end_to_end.push(t2 - t0);
        lookup.push(t2 - t1);
        matches += found.len();
        origin_found += usize::from(origin.is_some_and(|o| found.iter().any(|&(id, _)| id == o as i64)));
    }
    let total = t.elapsed();
    // Candidates per query, outside the timed loop, on the first thousand.
    let sampled = 1000.min(QUERIES);
    let mut candidates: Vec<usize> =
        queries.iter().take(sampled).map(|(_, c)| index.candidates(&signature(c)).len()).collect();
    candidates.sort_unstable();
    let candidates_at = |p: f64| candidates.get(((sampled - 1) as f64 * p) as usize).copied().unwrap_or(0);
    end_to_end.sort_unstable();
    lookup.sort_unstable();
    let lookup_total: Duration = lookup.iter().sum();
    println!(
        "RESULT queries: {QUERIES} on one thread, {:.0} queries/s end to end (text → signature → top 20 ≥ \
         {THRESHOLD}), {:.0} queries/s lookup alone",
        QUERIES as f64 / total.as_secs_f64(),
        QUERIES as f64 / lookup_total.as_secs_f64()
    );
    println!(
        "RESULT latency: end to end p50 {:.3} ms p99 {:.3} ms max {:.3} ms; lookup alone p50 {:.3} ms p99 {:.3} ms \
         max {:.3} ms",
        percentile(&end_to_end, 0.5),
        percentile(&end_to_end, 0.99),
        percentile(&end_to_end, 1.0),
        percentile(&lookup, 0.5),
        percentile(&lookup, 0.99),
        percentile(&lookup, 1.0)
    );
    println!(
        "RESULT results: candidates per query mean {:.0} p50 {} p99 {}; {:.2} matches per query; {origin_found} of \
         {} re-filings found their original",
        candidates.iter().sum::<usize>() as f64 / sampled as f64,
        candidates_at(0.5),
        candidates_at(0.99),
        matches as f64 / QUERIES as f64,
        QUERIES / 2
    );

    // Recall against brute force over the first documents.
    let subset = n.min(RECALL_SUBSET);
    let t = Instant::now();
    let subset_shingles: Vec<Vec<u64>> = parallel(0..subset, threads, |i| {
        let c = document(SEED, i);
        shingles(&c.title, &c.body, SHINGLE_LEN)
    });
    let mut rng = Rng::new(SEED ^ 0x5245_4341_4C4C);
    let recall_queries: Vec<Complaint> = (0..RECALL_QUERIES)
        .map(|q| {
            if q % 2 == 0 {
                near_duplicate(&document(SEED, rng.below(subset as usize) as u64), rng.next_u64())
            } else {
                complaint(rng.next_u64() | 1 << 62)
            }
        })
        .collect();
    let truth: Vec<Vec<(i64, f64)>> = parallel(0..RECALL_QUERIES as u64, threads, |q| {
        let c = &recall_queries[q as usize];
        let set = shingles(&c.title, &c.body, SHINGLE_LEN);
        (0..subset)
            .map(|d| (d as i64, jaccard(&set, &subset_shingles[d as usize])))
            .filter(|&(_, j)| j >= THRESHOLD)
            .collect()
    });
    let brute_force = t.elapsed();
    // Recall of the pairs ≥ 0.5, overall and by Jaccard, for queries at 0.5 and at 0.45.
    for query_threshold in [THRESHOLD, THRESHOLD - 0.05] {
        let (mut returned, mut hits) = (0, 0);
        let mut by_jaccard = [[0usize; 2]; 5];
        for (c, truth) in recall_queries.iter().zip(&truth) {
            let found: Vec<i64> = index
                .query(&signature(c), query_threshold, usize::MAX)
                .into_iter()
                .map(|(id, _)| id)
                .filter(|&id| (id as u64) < subset)
                .collect();
            returned += found.len();
            for &(id, j) in truth {
                let bucket = &mut by_jaccard[(((j - THRESHOLD) * 10.0) as usize).min(4)];
                bucket[0] += 1;
                if found.contains(&id) {
                    hits += 1;
                    bucket[1] += 1;
                }
            }
        }
        let truth_pairs: usize = truth.iter().map(Vec::len).sum();
        let buckets: Vec<String> = by_jaccard
            .iter()
            .enumerate()
            .map(|(i, [t, h])| {
                format!(
                    "{:.1}–{:.1}: {h}/{t}",
                    THRESHOLD + i as f64 / 10.0,
                    THRESHOLD + 0.1 + i as f64 / 10.0
                )
            })
            .collect();
        println!(
            "RESULT recall: {RECALL_QUERIES} queries at threshold {query_threshold:.2} against the first {subset} \
             entries by exact Jaccard ({:.1} s brute force): {truth_pairs} pairs ≥ {THRESHOLD}, recall {:.4}, \
             precision {:.4} (found by Jaccard {})",
            brute_force.as_secs_f64(),
            hits as f64 / truth_pairs.max(1) as f64,
            hits as f64 / returned.max(1) as f64,
            buckets.join(", ")
        );
    }
}
