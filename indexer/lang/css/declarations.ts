/** What style sheets declare: rules and at-rules (chunks, not symbols) and `@keyframes`. */
import { makeDecl } from '../../decl.js';
import { childOfType, collapse, text } from '../../syntax.js';
import type { DeclarationClassifier } from '../language-support.js';

export const cssDeclarations: DeclarationClassifier = (n, src) => {
  switch (n.type) {
    case 'rule_set': {
      const sel = childOfType(n, 'selectors');
      return [makeDecl(n, n, collapse(text(src, sel ?? n).split('{')[0]), 'rule', { body: childOfType(n, 'block'), symbol: false })];
    }
    case 'keyframes_statement': {
      const nameNode = childOfType(n, 'keyframes_name');
      return [makeDecl(n, n, nameNode ? text(src, nameNode) : '@keyframes', 'keyframes', { nameNode, body: childOfType(n, 'keyframe_block_list'), symbol: !!nameNode })];
    }
    case 'media_statement':
    case 'supports_statement':
    case 'at_rule':
    case 'scope_statement':
    case 'layer_statement': {
      const block = childOfType(n, 'block');
      if (!block) return [];
      return [makeDecl(n, n, collapse(src.slice(n.startIndex, block.startIndex)), 'at-rule', { body: block, members: block, memberScope: 'namespace', symbol: false })];
    }
  }
  return [];
};
