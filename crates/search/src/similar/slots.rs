//! Which group holds each id. The ids are matter ids, which a database hands out in sequence
//! (1, 2, 3 …): those are kept in a table indexed by the id itself, 4 bytes each, where a hash
//! map took 35 MB at a million. An id far beyond the others (or negative) goes to a hash map
//! instead, so a stray large id never makes the table huge.

use std::collections::HashMap;

/// No group: the id is not held.
const NONE: u32 = u32::MAX;

/// How far past the ids held a new id may lie and still extend the table: the table stays at
/// most about twice as long as the ids it holds, plus this.
const SLACK: usize = 1024;

#[derive(Debug, Clone, Default)]
pub(super) struct Slots {
    /// `dense[id]`: the group of `id`, or `NONE`.
    dense: Vec<u32>,
    /// Ids outside the table.
    sparse: HashMap<i64, u32>,
    len: usize,
}

impl Slots {
    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn get(&self, id: i64) -> Option<u32> {
        match usize::try_from(id).ok().and_then(|i| self.dense.get(i)) {
            Some(&group) => (group != NONE).then_some(group),
            None => self.sparse.get(&id).copied(),
        }
    }

    /// Sets the group of `id` (`group` is below `u32::MAX`).
    pub(super) fn insert(&mut self, id: i64, group: u32) {
        if let Ok(i) = usize::try_from(id) {
            if i >= self.dense.len() && i < 2 * (self.len + SLACK) {
                self.extend(i + 1);
            }
            if let Some(slot) = self.dense.get_mut(i) {
                if *slot == NONE {
                    self.len += 1;
                }
                *slot = group;
                return;
            }
        }
        if self.sparse.insert(id, group).is_none() {
            self.len += 1;
        }
    }

    /// Extends the table to hold ids below `to` (by half at least, so ids arriving in order
    /// extend it in few steps), moving in the ids of the map it now covers.
    fn extend(&mut self, to: usize) {
        let to = to.max(self.dense.len() * 3 / 2);
        self.dense.resize(to, NONE);
        let covered: Vec<i64> =
            self.sparse.keys().copied().filter(|&id| usize::try_from(id).is_ok_and(|i| i < to)).collect();
        for id in covered {
            if let (Some(group), Ok(i)) = (self.sparse.remove(&id), usize::try_from(id))
                && let Some(slot) = self.dense.get_mut(i)
            {
                *slot = group;
            }
        }
    }

    /// Forgets `id`; returns its group.
    pub(super) fn remove(&mut self, id: i64) -> Option<u32> {
        let found = match usize::try_from(id).ok().and_then(|i| self.dense.get_mut(i)) {
            Some(slot) => (*slot != NONE).then(|| std::mem::replace(slot, NONE)),
            None => self.sparse.remove(&id),
        };
        if found.is_some() {
            self.len -= 1;
        }
        found
    }

    /// Makes room for ids up to `len + additional` in the table.
    pub(super) fn reserve(&mut self, additional: usize) {
        self.dense.reserve((self.len + additional + 1).saturating_sub(self.dense.len()));
    }

    pub(super) fn shrink_to_fit(&mut self) {
        while self.dense.last() == Some(&NONE) {
            self.dense.pop();
        }
        self.dense.shrink_to_fit();
        self.sparse.shrink_to_fit();
    }

    pub(super) fn heap_bytes(&self) -> usize {
        // A hashbrown table: per bucket the entry padded to 16 bytes and a control byte;
        // buckets are a power of two at least 8/7 of the capacity.
        let sparse = if self.sparse.capacity() == 0 {
            0
        } else {
            (self.sparse.capacity() * 8 / 7).next_power_of_two() * 17
        };
        self.dense.capacity() * 4 + sparse
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::similar::synthetic::Rng;

    #[test]
    fn slots_match_a_hash_map_under_random_operations() {
        let mut rng = Rng::new(11);
        let mut slots = Slots::default();
        let mut reference: HashMap<i64, u32> = HashMap::new();
        for step in 0..60_000u32 {
            // Mostly ids in sequence, some far away or negative, and removals.
            let id = match rng.next_u64() % 10 {
                0 => -((rng.next_u64() % 50) as i64),
                1 => (rng.next_u64() % (1 << 40)) as i64,
                _ => (rng.next_u64() % 20_000) as i64,
            };
            if rng.next_u64().is_multiple_of(4) {
                assert_eq!(slots.remove(id), reference.remove(&id), "step {step}");
            } else {
                slots.insert(id, step);
                reference.insert(id, step);
            }
            assert_eq!(slots.len(), reference.len(), "step {step}");
        }
        for (&id, &group) in &reference {
            assert_eq!(slots.get(id), Some(group));
        }
        slots.shrink_to_fit();
        for (&id, &group) in &reference {
            assert_eq!(slots.get(id), Some(group), "after shrinking");
        }
        assert_eq!(slots.get(20_001), None);
        assert!(slots.dense.len() <= 20_000, "the far ids went to the map");
        assert!(!slots.sparse.is_empty());
    }

    #[test]
    fn ids_in_sequence_cost_four_bytes_each() {
        let mut slots = Slots::default();
        for id in 1..=100_000 {
            slots.insert(id, id as u32);
        }
        slots.shrink_to_fit();
        assert!(slots.sparse.is_empty());
        assert_eq!(slots.heap_bytes(), 100_001 * 4);
    }
}
