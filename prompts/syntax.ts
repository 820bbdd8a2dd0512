/**
 * The little a prompt needs to know about a language's surface syntax:
 * how to write a comment (path headers of context blocks), what to call it
 * in a Markdown fence, and how its strings and comments look (so that the
 * post-processor can count brackets in code only).
 *
 * Language names are Cvu's `LanguageId`s (`typescript`, `python`, …); the
 * common VS Code ids (`typescriptreact`, `shellscript`, …) are accepted too.
 * Unknown languages get C-style comments.
 */

export interface LanguageSyntax {
  /** Line comment markers, the preferred one first. */
  lineComments: string[];
  /** Block comment delimiters, the preferred pair first. */
  blockComments: Array<[open: string, close: string]>;
  /** Quotes of strings that end at the end of their line. */
  quotes: string[];
  /** Delimiters of strings that may span lines (backticks, triple quotes). */
  multilineQuotes: string[];
  /** `'` opens a character literal only when one closes it at once (`'a'`, `'\n'`): Rust lifetimes, C chars. */
  charQuote: boolean;
  /** Markup and prose: brackets carry no structure worth balancing. */
  prose: boolean;
}

const aliases: Record<string, string> = {
  typescriptreact: 'tsx', javascriptreact: 'javascript', jsx: 'javascript', ts: 'typescript', js: 'javascript',
  shellscript: 'bash', shell: 'bash', sh: 'bash', zsh: 'bash', 'c++': 'cpp', 'c#': 'csharp', cs: 'csharp', py: 'python',
  rb: 'ruby', rs: 'rust', golang: 'go', yml: 'yaml', md: 'markdown', plaintext: 'text', jsonc: 'json', hcl: 'terraform',
  objc: 'c', 'objective-c': 'c', 'objective-cpp': 'cpp', kt: 'kotlin', ps1: 'powershell',
};

/** Cvu's name for a language id from the indexer or an editor. */
export function canonicalLanguage(language: string | null | undefined): string {
  const id = (language ?? '').trim().toLowerCase();
  return aliases[id] ?? (id || 'text');
}

const slash = { lineComments: ['//'], blockComments: [['/*', '*/']] as Array<[string, string]> };
const hash = { lineComments: ['#'], blockComments: [] as Array<[string, string]> };

const families: Record<string, Partial<LanguageSyntax>> = {
  typescript: { ...slash, multilineQuotes: ['`'] },
  tsx: { ...slash, multilineQuotes: ['`'] },
  javascript: { ...slash, multilineQuotes: ['`'] },
  go: { ...slash, multilineQuotes: ['`'], charQuote: true },
  rust: { ...slash, charQuote: true },
  java: { ...slash, multilineQuotes: ['"""'], charQuote: true },
  kotlin: { ...slash, multilineQuotes: ['"""'], charQuote: true },
  scala: { ...slash, multilineQuotes: ['"""'], charQuote: true },
  swift: { ...slash, multilineQuotes: ['"""'] },
  csharp: { ...slash, charQuote: true },
  c: { ...slash, charQuote: true },
  cpp: { ...slash, charQuote: true },
  dart: { ...slash, multilineQuotes: ['"""', "'''"] },
  zig: { lineComments: ['//'], blockComments: [] },
  protobuf: slash,
  json: slash,
  scss: slash,
  less: slash,
  php: { lineComments: ['//', '#'], blockComments: [['/*', '*/']] },
  css: { lineComments: [], blockComments: [['/*', '*/']] },
  python: { ...hash, multilineQuotes: ['"""', "'''"] },
  ruby: hash,
  bash: hash,
  perl: hash,
  r: hash,
  elixir: { ...hash, multilineQuotes: ['"""'] },
  yaml: hash,
  toml: { ...hash, multilineQuotes: ['"""', "'''"] },
  ini: { lineComments: ['#', ';'], blockComments: [] },
  dockerfile: hash,
  makefile: hash,
  graphql: hash,
  terraform: { lineComments: ['#', '//'], blockComments: [['/*', '*/']] },
  powershell: { lineComments: ['#'], blockComments: [['<#', '#>']] },
  sql: { lineComments: ['--'], blockComments: [['/*', '*/']] },
  lua: { lineComments: ['--'], blockComments: [] },
  haskell: { lineComments: ['--'], blockComments: [['{-', '-}']] },
  html: { lineComments: [], blockComments: [['<!--', '-->']], prose: true },
  xml: { lineComments: [], blockComments: [['<!--', '-->']], prose: true },
  markdown: { lineComments: [], blockComments: [['<!--', '-->']], prose: true },
  vue: { lineComments: [], blockComments: [['<!--', '-->']], multilineQuotes: ['`'] },
  svelte: { lineComments: [], blockComments: [['<!--', '-->']], multilineQuotes: ['`'] },
  text: { lineComments: ['#'], blockComments: [], prose: true },
};

/** The comment, string and bracket conventions of a language. */
export function languageSyntax(language: string | null | undefined): LanguageSyntax {
  const f = families[canonicalLanguage(language)] ?? slash;
  return {
    lineComments: f.lineComments ?? ['//'],
    blockComments: f.blockComments ?? [],
    quotes: f.quotes ?? ['"', "'"],
    multilineQuotes: f.multilineQuotes ?? [],
    charQuote: f.charQuote ?? false,
    prose: f.prose ?? false,
  };
}

/**
 * One line of text as a comment of `language`: `// text`, `# text`,
 * `-- text`, `<!-- text -->`, `/* text *\/`. A closing delimiter inside the
 * text is broken up so that the comment cannot end early.
 */
export function commentLine(language: string | null | undefined, text: string): string {
  const syntax = languageSyntax(language);
  const line = syntax.lineComments[0];
  if (line) return text ? `${line} ${text}` : line;
  const [open, close] = syntax.blockComments[0] ?? ['/*', '*/'];
  const safe = text.split(close).join(close.split('').join(' '));
  return safe ? `${open} ${safe} ${close}` : `${open} ${close}`;
}

const fenceNames: Record<string, string> = { text: '', csharp: 'csharp', cpp: 'cpp', makefile: 'makefile', dockerfile: 'dockerfile' };

/** The info string of a Markdown code fence for `language` ('' for plain text). */
export function fenceLanguage(language: string | null | undefined): string {
  const id = canonicalLanguage(language);
  return fenceNames[id] ?? id;
}
