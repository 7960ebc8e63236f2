//! Integer ranges that can run backwards: the reverse sweep of a `for` loop re-derives the loop
//! counter instead of recording it.

use std::marker::PhantomData;

/// A primitive integer type usable as a `for` loop counter.
pub trait Counter: Copy {
    fn to_i128(self) -> i128;
    fn from_i128(v: i128) -> Self;
}

macro_rules! counter {
    ($($t:ty)*) => {$(
        impl Counter for $t {
            #[inline]
            fn to_i128(self) -> i128 {
                self as i128
            }
            #[inline]
            fn from_i128(v: i128) -> Self {
                v as $t
            }
        }
    )*};
}
counter!(i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize);

/// The arithmetic sequence `first, first + step, ...` of `count` terms: what `a..b`, `a..=b`,
/// `.rev()` and `.step_by(k)` produce, in the order they were applied.
#[derive(Clone, Copy, Debug)]
pub struct Seq<T> {
    first: i128,
    step: i128,
    count: usize,
    marker: PhantomData<T>,
}

impl<T: Counter> Seq<T> {
    /// `lo..hi` (or `lo..=hi` when `inclusive`).
    #[inline]
    pub fn new(lo: T, hi: T, inclusive: bool) -> Self {
        let (l, h) = (lo.to_i128(), hi.to_i128());
        let count = if inclusive {
            if h >= l { h - l + 1 } else { 0 }
        } else if h > l {
            h - l
        } else {
            0
        };
        Seq {
            first: l,
            step: 1,
            count: usize::try_from(count).unwrap_or(usize::MAX),
            marker: PhantomData,
        }
    }

    /// The same terms in the opposite order (`.rev()`).
    #[inline]
    #[must_use]
    pub fn rev(self) -> Self {
        if self.count == 0 {
            return self;
        }
        Seq {
            first: self.first + (self.count as i128 - 1) * self.step,
            step: -self.step,
            ..self
        }
    }

    /// Every `k`-th term, starting with the first (`.step_by(k)`). Panics for `k == 0`, as
    /// `Iterator::step_by` does.
    #[inline]
    #[must_use]
    pub fn step_by(self, k: usize) -> Self {
        assert!(k != 0, "step_by: the step must not be 0");
        Seq {
            count: self.count.div_ceil(k),
            step: self.step * k as i128,
            ..self
        }
    }

    /// The number of terms.
    #[inline]
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are no terms.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The terms, in order.
    #[inline]
    pub fn iter(self) -> SeqIter<T> {
        SeqIter {
            next: self.first,
            step: self.step,
            remaining: self.count,
            marker: PhantomData,
        }
    }

    /// The terms from last to first.
    #[inline]
    pub fn reversed(self) -> SeqIter<T> {
        self.rev().iter()
    }

    /// The `len` terms from term `start` on (a segment of a checkpointed loop).
    #[inline]
    #[must_use]
    pub fn segment(self, start: usize, len: usize) -> Self {
        let start = start.min(self.count);
        Seq {
            first: self.first + start as i128 * self.step,
            count: len.min(self.count - start),
            ..self
        }
    }

    /// The first `n` terms (a loop left early after `n` iterations), from last to first.
    #[inline]
    pub fn reversed_prefix(self, n: usize) -> SeqIter<T> {
        Seq {
            count: n.min(self.count),
            ..self
        }
        .rev()
        .iter()
    }
}

/// Iterator over a [`Seq`].
#[derive(Clone, Debug)]
pub struct SeqIter<T> {
    next: i128,
    step: i128,
    remaining: usize,
    marker: PhantomData<T>,
}

impl<T: Counter> Iterator for SeqIter<T> {
    type Item = T;
    #[inline]
    fn next(&mut self) -> Option<T> {
        if self.remaining == 0 {
            return None;
        }
        let v = self.next;
        self.remaining -= 1;
        self.next += self.step;
        Some(T::from_i128(v))
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T: Counter> ExactSizeIterator for SeqIter<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn fwd<T: Counter>(s: Seq<T>) -> Vec<T> {
        s.iter().collect()
    }

    #[test]
    fn matches_std_ranges() {
        for lo in -3i32..4 {
            for hi in -3i32..6 {
                for k in 1..4usize {
                    assert_eq!(fwd(Seq::new(lo, hi, false)), (lo..hi).collect::<Vec<_>>());
                    assert_eq!(fwd(Seq::new(lo, hi, true)), (lo..=hi).collect::<Vec<_>>());
                    assert_eq!(
                        fwd(Seq::new(lo, hi, false).rev()),
                        (lo..hi).rev().collect::<Vec<_>>()
                    );
                    assert_eq!(
                        fwd(Seq::new(lo, hi, false).step_by(k)),
                        (lo..hi).step_by(k).collect::<Vec<_>>()
                    );
                    assert_eq!(
                        fwd(Seq::new(lo, hi, true).rev().step_by(k)),
                        (lo..=hi).rev().step_by(k).collect::<Vec<_>>()
                    );
                    assert_eq!(
                        fwd(Seq::new(lo, hi, false).step_by(k).rev()),
                        (lo..hi).step_by(k).rev().collect::<Vec<_>>()
                    );
                }
            }
        }
    }

    #[test]
    fn reversed_and_prefix() {
        let s = Seq::new(2usize, 11, false).step_by(3);
        assert_eq!(s.reversed().collect::<Vec<_>>(), vec![8, 5, 2]);
        assert_eq!(s.reversed_prefix(2).collect::<Vec<_>>(), vec![5, 2]);
        assert_eq!(s.reversed_prefix(0).count(), 0);
        let e = Seq::new(5u8, 5, false);
        assert!(e.is_empty());
        assert_eq!(e.reversed().count(), 0);
    }
}
