//! The Chinese full-text index (being written).
