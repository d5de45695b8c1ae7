//! Why two matters match: the longest phrases their normalised texts share, for staff to read
//! next to a similarity score.

use super::minhash::comparable_chars;
use std::collections::HashMap;

/// At most this many phrases.
const MAX_PHRASES: usize = 5;

fn is_han(c: char) -> bool {
    // CJK Unified Ideographs, extension A, the compatibility ideographs, and planes 2 and 3.
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
        || matches!(c, '\u{20000}'..='\u{3FFFF}')
}

/// The longest common substrings of the two texts after [`normalize`](crate::text::normalize),
/// longest first, at most five, each holding at least two Han characters (a shared number
/// alone is not a phrase). Phrases do not overlap in either text, and a phrase that occurs
/// in both twice is listed once. Like the similarity itself, phrases are taken over letters and
/// digits only, so they run across the punctuation and spaces between them.
///
/// Each phrase is one pass of the longest-common-substring recurrence over the pairs of equal
/// characters only (a few percent of all pairs in Chinese text): about a millisecond for two
/// 2,000-character bodies.
pub fn shared_words(a: &str, b: &str) -> Vec<String> {
    let a = comparable_chars(a);
    let b = comparable_chars(b);
    // han_before[i]: Han characters in a[..i], to count those in any substring of `a`.
    let mut han_before = Vec::with_capacity(a.len() + 1);
    han_before.push(0usize);
    for &c in &a {
        han_before.push(han_before.last().copied().unwrap_or(0) + usize::from(is_han(c)));
    }
    let mut in_b: HashMap<char, Vec<usize>> = HashMap::new();
    for (j, &c) in b.iter().enumerate() {
        in_b.entry(c).or_default().push(j);
    }
    let mut used_a = vec![false; a.len()];
    let mut used_b = vec![false; b.len()];
    let mut phrases: Vec<String> = Vec::new();
    // Rows of the recurrence, kept sparse: row[j] is the length of the common run of unused
    // characters ending at a[i] and b[j]; `set` lists the non-zero entries to clear.
    let (mut prev, mut row) = (vec![0usize; b.len()], vec![0usize; b.len()]);
    let (mut prev_set, mut row_set) = (Vec::new(), Vec::new());
    while phrases.len() < MAX_PHRASES {
        // (length, end in a, end in b) of the longest qualifying run; the first one wins ties.
        let mut best = (0, 0, 0);
        for i in 0..a.len() {
            row_set.iter().for_each(|&j| row[j] = 0);
            row_set.clear();
            let matches = if used_a[i] { None } else { in_b.get(&a[i]) };
            for &j in matches.into_iter().flatten() {
                if used_b[j] {
                    continue;
                }
                let len = if j == 0 { 1 } else { prev[j - 1] + 1 };
                row[j] = len;
                row_set.push(j);
                // The longest run ending here holds the most Han characters of any ending here.
                if len > best.0 && han_before[i + 1] - han_before[i + 1 - len] >= 2 {
                    best = (len, i + 1, j + 1);
                }
            }
            std::mem::swap(&mut prev, &mut row);
            std::mem::swap(&mut prev_set, &mut row_set);
        }
        for set in [&mut prev_set, &mut row_set] {
            set.drain(..).for_each(|j| {
                prev[j] = 0;
                row[j] = 0;
            });
        }
        let (len, end_a, end_b) = best;
        if len == 0 {
            break;
        }
        used_a[end_a - len..end_a].iter_mut().for_each(|u| *u = true);
        used_b[end_b - len..end_b].iter_mut().for_each(|u| *u = true);
        let phrase: String = a[end_a - len..end_a].iter().collect();
        if !phrases.contains(&phrase) {
            phrases.push(phrase);
        }
    }
    phrases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_shared_words_finds_the_common_phrase() {
        let a = "幸福里社区3号楼电梯长期故障，物业公司拒不维修。我们多次反映无果，请求督促处理。";
        let b = "反映：幸福裡社區３號樓電梯長期故障，物業拒不維修，老人出行困難，请求督促处理！";
        let words = shared_words(a, b);
        assert_eq!(words, vec!["幸福里社区3号楼电梯长期故障物业", "请求督促处理", "拒不维修", "反映"]);
    }

    #[test]
    fn similar_shared_words_limits_and_filters() {
        // Numbers alone and single characters are not phrases.
        assert!(shared_words("电话13800138000", "号码13800138000").is_empty());
        assert!(shared_words("", "拖欠工资").is_empty());
        // At most five, longest first, no repeats.
        let a = "拖欠工资。噪音扰民。违章建筑。油烟直排。道路破损。垃圾清运。拖欠工资。";
        let b = "垃圾清运，道路破损，油烟直排，违章建筑，噪音扰民，拖欠工资，拖欠工资";
        let words = shared_words(a, b);
        assert_eq!(words.len(), 5);
        assert!(words.windows(2).all(|w| w[0].chars().count() >= w[1].chars().count()));
        let distinct: std::collections::HashSet<&String> = words.iter().collect();
        assert_eq!(distinct.len(), 5);
    }
}
