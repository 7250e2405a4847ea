/**
 * Chunks lent to whoever sends them, to be given back once their bytes have left. A reader that
 * loads data into buffers it uses again (the record cache's replay) lends each chunk it hands
 * out; the writer that sends a chunk into a socket gives it back from the write's callback, when
 * the kernel has taken the bytes (see `pumpStdin`). Lending is an offer, never a requirement: a
 * chunk that is never given back (a consumer that keeps it, or a run stopped before it was sent)
 * is only garbage to collect, and its buffer is never used again.
 */

const lent = new WeakMap<object, () => void>();

/** Registers `bytes` as lent: `onGivenBack` runs once, when the consumer gives it back. */
export function lend<T extends Uint8Array>(bytes: T, onGivenBack: () => void): T {
  lent.set(bytes, onGivenBack);
  return bytes;
}

/** True when `chunk` was lent and not given back yet. */
export function isLent(chunk: unknown): boolean {
  return typeof chunk === 'object' && chunk !== null && lent.has(chunk);
}

/**
 * Gives `chunk` back: its lender may overwrite its bytes from now on, so call it only once nothing
 * reads them any more. Giving back twice, or a chunk that was not lent, does nothing.
 */
export function giveBack(chunk: unknown): void {
  if (typeof chunk !== 'object' || chunk === null) return;
  const onGivenBack = lent.get(chunk);
  if (!onGivenBack) return;
  lent.delete(chunk);
  onGivenBack();
}
