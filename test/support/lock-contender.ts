/**
 * A child process that contends for the PGlite data-directory lock, driven line by line on stdin
 * (test/integration/data-dir-lock.test.ts, which runs it transpiled to JavaScript):
 * - prints `ready` once loaded;
 * - `go <epoch ms>`: spins until that instant, so that every contender starts together, tries to take the lock
 *   and prints `acquired` or `refused <JSON message>` (or `error <JSON message>`);
 * - `release`: releases a lock it holds and prints `released`;
 * - exits when stdin ends. Killing it with SIGKILL leaves the lock of a crashed process behind.
 */
import readline from 'node:readline';
import { acquireDataDirLock, DataDirLockedError } from '../../src/db/lock.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: lock-contender.ts <data dir>');

let release: (() => void) | null = null;
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [command, argument] = line.trim().split(' ');
  if (command === 'go') {
    const at = Number(argument);
    while (Date.now() < at) {
      // spin: a timer would wake the contenders one after the other
    }
    try {
      release = acquireDataDirLock(dataDir);
      process.stdout.write('acquired\n');
    } catch (error) {
      const kind = error instanceof DataDirLockedError ? 'refused' : 'error';
      process.stdout.write(`${kind} ${JSON.stringify(error instanceof Error ? error.message : String(error))}\n`);
    }
  } else if (command === 'release') {
    release?.();
    release = null;
    process.stdout.write('released\n');
  }
});
lines.on('close', () => process.exit(0));
process.stdout.write('ready\n');
