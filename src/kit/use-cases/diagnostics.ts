import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { organisationsWithRole, type Principal } from '../../accounts/use-cases/principal.js';
import { authenticateBooklet, bookletNotFound } from '../../pass/use-cases/booklet-pin.js';
import { isUuid } from '../../shared/uuid.js';
import { conflict, invalid, notFound } from '../../shared/errors.js';
import { estimatedTotal, MAX_ITEMS, nextItem, overallLevel, topicLevels, type Outcome } from '../domain/engine.js';
import { DONT_KNOW, type Item, type ItemBank } from '../domain/item-bank.js';
import { checkObstacleAnswer, describeObstacles, OBSTACLE_QUESTIONS, obstacleQuestion, obstaclesFrom, type Obstacles } from '../domain/obstacles.js';
import { recommend, type Recommendation } from '../domain/recommendation.js';
import { LEVEL_WORDS, TOPICS, type Level, type Topic } from '../domain/topics.js';

export interface Choice {
  id: string;
  text: string;
}

/** One screen: an obstacle question or a skill item, with where the person stands. */
export interface Screen {
  type: 'obstacle' | 'item';
  id: string;
  question: string;
  hint: string;
  multiple: boolean;
  topic: string | null;
  choices: Choice[];
  step: number;
  estimatedSteps: number;
}

export interface DiagnosticOutcome {
  overall: Level;
  overallWords: string;
  levels: { topic: Topic; label: string; level: Level }[];
  obstacles: Obstacles;
  obstaclesText: string[];
  recommendation: Recommendation;
}

export interface DiagnosticView {
  id: string;
  kind: 'initial' | 'followup';
  startedAt: Date;
  finishedAt: Date | null;
  bookletId: number | null;
  near: string | null;
  screen: Screen | null;
  canGoBack: boolean;
  outcome: DiagnosticOutcome | null;
}

interface Response {
  question_id: string;
  answer: string[];
  correct: boolean | null;
}

const missing = () => notFound('Ce diagnostic n’existe pas. Recommencez depuis la page d’accueil du diagnostic.', 'diagnostic_inconnu');

const outcomesOf = (responses: Response[]): Outcome[] =>
  responses.filter((r) => r.correct !== null).map((r) => ({ itemId: r.question_id, correct: r.correct! }));

function itemScreen(item: Item, step: number, estimatedSteps: number): Screen {
  return {
    type: 'item', id: item.id, question: item.question, hint: '', multiple: false, topic: TOPICS[item.topic],
    choices: [...item.choices, { id: DONT_KNOW, text: 'Je ne sais pas' }], step, estimatedSteps,
  };
}

/** What comes next: the obstacle questions in order, then the engine's items; null when the diagnostic is over. */
export function currentScreen(bank: ItemBank, responses: Response[]): Screen | null {
  const step = responses.length + 1;
  const outcomes = outcomesOf(responses);
  const estimatedSteps = OBSTACLE_QUESTIONS.length + estimatedTotal(bank, outcomes);
  const pending = OBSTACLE_QUESTIONS.find((q) => !responses.some((r) => r.question_id === q.id));
  if (pending) {
    return { type: 'obstacle', id: pending.id, question: pending.question, hint: pending.hint, multiple: pending.multiple, topic: null, choices: [...pending.choices], step, estimatedSteps };
  }
  const item = nextItem(bank, outcomes, MAX_ITEMS);
  return item ? itemScreen(item, step, estimatedSteps) : null;
}

export function computeOutcome(bank: ItemBank, responses: Response[]): DiagnosticOutcome {
  const outcomes = outcomesOf(responses);
  const levels = topicLevels(bank, outcomes);
  const overall = overallLevel(levels);
  const obstacles = obstaclesFrom(new Map(responses.map((r) => [r.question_id, r.answer])));
  return {
    overall,
    overallWords: LEVEL_WORDS[overall].plain,
    levels: (Object.keys(TOPICS) as Topic[]).map((topic) => ({ topic, label: TOPICS[topic], level: levels[topic] })),
    obstacles,
    obstaclesText: describeObstacles(obstacles),
    recommendation: recommend({ levels, overall, obstacles }),
  };
}

export interface StartInput {
  bookletNumber?: string;
  bookletPin?: string;
}

/**
 * Starts a diagnostic, anonymous or by a prescriber. With a booklet's number and PIN it is a follow-up, linked to
 * the booklet (no name), to measure progress after the workshops.
 */
export async function startDiagnostic(db: Kysely<DB>, bank: ItemBank, secret: string, principal: Principal | null, input: StartInput = {}): Promise<string> {
  let bookletId: number | null = null;
  if (input.bookletNumber || input.bookletPin) {
    // The same count of wrong PINs, and the same lock, as the balance page (booklet-pin.ts).
    bookletId = await authenticateBooklet(db, secret, input.bookletNumber ?? '', input.bookletPin ?? '');
    const booklet = await db.selectFrom('booklets').select(['handed_at']).where('id', '=', bookletId).executeTakeFirst();
    if (!booklet) throw bookletNotFound();
    if (!booklet.handed_at) throw conflict('Ce carnet n’a pas encore été remis : le deuxième diagnostic se fait après les ateliers.', 'carnet_non_remis');
  }
  const organisationId = principal ? ([...organisationsWithRole(principal, 'prescriber'), ...organisationsWithRole(principal, 'mediator')][0] ?? null) : null;
  const row = await db
    .insertInto('diagnostics')
    .values({ kind: bookletId === null ? 'initial' : 'followup', items_version: bank.version, started_by: principal?.userId ?? null, organisation_id: organisationId, booklet_id: bookletId })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function loadResponses(db: Kysely<DB>, id: string): Promise<Response[]> {
  return db.selectFrom('diagnostic_responses').select(['question_id', 'answer', 'correct']).where('diagnostic_id', '=', id).orderBy('position').execute();
}

async function lockDiagnostic(trx: Kysely<DB>, id: string) {
  if (!isUuid(id)) throw missing();
  const diagnostic = await trx.selectFrom('diagnostics').select(['id', 'finished_at']).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!diagnostic) throw missing();
  if (diagnostic.finished_at) throw conflict('Ce diagnostic est terminé : ses réponses ne changent plus.', 'diagnostic_termine');
  return diagnostic;
}

export async function getDiagnostic(db: Kysely<DB>, bank: ItemBank, id: string): Promise<DiagnosticView> {
  if (!isUuid(id)) throw missing();
  const row = await db.selectFrom('diagnostics').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw missing();
  const responses = row.finished_at ? [] : await loadResponses(db, id);
  return {
    id: row.id,
    kind: row.kind,
    startedAt: new Date(row.started_at),
    finishedAt: row.finished_at ? new Date(row.finished_at) : null,
    bookletId: row.booklet_id,
    near: row.near,
    screen: row.finished_at ? null : currentScreen(bank, responses),
    canGoBack: !row.finished_at && responses.length > 0,
    outcome: row.finished_at ? storedOutcome(row) : null,
  };
}

function storedOutcome(row: { overall_level: number | null; topic_levels: unknown; obstacles: unknown; recommendation: unknown }): DiagnosticOutcome {
  const overall = row.overall_level as Level;
  const levels = row.topic_levels as Record<Topic, Level>;
  const obstacles = row.obstacles as Obstacles;
  return {
    overall,
    overallWords: LEVEL_WORDS[overall].plain,
    levels: (Object.keys(TOPICS) as Topic[]).map((topic) => ({ topic, label: TOPICS[topic], level: levels[topic] ?? 1 })),
    obstacles,
    obstaclesText: describeObstacles(obstacles),
    recommendation: row.recommendation as Recommendation,
  };
}

function checkAnswer(bank: ItemBank, screen: Screen, answer: readonly string[]): { answer: string[]; correct: boolean | null } {
  const obstacle = obstacleQuestion(screen.id);
  if (obstacle) return { answer: checkObstacleAnswer(obstacle, answer), correct: null };
  const item = bank.byId.get(screen.id)!;
  if (answer.length !== 1) throw invalid('Choisissez une seule réponse.', 'reponse_unique');
  const choice = answer[0]!;
  if (choice !== DONT_KNOW && !item.choices.some((c) => c.id === choice)) throw invalid('Cette réponse ne fait pas partie des choix proposés.', 'reponse_inconnue');
  return { answer: [choice], correct: choice === item.answer };
}

/**
 * Records the answer to the current screen. A repeated submission of a question already answered (a double tap,
 * the browser's back button) changes nothing; an answer to a question that is not the current one is refused.
 * When nothing is left to ask, the result is computed and frozen with the diagnostic.
 */
export async function answerDiagnostic(db: Kysely<DB>, bank: ItemBank, id: string, questionId: string, answer: readonly string[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockDiagnostic(trx, id);
    const responses = await loadResponses(trx, id);
    if (responses.some((r) => r.question_id === questionId)) return;
    const screen = currentScreen(bank, responses);
    if (!screen || screen.id !== questionId) throw conflict('Cette question n’est pas la question en cours : la page a été rechargée, reprenez à la question affichée.', 'question_non_courante');
    const checked = checkAnswer(bank, screen, answer);
    await trx.insertInto('diagnostic_responses').values({ diagnostic_id: id, position: responses.length + 1, question_id: questionId, answer: checked.answer, correct: checked.correct }).execute();
    const all = [...responses, { question_id: questionId, ...checked }];
    if (currentScreen(bank, all) === null) await finish(trx, bank, id, all);
  });
}

async function finish(trx: Kysely<DB>, bank: ItemBank, id: string, responses: Response[]): Promise<void> {
  const outcome = computeOutcome(bank, responses);
  const levels = Object.fromEntries(outcome.levels.map((l) => [l.topic, l.level]));
  await trx
    .updateTable('diagnostics')
    .set({
      finished_at: new Date(),
      overall_level: outcome.overall,
      topic_levels: JSON.stringify(levels),
      obstacles: JSON.stringify(outcome.obstacles),
      recommendation: JSON.stringify(outcome.recommendation),
    })
    .where('id', '=', id)
    .execute();
}

/** The way back: forgets the last answer, so its question is asked again. */
export async function goBack(db: Kysely<DB>, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockDiagnostic(trx, id);
    await sql`delete from diagnostic_responses where diagnostic_id = ${id}
              and position = (select max(position) from diagnostic_responses where diagnostic_id = ${id})`.execute(trx);
  });
}

/** Where the person lives, to find places near them; checked by the caller against the communes. */
export async function setNear(db: Kysely<DB>, id: string, near: string): Promise<void> {
  if (!isUuid(id)) throw missing();
  const updated = await db.updateTable('diagnostics').set({ near }).where('id', '=', id).executeTakeFirst();
  if (updated.numUpdatedRows === 0n) throw missing();
}
