import '../../shared/zod-french.js';
import { z } from 'zod';
import { EQUIPMENT_CODES, OBSTACLE_QUESTIONS } from './obstacles.js';
import { TOPIC_CODES, type Level, type Topic } from './topics.js';

/**
 * The skill items are data, versioned in a JSON file an administrator can extend (docs/DIAGNOSTIC.md). Each item
 * belongs to the ladder of its topic: its difficulty orders the ladder, its level is the CRCN level a success shows.
 */
const itemSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{2,40}$/, 'identifiant en minuscules, chiffres et tirets (2 à 40 caractères)'),
  topic: z.enum(TOPIC_CODES as [Topic, ...Topic[]], { message: `thème inconnu (attendu : ${TOPIC_CODES.join(', ')})` }),
  difficulty: z.number().int().min(1).max(99),
  level: z.union([z.literal(1), z.literal(2), z.literal(3)], { message: 'niveau 1, 2 ou 3' }),
  question: z.string().min(5).max(200),
  choices: z
    .array(z.object({ id: z.string().regex(/^[a-z]$/, 'une lettre minuscule'), text: z.string().min(1).max(120) }))
    .min(2, 'au moins 2 choix')
    .max(5, 'au plus 5 choix'),
  answer: z.string(),
  /**
   * The devices the item is about (codes of the equipment obstacle question): a person who has none of them is never
   * asked it, the obstacles step already answered it (docs/DIAGNOSTIC.md, « Questions sautées »).
   */
  requires: z.array(z.enum(EQUIPMENT_CODES, { message: `appareil inconnu (attendu : ${EQUIPMENT_CODES.join(', ')})` })).min(1).optional(),
});

const bankSchema = z.object({
  version: z.string().min(1),
  items: z.array(itemSchema).min(1),
});

export type Item = z.infer<typeof itemSchema> & { level: Level };

export interface ItemBank {
  version: string;
  items: Item[];
  byId: ReadonlyMap<string, Item>;
  /** Each topic's items, easiest first. */
  ladders: ReadonlyMap<Topic, Item[]>;
}

/** "Je ne sais pas" is offered with every item and always counts as a failure: nobody has to guess. */
export const DONT_KNOW = 'nsp';

export class ItemBankError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Le fichier des questions du diagnostic est invalide :\n- ${problems.join('\n- ')}`);
  }
}

function crossChecks(items: Item[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.id)) problems.push(`${item.id} : identifiant en double`);
    if (OBSTACLE_QUESTIONS.some((q) => q.id === item.id)) problems.push(`${item.id} : identifiant réservé à une question sur les obstacles`);
    seen.add(item.id);
    const choiceIds = item.choices.map((c) => c.id);
    if (new Set(choiceIds).size !== choiceIds.length) problems.push(`${item.id} : deux choix ont la même lettre`);
    if (!choiceIds.includes(item.answer)) problems.push(`${item.id} : la bonne réponse « ${item.answer} » n’est pas un des choix`);
  }
  for (const topic of TOPIC_CODES) {
    const ladder = items.filter((i) => i.topic === topic).sort((a, b) => a.difficulty - b.difficulty);
    if (ladder.length === 0) problems.push(`thème ${topic} : aucune question`);
    for (let k = 1; k < ladder.length; k++) {
      const [easier, harder] = [ladder[k - 1]!, ladder[k]!];
      if (easier.difficulty === harder.difficulty) problems.push(`thème ${topic} : ${easier.id} et ${harder.id} ont la même difficulté`);
      if (easier.level > harder.level) problems.push(`thème ${topic} : ${harder.id} est plus difficile que ${easier.id} mais d’un niveau inférieur`);
    }
  }
  return problems;
}

/** Parses and checks a bank; every problem is listed at once, in French, so the file can be fixed in one go. */
export function parseItemBank(raw: unknown): ItemBank {
  const parsed = bankSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ItemBankError(parsed.error.issues.map((issue) => {
      const [, index, ...rest] = issue.path;
      const items = (raw as { items?: { id?: unknown }[] } | null)?.items;
      const where = typeof index === 'number' ? `question ${String(items?.[index]?.id ?? index + 1)}${rest.length ? ` (${rest.join('.')})` : ''}` : issue.path.join('.') || 'fichier';
      return `${where} : ${issue.message}`;
    }));
  }
  const items = parsed.data.items as Item[];
  const problems = crossChecks(items);
  if (problems.length) throw new ItemBankError(problems);
  const ladders = new Map<Topic, Item[]>(TOPIC_CODES.map((t) => [t, items.filter((i) => i.topic === t).sort((a, b) => a.difficulty - b.difficulty)]));
  return { version: parsed.data.version, items, byId: new Map(items.map((i) => [i.id, i])), ladders };
}
