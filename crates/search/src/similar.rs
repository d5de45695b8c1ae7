//! MinHash similarity with LSH (being written).
