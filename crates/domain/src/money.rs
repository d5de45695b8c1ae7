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
    }
}
