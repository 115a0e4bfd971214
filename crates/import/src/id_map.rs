//! Source ids → what an import made of them, in little memory per entry.
//!
//! Dump files list their rows by increasing id, so entries arrive in order
//! and are appended to a sorted array (16 – 24 bytes an entry, looked up by
//! binary search); a hash map costs two to three times that. The few that
//! arrive out of order go to a small map beside it.

use std::collections::HashMap;

pub(crate) struct IdMap<V> {
    sorted: Vec<(i64, V)>,
    stray: HashMap<i64, V>,
}

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap {
            sorted: Vec::new(),
            stray: HashMap::new(),
        }
    }
}

impl<V: Copy> IdMap<V> {
    /// A map of `entries` in any order (e.g. read back from the database).
    pub(crate) fn from_unordered(mut entries: Vec<(i64, V)>) -> Self {
        entries.sort_unstable_by_key(|(id, _)| *id);
        let mut map = IdMap::default();
        for (id, v) in entries {
            map.insert(id, v);
        }
        map
    }

    pub(crate) fn insert(&mut self, id: i64, value: V) {
        match self.sorted.last() {
            None => self.sorted.push((id, value)),
            Some((last, _)) if id > *last => self.sorted.push((id, value)),
            Some(_) => match self.sorted.binary_search_by_key(&id, |(k, _)| *k) {
                Ok(at) => self.sorted[at].1 = value,
                Err(_) => {
                    self.stray.insert(id, value);
                }
            },
        }
    }

    pub(crate) fn get(&self, id: i64) -> Option<V> {
        match self.sorted.binary_search_by_key(&id, |(k, _)| *k) {
            Ok(at) => Some(self.sorted[at].1),
            Err(_) => self.stray.get(&id).copied(),
        }
    }

    pub(crate) fn contains(&self, id: i64) -> bool {
        self.get(id).is_some()
    }

    /// Gives back the spare capacity of the array once no more entries come.
    pub(crate) fn shrink(&mut self) {
        self.sorted.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_in_and_out_of_order_are_all_found_and_replaced() {
        let mut map = IdMap::default();
        for id in [3, 5, 9, 12] {
            map.insert(id, id * 10);
        }
        map.insert(7, 70); // out of order
        map.insert(1, 10); // before the first
        map.insert(9, 99); // again: replaced
        map.insert(20, 200);
        for (id, want) in [
            (1, 10),
            (3, 30),
            (5, 50),
            (7, 70),
            (9, 99),
            (12, 120),
            (20, 200),
        ] {
            assert_eq!(map.get(id), Some(want), "id {id}");
        }
        for absent in [0, 2, 8, 13, 21, -1] {
            assert!(!map.contains(absent), "id {absent}");
        }
        assert_eq!(
            map.stray.len(),
            2,
            "only the out-of-order ids leave the array"
        );
    }

    #[test]
    fn unordered_entries_are_sorted_first() {
        let map = IdMap::from_unordered(vec![(9, 'c'), (-1, 'a'), (4, 'b')]);
        assert_eq!(map.sorted, vec![(-1, 'a'), (4, 'b'), (9, 'c')]);
        assert!(map.stray.is_empty());
        assert_eq!(map.get(4), Some('b'));
    }
}
