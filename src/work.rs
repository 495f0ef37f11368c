//! Counting the work the parsers and checks do on pasted text, so the property tests can
//! show it is linear: doubling an input at most doubles the count
//! (`exercises/refresh/properties.rs`).
//!
//! Every loop over learner input counts the elements it visits (characters, bytes,
//! parameters, JSON values and member names), with [`Counted::counted`] on the iterator
//! or [`add`] in the loop's body; a call into a library that reads a whole text once
//! (serde_json, url, base64, SHA-256) counts its length in bytes. An inner loop counts
//! too, so a check that compares every element with every other one shows up as
//! quadratic.
//!
//! Only tests keep a count: elsewhere [`add`] does nothing and [`Counting`] is the
//! iterator it wraps, so production code pays nothing for it.

/// Count `n` elements visited.
#[inline(always)]
pub(crate) fn add(n: usize) {
    #[cfg(test)]
    counter::VISITED.with(|v| v.set(v.get().saturating_add(n as u64)));
    #[cfg(not(test))]
    let _ = n;
}

/// An iterator that counts each element it yields as one element visited.
pub(crate) struct Counting<I>(I);

impl<I: Iterator> Iterator for Counting<I> {
    type Item = I::Item;

    #[inline(always)]
    fn next(&mut self) -> Option<I::Item> {
        let item = self.0.next()?;
        add(1);
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<I: DoubleEndedIterator> DoubleEndedIterator for Counting<I> {
    #[inline(always)]
    fn next_back(&mut self) -> Option<I::Item> {
        let item = self.0.next_back()?;
        add(1);
        Some(item)
    }
}

/// `.counted()` on any iterator over learner input.
pub(crate) trait Counted: Iterator + Sized {
    fn counted(self) -> Counting<Self> {
        Counting(self)
    }
}

impl<I: Iterator> Counted for I {}

#[cfg(test)]
pub(crate) use counter::measure;

#[cfg(test)]
mod counter {
    use std::cell::Cell;

    thread_local! {
        pub(super) static VISITED: Cell<u64> = const { Cell::new(0) };
    }

    /// Run `f` and count the elements it visits (on this thread).
    pub(crate) fn measure<R>(f: impl FnOnce() -> R) -> (R, u64) {
        let before = VISITED.with(Cell::get);
        let out = f();
        (out, VISITED.with(Cell::get) - before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_iterators_and_add_count_what_they_visit() {
        let ((), n) = measure(|| {
            let _ = "abcdef".chars().counted().filter(|c| *c != 'c').count();
            let _ = "abc".chars().counted().next_back();
            add(10);
        });
        assert_eq!(n, 6 + 1 + 10);
        // Stopping early counts only what was visited.
        let (found, n) = measure(|| "abcdef".chars().counted().position(|c| c == 'b'));
        assert_eq!((found, n), (Some(1), 2));
    }
}
