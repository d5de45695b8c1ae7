//! Finding matters by their words. Owns the text normalisation every comparison starts from
//! ([`text`]), the Chinese full-text index over titles, bodies, replies and notes ([`index`]),
//! and near-duplicate detection with MinHash signatures and LSH buckets ([`similar`]). Pure
//! libraries: the server feeds them from the event log and enforces nothing else here but
//! the scope paths it is given.

pub mod index;
pub mod similar;
pub mod text;
