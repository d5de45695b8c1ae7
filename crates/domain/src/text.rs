//! Free text fields (titles, bodies, replies): trimmed, bounded, free of control characters.

use crate::error::{FieldError, Issue};

/// Trims `raw` and checks it is non-empty, at most `max` characters and free of control
/// characters other than line breaks and tabs.
pub fn required(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(FieldError::new(field, Issue::Required));
    }
    bounded(field, text, max)
}

/// Like [`required`], but an empty or missing text is `None`.
pub fn optional(field: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => bounded(field, text, max).map(Some),
    }
}

fn bounded(field: &str, text: &str, max: usize) -> Result<String, FieldError> {
    if text.chars().count() > max {
        return Err(FieldError::new(field, Issue::TooLong { max }));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(FieldError::new(field, Issue::ControlCharacters));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(required("t", "  你好 ", 5), Ok("你好".into()));
        assert_eq!(required("t", "   ", 5), Err(FieldError::new("t", Issue::Required)));
        assert_eq!(required("t", "一二三四五六", 5), Err(FieldError::new("t", Issue::TooLong { max: 5 })));
        assert_eq!(required("t", "a\u{0}b", 5), Err(FieldError::new("t", Issue::ControlCharacters)));
        assert_eq!(optional("t", Some(" "), 5), Ok(None));
        assert_eq!(optional("t", None, 5), Ok(None));
    }
}
