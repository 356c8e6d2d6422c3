import { buildApp } from './src/app.js';
import { openTestPlatform } from './test/support/platform.js';
const platform = await openTestPlatform();
const app = await buildApp(platform);
const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json();
console.log(JSON.stringify(doc.paths['/api/v1/orders/{id}'].get.parameters));
const r = await app.inject({ url: '/api/v1/orders/1e3', headers: {} });
console.log(r.statusCode, r.body);
process.exit(0);
