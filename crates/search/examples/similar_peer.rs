//! Benchmark (similar, against a peer): our MinHash + LSH and datasketch's `MinHashLSH` on the
//! same texts, with exact Jaccard as the ground truth for both. Driven by
//! `bench/similar/run.sh`, which runs the steps in order in one directory:
//!
//! 1. `prepare-register DIR N NQ` writes `DIR/stored.txt` (N complaints of the synthetic
//!    register the similarity tests use, one in eight a re-filing of another) and
//!    `DIR/queries.txt` (NQ new texts, even ones re-filings of stored complaints);
//!    `prepare-tsv DIR` makes the same files from `DIR/stored.tsv` and `DIR/queries.tsv`
//!    (title, tab, body a line: the peers' generated payloads). Each line is `count \t text`:
//!    `text` is [`comparable_text`] (what our signature shingles: the normalised title and body,
//!    letters and digits only) and `count` the number of distinct character 3-grams our
//!    product computes from the original title and body. Both systems shingle `text`, so their
//!    sets are the same; each checks its count against `count` for every text.
//! 2. (the datasketch side, `bench/similar/datasketch_bench.py`, writes `DIR/ds_<T>.bin`: the
//!    candidates of the first R queries at each threshold T.)
//! 3. `bench DIR R BUDGET_S T...` builds our index over the stored texts (signatures on all
//!    cores, inserted after `LshIndex::reserve`), then for each threshold T times the queries
//!    one at a time on one thread, end to end: text → signature → every stored id with an
//!    estimated similarity ≥ T − 2σ(T) (the margin `lsh.rs` documents for finding the pairs ≥ T),
//!    ranked; at least R queries and then as many as BUDGET_S seconds allow. Then exact Jaccard
//!    of the first R queries against every stored text (an inverted index over the shingles,
//!    spot-checked against [`jaccard`]), and recall and precision against it of ours (at
//!    estimate ≥ T − 2σ(T) and ≥ T) and of datasketch's candidates. Prints `RESULT {json}` lines.
//!
//!   cargo run --release -p minsheng-search --example similar_peer -- prepare-register /tmp/s 1000000 10000
//!
//! `BANDING=BxR` (e.g. `32x3`) builds the index with another banding, to compare.

#[path = "../src/similar/synthetic.rs"]
mod synthetic;

use minsheng_search::similar::{
    LshIndex, SHINGLE_LEN, SIGNATURE_LEN, Signature, comparable_text, jaccard, shingles,
};
use std::collections::HashMap;
use std::io::{BufRead, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use synthetic::{Rng, complaint, document, near_duplicate};

type Error = Box<dyn std::error::Error>;

const SEED: u64 = 0x5EED;
/// What we query below a threshold to find the pairs at or above it: two standard errors of
/// the estimate there, 2·√(T(1−T)/128) (0.088 at 0.5, 0.071 at 0.8; see `lsh.rs`).
fn margin(threshold: f64) -> f64 {
    2.0 * (threshold * (1.0 - threshold) / SIGNATURE_LEN as f64).sqrt()
}

/// The estimate a lookup for the pairs ≥ `threshold` asks for.
fn asked_below(threshold: f64) -> f64 {
    (threshold - margin(threshold)).max(0.0)
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg =
        |i: usize| args.get(i).cloned().ok_or_else(|| format!("argument {i} missing: see the module doc"));
    let number = |i: usize| -> Result<usize, Error> { Ok(arg(i)?.parse()?) };
    match arg(0)?.as_str() {
        "prepare-register" => prepare_register(Path::new(&arg(1)?), number(2)?, number(3)?),
        "prepare-tsv" => prepare_tsv(Path::new(&arg(1)?)),
        "bench" => {
            let thresholds = args.iter().skip(4).map(|t| t.parse()).collect::<Result<Vec<f64>, _>>()?;
            bench(Path::new(&arg(1)?), number(2)?, number(3)? as f64, &thresholds)
        }
        other => Err(format!("unknown step {other:?}: see the module doc").into()),
    }
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |t| t.get())
}

/// `f(i)` for every `i` in `0..n`, on all cores, in order.
fn parallel<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let chunk = n.div_ceil(threads()).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .step_by(chunk)
            .map(|start| {
                let f = &f;
                s.spawn(move || (start..(start + chunk).min(n)).map(f).collect::<Vec<T>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

/// Writes `count \t text` lines for (title, body) pairs.
fn write_texts(path: &Path, texts: &[(String, String)]) -> Result<(), Error> {
    let lines = parallel(texts.len(), |i| {
        let (title, body) = &texts[i];
        format!("{}\t{}\n", shingles(title, body, SHINGLE_LEN).len(), comparable_text(title, body))
    });
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    for line in lines {
        out.write_all(line.as_bytes())?;
    }
    out.flush()?;
    Ok(())
}

fn prepare_register(dir: &Path, n: usize, queries: usize) -> Result<(), Error> {
    let stored = parallel(n, |i| {
        let c = document(SEED, i as u64);
        (c.title, c.body)
    });
    write_texts(&dir.join("stored.txt"), &stored)?;
    // As `similar_bench`: even queries re-file a stored complaint with edits, odd ones are new.
    let mut rng = Rng::new(SEED ^ 0x51_4E52);
    let queries: Vec<(String, String)> = (0..queries)
        .map(|q| {
            let c = if q % 2 == 0 {
                near_duplicate(&document(SEED, rng.below(n) as u64), rng.next_u64())
            } else {
                complaint(rng.next_u64() | 1 << 63)
            };
            (c.title, c.body)
        })
        .collect();
    write_texts(&dir.join("queries.txt"), &queries)?;
    println!(
        "RESULT {{\"step\":\"prepare\",\"corpus\":\"register\",\"stored\":{n},\"queries\":{}}}",
        queries.len()
    );
    Ok(())
}

fn prepare_tsv(dir: &Path) -> Result<(), Error> {
    let read = |name: &str| -> Result<Vec<(String, String)>, Error> {
        let file = std::io::BufReader::new(std::fs::File::open(dir.join(name))?);
        let mut out = Vec::new();
        for line in file.lines() {
            let line = line?;
            let (title, body) = line.split_once('\t').unwrap_or(("", &line));
            out.push((title.to_string(), body.to_string()));
        }
        Ok(out)
    };
    let (stored, queries) = (read("stored.tsv")?, read("queries.tsv")?);
    write_texts(&dir.join("stored.txt"), &stored)?;
    write_texts(&dir.join("queries.txt"), &queries)?;
    println!(
        "RESULT {{\"step\":\"prepare\",\"corpus\":\"tsv\",\"stored\":{},\"queries\":{}}}",
        stored.len(),
        queries.len()
    );
    Ok(())
}

/// The texts of a `count \t text` file, each with its count.
fn read_texts(path: &Path) -> Result<Vec<(usize, String)>, Error> {
    let mut raw = String::new();
    std::fs::File::open(path)?.read_to_string(&mut raw)?;
    raw.lines()
        .map(|line| {
            let (count, text) = line.split_once('\t').ok_or("a line without a count")?;
            Ok((count.parse()?, text.to_string()))
        })
        .collect()
}

fn rss_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len().saturating_sub(1)) as f64 * p).round() as usize;
    sorted.get(at).map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
}

/// Throughput over ten consecutive blocks of lookups (in the order they ran), the median
/// block's: a burst of noise on the machine spoils one block, not the figure.
fn median_block_qps(latencies: &[Duration]) -> f64 {
    let size = latencies.len().div_ceil(10).max(1);
    let mut rates: Vec<f64> = latencies
        .chunks(size)
        .map(|block| block.len() as f64 / block.iter().sum::<Duration>().as_secs_f64())
        .collect();
    rates.sort_by(f64::total_cmp);
    match rates.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => rates[n / 2],
        n => (rates[n / 2 - 1] + rates[n / 2]) / 2.0,
    }
}

/// The shingle hashes of a comparable text (as our product computes them from it).
fn text_shingles(text: &str) -> Vec<u64> {
    shingles("", text, SHINGLE_LEN)
}

fn bench(dir: &Path, recall_queries: usize, budget_s: f64, thresholds: &[f64]) -> Result<(), Error> {
    let stored = read_texts(&dir.join("stored.txt"))?;
    let queries = read_texts(&dir.join("queries.txt"))?;
    let n = stored.len();

    // Build: signatures on all cores in batches (no more than a batch of them alive), inserted
    // on one thread into an index reserved for all of them, as the server loads its own.
    let rss_before = rss_mib("VmRSS:");
    let mut index = match std::env::var("BANDING") {
        Ok(b) => {
            let (b, r) = b.split_once('x').ok_or("BANDING=BxR")?;
            LshIndex::with_banding(b.parse()?, r.parse()?)?
        }
        Err(_) => LshIndex::new(),
    };
    index.reserve(n);
    let (mut signing, mut inserting, mut mismatched) = (Duration::ZERO, Duration::ZERO, 0usize);
    for start in (0..n).step_by(1 << 16) {
        let end = (start + (1 << 16)).min(n);
        let t = Instant::now();
        let batch = parallel(end - start, |i| {
            let (count, text) = &stored[start + i];
            let set = text_shingles(text);
            (set.len() == *count, Signature::from_shingles(set))
        });
        signing += t.elapsed();
        let t = Instant::now();
        for (i, (same, signature)) in batch.iter().enumerate() {
            mismatched += usize::from(!same);
            index.insert((start + i) as i64, signature);
        }
        inserting += t.elapsed();
    }
    if mismatched > 0 {
        return Err(format!("{mismatched} stored texts shingle differently from their originals").into());
    }
    // As the server does once its stored signatures are in: give back what loading left spare.
    let t = Instant::now();
    index.shrink_to_fit();
    inserting += t.elapsed();
    let (bands, rows) = index.banding();
    println!(
        "RESULT {{\"step\":\"build\",\"system\":\"ours\",\"n\":{n},\"bands\":{bands},\"rows\":{rows},\
         \"threads\":{},\"sign_s\":{:.2},\"insert_s\":{:.2},\"docs_per_s\":{:.0},\"index_mib\":{:.0},\
         \"rss_mib\":{:.0},\"rss_growth_mib\":{:.0}}}",
        threads(),
        signing.as_secs_f64(),
        inserting.as_secs_f64(),
        n as f64 / (signing + inserting).as_secs_f64(),
        index.heap_bytes() as f64 / (1 << 20) as f64,
        rss_mib("VmRSS:"),
        rss_mib("VmRSS:") - rss_before
    );

    // Queries, one thread, end to end; the found ids of the first `recall_queries` kept.
    let mut found_at: HashMap<String, Vec<Vec<(i64, f64)>>> = HashMap::new();
    for &threshold in thresholds {
        let asked = asked_below(threshold);
        let (mut latencies, mut kept, mut matches) = (Vec::new(), Vec::new(), 0usize);
        let started = Instant::now();
        for (q, (count, text)) in queries.iter().enumerate() {
            if q >= recall_queries && started.elapsed().as_secs_f64() > budget_s {
                break;
            }
            let t = Instant::now();
            let signature = Signature::of_matter("", text);
            let found = index.query(&signature, asked, usize::MAX);
            latencies.push(t.elapsed());
            matches += found.len();
            if q < recall_queries {
                if text_shingles(text).len() != *count {
                    return Err(format!("query {q} shingles differently from its original").into());
                }
                kept.push(found);
            }
        }
        let total: Duration = latencies.iter().sum();
        let done = latencies.len();
        let block_qps = median_block_qps(&latencies);
        latencies.sort_unstable();
        println!(
            "RESULT {{\"step\":\"query\",\"system\":\"ours\",\"n\":{n},\"threshold\":{threshold},\
             \"asked\":{asked:.2},\"queries\":{done},\"qps\":{:.1},\"qps_median_block\":{block_qps:.1},\
             \"p50_ms\":{:.3},\"p99_ms\":{:.3},\"max_ms\":{:.3},\"results_per_query\":{:.1}}}",
            done as f64 / total.as_secs_f64(),
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            percentile(&latencies, 1.0),
            matches as f64 / done.max(1) as f64
        );
        found_at.insert(format!("{threshold}"), kept);
    }

    // Candidates per query before the estimate filter, on the recall queries (not timed).
    let mut candidates: Vec<usize> = queries
        .iter()
        .take(recall_queries)
        .map(|(_, text)| index.candidates(&Signature::of_matter("", text)).len())
        .collect();
    candidates.sort_unstable();
    let at = |p: f64| {
        candidates.get(((candidates.len().saturating_sub(1)) as f64 * p) as usize).copied().unwrap_or(0)
    };
    println!(
        "RESULT {{\"step\":\"candidates\",\"system\":\"ours\",\"mean\":{:.1},\"p50\":{},\"p99\":{}}}",
        candidates.iter().sum::<usize>() as f64 / candidates.len().max(1) as f64,
        at(0.5),
        at(0.99)
    );
    drop(index);

    // Ground truth: exact Jaccard of the first queries against every stored text.
    let t = Instant::now();
    let recall_texts: Vec<&str> =
        queries.iter().take(recall_queries).map(|(_, text)| text.as_str()).collect();
    let lowest = thresholds.iter().copied().fold(f64::INFINITY, f64::min);
    let truth = ground_truth(&stored, &recall_texts, lowest)?;
    let truth_s = t.elapsed().as_secs_f64();

    for &threshold in thresholds {
        let true_sets: Vec<Vec<i64>> = truth
            .iter()
            .map(|pairs| pairs.iter().filter(|&&(_, j)| at_least(j, threshold)).map(|&(id, _)| id).collect())
            .collect();
        let true_pairs: usize = true_sets.iter().map(Vec::len).sum();
        let with_pairs = true_sets.iter().filter(|set| !set.is_empty()).count();
        let found = found_at.get(&format!("{threshold}")).ok_or("no queries timed")?;
        for (label, floor) in [("ours", asked_below(threshold)), ("ours_at_T", threshold)] {
            let returned: Vec<Vec<i64>> = found
                .iter()
                .map(|pairs| {
                    pairs.iter().filter(|&&(_, est)| est >= floor - 1e-9).map(|&(id, _)| id).collect()
                })
                .collect();
            score(label, threshold, floor, &returned, &true_sets, true_pairs, with_pairs, truth_s);
        }
        let path = dir.join(format!("ds_{threshold}.bin"));
        if path.exists() {
            let returned = read_candidates(&path, recall_texts.len())?;
            score("datasketch", threshold, f64::NAN, &returned, &true_sets, true_pairs, with_pairs, truth_s);
        }
    }
    Ok(())
}

/// Whether the Jaccard index `(common, union)` is at least `threshold`, in integers.
fn at_least((common, union): (u32, u32), threshold: f64) -> bool {
    let percent = (threshold * 100.0).round() as u64;
    u64::from(common) * 100 >= percent * u64::from(union)
}

/// For each query, the stored ids with exact Jaccard ≥ `lowest`, each with (common, union).
#[allow(clippy::type_complexity)]
fn ground_truth(
    stored: &[(usize, String)],
    queries: &[&str],
    lowest: f64,
) -> Result<Vec<Vec<(i64, (u32, u32))>>, Error> {
    // Dense ids for the shingles, the stored sets as lists of them, and the inverted lists.
    let sets: Vec<Vec<u64>> = parallel(stored.len(), |i| text_shingles(&stored[i].1));
    let mut vocabulary: HashMap<u64, u32> = HashMap::new();
    let mut postings_len: Vec<u32> = Vec::new();
    for set in &sets {
        for &shingle in set {
            let next = vocabulary.len() as u32;
            let id = *vocabulary.entry(shingle).or_insert(next);
            if id as usize == postings_len.len() {
                postings_len.push(0);
            }
            postings_len[id as usize] += 1;
        }
    }
    let mut offsets: Vec<usize> = Vec::with_capacity(postings_len.len() + 1);
    offsets.push(0);
    for len in &postings_len {
        offsets.push(offsets.last().copied().unwrap_or(0) + *len as usize);
    }
    let mut postings = vec![0u32; offsets.last().copied().unwrap_or(0)];
    let mut fill = offsets.clone();
    for (doc, set) in sets.iter().enumerate() {
        for shingle in set {
            let id = vocabulary[shingle] as usize;
            postings[fill[id]] = doc as u32;
            fill[id] += 1;
        }
    }
    let sizes: Vec<u32> = sets.iter().map(|set| set.len() as u32).collect();
    let truth = parallel(queries.len(), |q| {
        let query = text_shingles(queries[q]);
        let mut common = vec![0u32; sizes.len()];
        let mut touched = Vec::new();
        for shingle in &query {
            if let Some(&id) = vocabulary.get(shingle) {
                for &doc in &postings[offsets[id as usize]..offsets[id as usize + 1]] {
                    if common[doc as usize] == 0 {
                        touched.push(doc);
                    }
                    common[doc as usize] += 1;
                }
            }
        }
        let mut pairs: Vec<(i64, (u32, u32))> = touched
            .into_iter()
            .map(|doc| {
                let c = common[doc as usize];
                (i64::from(doc), (c, query.len() as u32 + sizes[doc as usize] - c))
            })
            .filter(|&(_, j)| at_least(j, lowest))
            .collect();
        pairs.sort_unstable();
        pairs
    });
    // Spot checks against the library's exact Jaccard on the hashed sets.
    let mut rng = Rng::new(7);
    for _ in 0..2000 {
        let q = rng.below(queries.len());
        let query = text_shingles(queries[q]);
        let doc = match truth[q].get(rng.below(truth[q].len().max(1))) {
            Some(&(id, _)) if rng.chance(0.5) => id as usize,
            _ => rng.below(sets.len()),
        };
        let set = &sets[doc];
        let common = set.iter().filter(|shingle| query.binary_search(shingle).is_ok()).count() as u32;
        let union = query.len() as u32 + set.len() as u32 - common;
        let listed = truth[q].iter().find(|&&(id, _)| id as usize == doc).map(|&(_, pair)| pair);
        let ok = (jaccard(&query, set) - f64::from(common) / f64::from(union.max(1))).abs() < 1e-12
            && match listed {
                Some(pair) => pair == (common, union),
                None => !at_least((common, union), lowest),
            };
        if !ok {
            return Err(format!("ground truth disagrees with exact Jaccard for query {q}, text {doc}").into());
        }
    }
    println!(
        "RESULT {{\"step\":\"truth\",\"queries\":{},\"stored\":{},\"distinct_shingles\":{},\"spot_checks\":2000}}",
        queries.len(),
        sets.len(),
        vocabulary.len()
    );
    Ok(truth)
}

/// The candidate lists datasketch wrote: per query a little-endian u32 count, then the ids.
fn read_candidates(path: &PathBuf, queries: usize) -> Result<Vec<Vec<i64>>, Error> {
    let mut raw = Vec::new();
    std::fs::File::open(path)?.read_to_end(&mut raw)?;
    let words: Vec<u32> = raw.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let (mut out, mut at) = (Vec::with_capacity(queries), 0usize);
    while out.len() < queries {
        let len = *words.get(at).ok_or("candidate file too short")? as usize;
        let ids = words.get(at + 1..at + 1 + len).ok_or("candidate file too short")?;
        out.push(ids.iter().map(|&id| i64::from(id)).collect());
        at += 1 + len;
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn score(
    system: &str,
    threshold: f64,
    floor: f64,
    returned: &[Vec<i64>],
    true_sets: &[Vec<i64>],
    true_pairs: usize,
    with_pairs: usize,
    truth_s: f64,
) {
    let (mut hits, mut total) = (0usize, 0usize);
    for (got, truth) in returned.iter().zip(true_sets) {
        let truth: std::collections::HashSet<i64> = truth.iter().copied().collect();
        hits += got.iter().filter(|id| truth.contains(id)).count();
        total += got.len();
    }
    let floor = if floor.is_nan() { "null".to_string() } else { format!("{floor:.2}") };
    println!(
        "RESULT {{\"step\":\"recall\",\"system\":\"{system}\",\"threshold\":{threshold},\"estimate_floor\":{floor},\
         \"queries\":{},\"queries_with_pairs\":{with_pairs},\"true_pairs\":{true_pairs},\"returned\":{total},\
         \"found\":{hits},\"recall\":{:.4},\"precision\":{:.4},\"truth_s\":{truth_s:.1}}}",
        returned.len(),
        hits as f64 / true_pairs.max(1) as f64,
        hits as f64 / total.max(1) as f64
    );
}
