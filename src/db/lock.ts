import fs from 'node:fs';
import path from 'node:path';

/**
 * PGlite does not lock its data directory and two processes writing it corrupt it silently,
 * so the process that opens it holds this lock file and refuses a live one.
 */
export class DataDirLockedError extends Error {
  constructor(public readonly dataDir: string, public readonly ownerPid: number) {
    super(
      `La base embarquée ${dataDir} est déjà utilisée par le processus ${ownerPid} (probablement « npm start »). ` +
        `Arrêtez ce processus avant de lancer cette commande, ou utilisez un serveur PostgreSQL (DATABASE_URL) ` +
        `pour que la CLI et le serveur fonctionnent en même temps.`,
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireDataDirLock(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, 'inclusif.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        fs.rmSync(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const ownerPid = Number(fs.readFileSync(lockPath, 'utf8').trim());
      if (ownerPid && ownerPid !== process.pid && isAlive(ownerPid)) throw new DataDirLockedError(dataDir, ownerPid);
      // A stale lock left by a crashed process: take it over.
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Impossible de verrouiller ${lockPath}`);
}
