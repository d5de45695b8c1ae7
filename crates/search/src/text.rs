//! Text normalisation shared by the index and the similarity signatures: traditional
//! characters become simplified (工資 → 工资), full-width letters, digits and punctuation
//! become their ASCII forms (１２３４５ → 12345), the ideographic space a plain one, and
//! Latin letters lower case. Applied to documents and queries alike, so either form finds
//! the other.
//!
//! The conversion is fast2s's. fast2s looks every Chinese character up in three hash maps
//! (37 ns a character: the larger part of signing a complaint); here its one-character
//! answers are read once into a table over the Basic Multilingual Plane, and only a text
//! holding one of the few characters fast2s converts by their neighbours (乾隆, 著, 畫 …) is
//! handed to fast2s whole. The result is the same string either way (tested on every
//! character of the plane).

use std::sync::OnceLock;

/// Characters fast2s converts depending on the characters beside them.
const BY_CONTEXT: &[char] =
    &['兒', '覆', '夥', '藉', '瞭', '麽', '幺', '於', '乾', '著', '苧', '闔', '鍾', '讎', '畫'];

/// The first code point fast2s converts (it converts only characters of three UTF-8 bytes).
const FIRST: u32 = 0x800;

/// fast2s's conversion of each character from U+0800 to U+FFFF on its own.
fn simplified() -> &'static [char] {
    static TABLE: OnceLock<Box<[char]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (FIRST..=0xFFFF)
            .map(|code| match char::from_u32(code) {
                Some(c) => fast2s::convert(c.encode_utf8(&mut [0; 4])).chars().next().unwrap_or(c),
                None => '\0',
            })
            .collect()
    })
}

/// Han characters have no case; the common ones need no case table.
fn lower(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else if ('\u{2E80}'..='\u{9FFF}').contains(&c) {
        out.push(c);
    } else {
        out.extend(c.to_lowercase());
    }
}

/// The normalised form of `text`.
pub fn normalize(text: &str) -> String {
    let mut narrow = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        };
        lower(c, &mut narrow);
    }
    if narrow.contains(BY_CONTEXT) {
        return fast2s::convert(&narrow);
    }
    let table = simplified();
    narrow
        .chars()
        .map(|c| match (c as u32).checked_sub(FIRST).and_then(|i| table.get(i as usize)) {
            Some(&s) if s != '\0' => s,
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What normalisation was before the table: narrowing and lower case, then fast2s.
    fn reference(text: &str) -> String {
        let narrow: String = text
            .chars()
            .map(|c| match c {
                '\u{3000}' => ' ',
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                c => c,
            })
            .flat_map(char::to_lowercase)
            .collect();
        fast2s::convert(&narrow)
    }

    #[test]
    fn traditional_full_width_and_case_fold() {
        assert_eq!(normalize("拖欠工資"), "拖欠工资");
        assert_eq!(normalize("１２３４５熱線"), "12345热线");
        assert_eq!(normalize("ＡＢＣ　Def"), "abc def");
        assert_eq!(normalize("楓橋鎮"), "枫桥镇");
        assert_eq!(normalize("ÀÉÎ Σ"), "àéî σ");
    }

    #[test]
    fn the_table_gives_what_fast2s_gives() {
        // Every character of the plane, in runs of 64 (contexts of their neighbours).
        let all: Vec<char> = (0..=0xFFFF).filter_map(char::from_u32).collect();
        for run in all.chunks(64) {
            let text: String = run.iter().collect();
            assert_eq!(normalize(&text), reference(&text), "{text}");
        }
        // The characters converted by their neighbours, in and out of their phrases.
        for text in [
            "乾隆年間",
            "乾燥的天氣",
            "憑藉口才",
            "藉口",
            "看著他",
            "著作",
            "計畫",
            "畫家",
            "答覆",
            "覆蓋",
            "甚夥",
        ] {
            assert_eq!(normalize(text), reference(text), "{text}");
        }
        let mut rng = crate::similar::synthetic::Rng::new(9);
        for _ in 0..2000 {
            let text: String = (0..rng.below(40))
                .map(|_| match rng.below(4) {
                    0 => BY_CONTEXT[rng.below(BY_CONTEXT.len())],
                    1 => char::from_u32(0x4E00 + rng.below(0x5200) as u32).unwrap_or('字'),
                    2 => char::from_u32(0x20 + rng.below(0x60) as u32).unwrap_or('a'),
                    _ => char::from_u32(0xFF01 + rng.below(0x5E) as u32).unwrap_or('１'),
                })
                .collect();
            assert_eq!(normalize(&text), reference(&text), "{text}");
        }
    }
}
