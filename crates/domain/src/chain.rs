//! The hash chain that seals the event log. Each event's digest covers the previous digest and
//! every stored field of the event, so changing, removing or reordering any event breaks every
//! digest after it. Pure: the store feeds bytes in, `minsheng verify` walks the chain.

use sha2::{Digest as _, Sha256};

/// A SHA-256 digest.
pub type Digest = [u8; 32];

/// The digest before the first event.
pub const GENESIS: Digest = [0; 32];

/// The stored fields of one event, exactly as hashed.
#[derive(Clone, Copy, Debug)]
pub struct Link<'a> {
    pub seq: i64,
    pub matter_id: i64,
    pub version: i64,
    pub at_ms: i64,
    pub actor: i64,
    pub event_type: &'a str,
    pub payload: &'a str,
}

/// The digest of `link` chained after `prev`. Variable-length fields are length-prefixed so no
/// two different events encode to the same bytes.
pub fn digest(prev: &Digest, link: &Link<'_>) -> Digest {
    let mut h = Sha256::new();
    h.update(prev);
    for n in [link.seq, link.matter_id, link.version, link.at_ms, link.actor] {
        h.update(n.to_be_bytes());
    }
    for s in [link.event_type, link.payload] {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(payload: &str) -> Link<'_> {
        Link { seq: 1, matter_id: 1, version: 1, at_ms: 0, actor: 1, event_type: "registered", payload }
    }

    #[test]
    fn any_change_changes_the_digest() {
        let base = digest(&GENESIS, &link("{}"));
        assert_ne!(base, digest(&GENESIS, &link("{ }")));
        assert_ne!(base, digest(&[1; 32], &link("{}")));
        assert_ne!(base, digest(&GENESIS, &Link { seq: 2, ..link("{}") }));
        assert_ne!(base, digest(&GENESIS, &Link { event_type: "registere", payload: "d{}", ..link("") }));
        assert_eq!(base, digest(&GENESIS, &link("{}")));
    }
}
