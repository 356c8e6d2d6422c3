import { httpStatus } from '../../http/errors.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isAdmin, organisationsWithRole, type Principal } from '../../accounts/use-cases/principal.js';
import { requirePagePrincipal } from '../../http/auth.js';
import { formId, optionalFormId, pathId } from '../../http/ids.js';
import { field, renderPage } from '../../http/page.js';
import { redirectWithFlash } from '../../http/flash.js';
import { plural } from '../../shared/french.js';
import { DomainError, forbidden, notFound } from '../../shared/errors.js';
import { canApplyForLabel, canEditPlace, canReadLabelHistory } from '../domain/policies.js';
import { canManagePlace, requireReviewer } from '../use-cases/access.js';
import { formatPhoneForPeople } from '../domain/normalise.js';
import { openingState, weekSchedule } from '../domain/opening-hours.js';
import { ACCESS_MODES, COSTS, PUBLICS, SERVICES, SPECIFIC_SUPPORT, SUPPORT_MODES, TYPOLOGIES } from '../domain/standard.js';
import { listOpenDuplicates, reviewDuplicate } from '../use-cases/duplicates.js';
import { importPlaces, type ImportReport } from '../use-cases/import.js';
import { applyForLabel, DEFAULT_LABEL_YEARS, decideLabel, LABEL_STATUS_TEXT, labelHistory, labelsToReview, listCriteria, saveCriterion, type LabelDecision } from '../use-cases/labels.js';
import { searchParams, toSearchQuery } from './query-params.js';
import { isCoordinates, searchPlaces } from '../use-cases/search.js';
import { communeFieldInput, communeFieldView, type CommuneFieldSpec } from '../../http/commune-field.js';
import { COMMUNE_KINDS, TERRITORY_KINDS } from '../../territories/domain/commune-resolver.js';
import { communeByCode, resolveCommuneField, type CommuneFieldOutcome } from '../../territories/use-cases/resolve.js';
import { RADIUS_CHOICES, searchView } from './search-view.js';
import { labelsList } from './list-pages.js';
import { createPlace, getPlace, placesOfOrganisations, PlaceValidationError, programmesForNewPlace, programmesOpenToPlace, updatePlace, type PlaceRow } from '../use-cases/store.js';
import { gridView, hoursEcho, hoursFormOf, hoursGridInput, type HoursForm } from './hours-form.js';

const CHOICES = {
  services: SERVICES,
  publics_specifiquement_adresses: PUBLICS,
  prise_en_charge_specifique: SPECIFIC_SUPPORT,
  frais_a_charge: COSTS,
  modalites_acces: ACCESS_MODES,
  modalites_accompagnement: SUPPORT_MODES,
};
const TEXT_FIELDS = ['nom', 'adresse', 'complement_adresse', 'code_postal', 'commune', 'latitude', 'longitude', 'telephone', 'courriels', 'site_web', 'horaires', 'presentation_resume', 'presentation_detail', 'prise_rdv', 'fiche_acces_libre'];

/** Checkboxes arrive as a string when one is ticked, an array when several are. */
function values(body: unknown, name: string): string[] {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return [];
  return ([] as unknown[]).concat(value).filter((v): v is string => typeof v === 'string');
}

/** The place form as a standard record: lists joined with "|", as in the standard's files. */
function placeInput(body: unknown) {
  const raw: Record<string, string> = { code_insee: '' };
  for (const name of TEXT_FIELDS) raw[name] = field(body, name);
  for (const name of Object.keys(CHOICES)) raw[name] = values(body, name).join('|');
  return {
    raw,
    extras: {
      stepFreeAccess: field(body, 'step_free_access') === 'oui' ? true : field(body, 'step_free_access') === 'non' ? false : null,
      accessibilityNotes: field(body, 'accessibility_notes') || null,
      programmeIds: values(body, 'programmes').map(Number).filter((n) => n > 0),
      hoursGrid: hoursGridInput(body),
    },
  };
}

function formOf(place: PlaceRow, programmeIds: number[]) {
  return {
    nom: place.name, adresse: place.address, complement_adresse: place.address_complement ?? '', code_postal: place.postal_code, commune: place.commune_name,
    latitude: place.coordinates_from_commune ? '' : String(place.latitude), longitude: place.coordinates_from_commune ? '' : String(place.longitude),
    telephone: place.phone ? formatPhoneForPeople(place.phone) : '', courriels: place.emails.join('|'), site_web: place.websites.join('|'),
    presentation_resume: place.summary ?? '', presentation_detail: place.description ?? '',
    prise_rdv: place.booking_url ?? '', fiche_acces_libre: place.accessibility_url ?? '',
    services: place.services, publics_specifiquement_adresses: place.publics, prise_en_charge_specifique: place.specific_support,
    frais_a_charge: place.costs, modalites_acces: place.access_modes, modalites_accompagnement: place.support_modes,
    step_free_access: place.step_free_access === null ? '' : place.step_free_access ? 'oui' : 'non', accessibility_notes: place.accessibility_notes ?? '',
    programmes: programmeIds,
    ...hoursFormOf(place.opening_hours),
  };
}

function echoForm(body: unknown) {
  const form: Record<string, unknown> = {};
  for (const name of [...TEXT_FIELDS, 'accessibility_notes', 'step_free_access', 'pivot']) form[name] = field(body, name);
  for (const name of Object.keys(CHOICES)) form[name] = values(body, name);
  form.programmes = values(body, 'programmes').map(Number);
  return { ...form, ...hoursEcho(body) };
}

/** Each field's reasons, joined when a field has several (the week grid's days). */
const fieldErrorsOf = (error: unknown) => {
  const errors: Record<string, string> = {};
  if (error instanceof PlaceValidationError) for (const e of error.fieldErrors) errors[e.field] = errors[e.field] ? `${errors[e.field]} ; ${e.reason}` : e.reason;
  return errors;
};

function addYears(date: string, years: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.toISOString().slice(0, 10);
}

const today = () => new Date().toISOString().slice(0, 10);

/** The place's commune: a commune or an arrondissement, by name or postal code. */
const PLACE_COMMUNE_FIELD: CommuneFieldSpec = { name: 'commune', label: 'Commune', hint: 'nom ou code postal, par exemple Saint-Nazaire ou 44600', required: true, kinds: COMMUNE_KINDS };

/** The search's starting point: any commune, arrondissement or département, a postal code, or coordinates. */
const NEAR_FIELD: CommuneFieldSpec = { name: 'near', label: 'Commune ou code postal', hint: 'Par exemple 44000, Nantes, Loire-Atlantique, ou des coordonnées « 47.21,-1.55 »', required: true, kinds: TERRITORY_KINDS };

const LABEL_NOT_FOUND = 'Cette demande de label n’existe pas sur votre territoire, ou elle a déjà été remplacée.';

export const placesPages: FastifyPluginAsync = async (app) => {
  const { db, config } = app.platform;

  app.get('/lieux', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const parsed = searchParams.safeParse(query);
    const form = { near: typeof query.near === 'string' ? query.near : '', radiusKm: String(query.radiusKm ?? ''), service: values(query, 'service'), public: values(query, 'public'),
      supportMode: values(query, 'supportMode'), cost: typeof query.cost === 'string' ? query.cost : '', accessible: Boolean(query.accessible), openNow: Boolean(query.openNow),
      acceptsPass: Boolean(query.acceptsPass), programme: typeof query.programme === 'string' ? query.programme : '' };
    const page = { nearField: communeFieldView(NEAR_FIELD, { value: form.near }), title: 'Trouver un lieu de médiation numérique', form, radiusChoices: RADIUS_CHOICES, services: SERVICES, publics: PUBLICS, supportModes: SUPPORT_MODES, mapTiles: config.mapTilesUrl, mapAttribution: config.mapAttribution };
    // Something typed, or the position « Autour de moi » filled in (public/geolocation.js).
    if (!form.near && !(query.lat && query.lng)) return renderPage(request, reply, 'places-search.njk', page);
    if (!parsed.success) return renderPage(request, reply, 'places-search.njk', { ...page, error: 'La recherche contient une valeur inconnue : vérifiez les filtres.' }, 400);
    // The commune resolver first: a text naming several places comes back with the choice (autocomplete without JavaScript).
    if (parsed.data.near && !isCoordinates(parsed.data.near)) {
      const outcome = await resolveCommuneField(db, communeFieldInput(query, 'near'), { kinds: TERRITORY_KINDS });
      page.nearField = communeFieldView(NEAR_FIELD, { value: parsed.data.near, outcome });
      if (outcome.status === 'ambiguous') return renderPage(request, reply, 'places-search.njk', page);
      if (outcome.status === 'none') return renderPage(request, reply, 'places-search.njk', { ...page, error: outcome.message }, 404);
      if (outcome.status === 'resolved') parsed.data.near = form.near = outcome.candidate.label;
    }
    try {
      const search = await searchPlaces(db, toSearchQuery(parsed.data));
      return renderPage(request, reply, 'places-search.njk', { ...page, search, view: searchView(parsed.data, search) });
    } catch (error) {
      if (error instanceof DomainError) return renderPage(request, reply, 'places-search.njk', { ...page, error: error.message }, httpStatus(error));
      throw error;
    }
  });

  app.get('/lieux/:id', async (request, reply) => {
    const details = await getPlace(db, pathId(request.params, 'Ce lieu n’existe pas.'));
    const now = new Date();
    const principal = request.principal;
    const canManage = principal ? await canManagePlace(db, principal, { organisation_id: details.place.organisation_id, departement_code: details.departementCode }) : false;
    return renderPage(request, reply, 'place.njk', {
      title: details.place.name,
      details,
      place: details.place,
      phone: details.place.phone ? formatPhoneForPeople(details.place.phone) : null,
      typologies: details.place.typologies.map((code) => TYPOLOGIES[code] ?? code),
      opening: openingState(details.place.opening_hours, now),
      week: weekSchedule(details.place.opening_hours, now),
      acceptsPass: Boolean(details.label?.valid) && details.programmes.length > 0,
      labelText: details.label ? LABEL_STATUS_TEXT[details.label.status] : null,
      canManage,
      isMediator: principal && details.place.organisation_id !== null && organisationsWithRole(principal, 'mediator').includes(details.place.organisation_id),
    });
  });

  /**
   * The place's commune from the commune field, the postal code typed beside it choosing among homonyms: its INSEE
   * code and official name go into the record. Nothing typed: the standard's validation says the commune is missing.
   */
  const placeCommune = async (body: unknown, raw: Record<string, string>): Promise<CommuneFieldOutcome> => {
    const input = communeFieldInput(body, 'commune');
    const outcome = await resolveCommuneField(db, input, { kinds: COMMUNE_KINDS, postalCode: raw.code_postal || undefined });
    if (outcome.status === 'resolved') {
      const { territory } = outcome.candidate;
      raw.code_insee = territory.code;
      raw.commune = territory.name;
      if (!raw.code_postal && territory.postalCodes.length === 1) raw.code_postal = territory.postalCodes[0]!;
    }
    return outcome;
  };

  const formPage = async (request: FastifyRequest, reply: FastifyReply, data: { placeId?: number; form: Record<string, unknown>; errors?: Record<string, string>; error?: string; communeOutcome?: CommuneFieldOutcome }, status = 200) =>
    renderPage(request, reply, 'place-form.njk', {
      communeField: communeFieldView(PLACE_COMMUNE_FIELD, { value: String(data.form.commune ?? ''), outcome: data.communeOutcome, error: data.errors?.commune ?? data.errors?.code_insee }),
      title: data.placeId ? 'Modifier la fiche du lieu' : 'Enregistrer un lieu',
      choices: CHOICES,
      // On creation the commune is not known yet: the programmes of the principal's départements, checked on save.
      programmes: data.placeId ? await programmesOpenToPlace(db, data.placeId) : await programmesForNewPlace(db, request.principal!),
      hoursGrid: gridView((data.form as Partial<HoursForm>).grille ?? hoursFormOf(null).grille, Boolean(data.errors?.horaires)),
      ...data,
    }, status);

  app.get('/lieux/nouveau', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return formPage(request, reply, { form: { services: [], programmes: [], ...hoursFormOf(null) } });
  });

  app.post('/lieux/nouveau', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const { raw, extras } = placeInput(request.body);
    const organisationId = organisationsWithRole(principal, 'mediator')[0] ?? null;
    const pivot = field(request.body, 'pivot') || '00000000000000';
    const communeOutcome = await placeCommune(request.body, raw);
    if (communeOutcome.status === 'ambiguous' || communeOutcome.status === 'none') {
      return formPage(request, reply, { form: echoForm(request.body), communeOutcome, error: communeOutcome.message }, communeOutcome.status === 'none' ? 422 : 200);
    }
    try {
      const id = await createPlace(db, principal, organisationId, { ...raw, pivot }, extras);
      return redirectWithFlash(reply, `/lieux/${id}/modifier`, 'La fiche du lieu est enregistrée.');
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return formPage(request, reply, { form: echoForm(request.body), errors: fieldErrorsOf(error), error: error.message }, httpStatus(error));
    }
  });

  app.get('/lieux/:id/modifier', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const details = await getPlace(db, pathId(request.params, 'Ce lieu n’existe pas.'));
    // The form shows what the public sheet does not (contacts, accessibility notes, programmes): its editors only.
    if (!canEditPlace(principal, { organisationId: details.place.organisation_id, departementCode: details.departementCode })) {
      throw forbidden('Vous ne pouvez modifier que les lieux de votre structure, ou ceux de votre territoire si vous êtes un hub.');
    }
    const form = formOf(details.place, details.programmes.map((p) => p.id));
    // The commune as its label (« Saint-Nazaire (44) »): saved again unchanged, it names the same commune.
    form.commune = (await communeByCode(db, details.place.commune_code))?.label ?? form.commune;
    return formPage(request, reply, { placeId: details.place.id, form, error: undefined });
  });

  app.post('/lieux/:id/modifier', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const placeId = pathId(request.params, 'Ce lieu n’existe pas.');
    const { raw, extras } = placeInput(request.body);
    // The choice step shows the form (its programmes): to the place's editors only, as the form itself.
    const details = await getPlace(db, placeId);
    if (!canEditPlace(principal, { organisationId: details.place.organisation_id, departementCode: details.departementCode })) {
      throw forbidden('Vous ne pouvez modifier que les lieux de votre structure, ou ceux de votre territoire si vous êtes un hub.');
    }
    const communeOutcome = await placeCommune(request.body, raw);
    if (communeOutcome.status === 'ambiguous' || communeOutcome.status === 'none') {
      return formPage(request, reply, { placeId, form: echoForm(request.body), communeOutcome, error: communeOutcome.message }, communeOutcome.status === 'none' ? 422 : 200);
    }
    try {
      await updatePlace(db, principal, placeId, raw, extras);
      return redirectWithFlash(reply, `/lieux/${placeId}/modifier`, 'La fiche du lieu est enregistrée.');
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return formPage(request, reply, { placeId, form: echoForm(request.body), errors: fieldErrorsOf(error), error: error.message }, httpStatus(error));
    }
  });

  app.get('/mes-lieux', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return renderPage(request, reply, 'my-places.njk', { title: 'Mes lieux', places: await placesOfOrganisations(db, organisationsWithRole(principal, 'mediator')) });
  });

  const labelApplicationPage = async (request: FastifyRequest, reply: FastifyReply, placeId: number, extra: Record<string, unknown> = {}, status = 200) => {
    const details = await getPlace(db, placeId);
    const facts = { organisationId: details.place.organisation_id, departementCode: details.departementCode };
    // The application and the decisions' history (reasons of refusal, who decided) are the place's and its reviewers' only.
    if (!canReadLabelHistory(request.principal!, facts)) throw forbidden('Le label de ce lieu ne se consulte que par ses médiateurs, le hub de son territoire et l’administration.');
    return renderPage(request, reply, 'label-application.njk', {
      canApply: canApplyForLabel(request.principal!, facts),
      title: `Label du lieu ${details.place.name}`,
      details,
      labelText: details.label ? LABEL_STATUS_TEXT[details.label.status] : null,
      criteria: await listCriteria(db),
      history: await labelHistory(db, placeId),
      ...extra,
    }, status);
  };

  app.get('/lieux/:id/label', async (request, reply) => {
    if (!requirePagePrincipal(request, reply)) return reply;
    return labelApplicationPage(request, reply, pathId(request.params, 'Ce lieu n’existe pas.'));
  });

  app.post('/lieux/:id/label', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const placeId = pathId(request.params, 'Ce lieu n’existe pas.');
    try {
      await applyForLabel(db, principal, placeId, { criteriaMet: values(request.body, 'criteres').map(Number), note: field(request.body, 'note') });
      return redirectWithFlash(reply, `/lieux/${placeId}/label`, 'Votre demande de label est envoyée au hub de votre territoire.');
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return labelApplicationPage(request, reply, placeId, { error: error.message, ticked: values(request.body, 'criteres').map(Number), note: field(request.body, 'note') }, httpStatus(error));
    }
  });

  app.get('/labels', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return renderPage(request, reply, 'labels.njk', { title: 'Labels et lieux du territoire', ...(await labelsList(db, principal, request.query)), statusText: LABEL_STATUS_TEXT, isAdmin: isAdmin(principal) });
  });

  const labelReviewPage = async (request: FastifyRequest, reply: FastifyReply, principal: Principal, labelId: number, extra: Record<string, unknown> = {}, status = 200) => {
    const request_ = (await labelsToReview(db, principal)).find((r) => r.labelId === labelId);
    if (!request_) throw notFound(LABEL_NOT_FOUND);
    const details = await getPlace(db, request_.placeId);
    return renderPage(request, reply, 'label-review.njk', {
      title: `Label : ${details.place.name}`,
      request: request_,
      details,
      statusText: LABEL_STATUS_TEXT[request_.status],
      criteria: await listCriteria(db),
      history: await labelHistory(db, request_.placeId),
      defaults: { validFrom: today(), validUntil: addYears(today(), DEFAULT_LABEL_YEARS) },
      ...extra,
    }, status);
  };

  app.get('/labels/:id', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return labelReviewPage(request, reply, principal, pathId(request.params, LABEL_NOT_FOUND));
  });

  app.post('/labels/:id', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const labelId = pathId(request.params, LABEL_NOT_FOUND);
    const kind = field(request.body, 'decision');
    const reason = field(request.body, 'motif');
    const decision: LabelDecision | null =
      kind === 'approve' ? { kind, validFrom: field(request.body, 'debut'), validUntil: field(request.body, 'fin'), reason }
      : kind === 'refuse' || kind === 'suspend' || kind === 'reinstate' ? { kind, reason }
      : null;
    try {
      if (!decision) throw new DomainError('invalid', 'decision_inconnue', 'Choisissez une décision.');
      await decideLabel(db, principal, labelId, decision);
      return redirectWithFlash(reply, '/labels', 'La décision est enregistrée et inscrite au journal.');
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return labelReviewPage(request, reply, principal, labelId, { error: error.message, form: { decision: kind, motif: reason, debut: field(request.body, 'debut'), fin: field(request.body, 'fin') } }, httpStatus(error));
    }
  });

  const importPage = async (request: FastifyRequest, reply: FastifyReply, extra: { report?: ImportReport; error?: string; fileName?: string } = {}, status = 200) =>
    renderPage(request, reply, 'places-import.njk', { title: 'Importer des lieux', ...extra }, status);

  app.get('/lieux/import', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    await requireReviewer(db, principal);
    return importPage(request, reply);
  });

  app.post('/lieux/import', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    await requireReviewer(db, principal);
    const file = (request.body as Record<string, unknown>)?.fichier;
    if (!Buffer.isBuffer(file) || file.length === 0) return importPage(request, reply, { error: 'Choisissez un fichier CSV ou JSON au standard des lieux de médiation numérique.' }, 422);
    const fileName = field(request.body, 'nom_fichier') || undefined;
    try {
      const report = await importPlaces(db, principal, file.toString('utf8'), {
        validOnly: field(request.body, 'valides_seulement') === 'oui',
        mapV0Services: field(request.body, 'anciens_services') === 'oui',
        fileName,
      });
      // A clean import redirects with its counts; a report with errors (nothing written, or the valid rows only)
      // stays on the page, which lists each error.
      if (report.written && !report.errors.length) {
        return redirectWithFlash(reply, '/lieux/import', `Import terminé : ${plural(report.rows, 'ligne lue', 'lignes lues', { feminine: true })} ; ${plural(report.created, 'lieu créé', 'lieux créés')}, ${plural(report.updated, 'mis à jour', 'mis à jour')}, ${plural(report.unchanged, 'inchangé', 'inchangés')}.${report.duplicateCandidates ? ` ${plural(report.duplicateCandidates, 'doublon possible', 'doublons possibles')} à examiner (page « Doublons possibles »).` : ''}`);
      }
      return importPage(request, reply, { report, fileName }, report.written || !report.errors.length ? 200 : 422);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return importPage(request, reply, { error: error.message }, httpStatus(error));
    }
  });

  app.get('/lieux/doublons', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return renderPage(request, reply, 'duplicates.njk', { title: 'Doublons possibles', pairs: await listOpenDuplicates(db, await requireReviewer(db, principal)) });
  });

  app.post('/lieux/doublons', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    await requireReviewer(db, principal);
    const pair = { placeId: formId(field(request.body, 'a'), 'Le premier lieu'), otherPlaceId: formId(field(request.body, 'b'), 'Le second lieu') };
    const decision = field(request.body, 'decision');
    await reviewDuplicate(db, principal, pair, decision === 'distinct' ? { kind: 'distinct' } : { kind: 'deactivate', placeId: formId(decision, 'Le lieu à désactiver') });
    return redirectWithFlash(reply, '/lieux/doublons', decision === 'distinct' ? 'Les deux lieux sont notés comme distincts.' : 'Le doublon est désactivé ; l’autre fiche reste publiée.');
  });

  app.get('/admin/criteres', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    if (!isAdmin(principal)) throw new DomainError('forbidden', 'interdit', 'La grille de labellisation est tenue par l’administration nationale.');
    return renderPage(request, reply, 'criteria.njk', { title: 'Grille de labellisation', criteria: await listCriteria(db, true) });
  });

  app.post('/admin/criteres', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    try {
      const position = field(request.body, 'position');
      if (position !== '' && !/^-?[0-9]{1,6}$/.test(position)) throw new DomainError('invalid', 'position', 'La position est un nombre entier, par exemple 3.');
      await saveCriterion(db, principal, {
        id: optionalFormId(field(request.body, 'id'), 'Le critère'),
        title: field(request.body, 'titre'),
        description: field(request.body, 'description'),
        position: Number(position) || 0,
        active: field(request.body, 'actif') === 'oui',
      });
      return redirectWithFlash(reply, '/admin/criteres', 'Critère enregistré : la grille est à jour.');
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const form = { id: field(request.body, 'id'), titre: field(request.body, 'titre'), description: field(request.body, 'description'), position: field(request.body, 'position') };
      return renderPage(request, reply, 'criteria.njk', { title: 'Grille de labellisation', criteria: await listCriteria(db, true), error: error.message, form }, httpStatus(error));
    }
  });
};
