import { describe, expect, it } from 'vitest';
import { declaredTypes, namesNearCursor, namesOnNearestCodeLines } from '../../retrieval/buffer-names.js';

describe('declaredTypes', () => {
  const types = (lines: string[], go = false) => Object.fromEntries([...declaredTypes(lines, { go })].map(([k, v]) => [k, [...v]]));

  it('reads annotations, constructions and factories, keeping the type name without its module', () => {
    expect(
      types([
        'constructor(private readonly client: DaemonClient) {}',
        'const mailer = new mail.SmtpMailer(cfg);',
        'const ws = await Workspace.open(root);',
        'def handle(self, req: http.Request):',
        '    session = Session(req)',
        'let count = 0;',
        'const name = path.basename(p);',
      ]),
    ).toEqual({ client: ['DaemonClient'], mailer: ['SmtpMailer'], ws: ['Workspace'], req: ['Request'], session: ['Session'] });
  });

  it("reads Go's parameters and composite literals only in Go", () => {
    const line = 'func (r *Router) Handle(w http.ResponseWriter, req *http.Request) {';
    expect(types([line, 'm := &Mux{}'], true)).toEqual({ r: ['Router'], w: ['ResponseWriter'], req: ['Request'], m: ['Mux'] });
    expect(types([line])).toEqual({});
  });
});

describe('namesNearCursor: comments', () => {
  const names = (lines: string[], hashComments = false) =>
    Object.fromEntries(namesNearCursor([...lines, ''], lines.length, { language: hashComments ? 'python' : 'typescript' }).map((u) => [u.name, u.distance]));

  it('counts the code a comment names, farther than code on the same line, and none of its prose', () => {
    expect(names(['run(job); // then middleware.Throttle(2), see [Limiter] and max_rate in the docs'])).toEqual({
      run: 1, job: 1, middleware: 4, Throttle: 4, Limiter: 4, max_rate: 4,
    });
    expect(names(['/**', ' * Returns the value of parseConfig, see {@link Options}.', ' */', 'start(); /* until done */ stop();'])).toEqual({
      parseConfig: 8, Options: 8, start: 1, stop: 1,
    });
  });

  it('tells the mentions in comments from the uses in code', () => {
    const uses = namesNearCursor(['import { Limiter } from "./limit";', '// see [Limiter]', 'run();', ''], 3);
    expect(uses.find((u) => u.name === 'Limiter')).toMatchObject({ count: 2, codeCount: 1, codeDistance: 3, distance: 3 });
    expect(namesNearCursor(['// see [Limiter]', ''], 1).find((u) => u.name === 'Limiter')).toMatchObject({ count: 1, codeCount: 0, codeDistance: Infinity });
  });

  it("reads Python's docstrings and # comments as comments, and quotes as strings only when they close", () => {
    expect(names(['def parse(text):', '    """Split the text into words.', '    Uses split_words()."""', '    return tokens  # see tokenize', "    x = 'it''s' + '#nope'"], true)).toEqual({
      parse: 5, text: 5, split_words: 8, tokens: 2,
    });
    // A lone Rust lifetime's quote never closes: what follows it is code.
    expect(names(["impl<'a> Reader { fn first(words: Vec<String>) {"])).toEqual({ Reader: 1, fn: 1, first: 1, words: 1, Vec: 1, String: 1 });
    // `//` inside a string starts no comment.
    expect(names(['fetch("https://example.com", options);'])).toEqual({ fetch: 1, options: 1 });
  });
});

describe('namesNearCursor: keywords', () => {
  it('reads a keyword after a dot as a member name (`gen.return(…)`), and no bare keyword', () => {
    const uses = namesNearCursor(['function f(gen) {', '  gen.return(x)', '  return promise.catch(y)', '  '], 3);
    const byName = new Map(uses.map((u) => [u.name, u]));
    expect(byName.get('return')).toMatchObject({ count: 1, qualified: 1, qualifiers: ['gen'] });
    expect(byName.get('catch')).toMatchObject({ qualifiers: ['promise'] });
    expect(byName.has('function')).toBe(false);
  });

  it('reads no member in what a language writes after a dot: `int.class`, `Outer.this`, `fut.await`', () => {
    const lines = ['gson.fromJson(json, int.class);', 'Outer.this.run();', 'let body = fut.await?;', ''];
    const names = new Set(namesNearCursor(lines, 3).map((u) => u.name));
    expect(['class', 'this', 'await'].filter((k) => names.has(k))).toEqual([]);
    expect(names.has('fromJson')).toBe(true);
    expect([...namesOnNearestCodeLines(lines, 3, 3, 0)].filter((k) => ['class', 'this', 'await'].includes(k))).toEqual([]);
  });
});

describe('namesNearCursor: a window that starts inside a docstring', () => {
  it('reads the code after the docstring as code, however far above the cursor the docstring opened', () => {
    // 700 lines: the lines read for names start at row 100, the docstring's last line.
    const lines = ['import gyp.common', '', 'def f():', '    """A docstring', ...Array.from({ length: 96 }, () => '    of many lines'), '    and its end."""', ...Array.from({ length: 500 }, () => '    x = 1'), '    gyp.common.CrossCompileRequested()', ...Array.from({ length: 98 }, () => '    y = 2'), '    '];
    const cursor = lines.length - 1;
    const uses = new Map(namesNearCursor(lines, cursor, { language: 'python' }).map((u) => [u.name, u]));
    // Read as code: at its own distance (a comment's would be farther), and `of`, `many` as no names at all.
    expect(uses.get('CrossCompileRequested')).toMatchObject({ distance: 99, count: 1, qualifiers: ['common'] });
    expect(uses.has('lines')).toBe(false);
  });
});

describe('namesNearCursor: quotes as the language writes them', () => {
  it("reads the names between a Rust signature's lifetimes, and blanks a Java char literal", () => {
    const rust = ['fn parse<\'a>(input: &\'a str, limit: usize) -> Token<\'a> {', '    '];
    expect(namesNearCursor(rust, 1, { language: 'rust' }).map((u) => u.name)).toEqual(expect.arrayContaining(['parse', 'input', 'limit', 'usize', 'Token']));
    // Where every quote opens a string, `'a>(input: &'` is one: its names are not read.
    expect(namesNearCursor(rust, 1, { language: 'typescript' }).map((u) => u.name)).not.toContain('input');
    const java = ["if (c == '(' && depth > maxDepth) open(reader);", '    '];
    expect(namesNearCursor(java, 1, { language: 'java' }).map((u) => u.name)).toEqual(expect.arrayContaining(['depth', 'maxDepth', 'open', 'reader']));
  });
});

describe('namesNearCursor: hostile lines', () => {
  // A minified file or a generated one holds lines of hundreds of thousands of characters, and reading
  // the names around the cursor must stay linear in them. (No timed assertion: the quadratic forms this
  // replaced took 22 s on these two lines, which this test, run alone, shows as its duration.)
  const long = 200_000;

  it('reads a comment of spaces, and a line of quotes never closed, at once', () => {
    const spaced = namesNearCursor(['const a = 1;', `// see {@link Alpha}${' '.repeat(long)}parseConfig `, ''], 2);
    expect(spaced.map((u) => u.name)).toEqual(expect.arrayContaining(['Alpha', 'parseConfig']));
    const quoted = namesNearCursor([`first = "${'\\"'.repeat(long / 2)}`, 'y = second', ''], 2);
    expect(quoted.map((u) => u.name)).toEqual(expect.arrayContaining(['first', 'second']));
  });
});

describe('namesOnNearestCodeLines', () => {
  it('counts lines that name something: not blank lines, comments or lines of braces and keywords', () => {
    const lines = [
      'void send() {',
      '  if (head) {',
      '    o.set(new FixedStream(this, ros));',
      '  } else { /* a body */',
      '    if (http10) {',
      '      ',
      '      close = true;',
      '    } else {',
      '      // chunked',
      '      hdrs.put("chunked");',
      '      o.set(new ChunkedStream(this, ros));',
      '    }',
      '  }',
      '}',
    ];
    // Above, three lines of code: `if (http10) {`, past `} else {` (its comment is none of its code)
    // `o.set(new FixedStream…)`, and `if (head) {`.
    expect(namesOnNearestCodeLines(lines, 5, 3, 0)).toEqual(new Set(['http10', 'FixedStream', 'set', 'ros', 'head']));
    // Below, two lines of code: `close = true;` and, past `} else {` and the comment, `hdrs.put(…)`.
    expect(namesOnNearestCodeLines(lines, 5, 0, 2)).toEqual(new Set(['close', 'hdrs', 'put']));
    expect(namesOnNearestCodeLines(lines, 5, 0, 3)).toContain('ChunkedStream');
    // `try {` and `return;` name nothing either.
    expect(namesOnNearestCodeLines(['run(input);', 'try {', '  return;', '  ', 'after(output);'], 3, 1, 1)).toEqual(new Set(['run', 'input', 'after', 'output']));
  });

  it("skips Python's comments and a block comment the window starts in", () => {
    expect(namesOnNearestCodeLines(['x = make_alpha()', '# make_beta()', 'else:', '', 'y = 1'], 3, 2, 0, { language: 'python' })).toEqual(new Set(['make_alpha']));
    const opened = ['/* a comment', ...Array.from({ length: 20 }, (_, i) => `   still commentName${i}`), '*/', 'run(first);', ''];
    expect(namesOnNearestCodeLines(opened, opened.length - 1, 3, 0)).toEqual(new Set(['run', 'first']));
  });

  it('goes on from where namesNearCursor stopped reading the buffer, inside a block comment still open', () => {
    // namesNearCursor reads from 600 lines above the cursor, this rule from 12 above: the comment
    // opened before both and is open at both.
    const lines = [...Array.from({ length: 101 }, (_, i) => `x${i} = make${i}();`), '/*', ...Array.from({ length: 700 }, () => '  hidden_name here'), '*/', 'run(first);', ''];
    const cursor = lines.length - 1;
    expect(namesNearCursor(lines, cursor).length).toBeGreaterThan(0);
    expect(namesOnNearestCodeLines(lines, cursor, 3, 0)).toEqual(new Set(['run', 'first']));
    // And the other way round: a reader of an earlier row starts from the top again.
    expect(namesOnNearestCodeLines(lines, 100, 1, 0)).toEqual(new Set(['x99', 'make99']));
  });
});
