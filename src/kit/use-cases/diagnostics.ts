import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { organisationsWithRole, type Principal } from '../../accounts/use-cases/principal.js';
import { authenticateBooklet, bookletNotFound } from '../../pass/use-cases/booklet-pin.js';
import { isUuid } from '../../shared/uuid.js';
import { conflict, invalid, notFound } from '../../shared/errors.js';
import { bankFor, estimatedTotal, MAX_ITEMS, nextStep, overallLevel, stopsEarly, topicLevels, type Progress } from '../domain/engine.js';
import { followUpRefusal } from '../domain/follow-up.js';
import { DONT_KNOW, type Item, type ItemBank } from '../domain/item-bank.js';
import { checkObstacleAnswer, describeObstacles, OBSTACLE_QUESTIONS, obstacleQuestion, obstaclesFrom, type Obstacles } from '../domain/obstacles.js';
import { readerOf, type Reader } from '../domain/reader.js';
import { adviceFor, recommend, type AdviceLine, type Recommendation } from '../domain/recommendation.js';
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
  /** The answer given before the way back brought the person here again, shown selected; null otherwise. */
  previous: string[] | null;
}

/** The result, in the words of its reader (the person, or the professional filling it in with the person). */
export interface DiagnosticOutcome {
  overall: Level;
  overallWords: string;
  levels: { topic: Topic; label: string; level: Level }[];
  obstacles: Obstacles;
  obstaclesText: string[];
  recommendation: Recommendation;
  /** The advice in the reader's words, each with the places search it links to. */
  advice: AdviceLine[];
  /** Ended by the rule of the « Je ne sais pas » in a row (engine.ts, stopsEarly). */
  stoppedEarly: boolean;
}

export interface DiagnosticView {
  id: string;
  kind: 'initial' | 'followup';
  startedAt: Date;
  finishedAt: Date | null;
  bookletId: number | null;
  near: string | null;
  reader: Reader;
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

/** The answers so far as the engine reads them: obstacle answers by question, item outcomes in order. */
function progressOf(responses: Response[]): Progress {
  const isObstacle = (r: Response) => obstacleQuestion(r.question_id) !== undefined;
  return {
    obstacles: new Map(responses.filter(isObstacle).map((r) => [r.question_id, r.answer])),
    outcomes: responses.filter((r) => !isObstacle(r) && r.correct !== null).map((r) => ({ itemId: r.question_id, correct: r.correct!, dontKnow: r.answer[0] === DONT_KNOW })),
  };
}

function itemScreen(item: Item, step: number, estimatedSteps: number, previous: string[] | null): Screen {
  return {
    type: 'item', id: item.id, question: item.question, hint: '', multiple: false, topic: TOPICS[item.topic],
    choices: [...item.choices, { id: DONT_KNOW, text: 'Je ne sais pas' }], step, estimatedSteps, previous,
  };
}

/**
 * What comes next (engine.ts, nextStep): the obstacle questions in order, then the engine's items without those the
 * obstacles answer; null when the diagnostic is over. `previous` holds the answers the way back took back.
 */
export function currentScreen(bank: ItemBank, responses: Response[], previous: Record<string, string[]> = {}): Screen | null {
  const step = responses.length + 1;
  const progress = progressOf(responses);
  const estimatedSteps = OBSTACLE_QUESTIONS.length + estimatedTotal(bankFor(bank, progress.obstacles.get('equipment')), progress.outcomes);
  const next = nextStep(bank, progress, MAX_ITEMS);
  if (!next) return null;
  const before = previous[next.type === 'obstacle' ? next.question.id : next.item.id] ?? null;
  if (next.type === 'item') return itemScreen(next.item, step, estimatedSteps, before);
  const q = next.question;
  return { type: 'obstacle', id: q.id, question: q.question, hint: q.hint, multiple: q.multiple, topic: null, choices: [...q.choices], step, estimatedSteps, previous: before };
}

interface Frozen {
  levels: Record<Topic, Level>;
  overall: Level;
  obstacles: Obstacles;
  recommendation: Recommendation;
  stoppedEarly: boolean;
}

/** The result in the reader's words, from what is frozen on the diagnostic (or just computed). */
function outcomeFor(frozen: Frozen, reader: Reader): DiagnosticOutcome {
  return {
    overall: frozen.overall,
    overallWords: reader === 'person' ? LEVEL_WORDS[frozen.overall].plain : LEVEL_WORDS[frozen.overall].professional,
    levels: (Object.keys(TOPICS) as Topic[]).map((topic) => ({ topic, label: TOPICS[topic], level: frozen.levels[topic] ?? 1 })),
    obstacles: frozen.obstacles,
    obstaclesText: describeObstacles(frozen.obstacles, reader),
    recommendation: frozen.recommendation,
    advice: adviceFor(frozen.recommendation, reader),
    stoppedEarly: frozen.stoppedEarly,
  };
}

function freeze(bank: ItemBank, responses: Response[]): Frozen {
  const progress = progressOf(responses);
  const personal = bankFor(bank, progress.obstacles.get('equipment'));
  const levels = topicLevels(personal, progress.outcomes);
  const overall = overallLevel(levels);
  const obstacles = obstaclesFrom(progress.obstacles);
  return { levels, overall, obstacles, recommendation: recommend({ levels, overall, obstacles }), stoppedEarly: stopsEarly(personal, progress.outcomes) };
}

export function computeOutcome(bank: ItemBank, responses: Response[], reader: Reader = 'person'): DiagnosticOutcome {
  return outcomeFor(freeze(bank, responses), reader);
}

export interface StartInput {
  bookletNumber?: string;
  bookletPin?: string;
  /** Who reads the advice (reader.ts); by default the one the signed-in role suggests. */
  reader?: string;
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
    const booklet = await db
      .selectFrom('booklets as b')
      .select(['b.handed_at', sql<number>`(select count(*) from vouchers v where v.booklet_id = b.id and v.status = 'redeemed')::int`.as('used')])
      .where('b.id', '=', bookletId)
      .executeTakeFirst();
    if (!booklet) throw bookletNotFound();
    const refusal = followUpRefusal({ handed: booklet.handed_at !== null, usedVouchers: Number(booklet.used) });
    if (refusal) throw refusal;
  }
  const organisationId = principal ? ([...organisationsWithRole(principal, 'prescriber'), ...organisationsWithRole(principal, 'mediator')][0] ?? null) : null;
  const row = await db
    .insertInto('diagnostics')
    .values({
      kind: bookletId === null ? 'initial' : 'followup', items_version: bank.version, started_by: principal?.userId ?? null, organisation_id: organisationId, booklet_id: bookletId,
      reader: readerOf(input.reader, principal),
    })
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
    reader: row.reader,
    screen: row.finished_at ? null : currentScreen(bank, responses, (row.previous_answers ?? {}) as Record<string, string[]>),
    canGoBack: !row.finished_at && responses.length > 0,
    outcome: row.finished_at ? storedOutcome(row, row.reader) : null,
  };
}

/** A finished diagnostic's result as frozen, in another reader's words (the person's sheet is always theirs). */
export function outcomeInWordsOf(outcome: DiagnosticOutcome, reader: Reader): DiagnosticOutcome {
  return outcomeFor({ ...outcome, levels: Object.fromEntries(outcome.levels.map((l) => [l.topic, l.level])) as Record<Topic, Level> }, reader);
}

function storedOutcome(row: { overall_level: number | null; topic_levels: unknown; obstacles: unknown; recommendation: unknown; stopped_early: boolean }, reader: Reader): DiagnosticOutcome {
  return outcomeFor({
    overall: row.overall_level as Level,
    levels: row.topic_levels as Record<Topic, Level>,
    obstacles: row.obstacles as Obstacles,
    recommendation: row.recommendation as Recommendation,
    stoppedEarly: row.stopped_early,
  }, reader);
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
    // Answered again: the answer the way back took back is no longer shown.
    await sql`update diagnostics set previous_answers = previous_answers - ${questionId}::text where id = ${id}`.execute(trx);
    const all = [...responses, { question_id: questionId, ...checked }];
    if (currentScreen(bank, all) === null) await finish(trx, bank, id, all);
  });
}

async function finish(trx: Kysely<DB>, bank: ItemBank, id: string, responses: Response[]): Promise<void> {
  const frozen = freeze(bank, responses);
  await trx
    .updateTable('diagnostics')
    .set({
      finished_at: new Date(),
      overall_level: frozen.overall,
      topic_levels: JSON.stringify(frozen.levels),
      obstacles: JSON.stringify(frozen.obstacles),
      recommendation: JSON.stringify(frozen.recommendation),
      stopped_early: frozen.stoppedEarly,
      previous_answers: '{}',
    })
    .where('id', '=', id)
    .execute();
}

/**
 * The way back: takes back the last answer, so its question is asked again, with that answer kept aside and shown
 * selected (previous_answers) until the question is answered again.
 */
export async function goBack(db: Kysely<DB>, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockDiagnostic(trx, id);
    const { rows } = await sql<{ question_id: string; answer: string[] }>`delete from diagnostic_responses where diagnostic_id = ${id}
              and position = (select max(position) from diagnostic_responses where diagnostic_id = ${id})
              returning question_id, answer`.execute(trx);
    const taken = rows[0];
    if (taken) {
      await sql`update diagnostics set previous_answers = previous_answers || jsonb_build_object(${taken.question_id}::text, to_jsonb(${taken.answer}::text[])) where id = ${id}`.execute(trx);
    }
  });
}

/** Where the person lives, to find places near them; checked by the caller against the communes. */
export async function setNear(db: Kysely<DB>, id: string, near: string): Promise<void> {
  if (!isUuid(id)) throw missing();
  const updated = await db.updateTable('diagnostics').set({ near }).where('id', '=', id).executeTakeFirst();
  if (updated.numUpdatedRows === 0n) throw missing();
}
