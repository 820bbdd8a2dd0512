/**
 * The typing session bench:complete and bench:remote replay: a line of a file typed one
 * character at a time with a typo on the way (two characters in one burst, as an editor's
 * debounce sends them, then two backspaces), then a jump JUMP_LINES up to the end of a line
 * where a comment is typed. Each keystroke is the unsaved buffer (256 lines above the typed
 * line, 64 below) and the cursor.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchRepo as repo } from './result.js';

/** How far up the cursor jumps. */
export const JUMP_LINES = 40;

/** The command-line options of the benches that replay a typing session (bench:complete, bench:remote), for parseArgs. */
export const typingSessionOptions = {
  tokens: { type: 'string', default: '16' },
  'budget-tokens': { type: 'string', default: '3072' },
  threads: { type: 'string', default: String(Math.min(2, os.availableParallelism())) },
} as const;

export type Kind = 'open' | 'type' | 'backspace' | 'jump';

export interface Keystroke {
  kind: Kind;
  text: string;
  position: { line: number; character: number };
}

/**
 * The editor's buffer and cursor; each edit yields the keystroke's request. Lines are edited in
 * place, so positions stay LSP-style (0-based line, UTF-16 character).
 */
class EditorBuffer {
  readonly lines: string[];
  line = 0;
  character = 0;
  readonly keystrokes: Keystroke[] = [];

  constructor(text: string) {
    this.lines = text.split('\n');
  }

  private emit(kind: Kind): void {
    this.keystrokes.push({ kind, text: this.lines.join('\n'), position: { line: this.line, character: this.character } });
  }

  moveTo(line: number, character: number, kind: Kind): void {
    this.line = line;
    this.character = character;
    this.emit(kind);
  }

  /** Types `s` a character at a time; a burst is sent once, at its end (typed faster than the editor's debounce). */
  type(s: string, opts: { burst?: boolean } = {}): void {
    for (const [i, ch] of [...s].entries()) {
      const l = this.lines[this.line];
      this.lines[this.line] = l.slice(0, this.character) + ch + l.slice(this.character);
      this.character++;
      if (!opts.burst || i === s.length - 1) this.emit('type');
    }
  }

  backspace(n: number): void {
    for (let i = 0; i < n; i++) {
      const l = this.lines[this.line];
      this.lines[this.line] = l.slice(0, this.character - 1) + l.slice(this.character);
      this.character--;
      this.emit('backspace');
    }
  }
}

/**
 * The session in `file` (relative to this repository): its target line typed with a typo on the
 * way (at most `maxChars` characters), then a jump up and a word typed there.
 */
export function typingSession(file: string, maxChars = Infinity): { keystrokes: Keystroke[]; target: number; typed: number } {
  const lines = fs.readFileSync(path.join(repo, file), 'utf8').split('\n');
  // The line to type: the longest of the file's middle third (a realistic statement).
  const third = Math.floor(lines.length / 3);
  let target = third;
  for (let i = third; i < 2 * third; i++) if (lines[i].trim().length > lines[target].trim().length && lines[i].length < 110) target = i;
  const indent = /^\s*/.exec(lines[target])![0];
  const content = lines[target].slice(indent.length, indent.length + Math.min(maxChars, lines[target].length));
  // The buffer as it stands before typing: the line holds only its indentation; 256 lines above, 64 below.
  const from = Math.max(0, target - 256);
  const buffer = new EditorBuffer([...lines.slice(from, target), indent, ...lines.slice(target + 1, target + 65)].join('\n'));
  const row = target - from;
  buffer.moveTo(row, indent.length, 'open');
  const half = Math.floor(content.length / 2);
  buffer.type(content.slice(0, half));
  // A typo: two wrong characters in one burst, noticed, taken back. The first backspace reaches a
  // buffer never completed (the model answers); the second one the buffer before the typo (the cache does).
  buffer.type('qj', { burst: true });
  buffer.backspace(2);
  buffer.type(content.slice(half));
  // The jump: the end of a line with code on it, JUMP_LINES up, where a word is typed.
  let jump = Math.max(0, row - JUMP_LINES);
  while (jump > 0 && buffer.lines[jump].trim().length < 12) jump--;
  buffer.moveTo(jump, buffer.lines[jump].length, 'jump');
  buffer.type(' // ok');
  return { keystrokes: buffer.keystrokes, target, typed: content.length };
}
