//! A counting allocator: the bytes in use and their peak, to measure what a gradient's tape
//! costs. A binary opts in with
//! `#[global_allocator] static A: autodiff_examples::peak_heap::Counting = autodiff_examples::peak_heap::Counting;`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The system allocator, counting.
pub struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

/// Runs `f`; returns its result, the peak heap growth during it (bytes) and its time (s).
/// Meaningful only in a binary whose global allocator is [`Counting`], and with nothing else
/// allocating meanwhile.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, usize, f64) {
    let base = IN_USE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let t = Instant::now();
    let out = f();
    let secs = t.elapsed().as_secs_f64();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base), secs)
}
