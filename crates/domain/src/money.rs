//! Money as an integer count of fen (分), never a float.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of renminbi in fen. Non-negative by construction where parsed from input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(i64);

impl Fen {
    /// The largest amount accepted from input: one hundred billion yuan.
    pub const MAX: i64 = 10_000_000_000_000;

    pub fn new(fen: i64) -> Option<Self> {
        (0..=Self::MAX).contains(&fen).then_some(Self(fen))
    }

    pub fn get(self) -> i64 {
        self.0
    }

    /// An amount typed in yuan, as people write it: `12,500.5`, `¥800`, `1，000.05`.
    pub fn parse_yuan(raw: &str) -> Option<Self> {
        let clean: String = raw.trim().chars().filter(|c| !matches!(c, ',' | '，' | ' ' | '¥')).collect();
        let (yuan, cents) = clean.split_once('.').unwrap_or((&clean, ""));
        if yuan.is_empty()
            || cents.len() > 2
            || !yuan.bytes().all(|b| b.is_ascii_digit())
            || !cents.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let cents = format!("{cents:0<2}").parse::<i64>().ok()?;
        Self::new(yuan.parse::<i64>().ok()?.checked_mul(100)?.checked_add(cents)?)
    }
}

impl fmt::Display for Fen {
    /// `¥12,345.60`-style rendering without grouping: `12345.60`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_display() {
        assert_eq!(Fen::new(-1), None);
        assert_eq!(Fen::new(Fen::MAX + 1), None);
        assert_eq!(Fen::new(123_456).map(|f| f.to_string()), Some("1234.56".into()));
        assert_eq!(Fen::new(5).map(|f| f.to_string()), Some("0.05".into()));
        assert_eq!(Fen::parse_yuan("12,500.5").map(Fen::get), Some(1_250_050));
        assert_eq!(Fen::parse_yuan("¥800").map(Fen::get), Some(80_000));
        assert_eq!(Fen::parse_yuan("1.234"), None);
        assert_eq!(Fen::parse_yuan("-5"), None);
    }
}
