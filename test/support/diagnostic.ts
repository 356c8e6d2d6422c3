import type { FastifyInstance } from 'fastify';
import { loadItemBank } from '../../src/kit/use-cases/item-bank-file.js';

export interface Person {
  equipment?: string[];
  internet?: string;
  feelings?: string[];
  /** Whether the person answers this item right. */
  knows(itemId: string): boolean;
}

export const knowsEverything: Person = { knows: () => true };
export const knowsNothing: Person = { knows: () => false };

/** Answers every screen of a diagnostic through the API, as the person would; returns the final answer. */
export async function runDiagnosticByApi(app: FastifyInstance, id: string, person: Person) {
  const bank = loadItemBank();
  let state = (await app.inject({ url: `/api/v1/diagnostics/${id}` })).json();
  let asked = 0;
  while (state.question) {
    const q = state.question;
    const answer = q.type === 'obstacle'
      ? ({ equipment: person.equipment ?? ['smartphone'], internet: person.internet ?? 'home', feelings: person.feelings ?? ['none'] } as Record<string, string | string[]>)[q.id]
      : person.knows(q.id) ? bank.byId.get(q.id)!.answer : 'nsp';
    const response = await app.inject({ method: 'POST', url: `/api/v1/diagnostics/${id}/answers`, payload: { questionId: q.id, answer } });
    if (response.statusCode !== 200) throw new Error(`${response.statusCode} ${response.body}`);
    state = response.json();
    if (++asked > 20) throw new Error('le diagnostic ne finit pas');
  }
  return { state, asked };
}
