import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { qrDrawing, type QrJob, type QrStyle } from './qr.js';

/** Draws batches of QR codes, in this thread or in worker threads; `close` ends the threads. */
export interface QrEncoder {
  encode(jobs: QrJob[]): Promise<string[]>;
  close(): Promise<void>;
}

/** The one-core encoder: the codes are computed when asked, on the calling thread. */
export function inThreadEncoder(style: QrStyle): QrEncoder {
  return { encode: async (jobs) => jobs.map((job) => qrDrawing(job, style)), close: async () => undefined };
}

/**
 * Threads worth starting for a print: every core but the one laying out the pages, at least one. On two cores, one
 * worker encodes the QR codes (about half of the work) while the main thread lays out and compresses the pages.
 */
export const defaultPrintWorkers = (): number => Math.max(1, os.availableParallelism() - 1);

const here = import.meta.url;
const workerFile = new URL(here.endsWith('.ts') ? './qr-worker.ts' : './qr-worker.js', here);

function startWorker(style: QrStyle): Worker {
  if (!workerFile.pathname.endsWith('.ts')) return new Worker(workerFile, { workerData: { style } });
  // Under tsx (tests, benchmarks), Node 20 does not hand its loader to worker threads: the worker loads it itself.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then(({ tsImport }) => tsImport(${JSON.stringify(workerFile.href)}, ${JSON.stringify(here)}))`;
  return new Worker(boot, { eval: true, workerData: { style } });
}

/**
 * `threads` worker threads taking batches in turn. Each answer comes back in the order its worker received the
 * batches; the caller awaits each batch's promise in its own order, so the pages keep the vouchers' order.
 */
export function workerEncoder(threads: number, style: QrStyle): QrEncoder {
  const workers = Array.from({ length: Math.max(1, threads) }, () => startWorker(style));
  const waiting = new Map<number, { resolve: (drawings: string[]) => void; reject: (error: Error) => void }>();
  let failure: Error | null = null;
  let nextId = 0;
  const fail = (error: Error) => {
    failure ??= error;
    for (const { reject } of waiting.values()) reject(error);
    waiting.clear();
  };
  for (const worker of workers) {
    worker.on('message', ({ id, drawings }: { id: number; drawings: string[] }) => {
      waiting.get(id)?.resolve(drawings);
      waiting.delete(id);
    });
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`impression : un fil de calcul des QR codes s’est arrêté (code ${code})`));
    });
  }
  return {
    encode(jobs) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        workers[id % workers.length]!.postMessage({ id, jobs });
      });
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
