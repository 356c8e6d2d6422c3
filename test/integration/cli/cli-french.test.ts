import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fromRoot } from '../../../src/shared/paths.js';

/** The `inclusif` command as a person runs it: its help, commander's own texts and its errors are in French. */
const inclusif = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', fromRoot('src', 'cli', 'main.ts'), ...args], { cwd: fromRoot(), encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });

const ENGLISH = /Usage:|Options:|Commands:|Arguments:|display help|error:|\[command\]|unknown option|missing required|Did you mean|default:/;

test('inclusif --help and the help of a subcommand are in French', () => {
  const help = inclusif('--help');
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Utilisation : inclusif \[options\] \[commande\]/);
  assert.match(help.stdout, /Options :\n {2}-h, --help +affiche l’aide de la commande/);
  assert.match(help.stdout, /Commandes :\n/);
  assert.match(help.stdout, /help \[commande\] +affiche l’aide d’une commande/);
  assert.doesNotMatch(help.stdout, ENGLISH);
  const vouchers = inclusif('vouchers', 'list', '--help');
  assert.equal(vouchers.status, 0, vouchers.stderr);
  assert.match(vouchers.stdout, /--limit <n> +nombre maximum de lignes \(par défaut : 50\)/);
  assert.match(vouchers.stdout, /redeemed \(encaissé\)/);
  assert.doesNotMatch(vouchers.stdout, ENGLISH);
});

test('an unknown option, a missing argument, a wrong value: French errors, exit code 1, nothing else printed', () => {
  const unknown = inclusif('--inconnue');
  assert.equal(unknown.status, 1);
  assert.equal(unknown.stdout, '');
  assert.equal(unknown.stderr, 'erreur : option inconnue « --inconnue »\n(ajoutez --help pour voir l’aide de la commande)\n');
  const missing = inclusif('orders', 'issue');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^erreur : il manque l’argument obligatoire « id »/);
  const wrong = inclusif('vouchers', 'list', '--status', 'perdu');
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /^erreur : la valeur « perdu » de l’option « --status <statut> » n’est pas valable\. Valeurs possibles : issued, /);
  const command = inclusif('ordres');
  assert.equal(command.status, 1);
  assert.match(command.stderr, /^erreur : commande inconnue « ordres »\n\(Vouliez-vous dire orders \?\)/);
  for (const run of [unknown, missing, wrong, command]) assert.doesNotMatch(run.stderr, ENGLISH);
});

test('a command’s human output is French (topics named, plural)', () => {
  const checked = inclusif('diagnostic', 'check-items');
  assert.equal(checked.status, 0, checked.stderr);
  assert.match(checked.stdout, /^Fichier valide, version .+ : \d+\u00a0questions \(Utiliser un appareil : \d+ ; /);
  assert.doesNotMatch(checked.stdout, /\bdevice\b|\(s\)/);
});
