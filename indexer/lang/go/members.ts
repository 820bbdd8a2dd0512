/** How Go code reaches an imported package's members: `pkg.Name`, through the package's name (or its alias). */
import type { MemberUseRule } from '../language-support.js';

export const goMemberUses: MemberUseRule = {
  separator: '.',
  qualifiers: (ref) => (ref.binding && ref.binding !== '_' ? [ref.binding] : []),
};
