/** What PowerShell declares: functions, classes (methods, properties) and enums. */
import { makeDecl } from '../../decl.js';
import { childOfType, text } from '../../syntax.js';
import type { DeclarationClassifier } from '../language-support.js';

export const powershellDeclarations: DeclarationClassifier = (n, src) => {
  switch (n.type) {
    case 'function_statement': {
      const nameNode = childOfType(n, 'function_name');
      return nameNode ? [makeDecl(n, n, text(src, nameNode), 'function', { nameNode, body: childOfType(n, '{') ?? childOfType(n, 'script_block') })] : [];
    }
    case 'class_statement':
    case 'enum_statement': {
      const nameNode = childOfType(n, 'simple_name');
      if (!nameNode) return [];
      const isClass = n.type === 'class_statement';
      return [makeDecl(n, n, text(src, nameNode), isClass ? 'class' : 'enum', { nameNode, body: childOfType(n, '{'), members: isClass ? n : null })];
    }
    case 'class_method_definition': {
      const nameNode = childOfType(n, 'simple_name');
      return nameNode ? [makeDecl(n, n, text(src, nameNode), 'method', { nameNode, body: childOfType(n, '{') ?? childOfType(n, 'script_block') })] : [];
    }
    case 'class_property_definition': {
      const v = childOfType(n, 'variable');
      return v ? [makeDecl(n, n, text(src, v).replace(/^\$/, ''), 'property', { nameNode: v })] : [];
    }
  }
  return [];
};
