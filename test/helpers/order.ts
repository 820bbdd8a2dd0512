/** Whether `a` is in `order`, and before `b` if `b` is (a ranking's `path:line` entries, best first). */
export const before = (order: readonly string[], a: string, b: string): boolean => order.indexOf(a) >= 0 && (order.indexOf(b) < 0 || order.indexOf(a) < order.indexOf(b));
