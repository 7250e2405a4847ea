/**
 * Numbers and durations as people read them, the same in the CLI, the extension and the run
 * details webview (and in the core's messages). Pure: no `vscode`, no DOM, no Node APIs, no imports.
 */

/** A count with thousands separators, the same on every machine: `12,345`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * A duration in the shortest exact form, never rounded up: `850 ms`, `2 s`, `4.2 s`, `3 min 05 s`,
 * `2 min`, `2 h 01 min`, `2 h`; `–` when unknown or negative.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.floor(ms)} ms`;
  if (ms < 60_000) {
    const tenths = Math.floor(ms / 100);
    return tenths % 10 === 0 ? `${tenths / 10} s` : `${(tenths / 10).toFixed(1)} s`;
  }
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${pad2(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${pad2(minutes % 60)} min`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * Text from a config or a connector as a message quotes it: at most `max` characters (a 1 MB key
 * in a file must not make a 1 MB error), cut on a whole character, saying how long it was.
 */
export function abbreviate(text: string, max = 80): string {
  if (text.length <= max) return text;
  let end = max;
  // Not between the two halves of a surrogate pair.
  if (end > 0 && text.charCodeAt(end - 1) >= 0xd800 && text.charCodeAt(end - 1) <= 0xdbff) end--;
  return `${text.slice(0, end)}… (${formatCount(text.length)} characters)`;
}

/** A size in bytes as people read it: `512 B`, `1.5 KB`, `12 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
