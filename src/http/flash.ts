import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Post/Redirect/Get with a message: after a successful form the route calls `redirectWithFlash(reply, url, message)`;
 * the message travels in a short-lived signed cookie (nothing in process memory: any instance serves the next GET),
 * and `renderPage` shows it once as a DSFR success alert, then clears the cookie.
 */
const COOKIE = 'ni_flash';
const MAX_LENGTH = 600;

export type FlashKind = 'success' | 'info' | 'warning';
export interface Flash {
  kind: FlashKind;
  message: string;
}

export function setFlash(reply: FastifyReply, message: string, kind: FlashKind = 'success'): void {
  const value = JSON.stringify({ kind, message: message.slice(0, MAX_LENGTH) } satisfies Flash);
  void reply.setCookie(COOKIE, value, { signed: true, httpOnly: true, sameSite: 'lax', path: '/', maxAge: 120, secure: reply.server.platform.config.secureCookies });
}

/** 303 See Other to `url` (a same-site path), with the success message shown by the next page. */
export function redirectWithFlash(reply: FastifyReply, url: string, message: string, kind: FlashKind = 'success') {
  setFlash(reply, message, kind);
  return reply.redirect(url.startsWith('/') && !url.startsWith('//') ? url : '/', 303);
}

/** The pending message, if any, read once: the cookie is cleared on the page that shows it. */
export function takeFlash(request: FastifyRequest, reply: FastifyReply): Flash | null {
  const raw = request.cookies?.[COOKIE];
  if (!raw) return null;
  void reply.clearCookie(COOKIE, { path: '/' });
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return null;
  try {
    const parsed = JSON.parse(unsigned.value) as Partial<Flash>;
    if (typeof parsed.message !== 'string' || !['success', 'info', 'warning'].includes(String(parsed.kind))) return null;
    return { kind: parsed.kind as FlashKind, message: parsed.message.slice(0, MAX_LENGTH) };
  } catch {
    return null;
  }
}
