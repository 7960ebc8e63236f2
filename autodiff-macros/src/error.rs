//! Error collection: every independent problem is reported at once, each on its own tokens.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// Collects `syn::Error`s; they are combined and turned into `compile_error!` in one place
/// (`expand::differentiable`).
#[derive(Default)]
pub struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(all) => all.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// An error spanning the given tokens (first to last), so the caret lands on the construct.
    pub fn at<T: ToTokens>(&mut self, tokens: T, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub fn at_span(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    /// The first error's message (for an error that reports another's).
    pub fn first_message(&self) -> Option<String> {
        self.combined
            .as_ref()
            .and_then(|e| e.clone().into_iter().next())
            .map(|e| e.to_string())
    }

    pub fn is_empty(&self) -> bool {
        self.combined.is_none()
    }

    pub fn into_compile_errors(self) -> TokenStream {
        self.combined
            .map(|e| e.to_compile_error())
            .unwrap_or_default()
    }
}
