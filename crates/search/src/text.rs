//! Text normalisation shared by the index and the similarity signatures: traditional
//! characters become simplified (工資 → 工资), full-width letters, digits and punctuation
//! become their ASCII forms (１２３４５ → 12345), the ideographic space a plain one, and
//! Latin letters lower case. Applied to documents and queries alike, so either form finds
//! the other.

/// The normalised form of `text`.
pub fn normalize(text: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traditional_full_width_and_case_fold() {
        assert_eq!(normalize("拖欠工資"), "拖欠工资");
        assert_eq!(normalize("１２３４５熱線"), "12345热线");
        assert_eq!(normalize("ＡＢＣ　Def"), "abc def");
        assert_eq!(normalize("楓橋鎮"), "枫桥镇");
    }
}
