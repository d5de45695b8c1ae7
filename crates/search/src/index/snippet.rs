//! Snippets: the passage of a title or body that best shows why a matter matched, as HTML
//! (text escaped, matched words in `<mark>`…`</mark>`, "…" where the text was cut).
//!
//! Written here rather than taken from tantivy's `SnippetGenerator`: that one walks tokens
//! assuming none nests in another, while jieba's search mode and the bigrams nest by design
//! (宅基地 holds 宅基 and 基地), and it can slice past its fragment when they do; it also
//! counts its window in bytes, a third of that in Chinese characters.

use std::collections::HashMap;
use std::ops::Range;

use super::analyzer;

/// Context kept before the first word of a passage cut out of a longer text, in characters
/// (at most a quarter of the passage).
const LEAD_CHARS: usize = 12;

/// Highlights the terms of one query.
pub(super) struct Highlighter {
    /// Normalised term → weight (rarer terms weigh more).
    terms: HashMap<String, f32>,
}

impl Highlighter {
    pub(super) fn new(terms: HashMap<String, f32>) -> Self {
        Highlighter { terms }
    }

    /// The best passage of `text`, at most `max_chars` characters, as HTML; its beginning
    /// when no term occurs in it.
    pub(super) fn snippet(&self, text: &str, max_chars: usize) -> String {
        let mut marks: Vec<(Range<usize>, f32)> = analyzer::tokens(text)
            .into_iter()
            .filter_map(|token| {
                self.terms.get(&token.text).map(|weight| (token.offset_from..token.offset_to, *weight))
            })
            .filter(|(range, _)| !range.is_empty())
            .collect();
        marks.sort_by_key(|(range, _)| (range.start, range.end));
        let marks = merge(marks);
        // Character boundaries, as byte offsets, the end included.
        let bounds: Vec<usize> = text.char_indices().map(|(at, _)| at).chain([text.len()]).collect();
        let chars = bounds.len() - 1;
        let char_at = |byte: usize| bounds.binary_search(&byte).unwrap_or_else(|at| at);
        let byte_at = |char: usize| bounds.get(char).copied().unwrap_or(text.len());
        let window = if chars <= max_chars {
            0..chars
        } else {
            let lead = LEAD_CHARS.min(max_chars / 4);
            let mut best: Option<(f32, Range<usize>)> = None;
            for (mark, _) in &marks {
                let end = (char_at(mark.start).saturating_sub(lead) + max_chars).min(chars);
                let window = end.saturating_sub(max_chars)..end;
                let inside = byte_at(window.start)..byte_at(window.end);
                let score: f32 = marks
                    .iter()
                    .filter(|(range, _)| inside.start <= range.start && range.end <= inside.end)
                    .map(|(_, weight)| weight)
                    .sum();
                if best.as_ref().is_none_or(|(best, _)| score > *best) {
                    best = Some((score, window));
                }
            }
            best.map_or(0..max_chars, |(_, window)| window)
        };
        render(text, byte_at(window.start)..byte_at(window.end), &marks)
    }
}

/// Overlapping or touching marks as one: 噪音 + 音扰 + 扰民 → 噪音扰民.
fn merge(marks: Vec<(Range<usize>, f32)>) -> Vec<(Range<usize>, f32)> {
    let mut merged: Vec<(Range<usize>, f32)> = Vec::with_capacity(marks.len());
    for (range, weight) in marks {
        match merged.last_mut() {
            Some((last, total)) if range.start <= last.end => {
                last.end = last.end.max(range.end);
                *total += weight;
            }
            _ => merged.push((range, weight)),
        }
    }
    merged
}

/// `text[window]` as HTML, the parts of `marks` inside it marked.
fn render(text: &str, window: Range<usize>, marks: &[(Range<usize>, f32)]) -> String {
    let mut html = String::new();
    if window.start > 0 {
        html.push('…');
    }
    let mut at = window.start;
    for (mark, _) in marks {
        let (start, end) = (mark.start.max(at), mark.end.min(window.end));
        if start >= end {
            continue;
        }
        escape_into(&mut html, text.get(at..start).unwrap_or_default());
        html.push_str("<mark>");
        escape_into(&mut html, text.get(start..end).unwrap_or_default());
        html.push_str("</mark>");
        at = end;
    }
    escape_into(&mut html, text.get(at..window.end.max(at)).unwrap_or_default());
    if window.end < text.len() {
        html.push('…');
    }
    html
}

/// The first `max_chars` characters of `text` as HTML, "…" if cut.
pub(super) fn beginning(text: &str, max_chars: usize) -> String {
    let end = text.char_indices().nth(max_chars).map_or(text.len(), |(at, _)| at);
    render(text, 0..end, &[])
}

fn escape_into(html: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#x27;"),
            c => html.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn highlighter(terms: &[&str]) -> Highlighter {
        Highlighter::new(terms.iter().map(|term| (term.to_string(), 1.0)).collect())
    }

    #[test]
    fn marks_merge_and_text_is_escaped() {
        let html = highlighter(&["噪音", "扰民", "音扰"]).snippet("楼上<装修>噪音扰民 & 吵", 100);
        assert_eq!(html, "楼上&lt;装修&gt;<mark>噪音扰民</mark> &amp; 吵");
    }

    #[test]
    fn long_texts_are_cut_around_the_best_passage() {
        let text = format!("{}宅基地纠纷{}", "村".repeat(200), "镇".repeat(200));
        let html = highlighter(&["宅基地", "宅基", "基地", "纠纷"]).snippet(&text, 40);
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        assert!(html.contains("<mark>宅基地纠纷</mark>"), "{html}");
        assert_eq!(html.chars().filter(|c| *c == '村' || *c == '镇').count(), 40 - 5);
    }

    #[test]
    fn nested_words_across_any_window_never_break() {
        let words = ["中华人民共和国", "北京大学", "宅基地", "人民", "共和国", "中华", "大学", "基地"];
        let hl = highlighter(&words);
        for n in 0..40 {
            let text = format!("{}中华人民共和国北京大学宅基地ａ&b{}", "镇".repeat(n), "村".repeat(n % 7));
            for max in [1, 2, 3, 5, 8, 13] {
                let html = hl.snippet(&text, max);
                assert!(html.contains("<mark>") || max < 2, "{text} {max}: {html}");
            }
        }
    }

    #[test]
    fn without_terms_the_beginning() {
        assert_eq!(highlighter(&["无关"]).snippet("一二三四五", 3), "一二三…");
        assert_eq!(beginning("<一二>", 10), "&lt;一二&gt;");
        assert_eq!(beginning("", 10), "");
    }
}
