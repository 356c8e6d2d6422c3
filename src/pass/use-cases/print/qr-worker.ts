import { parentPort, workerData } from 'node:worker_threads';
import { qrDrawing, type QrJob, type QrStyle } from './qr.js';

/** A worker thread of print/qr-pool.ts: QR codes in, drawings out, in the order asked. */
const style = (workerData as { style: QrStyle }).style;
parentPort!.on('message', (message: { id: number; jobs: QrJob[] }) => {
  parentPort!.postMessage({ id: message.id, drawings: message.jobs.map((job) => qrDrawing(job, style)) });
});
