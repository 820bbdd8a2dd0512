/**
 * How Python code reaches an imported module's members: `import a.b` is written `a.b.name` (and
 * `import a.b as x`, `x.name`); `from pkg import module` binds names that may be modules
 * (`module.name`) — which of them are is for resolution to say.
 */
import type { MemberUseRule } from '../language-support.js';

export const pythonMemberUses: MemberUseRule = {
  separator: '.',
  qualifiers: (ref) => {
    if (ref.kind === 'from') return ref.names.filter((n) => n !== '*' && !n.includes('.'));
    // unaliased `import a.b` binds `a` only, and is written `a.b.name` (the extractor binds it to b, its nearest qualifier)
    if (ref.specifier.includes('.') && ref.binding === ref.specifier.slice(ref.specifier.lastIndexOf('.') + 1)) return [ref.specifier];
    return ref.binding ? [ref.binding] : [];
  },
};
