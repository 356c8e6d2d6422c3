import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../accounts/use-cases/principal.js';
import { requirePagePrincipal } from '../../http/auth.js';
import { httpStatus } from '../../http/errors.js';
import { redirectWithFlash } from '../../http/flash.js';
import { formId, parseId, toId } from '../../http/ids.js';
import { field, renderPage } from '../../http/page.js';
import { DomainError } from '../../shared/errors.js';
import { MERGE_FIELDS } from '../domain/merge.js';
import { requireReviewer } from '../use-cases/access.js';
import { listOpenDuplicates, mergeDuplicate, mergeProposal } from '../use-cases/duplicates.js';

const PAIR_NOT_FOUND = 'Ce doublon possible n’existe pas.';

const pairOf = (params: unknown) => {
  const p = params as { placeId?: unknown; otherPlaceId?: unknown } | undefined;
  return { placeId: parseId(p?.placeId, PAIR_NOT_FOUND), otherPlaceId: parseId(p?.otherPlaceId, PAIR_NOT_FOUND) };
};

/**
 * The field-by-field merge of a likely pair (use-cases/duplicates.ts): the page compares the two records, the
 * reviewer chooses the record kept and, per differing field, whose value it takes; the merge then redirects to the
 * list with its outcome. The list and its other decisions are in pages.ts.
 */
export const duplicatePages: FastifyPluginAsync = async (app) => {
  const { db } = app.platform;

  const mergePage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    pair: { placeId: number; otherPlaceId: number },
    chosen?: { keptPlaceId: number | null; choices: Record<string, number> },
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const proposal = await mergeProposal(db, principal, pair);
    const [first, second] = proposal.sides;
    const keptPlaceId = chosen?.keptPlaceId ?? proposal.keptPlaceId;
    return renderPage(request, reply, 'duplicate-merge.njk', {
      title: `Fusionner deux fiches : ${first.name}`,
      proposal,
      first,
      second,
      keptPlaceId,
      differing: proposal.fields.filter((f) => f.differs).map((f) => ({ ...f, checked: chosen?.choices[f.key] ?? f.defaultPlaceId })),
      same: proposal.fields.filter((f) => !f.differs),
      oneLabelled: (first.label?.valid ?? false) !== (second.label?.valid ?? false),
      ...extra,
    }, status);
  };

  app.get('/lieux/doublons/:placeId/:otherPlaceId', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    await requireReviewer(db, principal);
    return mergePage(request, reply, principal, pairOf(request.params));
  });

  app.post('/lieux/doublons/:placeId/:otherPlaceId', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    await requireReviewer(db, principal);
    const pair = pairOf(request.params);
    const choices: Record<string, number> = {};
    for (const { key } of MERGE_FIELDS) {
      const id = toId(field(request.body, `champ_${key}`));
      if (id !== null) choices[key] = id;
    }
    const keptText = field(request.body, 'conserver');
    try {
      const keptPlaceId = formId(keptText, 'La fiche à conserver');
      const result = await mergeDuplicate(db, principal, pair, { keptPlaceId, choices });
      const kept = await db.selectFrom('places').select('name').where('id', '=', result.keptPlaceId).executeTakeFirstOrThrow();
      return redirectWithFlash(reply, '/lieux/doublons', `Fiches fusionnées : « ${kept.name} » (fiche n° ${result.keptPlaceId}) est conservée avec les valeurs choisies ; la fiche n° ${result.mergedPlaceId} est désactivée et renvoie vers elle. La fusion est inscrite au journal des deux fiches.`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // A pair no longer pending, or outside the territory: the list says why, with the refusal's status.
      if (error.kind !== 'invalid') {
        const pairs = await listOpenDuplicates(db, await requireReviewer(db, principal));
        return renderPage(request, reply, 'duplicates.njk', { title: 'Doublons possibles', pairs, error: error.message }, httpStatus(error));
      }
      return mergePage(request, reply, principal, pair, { keptPlaceId: toId(keptText), choices }, { error: error.message }, httpStatus(error));
    }
  });
};
