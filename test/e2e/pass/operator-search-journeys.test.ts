import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadPrincipal } from '../../../src/accounts/use-cases/principal.js';
import { formatBookletNumber } from '../../../src/pass/domain/booklet-number.js';
import { formatVoucherCode, makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';

const PHONE = { width: 360, height: 740 };

describe(`the operator’s search of a voucher or a booklet, and the lists with counts, filters and pages, in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let baseUrl: string;
  let code: string;
  let bookletNumber: string;
  let placeName: string;

  before(async () => {
    journeys = await startJourneys(async (platform) => {
      // A voucher of a handed booklet, redeemed at a labelled demo place by its mediator.
      const { db, secret } = platform;
      const booklet = await db.selectFrom('booklets').select(['id', 'number']).where('handed_at', 'is not', null).orderBy('id').executeTakeFirstOrThrow();
      bookletNumber = booklet.number;
      const voucher = await db.selectFrom('vouchers').select('serial').where('booklet_id', '=', booklet.id).orderBy('serial').executeTakeFirstOrThrow();
      code = makeVoucherCode(secret, voucher.serial);
      const place = await db
        .selectFrom('places as p')
        .innerJoin('place_programmes as pp', 'pp.place_id', 'p.id')
        .innerJoin('memberships as m', 'm.organisation_id', 'p.organisation_id')
        .select(['p.id', 'p.name', 'm.user_id'])
        .where('m.role', '=', 'mediator')
        .orderBy('p.id')
        .executeTakeFirstOrThrow();
      placeName = place.name;
      await redeemVoucher(platform, (await loadPrincipal(db, place.user_id))!, code, place.id);
    });
    baseUrl = journeys.baseUrl;
  });
  after(() => journeys?.close());

  test('the operator types a voucher code as printed and reads its status and history, then its booklet', async () => {
    const page = await journeys.pageAs('admin@demo.inclusif.fr');
    await page.getByRole('link', { name: 'Opérateur', exact: true }).first().click();
    await page.waitForURL(/\/admin$/);
    await assertAccessible(page);
    // Lower case, spaces instead of dashes: as someone reads it over the phone.
    await page.getByLabel(/Code du chèque ou numéro du carnet/).fill(formatVoucherCode(code).replace(/-/g, ' ').toLowerCase());
    await page.getByRole('button', { name: 'Chercher' }).click();
    await page.waitForURL(/\/admin\/recherche\?q=/);
    assert.equal(await page.locator('#resultat').textContent(), `Chèque ${formatVoucherCode(code)}`);
    assert.equal(await page.locator('#statut-cheque').textContent(), 'Encaissé');
    const steps = await page.locator('#historique tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-step')));
    assert.deepEqual(steps, ['placed', 'issued', 'activated', 'allocated', 'handed', 'redeemed']);
    assert.ok(await page.getByRole('cell', { name: `Chèque ${formatVoucherCode(code)} encaissé à ${placeName}` }).isVisible());
    assert.ok(await page.getByRole('cell', { name: /Activé : paiement de la commande enregistré \(référence « Mandat administratif 2026-0042 »\)/ }).isVisible());
    await assertAccessible(page);
    await page.getByRole('link', { name: formatBookletNumber(bookletNumber) }).click();
    assert.equal(await page.locator('#resultat').textContent(), `Carnet ${formatBookletNumber(bookletNumber)}`);
    assert.equal(await page.locator('table').first().locator('tbody tr').count(), 10);
    await assertAccessible(page);
    // A typo is caught and explained, the form keeps what was typed.
    const typo = code.slice(0, 14) + (code[14] === 'A' ? 'B' : 'A');
    await page.getByLabel(/Code du chèque ou numéro du carnet/).fill(typo);
    await page.getByRole('button', { name: 'Chercher' }).click();
    await page.getByText(/contient une faute de frappe/).waitFor();
    assert.equal(await page.getByLabel(/Code du chèque ou numéro du carnet/).inputValue(), typo);
    await assertAccessible(page);
    await page.context().close();
  });

  test('the operator filters every voucher by status, page by page, and opens a funder’s report from the index', async () => {
    const page = await journeys.pageAs('admin@demo.inclusif.fr', PHONE);
    await page.goto(`${baseUrl}/admin/cheques`);
    const count = page.locator('#nombre');
    assert.match((await count.textContent())?.replace(/\s/g, ' ') ?? '', /^200 chèques — 1 à 50 sur cette page$/);
    await page.getByLabel('Statut').selectOption({ label: 'Encaissé' });
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await page.waitForURL(/statut=redeemed/);
    assert.equal((await count.textContent())?.replace(/\s/g, ' '), '1 chèque avec ces filtres');
    assert.ok(await page.getByRole('link', { name: formatVoucherCode(code) }).isVisible());
    await assertAccessible(page);
    await page.getByRole('link', { name: 'Effacer les filtres' }).click();
    await page.getByRole('navigation', { name: 'Pages des chèques' }).getByRole('link', { name: 'Dernière page' }).click();
    await page.waitForURL(/page=4/);
    assert.match((await count.textContent())?.replace(/\s/g, ' ') ?? '', /^200 chèques — 151 à 200 sur cette page$/);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `la page tient dans l’écran d’un téléphone (${width}px)`);
    await assertAccessible(page);

    await page.goto(`${baseUrl}/admin/rapports`);
    await assertAccessible(page);
    await page.getByRole('link', { name: 'Voir le rapport du Département de Loire-Atlantique' }).click();
    await page.getByRole('heading', { level: 1, name: /Département de Loire-Atlantique/ }).waitFor();
    await page.context().close();
  });

  test('the funder filters its orders and reads the payment reference on the order', async () => {
    const page = await journeys.pageAs('financeur@demo.inclusif.fr');
    await page.getByRole('link', { name: 'Commandes' }).first().click();
    const count = page.locator('#nombre');
    assert.equal((await count.textContent())?.replace(/\s/g, ' '), '2 commandes');
    await page.getByLabel('Statut').selectOption({ label: 'Payée, chèques actifs' });
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await page.waitForURL(/statut=paid/);
    assert.equal((await count.textContent())?.replace(/\s/g, ' '), '1 commande avec ces filtres');
    await assertAccessible(page);
    await page.getByRole('link', { name: /^Commande n° \d+$/ }).click();
    assert.match((await page.locator('#paiement-commande').textContent()) ?? '', /référence « Mandat administratif 2026-0042 »/);
    await assertAccessible(page);
    await page.context().close();
  });
});
