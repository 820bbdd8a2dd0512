/**
 * The registry: every language Cvu tells apart, and the support that knows
 * it. This is the one place a language is listed; adding one is adding its
 * folder under lang/ and a line here.
 *
 * ```ts
 * languageSupport('go').resolveImport?.({ ref, specifier, from, ctx });
 * ```
 */
import type { LanguageId } from '../languages.js';
import type { LanguageSupport } from './language-support.js';
import { bash } from './bash/index.js';
import { cpp } from './cpp/index.js';
import { csharp } from './csharp/index.js';
import { css, cssDialect } from './css/index.js';
import { hashComments, markdown, plain, prose, shellLike, slashComments } from './generic/index.js';
import { go } from './go/index.js';
import { ini } from './ini/index.js';
import { java, jvm } from './java/index.js';
import { php } from './php/index.js';
import { powershell } from './powershell/index.js';
import { python } from './python/index.js';
import { ruby } from './ruby/index.js';
import { rust } from './rust/index.js';
import { singleFileComponent, typescript } from './typescript/index.js';

export type { LanguageSupport } from './language-support.js';

export const registry: Readonly<Record<LanguageId, LanguageSupport>> = {
  typescript, tsx: typescript, javascript: typescript, vue: singleFileComponent, svelte: singleFileComponent,
  python,
  go,
  rust,
  java, kotlin: jvm, scala: jvm,
  csharp,
  cpp, c: cpp,
  ruby,
  php,
  bash, makefile: shellLike, dockerfile: shellLike,
  css, scss: cssDialect, less: cssDialect,
  powershell,
  ini,
  markdown, text: prose,
  swift: slashComments, dart: slashComments, zig: slashComments, protobuf: slashComments,
  graphql: hashComments, elixir: hashComments, perl: hashComments, r: hashComments,
  json: plain, yaml: plain, toml: plain, html: plain, xml: plain, sql: plain, lua: plain, haskell: plain, terraform: plain,
};

/** The support for a language (an unknown name gets the plain one: nothing extracted, every word a ref). */
export function languageSupport(lang: LanguageId): LanguageSupport {
  return Object.hasOwn(registry, lang) ? registry[lang] : plain;
}
