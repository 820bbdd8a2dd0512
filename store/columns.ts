/**
 * Compact in-memory columns for the store's mirrors (symbol-table.ts, chunk-terms.ts): a large
 * monorepo has hundreds of thousands of rows, which as one object each would cost several times
 * their data in heap.
 */

/** No row, no id. */
export const NONE = -1;

type TypedColumn = Int32Array | Uint8Array | Float64Array;

/** A copy of a column at a larger capacity (the new tail zeroed). */
export function grown<T extends TypedColumn>(column: T, capacity: number): T {
  const bigger = new (column.constructor as new (n: number) => T)(capacity);
  bigger.set(column as never);
  return bigger;
}

/**
 * Strings by id and ids by string. Strings are never dropped: a pool grows with the distinct
 * names, paths and signatures a workspace has had, not with its definitions.
 */
export class StringPool {
  private readonly ids = new Map<string, number>();
  private readonly strings: string[] = [];

  get size(): number {
    return this.strings.length;
  }

  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.ids.set(s, id);
      this.strings.push(s);
    }
    return id;
  }

  find(s: string): number | undefined {
    return this.ids.get(s);
  }

  at(id: number): string {
    return this.strings[id];
  }
}

/** Named Int32 columns indexed by id, grown by doubling. */
export class IntColumns<K extends string> {
  private readonly cols = new Map<K, Int32Array>();
  private capacity = 0;
  length = 0;

  constructor(private readonly keys: K[]) {}

  get(key: K, i: number): number {
    return i < this.length ? this.cols.get(key)![i] : NONE;
  }

  set(key: K, i: number, v: number): void {
    if (i >= this.capacity) this.grow(i + 1);
    this.cols.get(key)![i] = v;
    if (i >= this.length) this.length = i + 1;
  }

  private grow(min: number): void {
    const capacity = Math.max(min, this.capacity * 2, 256);
    for (const k of this.keys) {
      const col = new Int32Array(capacity).fill(NONE);
      const old = this.cols.get(k);
      if (old) col.set(old);
      this.cols.set(k, col);
    }
    this.capacity = capacity;
  }
}
