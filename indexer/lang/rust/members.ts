/**
 * How Rust code reaches a module's items: `dns::resolve` after `use crate::dns;` (or
 * `use crate::{dns, error}`, `use crate::dns::{self, …}`, `mod dns;`), and a path written whole in
 * code (`crate::error::BoxError`, an import of kind 'path') by the path or its last segment.
 */
import type { MemberUseRule } from '../language-support.js';

const last = (p: string) => p.slice(p.lastIndexOf(':') + 1);
const ROOT = /^(?:crate|self|super)$/;

export const rustMemberUses: MemberUseRule = {
  separator: '::',
  qualifiers: (ref) => {
    if (ref.kind === 'mod') return [ref.specifier];
    if (ref.kind === 'path') return ref.binding ? [ref.specifier, ref.binding] : [ref.specifier];
    if (ref.kind !== 'use') return [];
    const out = ref.names.filter((n) => n !== 'self' && !n.endsWith('*')).map(last);
    if (!ref.names.length || ref.names.includes('self')) out.push(last(ref.specifier));
    return out.filter((q) => q && !ROOT.test(q));
  },
};
