//! Shrinking (see below).
