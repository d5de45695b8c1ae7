//! The lists of groups that share a band key, kept in one pool per band. A list is a block of
//! the pool whose capacity is the power of two at or above its length (at least 2); a list
//! that outgrows its block moves to one twice the size, one that shrinks to a power of two
//! moves to a block of that size, and freed blocks are reused by size. A list costs its head
//! (8 bytes) and its block, with no allocation of its own: a million complaints make 3.6
//! million such lists over 32 bands, and a `Vec` each cost twice the memory in headers and
//! allocator overhead.

/// Where a list's block starts in the pool, and how many groups it holds.
#[derive(Debug, Clone, Copy, Default)]
struct Head {
    at: u32,
    len: u32,
}

/// The capacity of the block holding `len` groups.
fn capacity(len: usize) -> usize {
    len.next_power_of_two().max(2)
}

/// The size class of a capacity (its base-2 logarithm).
fn class(capacity: usize) -> usize {
    capacity.trailing_zeros() as usize
}

#[derive(Debug, Clone, Default)]
pub(super) struct Lists {
    pool: Vec<u32>,
    heads: Vec<Head>,
    /// Freed blocks, by size class.
    blocks: Vec<Vec<u32>>,
    /// Freed heads.
    free: Vec<u32>,
}

impl Lists {
    /// A new list of `groups` (at least one); returns its number.
    pub(super) fn make(&mut self, groups: &[u32]) -> u32 {
        let at = self.block(capacity(groups.len()));
        self.pool[at..at + groups.len()].copy_from_slice(groups);
        let head = Head { at: at as u32, len: groups.len() as u32 };
        match self.free.pop() {
            Some(list) => {
                self.heads[list as usize] = head;
                list
            }
            None => {
                self.heads.push(head);
                (self.heads.len() - 1) as u32
            }
        }
    }

    /// A block of `capacity` entries: a freed one, or new at the end of the pool.
    fn block(&mut self, capacity: usize) -> usize {
        if let Some(at) = self.blocks.get_mut(class(capacity)).and_then(Vec::pop) {
            return at as usize;
        }
        let at = self.pool.len();
        self.pool.resize(at + capacity, 0);
        at
    }

    fn release(&mut self, at: usize, capacity: usize) {
        let class = class(capacity);
        if self.blocks.len() <= class {
            self.blocks.resize(class + 1, Vec::new());
        }
        self.blocks[class].push(at as u32);
    }

    /// The groups of `list` (empty for a number that is not a list).
    pub(super) fn get(&self, list: u32) -> &[u32] {
        match self.heads.get(list as usize) {
            Some(h) => self.pool.get(h.at as usize..(h.at + h.len) as usize).unwrap_or(&[]),
            None => &[],
        }
    }

    pub(super) fn len(&self, list: u32) -> usize {
        self.heads.get(list as usize).map_or(0, |h| h.len as usize)
    }

    /// Adds `group` to `list`.
    pub(super) fn push(&mut self, list: u32, group: u32) {
        let Some(&head) = self.heads.get(list as usize) else { return };
        let (at, len) = (head.at as usize, head.len as usize);
        let at = if len == capacity(len) {
            let moved = self.block(capacity(len + 1));
            self.pool.copy_within(at..at + len, moved);
            self.release(at, capacity(len));
            moved
        } else {
            at
        };
        self.pool[at + len] = group;
        self.heads[list as usize] = Head { at: at as u32, len: (len + 1) as u32 };
    }

    /// Takes `group` out of `list` (the last group takes its place); returns how many are left.
    /// A list left empty is freed.
    pub(super) fn remove(&mut self, list: u32, group: u32) -> usize {
        let Some(&head) = self.heads.get(list as usize) else { return 0 };
        let (mut at, len) = (head.at as usize, head.len as usize);
        let Some(i) = self.pool[at..at + len].iter().position(|&g| g == group) else { return len };
        self.pool[at + i] = self.pool[at + len - 1];
        let left = len - 1;
        if left == 0 {
            self.release(at, capacity(len));
            self.heads[list as usize] = Head::default();
            self.free.push(list);
            return 0;
        }
        if capacity(left) < capacity(len) {
            let moved = self.block(capacity(left));
            self.pool.copy_within(at..at + left, moved);
            self.release(at, capacity(len));
            at = moved;
        }
        self.heads[list as usize] = Head { at: at as u32, len: left as u32 };
        left
    }

    /// Frees `list` whatever it holds.
    pub(super) fn drop_list(&mut self, list: u32) {
        let Some(&head) = self.heads.get(list as usize) else { return };
        if head.len > 0 {
            self.release(head.at as usize, capacity(head.len as usize));
        }
        self.heads[list as usize] = Head::default();
        self.free.push(list);
    }

    /// Moves every list to a block of its size at the front of a new pool, in list order: no
    /// freed blocks in between, and no room spare at the end.
    pub(super) fn pack(&mut self) {
        let live: usize = self.heads.iter().filter(|h| h.len > 0).map(|h| capacity(h.len as usize)).sum();
        let mut pool = Vec::with_capacity(live);
        for head in &mut self.heads {
            if head.len == 0 {
                continue;
            }
            let (at, len) = (head.at as usize, head.len as usize);
            let moved = pool.len();
            pool.extend_from_slice(self.pool.get(at..at + len).unwrap_or(&[]));
            pool.resize(moved + capacity(len), 0);
            head.at = moved as u32;
        }
        self.pool = pool;
        self.blocks.clear();
        while self.heads.last().is_some_and(|h| h.len == 0) {
            self.heads.pop();
        }
        let heads = self.heads.len() as u32;
        self.free.retain(|&list| list < heads);
        self.heads.shrink_to_fit();
        self.free.shrink_to_fit();
    }

    /// Lists in use and the groups they hold.
    #[cfg(test)]
    fn counts(&self) -> (usize, usize) {
        (self.heads.len() - self.free.len(), self.heads.iter().map(|h| h.len as usize).sum())
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.pool.capacity() * 4
            + self.heads.capacity() * size_of::<Head>()
            + self.blocks.iter().map(|b| b.capacity() * 4).sum::<usize>()
            + self.free.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::similar::synthetic::Rng;

    #[test]
    fn similar_lists_match_vectors() {
        let mut rng = Rng::new(23);
        let mut lists = Lists::default();
        let mut reference: Vec<(u32, Vec<u32>)> = Vec::new();
        for step in 0..50_000u32 {
            if step == 25_000 {
                // Packed half-way: the lists go on growing and shrinking from their new blocks.
                lists.pack();
            }
            match rng.below(10) {
                0..=1 => {
                    let groups: Vec<u32> = (0..1 + rng.below(3)).map(|_| rng.next_u64() as u32).collect();
                    reference.push((lists.make(&groups), groups));
                }
                2..=6 if !reference.is_empty() => {
                    let i = rng.below(reference.len());
                    lists.push(reference[i].0, step);
                    reference[i].1.push(step);
                }
                7..=8 if !reference.is_empty() => {
                    let i = rng.below(reference.len());
                    let (list, groups) = &mut reference[i];
                    let group = groups[rng.below(groups.len())];
                    let at = groups.iter().position(|&g| g == group).unwrap();
                    groups.swap_remove(at);
                    assert_eq!(lists.remove(*list, group), groups.len());
                    if groups.is_empty() {
                        reference.swap_remove(i);
                    }
                }
                _ if !reference.is_empty() => {
                    let (list, _) = reference.swap_remove(rng.below(reference.len()));
                    lists.drop_list(list);
                }
                _ => {}
            }
        }
        assert!(reference.len() > 100, "the test should leave lists behind");
        for (list, groups) in &reference {
            let mut got = lists.get(*list).to_vec();
            let mut want = groups.clone();
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want);
            assert_eq!(lists.len(*list), groups.len());
        }
        let entries: usize = reference.iter().map(|(_, g)| g.len()).sum();
        assert_eq!(lists.counts(), (reference.len(), entries));
        // Freed blocks were reused: the pool holds little more than the live blocks.
        let live: usize = reference.iter().map(|(_, g)| capacity(g.len())).sum();
        assert!(lists.pool.len() < 3 * live, "pool {} for {live} live", lists.pool.len());
        // Packed, the pool holds the live blocks and nothing else, and every list is intact.
        lists.pack();
        assert_eq!(lists.pool.len(), live);
        assert_eq!(lists.pool.capacity(), live);
        assert_eq!(lists.counts(), (reference.len(), entries));
        for (list, groups) in &reference {
            let mut got = lists.get(*list).to_vec();
            let mut want = groups.clone();
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "after packing");
        }
        let next = lists.make(&[7]);
        lists.push(next, 8);
        assert_eq!(lists.get(next), &[7, 8]);
    }
}
