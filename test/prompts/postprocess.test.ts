import { describe, expect, it } from 'vitest';
import { postprocessCompletion } from '../../prompts/index.js';

const pp = (completion: string, prefix: string, suffix: string, language = 'typescript'): string =>
  postprocessCompletion({ completion, prefix, suffix, language });

describe('postprocessCompletion', () => {
  describe('mid-line: one line', () => {
    it('stops at the end of the line inside an expression', () => {
      expect(pp("'x';\nfoo();", 'let name = ', ' // the name\n')).toBe("'x';");
      expect(pp('a + b\n  c();', 'const sum = compute(', ');\n')).toBe('a + b');
    });

    it('does not close what the suffix closes already', () => {
      expect(pp('a, b);\nconst y = 2;', 'const x = foo(', ');\n')).toBe('a, b');
      expect(pp('x, y, z)', 'foo(', ', z)\n')).toBe('x, y');
    });
  });

  describe('after a block opener: the block', () => {
    it('ends at the matching closing bracket when the suffix does not close it', () => {
      expect(pp('\n  const b = a * 2;\n  return b;\n}\n\nfunction g() {}', 'function f(a) {', '\n\nexport const y = 1;\n')).toBe('\n  const b = a * 2;\n  return b;\n}');
      expect(pp('\n  a,\n  b\n);\nbar();', 'foo(', '\n')).toBe('\n  a,\n  b\n);');
      expect(pp(' {\n  return x;\n};\nconst g = 1;', 'const f = (x) =>', '\n')).toBe(' {\n  return x;\n};');
    });

    it('keeps blank lines inside the block and stops when the suffix closes it', () => {
      expect(pp('\n  const b = 1;\n\n  return b;\n}\n', 'function f() {', '\n}\n')).toBe('\n  const b = 1;\n\n  return b;');
    });

    it('completes a block from the first line of its body', () => {
      expect(pp('const b = 1;\n  return b;\n}\nfunction g() {}', 'function f() {\n  ', '\n')).toBe('const b = 1;\n  return b;\n}');
    });

    it('follows Python indentation after a colon', () => {
      expect(pp('return 3.14 * r * r\n\ndef other():\n    pass', 'def area(r):\n    ', '\n\nprint(area(2))\n', 'python')).toBe('return 3.14 * r * r');
      expect(pp('\n        total = 0\n\n        return total\n    def other(self):', 'class A:\n    def f(self):  # sums', '\n', 'python')).toBe(
        '\n        total = 0\n\n        return total',
      );
      expect(pp('\n    print(x)\nelse:\n    pass', 'if x:', '\n', 'python')).toBe('\n    print(x)');
    });
  });

  describe('statement level', () => {
    it('stops at a blank line or a dedent below the cursor', () => {
      expect(pp('b();\n  c();\n\n  d();', 'function f() {\n  a();\n  ', '\n}\n')).toBe('b();\n  c();');
      expect(pp('return total\nprint(f([1]))', 'def f(items):\n    total = 0\n    for i in items:\n        total += i\n    ', '\n', 'python')).toBe('return total');
      expect(pp('b();\n}\nfoo();', 'if (x) {\n  a();\n  ', '')).toBe('b();');
    });
  });

  describe('never repeats the suffix', () => {
    it('ends at a line equal to the suffix’s next non-empty line', () => {
      expect(pp('const b = 2;\n  return a;\n}', 'function f() {\n  const a = 1;\n  ', '\n  return a;\n}\n')).toBe('const b = 2;');
      expect(pp('return x;', 'function f() {\n  ', 'return x;\n}\n')).toBe('');
    });

    it('drops a tail that the suffix starts with', () => {
      expect(pp('hello";', 'const s = "', '";\n')).toBe('hello');
      expect(pp('items.length', 'const n = ', '.length;\n')).toBe('items');
      // Not a piece of a word.
      expect(pp('count', 'let ', 't = 0;\n')).toBe('count');
    });
  });

  describe('brackets', () => {
    it('ends before a closing bracket that nothing open matches', () => {
      expect(pp('foo();\n}', 'const x = 1;\n', '\n')).toBe('foo();');
      expect(pp('a];', 'const v = (', '\n')).toBe('a');
    });

    it('trims unclosed openers at the end when the suffix closes', () => {
      expect(pp('bar(', 'foo(', ')\n')).toBe('bar');
      expect(pp('x, [', 'call(', ');\n')).toBe('x,');
    });

    it('ignores brackets in strings, comments and char literals', () => {
      expect(pp('"(not a bracket"', 'print(', ')\n')).toBe('"(not a bracket"');
      // The brace in the comment would close the function, which the suffix closes already.
      expect(pp('1; // close }\n  b();', 'function f() {\n  let a = ', '\n}\n')).toBe('1; // close }\n  b();');
      expect(pp('1; /* } */ b();', 'function f() {\n  let a = ', '\n}\n')).toBe('1; /* } */ b();');
      expect(
        pp('\n    if x.len() > y.len() { x } else { y }\n}', "fn longest<'a>(x: &'a str, y: &'a str) -> &'a str {", '\n', 'rust'),
      ).toBe("\n    if x.len() > y.len() { x } else { y }\n}");
      expect(pp("')' => 1,\n", "match c {\n    '(' => 0,\n    ", '\n}\n', 'rust')).toBe("')' => 1,");
    });
  });

  it('strips trailing whitespace', () => {
    expect(pp('foo();   \n  bar();  \n  ', '', '\n')).toBe('foo();\n  bar();');
  });

  it('keeps CRLF line endings', () => {
    expect(pp('const b = 2;\r\n  return a + b;\r\n}', 'function f() {\r\n  const a = 1;\r\n  ', '\r\n}\r\n')).toBe('const b = 2;\r\n  return a + b;');
    expect(pp('\n  return 1;\n}\n', 'function f() {', '\r\n\r\nexport {};\r\n')).toBe('\r\n  return 1;\r\n}');
  });

  it('returns empty when nothing useful remains', () => {
    expect(pp('', 'x = ', '\n')).toBe('');
    expect(pp('   \n\n  ', 'x = ', '\n')).toBe('');
    expect(pp(')', 'foo(', ')\n')).toBe('');
    expect(pp('<|file_sep|>src/other.ts\nexport {}', 'const a = 1;\n', '')).toBe('');
    expect(pp('\nfoo()', 'bar(', 'x)\n')).toBe('');
  });

  it('cuts at leaked control tokens', () => {
    expect(pp('return 1;<|endoftext|>garbage', 'function f() {\n  ', '\n}\n')).toBe('return 1;');
  });
});
