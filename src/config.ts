import { isIP } from 'node:net';
import path from 'node:path';

/** Everything the platform reads from its environment, in one place. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Connections per instance: about twice the database server's cores; more only adds contention. */
  databasePoolSize: number;
  /** Overrides the secret stored in the database (HMAC of voucher codes, cookie signing). */
  secret: string | undefined;
  /** Deployments by an operator other than the State switch the Marianne block off. */
  stateBranding: boolean;
  serviceName: string;
  operatorName: string;
  /**
   * What the mandatory pages of a public service say about the operator (mentions légales, accessibilité, données
   * personnelles); empty: the page says it is not given.
   */
  publicService: {
    /** The publisher's postal address (the publisher is the operator, OPERATOR_NAME). */
    publisherAddress: string;
    /** The director of publication: a person's name and function. */
    publicationDirector: string;
    /** Who hosts the platform: name, address, telephone. */
    hosting: string;
    /** Where people write about the service, its accessibility and their data. */
    contactEmail: string;
    /** The data protection officer (DPO): e-mail or postal address. */
    dpoContact: string;
  };
  publicUrl: string;
  secureCookies: boolean;
  logLevel: string;
  /** How long an instance may reuse an API token's principal (see accounts/token-cache.ts). */
  tokenCacheSeconds: number;
  /** Map tiles ({z}/{x}/{y}); empty turns the map off and leaves the list of places. */
  mapTilesUrl: string;
  mapAttribution: string;
  /** The account reimbursements are paid from (the pain.001 debtor). */
  sepaDebtor: { name: string; iban: string; bic: string };
  /** smtp://user:pass@host:port for warnings; empty: messages are only written to the log. */
  smtpUrl: string;
  mailFrom: string;
  /** The diagnostic's items (JSON, see docs/DIAGNOSTIC.md); empty: the bundled file. */
  diagnosticItemsFile: string;
  /**
   * The reverse proxies whose X-Forwarded-For is believed (addresses or CIDR blocks, Fastify's trustProxy);
   * false: the header is ignored and the client is the connection's address, so no client picks its own.
   */
  trustProxy: false | string[];
}

/** proxy-addr's names for whole ranges. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** TRUST_PROXY: empty or « false » → nobody; otherwise addresses and CIDR blocks separated by commas. */
export function parseTrustProxy(value: string | undefined): false | string[] {
  if (!value || value.trim() === '' || value.trim().toLowerCase() === 'false') return false;
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const prefixValid = prefix === undefined || (/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (!PROXY_RANGES.includes(entry) && (family === 0 || !prefixValid || extra !== undefined)) {
      throw new Error(`TRUST_PROXY : « ${entry} » n’est ni une adresse IP ni un bloc CIDR (exemple : TRUST_PROXY=10.0.0.5,192.168.0.0/16 ; vide : aucun proxy).`);
    }
  }
  return entries.length ? entries : false;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  return {
    port,
    // Loopback by default: the demo's published passwords are never offered to the network by accident.
    host: env.HOST ?? '127.0.0.1',
    dataDir: path.resolve(env.DATA_DIR ?? './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    databasePoolSize: Number(env.DATABASE_POOL_SIZE ?? 10),
    secret: env.INCLUSIF_SECRET || undefined,
    stateBranding: env.STATE_BRANDING !== 'false',
    serviceName: env.SERVICE_NAME ?? 'Numérique inclusif',
    operatorName: env.OPERATOR_NAME ?? 'République française',
    publicService: {
      publisherAddress: env.PUBLISHER_ADDRESS ?? '',
      publicationDirector: env.PUBLICATION_DIRECTOR ?? '',
      hosting: env.HOSTING_PROVIDER ?? '',
      contactEmail: env.CONTACT_EMAIL ?? '',
      dpoContact: env.DPO_CONTACT ?? '',
    },
    publicUrl: env.PUBLIC_URL ?? `http://localhost:${port}`,
    // Secure cookies whenever the platform is published over HTTPS (or in production), unless explicitly turned off.
    secureCookies: env.SECURE_COOKIES ? env.SECURE_COOKIES === 'true' : env.NODE_ENV === 'production' || (env.PUBLIC_URL ?? '').startsWith('https://'),
    logLevel: env.LOG_LEVEL ?? 'info',
    tokenCacheSeconds: Number(env.TOKEN_CACHE_SECONDS ?? 10),
    mapTilesUrl: env.MAP_TILES_URL ?? 'https://tile.openstreetmap.org/{z}/{x}/{y}.png',
    mapAttribution: env.MAP_ATTRIBUTION ?? '© les contributeurs d’OpenStreetMap',
    sepaDebtor: {
      name: env.SEPA_DEBTOR_NAME ?? 'Agence nationale de la cohesion des territoires',
      iban: env.SEPA_DEBTOR_IBAN ?? 'FR7630001007941234567890185',
      bic: env.SEPA_DEBTOR_BIC ?? 'BDFEFRPPCCT',
    },
    smtpUrl: env.SMTP_URL ?? '',
    mailFrom: env.MAIL_FROM ?? 'Numérique inclusif <ne-pas-repondre@inclusif.example>',
    diagnosticItemsFile: env.DIAGNOSTIC_ITEMS_FILE ?? '',
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
  };
}
