import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { openTestPlatform } from '../../../test/support/platform.js';
import { buildWorld, makeActor } from '../../../test/support/world.js';
import { pageClient } from '../../../test/support/pages.js';
import { refreshPilotage } from '../../../src/pilotage/use-cases/refresh.js';

let platform: any, world: any, app: FastifyInstance;
before(async () => {
  platform = await openTestPlatform();
  world = await buildWorld(platform.db, { bookletCount: 6 });
  await refreshPilotage(platform.db);
  app = await buildApp(platform);
  await app.ready();
});
after(async () => { await app?.close(); await platform?.dispose(); });

test('probe', async () => {
  const hub = await makeActor(platform.db, 'Hub 35', 'hub', '35');
  const show = async (label: string, r: any) => console.log(label, r.statusCode, r.body.slice(0, 200).replace(/\s+/g, ' '));
  const urls = [
    '/api/v1/pilotage/public/indicators?level=a&level=b',
    '/api/v1/pilotage/public/indicators?level=commune&code=44109&code=44184',
    '/api/v1/pilotage/public/indicators?from=0000-01-01&to=0000-12-31',
    '/api/v1/pilotage/public/indicators?from=9999-01-01&to=9999-12-31',
    '/api/v1/pilotage/public/indicators?level=hub&code=9999999999',
    '/api/v1/pilotage/public/indicators?level=hub&code=' + world.funder.organisationId,
    '/api/v1/pilotage/public/indicators?level=departement&code=4%004',
    '/api/v1/pilotage/public/indicators?level=commune&code=%C4%B0%C4%B0%C4%B0',
    '/api/v1/pilotage/public/indicators?from=2026-01-01%00',
    '/api/v1/pilotage/public/indicators?funder=-1',
    '/api/v1/pilotage/public/indicators?breakdown=prescriber',
    '/api/v1/pilotage/public/indicators?level=departement&code=44&breakdown=territory',
    '/api/v1/pilotage/public/indicators.csv?level=departement&code=44&breakdown=month',
    '/api/v1/open-data/activite-communes.csv?from=0000-01&to=0000-12',
    '/api/v1/open-data/activite-communes.csv?from=a&from=b',
    '/api/v1/open-data?from=2020-13',
    '/api/v1/pilotage/coverage?departement=%00',
    '/api/v1/pilotage/coverage?departement=44&departement=35',
    '/pilotage/couverture/%00',
    '/pilotage/couverture/99999999999999999999',
    '/pilotage/couverture/hub/99999999999999999999',
    '/pilotage/couverture/hub/-1',
  ];
  for (const url of urls) await show(url, await app.inject({ url }));
  const hc = await pageClient(app, platform.db, hub.principal.userId);
  for (const url of [
    '/pilotage/couverture/hub/99999999999999999999', '/pilotage/couverture/hub/' + hub.organisationId, '/pilotage/couverture/hub/1e3',
    '/pilotage?territoire=%00', '/pilotage?level=hub&code=9999999999', '/pilotage?level=region&code=53', '/pilotage?level=region&code=52',
    '/pilotage?level=departement&code=44', '/pilotage?from=0000-01-01&to=0000-02-01', '/pilotage/indicateurs.csv?level=a&level=b',
    '/pilotage/indicateurs.xlsx?from=0000-01-01&to=0000-02-01', '/pilotage/dormants.csv?liste=constructor', '/pilotage/dormants.csv?liste=toString',
    '/pilotage/relances', '/pilotage?territoire=' + 'a'.repeat(5000),
  ]) await show('hub ' + url, await hc.get(url));
  const ac = await pageClient(app, platform.db, world.admin.principal.userId);
  for (const url of ['/pilotage?from=0000-01-01&to=0000-02-01', '/pilotage?level=hub&code=9999999999', '/pilotage/couverture/hub/9999999999', '/pilotage?level=commune&code=2A004','/pilotage/dormants.csv?liste=__proto__','/api/v1/pilotage/sleeping?x=1'])
    await show('admin ' + url, await ac.get(url));
  const tok = (t: string, url: string) => app.inject({ url, headers: { authorization: `Bearer ${t}` } });
  for (const url of ['/api/v1/pilotage/indicators?funder=' + world.otherFunder.organisationId, '/api/v1/pilotage/indicators?prescriber=' + world.prescriber.organisationId,
    '/api/v1/pilotage/indicators?funder=' + world.funder.organisationId + '&prescriber=' + world.prescriber.organisationId + '&breakdown=place',
    '/api/v1/pilotage/indicators?place=' + world.placeOutside, '/api/v1/pilotage/indicators?level=hub&code=' + hub.organisationId,
    '/api/v1/pilotage/sleeping?funder=' + world.otherFunder.organisationId, '/api/v1/pilotage/sleeping?prescriber=1&departement=35'])
    await show('funder ' + url, await tok(world.funder.token, url));
  for (const url of ['/api/v1/pilotage/indicators?place=' + world.placeB, '/api/v1/pilotage/indicators?place=' + world.placeA + '&breakdown=prescriber', '/api/v1/pilotage/indicators?place=' + world.placeA + '&level=departement&code=35'])
    await show('medA ' + url, await tok(world.mediatorA.token, url));
  for (const url of ['/api/v1/pilotage/indicators?level=departement&code=44', '/api/v1/pilotage/indicators?level=region&code=53', '/api/v1/pilotage/indicators?level=departement&code=35&prescriber=' + world.prescriber.organisationId + '&breakdown=prescriber', '/api/v1/pilotage/sleeping'])
    await show('hub35 ' + url, await tok(hub.token, url));
});
