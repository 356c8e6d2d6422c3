import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import ts from 'typescript';
import { acquireDataDirLock, DataDirLockedError } from '../../../src/db/lock.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dirs: string[] = [];
let fixture = '';

/**
 * The contenders run the lock module transpiled once to JavaScript: twenty processes start four times faster than
 * through tsx, which keeps their start-up short next to the instant they all try.
 */
function buildContender(): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'inclusif-lock-contender-'));
  dirs.push(out);
  fs.writeFileSync(path.join(out, 'package.json'), '{ "type": "module" }');
  for (const file of ['src/db/lock.ts', 'test/support/lock-contender.ts']) {
    const { outputText } = ts.transpileModule(fs.readFileSync(path.join(root, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const target = path.join(out, file.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, outputText);
  }
  return path.join(out, 'test/support/lock-contender.js');
}

/** A child process driving acquireDataDirLock (test/support/lock-contender.ts). */
class Contender {
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | null = null;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    let buffer = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        if (this.waiting) {
          const resolve = this.waiting;
          this.waiting = null;
          resolve(line);
        } else {
          this.lines.push(line);
        }
      }
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(dataDir: string): Promise<Contender> {
    const child = spawn(process.execPath, [fixture, dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
    const contender = new Contender(child);
    assert.equal(await contender.next(), 'ready');
    return contender;
  }

  get pid(): number {
    return this.child.pid!;
  }

  next(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`le processus ${this.pid} ne répond pas`)), 15_000);
      this.waiting = (value) => {
        clearTimeout(timer);
        resolve(value);
      };
    });
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Dies without releasing anything, as a crashed server does. */
  async crash(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    this.child.stdin!.end();
    await this.exited;
  }
}

function freshDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inclusif-lock-'));
  dirs.push(dir);
  return dir;
}

/** Leaves in dataDir the lock of an inclusif process that died without releasing it; returns its pid. */
async function leaveCrashedLock(dataDir: string): Promise<number> {
  const owner = await Contender.start(dataDir);
  owner.send('go 0');
  assert.equal(await owner.next(), 'acquired');
  await owner.crash();
  return owner.pid;
}

describe('PGlite data directory lock', () => {
  before(() => {
    fixture = buildContender();
  });
  after(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('of twenty processes taking over a stale lock at the same instant, exactly one wins, round after round', async () => {
    const dataDir = freshDataDir();
    const lockPath = path.join(dataDir, 'inclusif.lock');
    await leaveCrashedLock(dataDir);
    const stale = fs.readFileSync(lockPath);
    const contenders = await Promise.all(Array.from({ length: 20 }, () => Contender.start(dataDir)));
    try {
      for (let round = 1; round <= 10; round++) {
        const at = Date.now() + 150;
        for (const contender of contenders) contender.send(`go ${at}`);
        const answers = await Promise.all(contenders.map((contender) => contender.next()));
        const winners = contenders.filter((_, i) => answers[i] === 'acquired');
        assert.equal(winners.length, 1, `round ${round}: ${winners.length} processes took the lock (${winners.map((w) => w.pid).join(', ')})`);
        const winner = winners[0]!;
        for (const [i, answer] of answers.entries()) {
          if (contenders[i] === winner) continue;
          assert.match(answer, /^refused /, `round ${round}: ${answer}`);
          assert.ok(answer.includes(`processus ${winner.pid}`), `round ${round}: the refusal names the winner ${winner.pid}: ${answer}`);
        }
        // The next round starts again from the lock the crashed process left.
        winner.send('release');
        assert.equal(await winner.next(), 'released');
        assert.equal(fs.existsSync(lockPath), false);
        fs.writeFileSync(lockPath, stale);
      }
    } finally {
      await Promise.all(contenders.map((contender) => contender.stop()));
    }
  });

  test('a lock whose PID now belongs to an unrelated live process is stale and taken over', async () => {
    const dataDir = freshDataDir();
    const lockPath = path.join(dataDir, 'inclusif.lock');
    const crashedPid = await leaveCrashedLock(dataDir);
    const unrelated = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => unrelated.once('spawn', resolve));
      // The crashed process's PID has been reused by `sleep`: rewrite the lock it left to name that PID.
      const left = fs.readFileSync(lockPath, 'utf8').trim();
      let reused: string;
      if (/^\d+$/.test(left)) {
        assert.equal(left, String(crashedPid)); // a lock holding the bare PID
        reused = String(unrelated.pid);
      } else {
        const record = JSON.parse(left) as { pid: number };
        assert.equal(record.pid, crashedPid);
        reused = JSON.stringify({ ...record, pid: unrelated.pid });
      }
      fs.writeFileSync(lockPath, reused);
      const release = acquireDataDirLock(dataDir);
      assert.ok(fs.readFileSync(lockPath, 'utf8').includes(String(process.pid)), 'the lock now names this process');
      release();
      assert.equal(fs.existsSync(lockPath), false);
    } finally {
      unrelated.kill('SIGKILL');
    }
  });

  test('a takeover interrupted by a crash does not block the next one', async () => {
    const dataDir = freshDataDir();
    const lockPath = path.join(dataDir, 'inclusif.lock');
    const crashedPid = await leaveCrashedLock(dataDir);
    const stale = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as { token: string };
    // Another process was killed while it held the marker of the takeover of that stale lock.
    const takerPid = await leaveCrashedLock(freshDataDir());
    fs.writeFileSync(`${lockPath}.takeover-${stale.token}`, JSON.stringify({ ...stale, pid: takerPid, token: 'interrompu' }));
    assert.notEqual(takerPid, crashedPid);
    const release = acquireDataDirLock(dataDir);
    assert.deepEqual(fs.readdirSync(dataDir), ['inclusif.lock']);
    release();
  });

  test('a lock held by a live inclusif process is refused with a message naming it and when it started', async () => {
    const dataDir = freshDataDir();
    const holder = await Contender.start(dataDir);
    try {
      holder.send('go 0');
      assert.equal(await holder.next(), 'acquired');
      const held = fs.readFileSync(path.join(dataDir, 'inclusif.lock'), 'utf8');
      assert.throws(
        () => acquireDataDirLock(dataDir),
        (error: unknown) =>
          error instanceof DataDirLockedError &&
          error.ownerPid === holder.pid &&
          error.message.includes(`processus ${holder.pid}`) &&
          /démarré le \d{1,2}(?:er)? \S+ \d{4} à \d{2}:\d{2}:\d{2}/.test(error.message),
      );
      assert.equal(fs.readFileSync(path.join(dataDir, 'inclusif.lock'), 'utf8'), held, 'a refusal leaves the lock alone');
      holder.send('release');
      assert.equal(await holder.next(), 'released');
      acquireDataDirLock(dataDir)();
    } finally {
      await holder.stop();
    }
  });

  test('the owner is identified by PID, start time, boot and host, and a release removes only its own lock', () => {
    const dataDir = freshDataDir();
    const lockPath = path.join(dataDir, 'inclusif.lock');
    const release = acquireDataDirLock(dataDir);
    const mine = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as Record<string, unknown>;

    // The same process opening the directory a second time would corrupt it just as well.
    assert.throws(() => acquireDataDirLock(dataDir), (error: unknown) => error instanceof DataDirLockedError && /ce même processus/.test(error.message));

    // This PID, but another start (a container restarted with the same PID) or another boot: stale.
    if (typeof mine.startTicks === 'number') {
      fs.writeFileSync(lockPath, JSON.stringify({ ...mine, startTicks: mine.startTicks - 1, token: 'ancien' }));
      acquireDataDirLock(dataDir)();
    }
    if (typeof mine.bootId === 'string') {
      fs.writeFileSync(lockPath, JSON.stringify({ ...mine, bootId: 'un-autre-demarrage', token: 'ancien' }));
      acquireDataDirLock(dataDir)();
    }

    // Another machine sharing the directory cannot be checked from here: refused, naming that machine.
    fs.writeFileSync(lockPath, JSON.stringify({ ...mine, hostname: 'autre-machine', token: 'distant' }));
    assert.throws(() => acquireDataDirLock(dataDir), (error: unknown) => error instanceof DataDirLockedError && /machine « autre-machine »/.test(error.message));

    // The first handle no longer owns the file: releasing it must not delete the other owner's lock.
    release();
    assert.equal(JSON.parse(fs.readFileSync(lockPath, 'utf8')).token, 'distant');
    fs.rmSync(lockPath);
    acquireDataDirLock(dataDir)();
    assert.deepEqual(fs.readdirSync(dataDir), [], 'no temporary file is left behind');
  });
});
