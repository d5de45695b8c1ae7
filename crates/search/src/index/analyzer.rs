//! Turning Chinese text into index terms, for documents and queries alike. Owns the tokenizer
//! registered on the index (normalise with [`text::normalize`], segment with jieba in search
//! mode, add the character bigrams jieba did not already produce, map offsets back to the
//! original text so snippets show what was written) and the reading of a query's free text
//! into the terms a matter must contain ([`Need`]).
//!
//! Why bigrams: jieba segments by context, so the same place name can come out differently in
//! a query and in a body (店口镇 alone is 店|口镇, in 店口镇政府 it is 店口|镇政府). A query part
//! therefore matches either through its jieba words or through its adjacent character pairs,
//! which every literal occurrence contains whatever the segmentation.
//!
//! The two readings mostly overlap: a matter holding a word also holds every Han pair inside
//! it (the pairs of every field's text are indexed), so a matter meeting the pairs of 拖欠工资
//! also meets its words 拖欠 and 工资. [`core`] finds such an alternative, implied by all the
//! others, so that the search can require it alone and count the others only in the score.

use std::collections::BTreeSet;
use std::ops::Range;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy_jieba::JiebaTokenizer;

use crate::text;

/// The name the tokenizer is registered under on every index.
pub(super) const TOKENIZER: &str = "minsheng_zh";

/// Longer tokens (a pasted hash, a run of digits) are not worth a term.
const MAX_TOKEN_BYTES: usize = 64;
/// Query text beyond this many characters is ignored: every word must match, so a longer
/// query finds nothing anyway, and the bound keeps the query tree small.
const MAX_QUERY_CHARS: usize = 100;
/// Function words dropped from the word reading of a query (they remain in its bigrams).
const STOPWORDS: &[&str] = &[
    "的", "了", "着", "是", "在", "和", "与", "及", "或", "对", "把", "被", "将", "等", "也", "都", "就",
    "而", "之", "其", "吗", "呢", "吧", "啊",
];

/// The index tokenizer: normalised jieba search-mode words plus the missing Han bigrams, in
/// offset order, with offsets into the original text.
#[derive(Clone, Default)]
pub(super) struct ChineseTokenizer {
    jieba: JiebaTokenizer,
}

impl Tokenizer for ChineseTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream::new(index_tokens(&mut self.jieba, text))
    }
}

/// Tokens computed up front (the normalised text they come from does not outlive the call).
pub(super) struct VecTokenStream {
    tokens: std::vec::IntoIter<Token>,
    current: Token,
}

impl VecTokenStream {
    fn new(tokens: Vec<Token>) -> Self {
        VecTokenStream { tokens: tokens.into_iter(), current: Token::default() }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(token) => {
                self.current = token;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

/// What a document must contain to match (part of) a query's free text.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Need {
    /// This term, in the title, body or extra text.
    Term(String),
    /// Every one of these.
    All(Vec<Need>),
    /// At least one of these.
    Any(Vec<Need>),
}

/// The needs of a query's free text, all of which a matter must meet; empty when the text has
/// no words (blank, punctuation, query syntax), meaning "no text condition".
///
/// Each whitespace-separated part is met by its jieba words (default mode, function words
/// dropped; a compound word also by its search-mode parts, so 拖欠工资 finds 拖欠了工资) or by
/// its literal terms (Han bigrams, lone Han characters, and the non-Han words).
pub(super) fn query_needs(query: &str) -> Vec<Need> {
    let head: String = query.chars().take(MAX_QUERY_CHARS).collect();
    let normalized = text::normalize(&head);
    let mut coarse = JiebaTokenizer::with_search_mode(false);
    let mut fine = JiebaTokenizer::new();
    let mut needs = Vec::new();
    for part in normalized.split_whitespace() {
        let words = jieba_words(&mut coarse, part);
        let mut content: Vec<&str> =
            words.iter().map(String::as_str).filter(|word| !STOPWORDS.contains(word)).collect();
        if content.is_empty() {
            content = words.iter().map(String::as_str).collect();
        }
        let by_words: Vec<Need> = dedup(content.into_iter().map(|word| word_need(&mut fine, word)).collect());
        let literal: Vec<Need> = dedup(literal_terms(part, &words).into_iter().map(Need::Term).collect());
        let alternatives: Vec<Need> =
            dedup([by_words, literal].into_iter().filter(|need| !need.is_empty()).map(all).collect());
        match alternatives.len() {
            0 => {}
            1 => needs.extend(alternatives),
            _ => needs.push(Need::Any(alternatives)),
        }
    }
    dedup(needs)
}

/// The alternative of `needs` (those of a [`Need::Any`]) that every other one implies, if
/// there is one: a matter meeting any of them meets it, so meeting it is the same as meeting
/// the `Any`.
pub(super) fn core(needs: &[Need]) -> Option<usize> {
    let sure: Vec<BTreeSet<String>> = needs.iter().map(sure_terms).collect();
    (0..needs.len()).find(|&i| {
        needs.get(i).is_some_and(|candidate| {
            sure.iter().enumerate().all(|(j, terms)| j == i || met_by(candidate, terms))
        })
    })
}

/// What meeting `need` takes beyond having `sure`: `None` when `sure` meets it, else the need
/// without the parts `sure` meets. A matter having `sure` meets the one exactly when it meets
/// the other.
pub(super) fn beyond(need: &Need, sure: &BTreeSet<String>) -> Option<Need> {
    if met_by(need, sure) {
        return None;
    }
    // Unmet, so no alternative of an `Any` is met either, and each remains.
    let rest = |needs: &[Need]| needs.iter().filter_map(|need| beyond(need, sure)).collect();
    Some(match need {
        Need::Term(_) => need.clone(),
        Need::All(needs) => all(rest(needs)),
        Need::Any(needs) => Need::Any(rest(needs)),
    })
}

/// Terms every matter meeting `need` has: a term and the Han pairs inside it (indexed from
/// the same text), all the terms of each of several needs, those shared by alternatives.
pub(super) fn sure_terms(need: &Need) -> BTreeSet<String> {
    match need {
        Need::Term(term) => {
            let chars: Vec<char> = term.chars().collect();
            let pairs = chars.windows(2).filter(|pair| pair.iter().all(|&c| is_han(c)));
            std::iter::once(term.clone()).chain(pairs.map(|pair| pair.iter().collect())).collect()
        }
        Need::All(needs) => needs.iter().flat_map(sure_terms).collect(),
        Need::Any(needs) => {
            let mut sets = needs.iter().map(sure_terms);
            let first = sets.next().unwrap_or_default();
            sets.fold(first, |shared, set| shared.intersection(&set).cloned().collect())
        }
    }
}

/// Whether a matter having `terms` surely meets `need`.
fn met_by(need: &Need, terms: &BTreeSet<String>) -> bool {
    match need {
        Need::Term(term) => terms.contains(term),
        Need::All(needs) => needs.iter().all(|need| met_by(need, terms)),
        Need::Any(needs) => needs.iter().any(|need| met_by(need, terms)),
    }
}

/// Every term `needs` mention, once each.
pub(super) fn terms(needs: &[Need]) -> Vec<String> {
    fn collect(need: &Need, out: &mut Vec<String>) {
        match need {
            Need::Term(term) if !out.contains(term) => out.push(term.clone()),
            Need::Term(_) => {}
            Need::All(needs) | Need::Any(needs) => needs.iter().for_each(|need| collect(need, out)),
        }
    }
    let mut out = Vec::new();
    needs.iter().for_each(|need| collect(need, &mut out));
    out
}

/// The tokens the index makes of `text`, offsets into it.
pub(super) fn tokens(text: &str) -> Vec<Token> {
    index_tokens(&mut JiebaTokenizer::new(), text)
}

/// A word is met by itself or, when search mode splits it into parts covering all of it, by
/// every part.
fn word_need(fine: &mut JiebaTokenizer, word: &str) -> Need {
    let mut parts = Vec::new();
    let mut covered = vec![false; word.len()];
    let mut stream = fine.token_stream(word);
    while stream.advance() {
        let token = stream.token();
        if token.text.len() < word.len() && keep(&token.text) {
            covered.iter_mut().take(token.offset_to).skip(token.offset_from).for_each(|c| *c = true);
            parts.push(Need::Term(token.text.clone()));
        }
    }
    if parts.len() >= 2 && covered.iter().all(|c| *c) {
        Need::Any(vec![Need::Term(word.to_string()), Need::All(dedup(parts))])
    } else {
        Need::Term(word.to_string())
    }
}

/// The terms any literal occurrence of `part` produces whatever its segmentation: adjacent Han
/// pairs, a Han character standing alone, and the words without Han characters.
fn literal_terms(part: &str, words: &[String]) -> Vec<String> {
    let mut terms = Vec::new();
    for run in han_runs(part) {
        let chars: Vec<char> = run.chars().collect();
        if chars.len() == 1 {
            terms.push(run.to_string());
        }
        terms.extend(chars.windows(2).map(|pair| pair.iter().collect::<String>()));
    }
    terms.extend(words.iter().filter(|word| !word.chars().any(is_han)).cloned());
    terms
}

fn all(mut needs: Vec<Need>) -> Need {
    if needs.len() == 1 { needs.remove(0) } else { Need::All(needs) }
}

fn dedup(needs: Vec<Need>) -> Vec<Need> {
    let mut out: Vec<Need> = Vec::with_capacity(needs.len());
    for need in needs {
        if !out.contains(&need) {
            out.push(need);
        }
    }
    out
}

/// The kept words of an already normalised text, in the given jieba mode.
fn jieba_words(jieba: &mut JiebaTokenizer, normalized: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut stream = jieba.token_stream(normalized);
    while stream.advance() {
        let token = stream.token();
        if keep(&token.text) {
            words.push(token.text.clone());
        }
    }
    words
}

/// The tokens of a document text: see [`ChineseTokenizer`].
fn index_tokens(jieba: &mut JiebaTokenizer, original: &str) -> Vec<Token> {
    let normalized = Normalized::new(original);
    let text = normalized.text.as_str();
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut stream = jieba.token_stream(text);
    while stream.advance() {
        let token = stream.token();
        if keep(&token.text) {
            spans.push(token.offset_from..token.offset_to);
        }
    }
    let mut previous: Option<usize> = None;
    for (offset, c) in text.char_indices() {
        if is_han(c) {
            if let Some(start) = previous {
                spans.push(start..offset + c.len_utf8());
            }
            previous = Some(offset);
        } else {
            previous = None;
        }
    }
    spans.sort_unstable_by_key(|span| (span.start, span.end));
    spans.dedup();
    spans
        .into_iter()
        .filter_map(|span| text.get(span.clone()).map(|word| (span, word)))
        .enumerate()
        .map(|(position, (span, word))| {
            let original = normalized.original_range(&span);
            Token {
                offset_from: original.start,
                offset_to: original.end,
                position,
                text: word.to_string(),
                position_length: 1,
            }
        })
        .collect()
}

/// Worth a term: not too long, and not only punctuation, symbols or spaces.
fn keep(word: &str) -> bool {
    !word.is_empty() && word.len() <= MAX_TOKEN_BYTES && word.chars().any(char::is_alphanumeric)
}

/// CJK unified ideographs (basic, extension A, compatibility, supplementary planes).
fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}')
}

/// The maximal runs of Han characters in `text`.
fn han_runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_han(c)).filter(|run| !run.is_empty())
}

/// A text in normalised form, knowing which original character each of its bytes came from.
struct Normalized {
    text: String,
    /// For each byte of `text`, the byte range of the original character it came from.
    origin: Vec<Range<usize>>,
}

impl Normalized {
    fn new(original: &str) -> Self {
        let whole = text::normalize(original);
        let mut origin = Vec::with_capacity(whole.len());
        // Normalisation maps character to character except where lower-casing expands one
        // (rare outside Latin); only then is each character normalised on its own.
        if whole.chars().count() == original.chars().count() {
            for ((at, c), normal) in original.char_indices().zip(whole.chars()) {
                origin.extend(std::iter::repeat_n(at..at + c.len_utf8(), normal.len_utf8()));
            }
            return Normalized { text: whole, origin };
        }
        let mut text = String::with_capacity(whole.len());
        let mut buffer = [0; 4];
        for (at, c) in original.char_indices() {
            text.push_str(&text::normalize(c.encode_utf8(&mut buffer)));
            origin.resize(text.len(), at..at + c.len_utf8());
        }
        Normalized { text, origin }
    }

    /// The original range of the normalised range `span`: from the start of the character
    /// its first byte came from to the end of the one its last byte came from.
    fn original_range(&self, span: &Range<usize>) -> Range<usize> {
        let start = self.origin.get(span.start).map_or(0, |range| range.start);
        let end =
            span.end.checked_sub(1).and_then(|last| self.origin.get(last)).map_or(start, |range| range.end);
        start..end.max(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(String, String)> {
        let mut tokenizer = ChineseTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let token = stream.token();
            out.push((token.text.clone(), text[token.offset_from..token.offset_to].to_string()));
        }
        out
    }

    #[test]
    fn terms_are_normalised_and_offsets_point_into_the_original() {
        let found = tokens("１２３４５熱線：拖欠工資");
        assert!(found.contains(&("12345".to_string(), "１２３４５".to_string())));
        assert!(found.contains(&("工资".to_string(), "工資".to_string())));
        assert!(found.contains(&("热线".to_string(), "熱線".to_string())));
        assert!(found.iter().all(|(term, _)| term != ":" && term != "："));
    }

    #[test]
    fn expanding_lower_case_keeps_offsets_valid() {
        let found = tokens("İstanbul 工地");
        assert!(found.iter().any(|(term, _)| term == "工地"));
        assert!(found.contains(&("i".to_string(), "İ".to_string())), "{found:?}");
    }

    #[test]
    fn bigrams_cover_places_jieba_splits_by_context() {
        let terms: Vec<String> = tokens("店口镇政府").into_iter().map(|(term, _)| term).collect();
        assert!(terms.contains(&"店口".to_string()) && terms.contains(&"口镇".to_string()));
        let needs = query_needs("店口镇");
        assert_eq!(needs.len(), 1);
        let Need::Any(alternatives) = &needs[0] else { unreachable!("{needs:?}") };
        assert!(
            alternatives.contains(&Need::All(vec![Need::Term("店口".into()), Need::Term("口镇".into())]))
        );
    }

    #[test]
    fn syntax_and_punctuation_make_no_needs() {
        for query in ["", "   ", "*", "\"(", "！？。", "((()))", "+-&&||"] {
            assert_eq!(query_needs(query), Vec::<Need>::new(), "{query:?}");
        }
        assert_eq!(query_needs("AND OR").len(), 2);
    }

    #[test]
    fn the_core_alternative_is_implied_by_the_others() {
        // 拖欠工资: the pairs 拖欠 欠工 工资 imply the words; the word implies its parts.
        let needs = query_needs("拖欠工资");
        let Need::Any(alternatives) = &needs[0] else { unreachable!("{needs:?}") };
        let core_at = core(alternatives).unwrap();
        let Need::Any(words) = &alternatives[core_at] else { unreachable!("{alternatives:?}") };
        assert_eq!(
            words[core(words).unwrap()],
            Need::All(vec![Need::Term("拖欠".into()), Need::Term("工资".into())])
        );
        // 店口镇: the words 店 and 口镇 are not implied by the pairs 店口 口镇, nor the reverse.
        let needs = query_needs("店口镇");
        let Need::Any(alternatives) = &needs[0] else { unreachable!("{needs:?}") };
        assert_eq!(core(alternatives), None);
        let term = |t: &str| Need::Term(t.into());
        assert_eq!(core(&[term("ab"), term("ab")]), Some(0));
        assert_eq!(core(&[term("ab"), term("cd")]), None);
        assert_eq!(core(&[term("噪音扰民"), term("扰民")]), Some(1));
        assert_eq!(core(&[term("扰民"), Need::All(vec![term("扰民"), term("x")])]), Some(0));
        assert_eq!(core(&[term("ab"), term("a")]), None, "no pairs outside Han text");
    }

    #[test]
    fn compound_words_are_also_met_by_their_parts() {
        let needs = query_needs("拖欠工资");
        let Need::Any(alternatives) = &needs[0] else { unreachable!("{needs:?}") };
        assert!(alternatives.contains(&Need::Any(vec![
            Need::Term("拖欠工资".into()),
            Need::All(vec![Need::Term("拖欠".into()), Need::Term("工资".into())]),
        ])));
    }
}
