import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * PGlite does not lock its data directory and two processes writing it corrupt it silently, so the process that
 * opens it holds `inclusif.lock` there and refuses a live one.
 *
 * - The file names its owner: PID, start time of that process (Linux: field 22 of /proc/<pid>/stat), boot, host
 *   and a random token per acquisition. The owner is live only if that PID runs and started at that very time: a
 *   PID reused by another process after a crash, or a lock from before a reboot, is stale.
 * - A lock appears with its whole content at once: written to a temporary file, then hard-linked to its name,
 *   which fails if the name exists.
 * - A stale lock is removed only by the process that creates, exclusively, the marker `inclusif.lock.takeover-<token
 *   of that stale lock>`, after checking the lock still is that one. So among processes taking over the same stale
 *   lock at once, one removes it and one creates the next lock; a process that judged the old lock stale can never
 *   remove the new one. A marker left by a process killed during its takeover is itself a stale lock, taken over
 *   the same way.
 */
export class DataDirLockedError extends Error {
  constructor(public readonly dataDir: string, public readonly ownerPid: number, message: string) {
    super(message);
  }
}

const LOCK_NAME = 'inclusif.lock';
/** Markers of markers: each level is only needed when a process is killed during a takeover of the level below. */
const MAX_TAKEOVER_DEPTH = 3;
/** A takeover takes a few system calls: wait at most this long for another process to finish its own. */
const TAKEOVER_WAIT_MS = 2000;
/** USER_HZ, the unit of /proc/<pid>/stat times: 100 on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

interface LockRecord {
  pid: number;
  /** Start of the process in clock ticks since boot (Linux), null where it cannot be read. */
  startTicks: number | null;
  /** /proc/sys/kernel/random/boot_id (Linux), null elsewhere. */
  bootId: string | null;
  hostname: string;
  /** When the process started, ISO 8601: for the messages. */
  startedAt: string;
  token: string;
}

/** What a lock file holds: our record, a bare PID (earlier versions), or something unreadable. */
type Found =
  | { kind: 'record'; record: LockRecord; identity: string }
  | { kind: 'bare-pid'; pid: number; modifiedAt: Date; identity: string }
  | { kind: 'unreadable'; identity: string };

type Verdict =
  | { live: false }
  | { live: true; pid: number; reason: 'running' | 'unverified' | 'same-process' | 'other-host' | 'bare-pid'; hostname: string; startedAt: Date | null };

const hasProc = fs.existsSync('/proc/self/stat');
const bootId = readOptional('/proc/sys/kernel/random/boot_id')?.trim() ?? null;
const bootTime = (() => {
  const line = readOptional('/proc/stat')?.split('\n').find((l) => l.startsWith('btime '));
  return line ? Number(line.slice(6)) : null;
})();

function readOptional(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Whether a PID runs (a zombie does not) and, on Linux, when it started. */
function inspectProcess(pid: number): { running: false } | { running: true; startTicks: number | null } {
  if (!Number.isSafeInteger(pid) || pid <= 0) return { running: false };
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return { running: false };
  }
  if (!hasProc) return { running: true, startTicks: null };
  const stat = readOptional(`/proc/${pid}/stat`);
  if (stat === null) return { running: true, startTicks: null }; // hidden (hidepid) or just exited: do not guess
  // "pid (command, which may hold spaces and parentheses) state ppid …": field 3 is the state, field 22 the start.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return { running: false };
  const startTicks = Number(fields[19]);
  return { running: true, startTicks: Number.isSafeInteger(startTicks) ? startTicks : null };
}

function startDate(startTicks: number | null): Date | null {
  return startTicks === null || bootTime === null ? null : new Date((bootTime + startTicks / CLOCK_TICKS_PER_SECOND) * 1000);
}

function ourRecord(): LockRecord {
  const self = inspectProcess(process.pid);
  return {
    pid: process.pid,
    startTicks: self.running ? self.startTicks : null,
    bootId,
    hostname: os.hostname(),
    startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
    token: randomBytes(12).toString('hex'),
  };
}

function isRecord(value: unknown): value is LockRecord {
  const r = value as LockRecord;
  return (
    typeof r === 'object' && r !== null && Number.isSafeInteger(r.pid) && typeof r.token === 'string' && /^[0-9a-z-]+$/.test(r.token) &&
    typeof r.hostname === 'string' && typeof r.startedAt === 'string' &&
    (r.startTicks === null || Number.isSafeInteger(r.startTicks)) && (r.bootId === null || typeof r.bootId === 'string')
  );
}

function readLock(file: string): Found | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const stat = fs.fstatSync(fd);
    const content = fs.readFileSync(fd, 'utf8');
    // A file without a token of ours is named by its inode and content: a new file cannot pass for it.
    const identity = `f${stat.ino}-${createHash('sha256').update(content).digest('hex').slice(0, 16)}`;
    if (/^\s*\d+\s*$/.test(content)) return { kind: 'bare-pid', pid: Number(content), modifiedAt: stat.mtime, identity };
    try {
      const parsed: unknown = JSON.parse(content);
      if (isRecord(parsed)) return { kind: 'record', record: parsed, identity: parsed.token };
    } catch {
      // unreadable: see below
    }
    return { kind: 'unreadable', identity };
  } finally {
    fs.closeSync(fd);
  }
}

function judge(found: Found): Verdict {
  if (found.kind === 'unreadable') return { live: false };
  if (found.kind === 'bare-pid') {
    // Written by an earlier version, without start time: a process started after the file was written cannot be
    // its owner; otherwise it may be, and only the user can tell.
    if (found.pid === process.pid) return { live: false };
    const proc = inspectProcess(found.pid);
    if (!proc.running) return { live: false };
    const startedAt = startDate(proc.startTicks);
    if (startedAt && startedAt.getTime() > found.modifiedAt.getTime() + 1000) return { live: false };
    return { live: true, pid: found.pid, reason: 'bare-pid', hostname: os.hostname(), startedAt };
  }
  const { record } = found;
  const owner = { pid: record.pid, hostname: record.hostname, startedAt: new Date(record.startedAt) };
  if (record.hostname !== os.hostname()) return { live: true, reason: 'other-host', ...owner };
  if (record.bootId !== null && bootId !== null && record.bootId !== bootId) return { live: false };
  const proc = inspectProcess(record.pid);
  if (!proc.running) return { live: false };
  const verified = record.startTicks !== null && proc.startTicks !== null;
  if (verified && record.startTicks !== proc.startTicks) return { live: false }; // the PID now names another process
  if (record.pid === process.pid) return { live: true, reason: 'same-process', ...owner };
  return { live: true, reason: verified ? 'running' : 'unverified', ...owner };
}

/** Creates `file` holding `record` unless it exists; the content is complete as soon as the name appears. */
function createExclusive(file: string, record: LockRecord): boolean {
  const content = `${JSON.stringify(record)}\n`;
  const temporary = `${file}.tmp-${record.token}`;
  fs.writeFileSync(temporary, content, { flag: 'wx' });
  try {
    fs.linkSync(temporary, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
  // A file system without hard links: exclusive creation still decides the winner.
  try {
    fs.writeFileSync(file, content, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Removes `file` if it still holds that token: a live owner's lock is never taken over, so it cannot change meanwhile. */
function removeIfOurs(file: string, token: string): void {
  const found = readLock(file);
  if (found?.identity === token) fs.rmSync(file, { force: true });
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Takes `file` for `record`, taking over a stale one; returns the live owner otherwise. */
function claim(file: string, record: LockRecord, depth: number, lockPath = file): true | Extract<Verdict, { live: true }> {
  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  for (;;) {
    if (createExclusive(file, record)) return true;
    const found = readLock(file);
    if (!found) continue; // released meanwhile
    const verdict = judge(found);
    if (verdict.live) return verdict;
    if (depth >= MAX_TAKEOVER_DEPTH) {
      throw new Error(`Le verrou périmé ${lockPath} n’a pas pu être repris automatiquement : supprimez les fichiers ${lockPath}* puis relancez la commande.`);
    }
    const marker = `${file}.takeover-${found.identity}`;
    const markerRecord = { ...record, token: randomBytes(12).toString('hex') };
    const taker = claim(marker, markerRecord, depth + 1, lockPath);
    if (taker === true) {
      try {
        if (readLock(file)?.identity === found.identity) fs.rmSync(file, { force: true });
      } finally {
        removeIfOurs(marker, markerRecord.token);
      }
    } else if (Date.now() < deadline) {
      sleep(5); // another process is taking this stale lock over: it is done in a moment
    } else {
      return taker;
    }
  }
}

const dateFormat = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeStyle: 'medium', timeZone: 'Europe/Paris' });

function lockedMessage(dataDir: string, lockPath: string, owner: Extract<Verdict, { live: true }>): string {
  const started = owner.startedAt && !Number.isNaN(owner.startedAt.getTime()) ? `, démarré le ${dateFormat.format(owner.startedAt)}` : '';
  const stopIt = `Arrêtez ce processus avant de lancer cette commande, ou utilisez un serveur PostgreSQL (DATABASE_URL) pour que la CLI et le serveur fonctionnent en même temps.`;
  switch (owner.reason) {
    case 'running':
      return `La base embarquée ${dataDir} est déjà utilisée par le processus ${owner.pid}${started} (le serveur « npm start » ou une autre commande inclusif). ${stopIt}`;
    case 'unverified':
      return (
        `La base embarquée ${dataDir} est déjà utilisée par le processus ${owner.pid}${started}, sans que ce système permette de vérifier qu’il s’agit bien de ce processus-là. ` +
        `${stopIt} S’il n’a rien à voir avec inclusif, supprimez ${lockPath}.`
      );
    case 'same-process':
      return `La base embarquée ${dataDir} est déjà ouverte par ce même processus (${owner.pid}) : fermez-la avant de la rouvrir.`;
    case 'other-host':
      return (
        `La base embarquée ${dataDir} est verrouillée par le processus ${owner.pid} de la machine « ${owner.hostname} »${started}, qu’on ne peut pas vérifier depuis cette machine. ` +
        `Arrêtez-le, ou, s’il ne tourne plus, supprimez ${lockPath}.`
      );
    case 'bare-pid':
      return (
        `La base embarquée ${dataDir} est peut-être déjà utilisée par le processus ${owner.pid}${started} : son verrou, écrit par une version antérieure, ne permet pas de vérifier qu’il s’agit d’inclusif. ` +
        `${stopIt} S’il n’a rien à voir avec inclusif, supprimez ${lockPath}.`
      );
  }
}

/** Takes the lock of a PGlite data directory, or throws DataDirLockedError naming its live owner; returns its release. */
export function acquireDataDirLock(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, LOCK_NAME);
  const record = ourRecord();
  const owner = claim(lockPath, record, 0);
  if (owner !== true) throw new DataDirLockedError(dataDir, owner.pid, lockedMessage(dataDir, lockPath, owner));
  let released = false;
  return () => {
    if (released) return;
    released = true;
    removeIfOurs(lockPath, record.token);
  };
}
