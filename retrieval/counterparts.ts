/**
 * Calls that come in pairs: what is started is ended, opened closed, locked unlocked
 * (`Footer.startFooter(b)` … `Footer.endFooter(b)`, `writer.beginObject()` … `writer.endObject()`,
 * `mu.Lock()` … `mu.Unlock()`). A name of one half written just above the cursor, and the other
 * half written nowhere, says what a line below is about to call.
 */

/** Each pair's halves, in camel case where a half has two words (`setUp`, `rUnlock`). */
const PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['start', 'end'], ['begin', 'end'], ['start', 'finish'], ['begin', 'finish'], ['start', 'stop'],
  ['open', 'close'], ['push', 'pop'], ['lock', 'unlock'], ['rLock', 'rUnlock'], ['acquire', 'release'],
  ['enter', 'exit'], ['connect', 'disconnect'], ['subscribe', 'unsubscribe'], ['attach', 'detach'],
  ['register', 'unregister'], ['mount', 'unmount'], ['setUp', 'tearDown'], ['set_up', 'tear_down'],
  ['pause', 'resume'], ['suspend', 'resume'], ['save', 'restore'], ['enable', 'disable'], ['show', 'hide'],
];

/**
 * The names that pair with `name`, in its case and separator style: `startFooter` → `endFooter`,
 * `finishFooter`, `stopFooter`; `begin_object` → `end_object`; `Lock` → `Unlock`; `close` → `open`.
 * A half is a whole word at the start of the name (`startup` pairs with nothing).
 */
export function counterpartNames(name: string): string[] {
  const out = new Set<string>();
  const lower = name.toLowerCase();
  for (const [a, b] of PAIRS) {
    for (const [from, to] of [[a, b], [b, a]]) {
      if (!lower.startsWith(from.toLowerCase())) continue;
      const rest = name.slice(from.length);
      // The half must end where a word ends: `startFooter`, `start_footer`, `START_X`, `start`; not `started`, `opener`.
      if (rest && !/^[A-Z_$\d]/.test(rest)) continue;
      if (rest && name === name.toUpperCase() && !rest.startsWith('_')) continue;
      const head = name.slice(0, from.length);
      // In the name's case: `END_X`, `EndX` / `RUnlock`, `endX` / `tearDown`.
      const cased = name === name.toUpperCase() ? to.toUpperCase() : head[0] === head[0].toUpperCase() ? to[0].toUpperCase() + to.slice(1) : to;
      out.add(cased + rest);
    }
  }
  out.delete(name);
  return [...out];
}
