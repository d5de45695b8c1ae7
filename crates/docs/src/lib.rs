//! Files people take away: spreadsheets (XLSX) and formal letters (PDF). Pure functions from
//! content to bytes; nothing here reads the database or knows HTTP.

pub mod letter;
pub mod sheet;

pub use letter::{CjkFont, Letter, LetterError};
pub use sheet::{Cell, Sheet, SheetError};
