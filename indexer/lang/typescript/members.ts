/** How TypeScript and JavaScript reach an imported module's members: `x.name` through `import * as x`, a default import, `x = require(…)`. */
import type { MemberUseRule } from '../language-support.js';

export const typescriptMemberUses: MemberUseRule = {
  separator: '.',
  qualifiers: (ref) => (ref.binding && ref.kind !== 'export' ? [ref.binding] : []),
};
