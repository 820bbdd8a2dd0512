/** INI files. */
import type { LanguageSupport } from '../language-support.js';
import { iniDeclarations } from './declarations.js';

export const ini: LanguageSupport = {
  declarations: iniDeclarations,
};
