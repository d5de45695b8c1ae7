//! A disjunction for the few clauses of a text query: a matter meets [`AnyQuery`] when it
//! meets at least one clause, and scores the sum of the clauses it meets, as a tantivy
//! `BooleanQuery` of should-clauses would.
//!
//! Why not that `BooleanQuery`: tantivy evaluates a disjunction through a window of 4,096
//! documents that it fills from every clause and, when seeked further than the window, clears
//! whole. Inside a conjunction (the scope, a filter, the other words of the query) a
//! disjunction is mostly seeked, and then that clearing and refilling was most of a search's
//! time: 拖欠工资 is four disjunctions of three fields each under two alternatives. Here a seek
//! only moves the clauses that are behind the target (through their skip lists) and takes the
//! least document, which is cheap for the two to six clauses a word or an alternative has.

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

/// At least one of `clauses`; the score is the sum of those met.
#[derive(Debug)]
pub(super) struct AnyQuery {
    clauses: Vec<Box<dyn Query>>,
}

impl Clone for AnyQuery {
    fn clone(&self) -> AnyQuery {
        AnyQuery { clauses: self.clauses.iter().map(|clause| clause.box_clone()).collect() }
    }
}

impl AnyQuery {
    pub(super) fn new(clauses: Vec<Box<dyn Query>>) -> AnyQuery {
        AnyQuery { clauses }
    }
}

impl Query for AnyQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .clauses
            .iter()
            .map(|clause| clause.weight(enable_scoring))
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(AnyWeight { weights }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for clause in &self.clauses {
            clause.query_terms(visitor);
        }
    }
}

struct AnyWeight {
    weights: Vec<Box<dyn Weight>>,
}

impl Weight for AnyWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.weights.len());
        for weight in &self.weights {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                scorers.push(scorer);
            }
        }
        Ok(match scorers.len() {
            0 => Box::new(EmptyScorer),
            1 => scorers.swap_remove(0),
            _ => Box::new(AnyScorer::new(scorers)),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!("document {doc} does not match")));
        }
        let mut explanation = Explanation::new("sum of the clauses met", scorer.score());
        for weight in &self.weights {
            if let Ok(detail) = weight.explain(reader, doc) {
                explanation.add_detail(detail);
            }
        }
        Ok(explanation)
    }
}

/// The union of a few scorers, none of them terminated when built.
struct AnyScorer {
    scorers: Vec<Box<dyn Scorer>>,
    /// Each scorer's current document, kept here to spare a dynamic call per scorer and step.
    docs: Vec<DocId>,
    doc: DocId,
}

impl AnyScorer {
    fn new(scorers: Vec<Box<dyn Scorer>>) -> AnyScorer {
        let docs: Vec<DocId> = scorers.iter().map(|scorer| scorer.doc()).collect();
        let doc = docs.iter().copied().min().unwrap_or(TERMINATED);
        AnyScorer { scorers, docs, doc }
    }
}

impl DocSet for AnyScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let current = self.doc;
        let mut next = TERMINATED;
        for (scorer, doc) in self.scorers.iter_mut().zip(&mut self.docs) {
            if *doc == current {
                *doc = scorer.advance();
            }
            next = next.min(*doc);
        }
        self.doc = next;
        next
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let mut next = TERMINATED;
        for (scorer, doc) in self.scorers.iter_mut().zip(&mut self.docs) {
            if *doc < target {
                *doc = scorer.seek(target);
            }
            next = next.min(*doc);
        }
        self.doc = next;
        next
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers.iter().map(|scorer| scorer.size_hint()).fold(0, u32::saturating_add)
    }

    fn cost(&self) -> u64 {
        self.scorers.iter().map(|scorer| scorer.cost()).sum()
    }
}

impl Scorer for AnyScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let mut sum = 0.0;
        for (scorer, at) in self.scorers.iter_mut().zip(&self.docs) {
            if *at == doc {
                sum += scorer.score();
            }
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, STRING, Schema};
    use tantivy::{Index, IndexWriter, TantivyDocument};

    /// Against tantivy's own disjunction: the same documents with the same scores, alone and
    /// inside a conjunction that seeks it, over segments with gaps wider than its window.
    #[test]
    fn any_matches_and_scores_as_a_boolean_disjunction() {
        let mut builder = Schema::builder();
        let a = builder.add_text_field("a", STRING);
        let b = builder.add_text_field("b", STRING);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for i in 0u32..30_000 {
            let mut document = TantivyDocument::new();
            for (field, value) in [(a, i % 7), (a, i % 5000), (b, i % 11), (b, i % 13)] {
                document.add_text(field, value.to_string());
            }
            writer.add_document(document).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let term = |field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::WithFreqs))
        };
        let clauses = || vec![term(a, "3"), term(b, "4"), term(a, "4999"), term(b, "missing")];
        let theirs = BooleanQuery::new(clauses().into_iter().map(|clause| (Occur::Should, clause)).collect());
        let ours = AnyQuery::new(clauses());
        let within = |query: Box<dyn Query>| {
            BooleanQuery::new(vec![(Occur::Must, term(b, "12")), (Occur::Must, query)])
        };
        let top = || TopDocs::with_limit(50_000).order_by_score();
        for (theirs, ours) in [
            (Box::new(theirs.clone()) as Box<dyn Query>, Box::new(ours.clone()) as Box<dyn Query>),
            (Box::new(within(Box::new(theirs))), Box::new(within(Box::new(ours)))),
        ] {
            let (count, mut expected) = searcher.search(theirs.as_ref(), &(Count, top())).unwrap();
            let (our_count, mut found) = searcher.search(ours.as_ref(), &(Count, top())).unwrap();
            assert!(count > 100, "{count}");
            assert_eq!(our_count, count);
            expected.sort_by_key(|(_, address)| *address);
            found.sort_by_key(|(_, address)| *address);
            assert_eq!(found.len(), expected.len());
            for ((score, address), (expected_score, expected_address)) in found.iter().zip(&expected) {
                assert_eq!(address, expected_address);
                assert!((score - expected_score).abs() < 1e-4, "{score} vs {expected_score}");
            }
        }
        let nothing = AnyQuery::new(vec![term(a, "missing"), term(b, "missing")]);
        assert_eq!(searcher.search(&nothing, &Count).unwrap(), 0);
    }
}
