//! The Chinese full-text index of matters (tantivy + jieba). Owns the index schema, the
//! writer with its bounded heap, the checkpoint (the last event sequence number applied)
//! kept in each commit's payload, and the search: free text where every word must match
//! (title weighted double; how words are read and matched is in `analyzer`), filters, the
//! caller's scope enforced as a clause of the index query so counts never include what the
//! caller cannot see, and `<mark>`-highlighted, HTML-escaped snippets (`snippet`). The query
//! is built from tokens, never parsed, so query syntax in user text is only text.
//!
//! Texts are normalised ([`crate::text::normalize`]) inside the tokenizer, for documents and
//! queries alike, so 工資 finds 工资 and １２３４５ finds 12345; stored titles and bodies stay
//! as written, and snippets show them so. Scope and place paths ("/1/5/23/") are indexed
//! with every prefix ("/1/", "/1/5/", "/1/5/23/"), so a unit's path matches its subtree.
//!
//! A derived projection: rebuilding from the event log is always possible, so an index
//! written with another schema is replaced by an empty one ([`SearchIndex::checkpoint`] is
//! then `None`).

mod analyzer;
mod any;
mod snippet;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tantivy::collector::{Collector, Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::directory::error::OpenDirectoryError;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, Occur, Query as IndexQuery,
    RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, Executor, Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, Searcher,
    TantivyDocument, TantivyError, Term,
};

use analyzer::{ChineseTokenizer, Need, TOKENIZER};
use any::AnyQuery;
use snippet::{Highlighter, beginning};

/// The writer's heap, shared by its threads: segments are flushed when it fills, so indexing
/// any number of matters stays within it (plus jieba's dictionary and the mapped files).
const WRITER_HEAP_BYTES: usize = 50_000_000;
/// Tantivy wants at least 15 MB per indexing thread.
const MAX_WRITER_THREADS: usize = 3;
/// Threads that search an index's segments side by side.
const MAX_SEARCH_THREADS: usize = 4;
/// Searches of an index holding at least this many matters use the search threads; below, a
/// search takes well under a millisecond, and handing it out would cost more than it saves.
const PARALLEL_FROM_MATTERS: u64 = 100_000;
/// The most items one search returns.
pub const MAX_LIMIT: usize = 1000;
const TITLE_WEIGHT: f32 = 2.0;
/// The longest snippets, in characters.
const TITLE_SNIPPET_CHARS: usize = 100;
const BODY_SNIPPET_CHARS: usize = 120;

/// A failure of the index.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("search index: {0}")]
    Index(#[from] TantivyError),
    #[error("search index directory: {0}")]
    Directory(#[from] OpenDirectoryError),
    #[error("search index i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("the search index writer was poisoned by a panic")]
    Poisoned,
    #[error("the search index is not readable: {0}")]
    Corrupt(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// One matter as the index sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatterDoc {
    pub id: i64,
    pub title: String,
    pub body: String,
    /// Replies, notes and comments, joined.
    pub extra: String,
    /// Unit paths ("/1/5/23/") whose subtrees may see the matter: its place and every unit
    /// that handled it.
    pub scope: Vec<String>,
    pub place_path: String,
    pub lead_unit: Option<i64>,
    pub kind: String,
    pub status: String,
    pub channel: String,
    pub category: String,
    pub registered_at_ms: i64,
    pub open: bool,
}

/// The order of a search's items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// Best match first; without free text (nothing to rank by), newest first.
    #[default]
    Relevance,
    /// Latest registered first.
    Newest,
}

/// A search. Matches what the caller may see (`scopes`), meets every filter given and, when
/// `text` has words, contains every one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub text: String,
    /// Unit paths the caller sees the subtrees of; a matter is visible if one of its scope
    /// paths lies under one of these. Empty: nothing is visible.
    pub scopes: Vec<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub channel: Option<String>,
    pub category: Option<String>,
    /// Matters placed at this unit or below it.
    pub place_path: Option<String>,
    pub lead_unit: Option<i64>,
    /// Registered at or after this instant.
    pub registered_from_ms: Option<i64>,
    /// Registered before this instant.
    pub registered_before_ms: Option<i64>,
    pub open_only: bool,
    pub order: Order,
    pub offset: usize,
    /// At most [`MAX_LIMIT`] items are returned.
    pub limit: usize,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            text: String::new(),
            scopes: Vec::new(),
            kind: None,
            status: None,
            channel: None,
            category: None,
            place_path: None,
            lead_unit: None,
            registered_from_ms: None,
            registered_before_ms: None,
            open_only: false,
            order: Order::Relevance,
            offset: 0,
            limit: 20,
        }
    }
}

/// One page of a search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hits {
    /// Every match within the caller's scope, not only this page.
    pub total: usize,
    pub items: Vec<Hit>,
}

/// One matter found.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: i64,
    /// The relevance score; 0 when ordered by date.
    pub score: f32,
    /// HTML: escaped text with the matched words in `<mark>`…`</mark>`.
    pub title_snippet: String,
    /// HTML, likewise: the best passage of the body, or its beginning.
    pub body_snippet: String,
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    body: Field,
    extra: Field,
    scope: Field,
    place: Field,
    lead_unit: Field,
    kind: Field,
    status: Field,
    channel: Field,
    category: Field,
    registered_at: Field,
    open: Field,
}

const REGISTERED_AT: &str = "registered_at_ms";

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let words =
        TextFieldIndexing::default().set_tokenizer(TOKENIZER).set_index_option(IndexRecordOption::WithFreqs);
    let stored_text = TextOptions::default().set_indexing_options(words.clone()).set_stored();
    let text = TextOptions::default().set_indexing_options(words);
    let fields = Fields {
        id: builder.add_i64_field("id", INDEXED | STORED | FAST),
        title: builder.add_text_field("title", stored_text.clone()),
        body: builder.add_text_field("body", stored_text),
        extra: builder.add_text_field("extra", text),
        scope: builder.add_text_field("scope", STRING),
        place: builder.add_text_field("place", STRING),
        lead_unit: builder.add_i64_field("lead_unit", INDEXED),
        kind: builder.add_text_field("kind", STRING),
        status: builder.add_text_field("status", STRING),
        channel: builder.add_text_field("channel", STRING),
        category: builder.add_text_field("category", STRING),
        registered_at: builder.add_i64_field(REGISTERED_AT, FAST),
        open: builder.add_bool_field("open", INDEXED),
    };
    (builder.build(), fields)
}

/// The full-text index of matters. Shareable between threads: writes serialise on an
/// internal lock, searches read the last commit without blocking them.
pub struct SearchIndex {
    fields: Fields,
    writer: Mutex<Writer>,
    /// Always at the last commit: reloaded by [`SearchIndex::commit`] under the writer lock.
    reader: IndexReader,
    checkpoint: Mutex<Option<i64>>,
    /// Searches a large index's segments side by side (a single thread on one core).
    executor: Executor,
    parallel_from: u64,
}

/// The tantivy writer and what is needed to skip needless deletes: each costs a query weight
/// held until the commit (about 1.7 kB, measured), so a rebuild deleting every id before
/// adding it needs several times the writer's heap.
struct Writer {
    writer: IndexWriter,
    /// Ids added since the last commit: adding one again must delete the first.
    pending: HashSet<i64>,
    /// Cleared since the last commit: what the last commit holds no longer counts.
    cleared: bool,
}

impl SearchIndex {
    /// Opens the index in `dir` (memory-mapped), creating the directory and an empty index if
    /// missing, and replacing an index written with another schema by an empty one.
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir)?;
        let directory = MmapDirectory::open(dir)?;
        let (schema, fields) = schema();
        let index = if Index::exists(&directory).map_err(TantivyError::from)? {
            let existing = Index::open(directory.clone())?;
            if existing.schema() == schema {
                existing
            } else {
                drop(existing);
                Index::create(directory, schema, IndexSettings::default())?
            }
        } else {
            Index::create(directory, schema, IndexSettings::default())?
        };
        SearchIndex::with_index(index, fields)
    }

    /// An empty index held in memory (tests, tools).
    pub fn in_memory() -> Result<SearchIndex> {
        let (schema, fields) = schema();
        SearchIndex::with_index(Index::create_in_ram(schema), fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<SearchIndex> {
        index.tokenizers().register(TOKENIZER, TextAnalyzer::from(ChineseTokenizer::default()));
        let threads =
            std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_WRITER_THREADS);
        let writer = index.writer_with_num_threads(threads, WRITER_HEAP_BYTES)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let checkpoint = match index.load_metas()?.payload {
            None => None,
            Some(payload) => {
                Some(payload.parse().map_err(|_| Error::Corrupt(format!("commit payload {payload:?}")))?)
            }
        };
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_SEARCH_THREADS);
        let executor =
            if cores > 1 { Executor::multi_thread(cores, "search-")? } else { Executor::single_thread() };
        Ok(SearchIndex {
            fields,
            writer: Mutex::new(Writer { writer, pending: HashSet::new(), cleared: false }),
            reader,
            checkpoint: Mutex::new(checkpoint),
            executor,
            parallel_from: PARALLEL_FROM_MATTERS,
        })
    }

    /// Searches with the search threads whatever the size (tests).
    #[cfg(test)]
    fn parallel_always(mut self) -> SearchIndex {
        self.parallel_from = 0;
        self
    }

    /// The checkpoint of the last commit: the sequence number of the last event applied, or
    /// `None` for an index never committed (rebuild it).
    pub fn checkpoint(&self) -> Option<i64> {
        *self.checkpoint.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `matter`, replacing what was indexed under its id. Visible after [`commit`].
    ///
    /// [`commit`]: SearchIndex::commit
    pub fn upsert(&self, matter: &MatterDoc) -> Result<()> {
        let document = self.document(matter);
        let id = Term::from_field_i64(self.fields.id, matter.id);
        let mut writer = self.writer()?;
        let committed = !writer.cleared && self.reader.searcher().doc_freq(&id)? > 0;
        if committed || writer.pending.contains(&matter.id) {
            writer.writer.delete_term(id);
        }
        writer.writer.add_document(document)?;
        writer.pending.insert(matter.id);
        Ok(())
    }

    /// Removes the matter `id`, if indexed. Visible after [`commit`](SearchIndex::commit).
    pub fn delete(&self, id: i64) -> Result<()> {
        self.writer()?.writer.delete_term(Term::from_field_i64(self.fields.id, id));
        Ok(())
    }

    /// Drops every matter, and every change not yet committed: the start of a rebuild. Takes
    /// effect with the next [`commit`](SearchIndex::commit).
    pub fn clear(&self) -> Result<()> {
        let mut writer = self.writer()?;
        writer.writer.rollback()?;
        writer.writer.delete_all_documents()?;
        writer.pending.clear();
        writer.cleared = true;
        Ok(())
    }

    /// Makes the changes so far durable, with `checkpoint` (the last event applied) in the
    /// commit, and visible to searches.
    pub fn commit(&self, checkpoint: i64) -> Result<()> {
        let mut writer = self.writer()?;
        let mut prepared = writer.writer.prepare_commit()?;
        prepared.set_payload(&checkpoint.to_string());
        prepared.commit()?;
        *self.checkpoint.lock().unwrap_or_else(PoisonError::into_inner) = Some(checkpoint);
        // Before the next upsert: it asks the reader whether its id is already committed.
        self.reader.reload()?;
        writer.pending.clear();
        writer.cleared = false;
        Ok(())
    }

    /// The matters meeting `query`, counted and paged.
    ///
    /// One pass over the matches counts them all and ranks them (scoring each); what keeps it
    /// cheap is the shape of the index query: one conjunction of the filters and the query's
    /// needs, the scope left out when it holds every matter, and needs met in any of several
    /// ways as an [`AnyQuery`], which a conjunction can seek without refilling a window.
    pub fn search(&self, query: &Query) -> Result<Hits> {
        let searcher = self.reader.searcher();
        let Some(mut must) = self.filters(query, &searcher)? else { return Ok(Hits::default()) };
        let needs = analyzer::query_needs(&query.text);
        let has_text = !needs.is_empty();
        let terms = analyzer::terms(&needs);
        let mut may = Vec::new();
        for need in needs {
            self.add_need(need, &mut must, &mut may);
        }
        let index_query = conjunction(must, may);
        let limit = query.limit.min(MAX_LIMIT);
        let offset = query.offset.min(usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX));
        if limit == 0 {
            return Ok(Hits { total: self.run(&searcher, index_query.as_ref(), &Count)?, items: Vec::new() });
        }
        let page = TopDocs::with_limit(limit).and_offset(offset);
        let (total, found): (usize, Vec<(f32, DocAddress)>) = if has_text && query.order == Order::Relevance {
            self.run(&searcher, index_query.as_ref(), &(Count, page.order_by_score()))?
        } else {
            let (total, found) = self.run(
                &searcher,
                index_query.as_ref(),
                &(Count, page.order_by_fast_field::<i64>(REGISTERED_AT, tantivy::Order::Desc)),
            )?;
            (total, found.into_iter().map(|(_, address)| (0.0, address)).collect())
        };
        let highlighter = if has_text { Some(self.highlighter(&searcher, terms)?) } else { None };
        let items = found
            .into_iter()
            .map(|(score, address)| self.hit(&searcher, highlighter.as_ref(), score, address))
            .collect::<Result<_>>()?;
        Ok(Hits { total, items })
    }

    /// `query` collected by `collector`, the segments side by side when the index is large.
    fn run<C: Collector>(
        &self,
        searcher: &Searcher,
        query: &dyn IndexQuery,
        collector: &C,
    ) -> Result<C::Fruit> {
        if searcher.num_docs() < self.parallel_from || searcher.segment_readers().len() < 2 {
            return Ok(searcher.search(query, collector)?);
        }
        let scoring = if collector.requires_scoring() {
            EnableScoring::enabled_from_searcher(searcher)
        } else {
            EnableScoring::disabled_from_searcher(searcher)
        };
        Ok(searcher.search_with_executor(query, collector, &self.executor, scoring)?)
    }

    fn writer(&self) -> Result<MutexGuard<'_, Writer>> {
        self.writer.lock().map_err(|_| Error::Poisoned)
    }

    fn document(&self, matter: &MatterDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut document = TantivyDocument::new();
        document.add_i64(f.id, matter.id);
        document.add_text(f.title, &matter.title);
        document.add_text(f.body, &matter.body);
        if !matter.extra.is_empty() {
            document.add_text(f.extra, &matter.extra);
        }
        let scopes: BTreeSet<String> = matter.scope.iter().filter_map(|path| canonical_path(path)).collect();
        let scope_prefixes: BTreeSet<&str> = scopes.iter().flat_map(|path| prefixes(path)).collect();
        for prefix in scope_prefixes {
            document.add_text(f.scope, prefix);
        }
        if let Some(place) = canonical_path(&matter.place_path) {
            for prefix in prefixes(&place) {
                document.add_text(f.place, prefix);
            }
        }
        if let Some(unit) = matter.lead_unit {
            document.add_i64(f.lead_unit, unit);
        }
        document.add_text(f.kind, &matter.kind);
        document.add_text(f.status, &matter.status);
        document.add_text(f.channel, &matter.channel);
        document.add_text(f.category, &matter.category);
        document.add_i64(f.registered_at, matter.registered_at_ms);
        document.add_bool(f.open, matter.open);
        document
    }

    /// Scope and filters, each to be a zero-scored must-clause; `None` when the caller sees
    /// nothing. The scope is left out when it holds every matter indexed (a county clerk's),
    /// since intersecting with it would visit a posting for every matter.
    fn filters(&self, query: &Query, searcher: &Searcher) -> Result<Option<Vec<Box<dyn IndexQuery>>>> {
        let f = &self.fields;
        let scopes: BTreeSet<String> = query.scopes.iter().filter_map(|path| canonical_path(path)).collect();
        if scopes.is_empty() {
            return Ok(None);
        }
        let mut filters: Vec<Box<dyn IndexQuery>> = Vec::new();
        if !self.holds_everything(searcher, &scopes)? {
            // Posting lists seeked by the conjunction, not a set query: that would mark every
            // matter of the scope in a bitset first, on every search.
            filters.push(Box::new(AnyQuery::new(
                scopes
                    .iter()
                    .map(|path| term_query(Term::from_field_text(f.scope, path), IndexRecordOption::Basic))
                    .collect(),
            )));
        }
        let exact = |field: Field, value: &Option<String>| {
            value
                .as_ref()
                .map(|value| term_query(Term::from_field_text(field, value), IndexRecordOption::Basic))
        };
        filters.extend(exact(f.kind, &query.kind));
        filters.extend(exact(f.status, &query.status));
        filters.extend(exact(f.channel, &query.channel));
        filters.extend(exact(f.category, &query.category));
        // A place that is no path matches nothing: "" is never indexed.
        filters.extend(exact(
            f.place,
            &query.place_path.as_ref().map(|path| canonical_path(path).unwrap_or_default()),
        ));
        if let Some(unit) = query.lead_unit {
            filters.push(term_query(Term::from_field_i64(f.lead_unit, unit), IndexRecordOption::Basic));
        }
        if query.registered_from_ms.is_some() || query.registered_before_ms.is_some() {
            let bound = |ms: Option<i64>, make: fn(Term) -> Bound<Term>| {
                ms.map_or(Bound::Unbounded, |ms| make(Term::from_field_i64(f.registered_at, ms)))
            };
            filters.push(Box::new(RangeQuery::new(
                bound(query.registered_from_ms, Bound::Included),
                bound(query.registered_before_ms, Bound::Excluded),
            )));
        }
        if query.open_only {
            filters.push(term_query(Term::from_field_bool(f.open, true), IndexRecordOption::Basic));
        }
        Ok(Some(
            filters
                .into_iter()
                .map(|filter| Box::new(ConstScoreQuery::new(filter, 0.0)) as Box<dyn IndexQuery>)
                .collect(),
        ))
    }

    /// Whether every document of every segment, deleted ones included, lies under one of
    /// `scopes`: then they restrict nothing.
    fn holds_everything(&self, searcher: &Searcher, scopes: &BTreeSet<String>) -> Result<bool> {
        for segment in searcher.segment_readers() {
            let postings = segment.inverted_index(self.fields.scope)?;
            let mut held = false;
            for path in scopes {
                if postings.doc_freq(&Term::from_field_text(self.fields.scope, path))? == segment.max_doc() {
                    held = true;
                    break;
                }
            }
            if !held {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Adds `need` to a conjunction: what a match must meet to `must`, what only adds to its
    /// score to `may`. A matter meets a need, and scores, as the need reads: a term in any of
    /// the text fields (title weighted), every one of several needs, at least one of several
    /// (the sum of those met). When one alternative is implied by the others
    /// ([`analyzer::core`]) only it is required and the others go to `may`, each reduced to
    /// what it takes beyond the core ([`analyzer::beyond`]): the same matches, ranked as
    /// before but for counting the words the core requires once (拖欠工资 met literally still
    /// adds 欠工 and the word itself to 拖欠 and 工资), while the conjunction walks the core's
    /// postings alone, looks the rest up only for its matches, and a count skips them.
    fn add_need(&self, need: Need, must: &mut Vec<Box<dyn IndexQuery>>, may: &mut Vec<Box<dyn IndexQuery>>) {
        match need {
            Need::All(needs) => needs.into_iter().for_each(|need| self.add_need(need, must, may)),
            Need::Any(mut needs) => match analyzer::core(&needs) {
                Some(at) => {
                    let core = needs.remove(at);
                    let sure = analyzer::sure_terms(&core);
                    self.add_need(core, must, may);
                    may.extend(
                        needs
                            .iter()
                            .filter_map(|need| analyzer::beyond(need, &sure))
                            .map(|need| self.need_query(need)),
                    );
                }
                None => must.push(Box::new(AnyQuery::new(
                    needs.into_iter().map(|need| self.need_query(need)).collect(),
                ))),
            },
            Need::Term(word) => {
                let f = &self.fields;
                let in_field = |field: Field| {
                    term_query(Term::from_field_text(field, &word), IndexRecordOption::WithFreqs)
                };
                must.push(Box::new(AnyQuery::new(vec![
                    Box::new(BoostQuery::new(in_field(f.title), TITLE_WEIGHT)),
                    in_field(f.body),
                    in_field(f.extra),
                ])));
            }
        }
    }

    /// `need` as a query of its own (see [`SearchIndex::add_need`]).
    fn need_query(&self, need: Need) -> Box<dyn IndexQuery> {
        let (mut must, mut may) = (Vec::new(), Vec::new());
        self.add_need(need, &mut must, &mut may);
        conjunction(must, may)
    }

    /// Highlights the query's terms, the rarer in the bodies the heavier.
    fn highlighter(&self, searcher: &Searcher, terms: Vec<String>) -> Result<Highlighter> {
        let mut weights = HashMap::with_capacity(terms.len());
        for term in terms {
            let matters = searcher.doc_freq(&Term::from_field_text(self.fields.body, &term))?;
            weights.insert(term, 1.0 / (1.0 + matters as f32));
        }
        Ok(Highlighter::new(weights))
    }

    fn hit(
        &self,
        searcher: &Searcher,
        highlighter: Option<&Highlighter>,
        score: f32,
        address: DocAddress,
    ) -> Result<Hit> {
        let document: TantivyDocument = searcher.doc(address)?;
        let text =
            |field: Field| document.get_first(field).and_then(|value| value.as_str()).unwrap_or_default();
        let id = document
            .get_first(self.fields.id)
            .and_then(|value| value.as_i64())
            .ok_or_else(|| Error::Corrupt(format!("document {address:?} has no id")))?;
        let (title, body) = (text(self.fields.title), text(self.fields.body));
        let (title_snippet, body_snippet) = match highlighter {
            Some(highlighter) => (
                highlighter.snippet(title, TITLE_SNIPPET_CHARS),
                highlighter.snippet(body, BODY_SNIPPET_CHARS),
            ),
            None => (beginning(title, TITLE_SNIPPET_CHARS), beginning(body, BODY_SNIPPET_CHARS)),
        };
        Ok(Hit { id, score, title_snippet, body_snippet })
    }
}

/// Matches what meets every one of `must` (everything, if none), scored as the sum of those
/// and of what it meets of `may`. `may` is one clause for tantivy: several should-clauses
/// beside must-clauses become its windowed disjunction, seeked to every match.
fn conjunction(mut must: Vec<Box<dyn IndexQuery>>, mut may: Vec<Box<dyn IndexQuery>>) -> Box<dyn IndexQuery> {
    if may.is_empty() && must.len() == 1 {
        return must.remove(0);
    }
    if must.is_empty() {
        // Only alternatives implied by a required core are optional, so `may` is empty too.
        return Box::new(AllQuery);
    }
    let mut clauses: Vec<(Occur, Box<dyn IndexQuery>)> =
        must.into_iter().map(|clause| (Occur::Must, clause)).collect();
    match may.len() {
        0 => {}
        1 => clauses.push((Occur::Should, may.remove(0))),
        _ => clauses.push((Occur::Should, Box::new(AnyQuery::new(may)))),
    }
    Box::new(BooleanQuery::new(clauses))
}

fn term_query(term: Term, record: IndexRecordOption) -> Box<dyn IndexQuery> {
    Box::new(TermQuery::new(term, record))
}

/// A unit path in the form indexed: "/a/b/" (blank segments and spaces dropped, slashes
/// added); `None` for a path without segments, so nothing is ever scoped to everything.
fn canonical_path(path: &str) -> Option<String> {
    let mut canonical = String::from("/");
    for segment in path.split('/').map(str::trim).filter(|segment| !segment.is_empty()) {
        canonical.push_str(segment);
        canonical.push('/');
    }
    (canonical.len() > 1).then_some(canonical)
}

/// "/1/5/23/" → "/1/", "/1/5/", "/1/5/23/" (of a canonical path).
fn prefixes(path: &str) -> impl Iterator<Item = &str> {
    path.char_indices().skip(1).filter(|(_, c)| *c == '/').filter_map(|(end, _)| path.get(..=end))
}
