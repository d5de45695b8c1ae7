//! Corpus-level checks: the estimate against exact Jaccard on real-looking text, and the
//! index's recall and precision against brute-force ground truth.

use super::synthetic::{Rng, document};
use super::*;
use std::sync::OnceLock;

const THRESHOLD: f64 = 0.5;

struct Corpus {
    shingles: Vec<Vec<u64>>,
    signatures: Vec<Signature>,
}

/// 5,000 complaints, one in eight a near-duplicate of another.
fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let shingles: Vec<Vec<u64>> = (0..5000)
            .map(|i| {
                let c = document(0x5EED, i);
                super::shingles(&c.title, &c.body, SHINGLE_LEN)
            })
            .collect();
        let signatures = shingles.iter().map(|s| Signature::from_shingles(s.iter().copied())).collect();
        Corpus { shingles, signatures }
    })
}

#[test]
fn similar_estimate_tracks_exact_jaccard_on_complaints() {
    let corpus = corpus();
    let mut rng = Rng::new(1);
    let n = corpus.shingles.len();
    let (mut near, mut random) = ((0.0, 0.0, 0usize), (0.0, 0.0, 0usize));
    // Each near-duplicate with its closest earlier document, and as many random pairs.
    for i in (7..n).step_by(8) {
        let (best, exact) = (0..i)
            .map(|j| (j, jaccard(&corpus.shingles[i], &corpus.shingles[j])))
            .fold((0, 0.0), |best, x| if x.1 > best.1 { x } else { best });
        let est = estimate(&corpus.signatures[i], &corpus.signatures[best]);
        near = (near.0 + (est - exact).abs(), near.1 + exact, near.2 + 1);
        let (a, b) = (rng.below(n), rng.below(n));
        if a != b {
            let exact = jaccard(&corpus.shingles[a], &corpus.shingles[b]);
            let est = estimate(&corpus.signatures[a], &corpus.signatures[b]);
            random = (random.0 + (est - exact).abs(), random.1 + exact, random.2 + 1);
        }
    }
    let (near_mae, random_mae) = (near.0 / near.2 as f64, random.0 / random.2 as f64);
    println!(
        "near-duplicates: {} pairs, mean Jaccard {:.3}, mean |est − exact| {near_mae:.4}",
        near.2,
        near.1 / near.2 as f64
    );
    println!(
        "random pairs:    {} pairs, mean Jaccard {:.3}, mean |est − exact| {random_mae:.4}",
        random.2,
        random.1 / random.2 as f64
    );
    // √(J(1−J)/128)·√(2/π) is 0.035 at J = 0.5 and 0.014 at J = 0.05.
    assert!(near_mae < 0.04, "near-duplicate pairs: mean error {near_mae}");
    assert!(random_mae < 0.02, "random pairs: mean error {random_mae}");
}

#[test]
fn similar_index_recall_and_precision_against_exact_jaccard() {
    let corpus = corpus();
    let n = corpus.shingles.len();
    let mut index = LshIndex::new();
    for (id, sig) in corpus.signatures.iter().enumerate() {
        assert!(index.insert(id as i64, sig));
    }

    // Ground truth by brute force over an inverted index: for each document, the size of its
    // intersection with every other.
    let mut postings: std::collections::HashMap<u64, Vec<u32>> = std::collections::HashMap::new();
    for (d, set) in corpus.shingles.iter().enumerate() {
        for &s in set {
            postings.entry(s).or_default().push(d as u32);
        }
    }
    let mut common = vec![0u32; n];
    let mut touched = Vec::new();
    // Buckets of 0.1 from 0.5: [truth pairs, found by query, found among candidates].
    let mut by_jaccard = [[0usize; 3]; 5];
    let (mut truth, mut found, mut returned, mut candidate_hits, mut candidates) = (0, 0, 0, 0, 0);
    let mut random_jaccard = Vec::new();
    for q in 0..n {
        for s in &corpus.shingles[q] {
            for &d in &postings[s] {
                if common[d as usize] == 0 {
                    touched.push(d);
                }
                common[d as usize] += 1;
            }
        }
        let results: std::collections::HashMap<i64, f64> =
            index.query(&corpus.signatures[q], THRESHOLD, usize::MAX).into_iter().collect();
        let candidate_set: std::collections::HashSet<i64> =
            index.candidates(&corpus.signatures[q]).into_iter().collect();
        returned += results.keys().filter(|&&id| id != q as i64).count();
        candidates += candidate_set.len() - 1;
        let size_q = corpus.shingles[q].len();
        for &d in &touched {
            let c = common[d as usize] as usize;
            common[d as usize] = 0;
            if d as usize == q {
                continue;
            }
            let exact = c as f64 / (size_q + corpus.shingles[d as usize].len() - c) as f64;
            if d as usize == (q * 7919 + 13) % n {
                random_jaccard.push(exact);
            }
            if exact >= THRESHOLD {
                let bucket = &mut by_jaccard[(((exact - THRESHOLD) * 10.0) as usize).min(4)];
                truth += 1;
                bucket[0] += 1;
                if results.contains_key(&i64::from(d)) {
                    found += 1;
                    bucket[1] += 1;
                }
                if candidate_set.contains(&i64::from(d)) {
                    candidate_hits += 1;
                    bucket[2] += 1;
                }
            }
        }
        touched.clear();
    }
    let recall = found as f64 / truth as f64;
    let precision = found as f64 / returned as f64;
    let candidate_recall = candidate_hits as f64 / truth as f64;
    random_jaccard.sort_by(f64::total_cmp);
    let pct = |p: f64| random_jaccard[((random_jaccard.len() - 1) as f64 * p) as usize];
    println!("{n} documents; Jaccard of unrelated pairs: median {:.3}, p99 {:.3}", pct(0.5), pct(0.99));
    println!(
        "ordered pairs with Jaccard ≥ {THRESHOLD}: {truth}; query returned {returned}, {found} of them true"
    );
    println!(
        "recall {recall:.4}, precision {precision:.4}; \
         candidates per query {:.1}, candidate recall {candidate_recall:.4}",
        candidates as f64 / n as f64
    );
    for (i, [t, f, c]) in by_jaccard.iter().enumerate() {
        let low = THRESHOLD + i as f64 / 10.0;
        println!(
            "  Jaccard {low:.1}–{:.1}: {t:5} pairs, query recall {:.3}, candidate recall {:.3}",
            low + 0.1,
            *f as f64 / (*t).max(1) as f64,
            *c as f64 / (*t).max(1) as f64
        );
    }
    assert!(truth > 1000, "the corpus should hold enough near-duplicates, has {truth}");
    assert!(recall >= 0.95, "recall {recall}");
    assert!(candidate_recall >= 0.98, "candidate recall {candidate_recall}");
    assert!(precision >= 0.9, "precision {precision}");
}
