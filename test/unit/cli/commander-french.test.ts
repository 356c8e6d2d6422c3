import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command, Option } from 'commander';
import { frenchCommander, frenchCommanderMessage, frenchUsage, HELP_DESCRIPTION, isCommanderExit } from '../../../src/cli/commander-french.js';
import { formatTable } from '../../../src/cli/table.js';

/** A small tree built like the real one: subcommands created with .command() and one added with .addCommand(). */
function tree() {
  const program = new Command('inclusif').description('Plateforme.');
  const orders = program.command('orders').description('Commandes.');
  orders.command('issue').description('Émet une commande.').argument('<id>', 'numéro de la commande');
  orders.command('list').description('Liste.').option('--limit <n>', 'lignes', '50').addOption(new Option('--status <statut>', 'statut').choices(['paid', 'placed']));
  program.addCommand(new Command('places').description('Lieux.').addCommand(new Command('export').description('Exporte.').option('--out <fichier>', 'fichier')));
  frenchCommander(program);
  let err = '';
  program.configureOutput({ writeErr: (text) => (err += text), writeOut: () => {} });
  for (const command of [orders, ...orders.commands, ...program.commands]) command.configureOutput({ writeErr: (text) => (err += text), writeOut: () => {} });
  return { program, orders, errors: () => err };
}

const english = /Usage:|Options:|Commands:|Arguments:|display help|\[command\]|default:|choices:/;

test('help in French on every level, commands added with addCommand included', () => {
  const { program, orders } = tree();
  const help = program.helpInformation();
  assert.match(help, /^Utilisation : inclusif \[options\] \[commande\]/);
  assert.match(help, /Options :\n {2}-h, --help +affiche l’aide de la commande/);
  assert.match(help, /Commandes :/);
  assert.match(help, /help \[commande\] +affiche l’aide d’une commande/);
  assert.doesNotMatch(help, english);
  const list = orders.commands.find((c) => c.name() === 'list')!.helpInformation();
  assert.match(list, /--limit <n> +lignes \(par défaut : 50\)/);
  assert.match(list, /valeurs possibles : paid, placed/);
  assert.doesNotMatch(list, english);
  const issue = orders.commands.find((c) => c.name() === 'issue')!.helpInformation();
  assert.match(issue, /Arguments :\n {2}id +numéro de la commande/);
  const exported = program.commands.find((c) => c.name() === 'places')!.commands[0]!.helpInformation();
  assert.match(exported, new RegExp(HELP_DESCRIPTION));
  assert.doesNotMatch(exported, english);
});

test('commander’s errors are written in French and thrown (exitOverride), with a French hint', async () => {
  for (const [argv, expected] of [
    [['--inconnue'], /^erreur : option inconnue « --inconnue »\n\(ajoutez --help pour voir l’aide de la commande\)\n$/],
    [['orders', 'issue'], /^erreur : il manque l’argument obligatoire « id »/],
    [['orders', 'list', '--status', 'x'], /^erreur : la valeur « x » de l’option « --status <statut> » n’est pas valable\. Valeurs possibles : paid, placed\./],
    [['orders', 'list', '--limit'], /^erreur : l’option « --limit <n> » attend une valeur/],
    [['orders', 'inconnue'], /^erreur : commande inconnue « inconnue »/],
  ] as [string[], RegExp][]) {
    const { program, errors } = tree();
    await assert.rejects(program.parseAsync(argv, { from: 'user' }), (error: unknown) => isCommanderExit(error) && error.exitCode === 1, argv.join(' '));
    assert.match(errors(), expected, argv.join(' '));
    assert.doesNotMatch(errors(), /error:|Did you mean/);
  }
});

test('each message commander writes has its French form; our own messages are left alone', () => {
  assert.equal(frenchCommanderMessage("error: unknown option '--x'\n(Did you mean --y?)"), 'erreur : option inconnue « --x »\n(Vouliez-vous dire --y ?)');
  assert.equal(frenchCommanderMessage("error: unknown command 'ordres'\n(Did you mean one of orders, order?)"), 'erreur : commande inconnue « ordres »\n(Vouliez-vous dire l’une de celles-ci : orders, order ?)');
  assert.equal(frenchCommanderMessage("error: required option '--name <nom>' not specified"), 'erreur : l’option obligatoire « --name <nom> » manque');
  assert.equal(frenchCommanderMessage("error: too many arguments for 'migrate'. Expected 0 arguments but got 2."), 'erreur : trop d’arguments pour « migrate » : 0 attendu, 2 reçus.');
  assert.equal(frenchCommanderMessage("error: too many arguments. Expected 2 arguments but got 3."), 'erreur : trop d’arguments : 2 attendus, 3 reçus.');
  assert.equal(frenchCommanderMessage('Erreur : la base est verrouillée.'), 'Erreur : la base est verrouillée.');
  assert.equal(frenchUsage('orders [options] [command] <id>'), 'orders [options] [commande] <id>');
});

test('the CLI’s tables: French headings, a dash for nothing, no English index column', () => {
  const rows = [{ code: 'ABCDE', status: 'Encaissé', until: '1er décembre 2026' }, { code: 'FGHJK', status: 'Remis', until: null }];
  const text = formatTable(rows, [
    { heading: 'Code', value: (r) => r.code },
    { heading: 'Statut', value: (r) => r.status },
    { heading: 'Valable jusqu’au', value: (r) => r.until },
  ]);
  assert.equal(text, ['Code   Statut    Valable jusqu’au', '-----  --------  -----------------', 'ABCDE  Encaissé  1er décembre 2026', 'FGHJK  Remis     —'].join('\n'));
  assert.equal(formatTable([], [{ heading: 'Code', value: () => '' }]), 'Aucun résultat.');
  assert.match(formatTable([{ a: '2\u202f000,00\u00a0€' }], [{ heading: 'Montant', value: (r) => r.a }]), /2\u202f000,00\u00a0€/, 'French spaces kept');
});
