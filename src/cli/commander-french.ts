import { Command, CommanderError, type Help, type Option, type Argument } from 'commander';

/**
 * Commander writes its own texts in English (« Usage: », « Options: », « display help for command », « error: unknown
 * option »…). `frenchCommander` puts every command of a tree in French through commander's documented hooks:
 * `configureHelp` (titles, usage words, defaults and choices), `helpOption` and `helpCommand` (their descriptions),
 * `configureOutput` (error messages, translated by `frenchCommanderMessage`), `showHelpAfterError` (a French hint)
 * and `exitOverride` (errors are thrown, so the caller chooses the exit code).
 */

const TITLES: Record<string, string> = {
  'Usage:': 'Utilisation :',
  'Options:': 'Options :',
  'Global Options:': 'Options globales :',
  'Commands:': 'Commandes :',
  'Arguments:': 'Arguments :',
};

/** The placeholder words commander puts in usage lines. */
export function frenchUsage(usage: string): string {
  return usage
    .split(' ')
    .map((word) => (word === '[command]' ? '[commande]' : word === '<command>' ? '<commande>' : word))
    .join(' ');
}

function extras(item: { description: string; argChoices?: string[]; defaultValue?: unknown; defaultValueDescription?: string; envVar?: string }, showDefault: boolean): string[] {
  const info: string[] = [];
  // A description that already explains every value (with its French label) is not repeated.
  if (item.argChoices && !item.argChoices.every((choice) => item.description.includes(choice))) info.push(`valeurs possibles : ${item.argChoices.join(', ')}`);
  if (item.defaultValue !== undefined && showDefault) info.push(`par défaut : ${item.defaultValueDescription ?? String(item.defaultValue)}`);
  if (item.envVar !== undefined) info.push(`variable d’environnement : ${item.envVar}`);
  return info;
}

const withExtras = (description: string, info: string[]) => (info.length ? `${description}${description ? ' ' : ''}(${info.join(' ; ')})` : description);

const HELP: Partial<Help> = {
  styleTitle: (title: string) => TITLES[title] ?? title,
  styleUsage: (usage: string) => frenchUsage(usage),
  styleSubcommandTerm: (term: string) => frenchUsage(term),
  optionDescription: (option: Option) => {
    // As commander does: a default is shown for options taking a value, not for plain switches (--no-demo).
    const showDefault = option.required || option.optional;
    return withExtras(option.description, extras(option, showDefault));
  },
  argumentDescription: (argument: Argument) => withExtras(argument.description, extras(argument, true)),
};

const PATTERNS: [RegExp, (...groups: string[]) => string][] = [
  [/^error: unknown option '([^']*)'/, (flag) => `erreur : option inconnue « ${flag} »`],
  [/^error: unknown command '([^']*)'/, (name) => `erreur : commande inconnue « ${name} »`],
  [/^error: missing required argument '([^']*)'/, (name) => `erreur : il manque l’argument obligatoire « ${name} »`],
  [/^error: option '([^']*)' argument missing/, (flags) => `erreur : l’option « ${flags} » attend une valeur`],
  [/^error: required option '([^']*)' not specified/, (flags) => `erreur : l’option obligatoire « ${flags} » manque`],
  [
    /^error: too many arguments(?: for '([^']*)')?\. Expected (\d+) arguments? but got (\d+)\./,
    (name, expected, got) => `erreur : trop d’arguments${name ? ` pour « ${name} »` : ''} : ${Number(expected) <= 1 ? `${expected} attendu` : `${expected} attendus`}, ${Number(got) <= 1 ? `${got} reçu` : `${got} reçus`}.`,
  ],
  [/^error: option '([^']*)' argument '([^']*)' is invalid\./, (flags, value) => `erreur : la valeur « ${value} » de l’option « ${flags} » n’est pas valable.`],
  [/^error: command-argument value '([^']*)' is invalid for argument '([^']*)'\./, (value, name) => `erreur : la valeur « ${value} » de l’argument « ${name} » n’est pas valable.`],
  [/^error: option '([^']*)' cannot be used with option '([^']*)'/, (a, b) => `erreur : l’option « ${a} » ne peut pas servir avec l’option « ${b} »`],
  [/Allowed choices are (.*)\.$/m, (choices) => `Valeurs possibles : ${choices}.`],
  [/\(Did you mean one of (.*)\?\)/, (list) => `(Vouliez-vous dire l’une de celles-ci : ${list} ?)`],
  [/\(Did you mean (.*)\?\)/, (one) => `(Vouliez-vous dire ${one} ?)`],
];

/**
 * One of commander's error messages in French; a message commander does not write (ours, already French) is left as
 * it is. Each pattern replaces its own part, so a message and its suggestion are both translated.
 */
export function frenchCommanderMessage(message: string): string {
  let text = message;
  for (const [pattern, french] of PATTERNS) text = text.replace(pattern, (_match, ...groups: unknown[]) => french(...groups.slice(0, -2).map((g) => (g === undefined ? '' : String(g)))));
  return text;
}

export const HELP_DESCRIPTION = 'affiche l’aide de la commande';
export const HELP_HINT = '(ajoutez --help pour voir l’aide de la commande)';

/** Puts a command and all its subcommands (built with `.command()` or added with `.addCommand()`) in French. */
export function frenchCommander(command: Command): Command {
  command
    .configureHelp(HELP)
    .helpOption('-h, --help', HELP_DESCRIPTION)
    .showHelpAfterError(HELP_HINT)
    .configureOutput({ outputError: (text, write) => write(frenchCommanderMessage(text)) })
    .exitOverride();
  if (command.commands.length) command.helpCommand('help [commande]', 'affiche l’aide d’une commande');
  for (const sub of command.commands) frenchCommander(sub);
  return command;
}

/** After `exitOverride`, commander throws: help and version are not failures, the rest keep commander's exit code. */
export function isCommanderExit(error: unknown): error is CommanderError {
  return error instanceof CommanderError;
}
