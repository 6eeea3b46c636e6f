/**
 * Progress on stderr: cli-progress bars when stderr is a terminal, else a plain line at most
 * every `intervalMs` (logs and CI keep a readable record without carriage returns).
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the done and total amounts (total 0: unknown) and the payload shown after them. */
  update(value: number, total: number, payload?: Record<string, string>): void;
  stop(): void;
}

function plain(label: string, format: (v: number, t: number, p: Record<string, string>) => string, intervalMs: number): Progress {
  let last = 0;
  let fresh = false;
  let state: [number, number, Record<string, string>] = [0, 0, {}];
  const print = () => process.stderr.write(`${label}: ${format(...state)}\n`);
  return {
    update(value, total, payload = {}) {
      state = [value, total, payload];
      const now = Date.now();
      if (now - last >= intervalMs) {
        last = now;
        print();
      }
      fresh = last === now;
    },
    stop() {
      if (!fresh) print();
    },
  };
}

/** A bar for one job; `fields` name the payload keys shown after the bar (e.g. rate, eta). */
export function progressBar(
  label: string,
  fields: string[],
  plainFormat: (v: number, t: number, p: Record<string, string>) => string,
  intervalMs = 5000,
): Progress {
  if (!process.stderr.isTTY) return plain(label, plainFormat, intervalMs);
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | ${fields.map((f) => `{${f}}`).join(' | ')}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(value, total, payload = {}) {
      if (!started) {
        bar.start(total || 1, value, payload);
        started = true;
      }
      bar.setTotal(total || Math.max(value, 1));
      bar.update(value, payload);
    },
    stop() {
      bar.stop();
    },
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
