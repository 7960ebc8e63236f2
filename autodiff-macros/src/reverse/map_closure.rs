//! `mapv`/`map` with a closure: the closure's body is a function of its own, mapped over the
//! elements forward, and its pullback run once per element in the reverse sweep.

use super::*;

impl Gen<'_> {
    /// The closure of `a.mapv(|e| body)` in the forward sweep: the body's own code, after
    /// binding the captured values to its parameters.
    pub(super) fn closure_forward(&self, mc: &MapClosure) -> TokenStream {
        let f = &mc.func;
        // Nothing active: the body's loops record nothing here (its pullback records its own).
        let an = analyse::analyse(f, &[]);
        let g = Gen::new(f, &an);
        let tapes = g.declare_tapes(&f.body);
        let fwd = g.fwd_block(&f.body, Sweep::Record);
        let result = g.opnd(&f.results[0]);
        let (elem, bind_elem) = self.closure_elem(mc);
        let bind = self.bind_captures(mc);
        quote!(|#elem: f64| -> f64 { #bind_elem #bind #tapes #fwd #result })
    }

    /// The closure's parameter for the element, and its binding to the body's parameter:
    /// itself for `mapv`, a reference to it for `map(|e| ..)`.
    pub(super) fn closure_elem(&self, mc: &MapClosure) -> (Ident, TokenStream) {
        let p = &mc.func.params[0].ident;
        if mc.by_ref {
            let e = mc.func.namer.own("elem");
            let bind = quote!(let #p = &#e;);
            (e, bind)
        } else {
            (p.clone(), TokenStream::new())
        }
    }

    /// `let (c1, c2, ..) = (outer1, outer2, ..);`: the closure's parameters for the captured
    /// values (at once, so that no binding shadows an outer name another one reads).
    pub(super) fn bind_captures(&self, mc: &MapClosure) -> TokenStream {
        if mc.captures.is_empty() {
            return TokenStream::new();
        }
        let inner: Vec<&Ident> = mc.func.params[1..].iter().map(|p| &p.ident).collect();
        let outer: Vec<TokenStream> = mc
            .captures
            .iter()
            .map(|c| {
                let t = self.opnd(c);
                if self.kind(c) == Kind::ScalarRef {
                    quote!(*#t)
                } else {
                    t
                }
            })
            .collect();
        quote!(let (#(#inner,)*) = (#(#outer,)*);)
    }

    /// The reverse of `v = a.mapv(|e| body)`: per element, the body's pullback (its forward
    /// recomputed, then its reverse) gives ∂body/∂e times v̄ᵢ, the element's adjoint, and adds
    /// ∂body/∂c times v̄ᵢ to each captured value's accumulator; one pass over `a`.
    pub(super) fn rev_map_closure(&self, dst: ValId, mc: &MapClosure) -> TokenStream {
        let rt = rt();
        let f = &mc.func;
        let params: Vec<ValId> = f.params.iter().map(|p| p.val).collect();
        let an = analyse::analyse(f, &params);
        let g = Gen::new(f, &an);
        let seed = f.namer.own("d_elem");
        let outs: Vec<Ident> = (0..params.len())
            .map(|k| self.derived(dst, &format!("e{k}")))
            .collect();
        let adjs: Vec<Ident> = params.iter().map(|v| g.adj(*v)).collect();
        let sweep = crate::expand::sweep(&g, f, &quote!(#seed), &params, quote!((#(#adjs,)*)));
        let (elem, bind_elem) = self.closure_elem(mc);
        let bind = self.bind_captures(mc);
        let bind = quote!(#bind_elem #bind);
        let active_caps: Vec<(usize, &Operand)> = mc
            .captures
            .iter()
            .enumerate()
            .filter(|(_, c)| self.is_active(c))
            .map(|(k, c)| (k + 1, c))
            .collect();
        let accs: Vec<Ident> = active_caps
            .iter()
            .map(|(k, _)| self.derived(dst, &format!("cap{k}")))
            .collect();
        let add_caps: Vec<TokenStream> = active_caps
            .iter()
            .zip(&accs)
            .map(|((k, _), acc)| {
                let o = &outs[*k];
                quote!(#acc += #o;)
            })
            .collect();
        let gbar = self.adj(dst);
        let a = self.opnd(&mc.arr);
        let e0 = &outs[0];
        let mut code = quote!(#(let mut #accs: f64 = 0.0;)*);
        let body = quote!(
            #bind
            let (_, (#(#outs,)*)) = #sweep;
            #(#add_caps)*
        );
        if self.is_active(&mc.arr) {
            let contrib = self.derived(dst, "map_da");
            code.extend(quote!(
                let #contrib = #rt::map_pullback(&#a, &#gbar, |#elem: f64, #seed: f64| -> f64 {
                    #body
                    #e0
                });
            ));
            if let Some(v) = mc.arr.val() {
                code.extend(self.flush_deferred(self.root[v]));
            }
            code.extend(self.accum_kind(&mc.arr, quote!(#contrib), true));
        } else {
            code.extend(quote!(
                #rt::each_pullback(&#a, &#gbar, |#elem: f64, #seed: f64| { #body });
            ));
        }
        for ((_, c), acc) in active_caps.iter().zip(&accs) {
            code.extend(self.accum(c, quote!(#acc)));
        }
        code
    }
}
