/**
 * Dashboard sessions: a login with a valid token creates a random session id (kept in an
 * HttpOnly, SameSite=Strict cookie) mapped in memory to the token's role and a CSRF token. The
 * token itself never goes into the cookie. Sessions end on logout, after `ttlMs`, or on restart.
 */
import { randomBytes } from 'node:crypto';
import type { Role } from '../http/auth.js';

/** One logged-in browser. */
export interface Session {
  id: string;
  role: Role;
  /** Token every dashboard form posts back (`_csrf`). */
  csrf: string;
  expiresAt: number;
}

/** In-memory session table. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  /**
   * @param ttlMs session lifetime in ms
   * @param now clock
   */
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  create(role: Role): Session {
    this.sweep();
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      role,
      csrf: randomBytes(24).toString('base64url'),
      expiresAt: this.now() + this.ttlMs,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}
