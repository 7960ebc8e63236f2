//! Mutation mode (see below).

/// Source text of the three modules of a mutated program.
#[derive(Clone, Debug)]
pub struct TextUnit {
    pub ad: String,
    pub plain: String,
    pub check: String,
}
