//! Files people take away: spreadsheets (XLSX) now, printable documents (PDF, print HTML) as
//! they come. Pure functions from rows to bytes; nothing here reads the database or knows
//! HTTP.

pub mod sheet;

pub use sheet::{Cell, Sheet, SheetError};
