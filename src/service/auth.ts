import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import { ApiFailure } from './failure.js';
import { ROLE_NAMES } from './model.js';
import type { Store } from './store.js';

export interface Session {
  ref: string;
  uuid: string;
  user: string;
  role: string;
  originator: string;
  created: number;
  last: number;
}

export interface UserRow {
  name: string;
  uuid: string;
  role: string;
}

/** scrypt's cost (N=2^14, r=8: node's default, ~16 MiB, tens of ms). */
const SCRYPT = { N: 16384, r: 8, p: 1 } as const;
/** A session unused this long ends (XAPI's inactive-session timeout is 24 h). */
export const SESSION_IDLE_MS = 24 * 3600 * 1000;
/** Failed logins per client before each further attempt waits (XAPI rate-limits failed logins). */
const FREE_FAILURES = 3;

export function hashPassword(password: string, salt: Buffer = randomBytes(16)): { salt: Buffer; hash: Buffer } {
  return { salt, hash: scryptSync(password.normalize('NFC'), salt, 32, SCRYPT) };
}

export function checkRole(role: string): string {
  if (!ROLE_NAMES.includes(role)) throw new ApiFailure('ROLE_NOT_FOUND', [role]);
  return role;
}

/** A user name as accepted (letters, digits, _ . @ -; at most 64). */
export function checkUserName(name: string): string {
  if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(name)) throw new ApiFailure('INVALID_VALUE', ['name', name]);
  return name;
}

/** Users, passwords (scrypt) and sessions, in the store. */
export class Auth {
  private failures = new Map<string, { n: number; until: number }>();
  private cache = new Map<string, Session>();
  /** When each cached session's last use was last written to the store. */
  private written = new Map<string, number>();
  constructor(private readonly store: Store, private readonly idleMs = SESSION_IDLE_MS) {}

  users(): UserRow[] {
    return this.store.db.prepare('SELECT name, uuid, role FROM users ORDER BY name').all() as UserRow[];
  }
  user(name: string): UserRow | undefined {
    return this.store.db.prepare('SELECT name, uuid, role FROM users WHERE name = ?').get(name) as UserRow | undefined;
  }
  addUser(name: string, role: string, password: string): UserRow {
    checkUserName(name);
    checkRole(role);
    if (this.user(name)) throw new ApiFailure('DUPLICATE_SUBJECT', [name]);
    const { salt, hash } = hashPassword(password);
    const uuid = randomUUID();
    this.store.db.prepare('INSERT INTO users (name, uuid, role, salt, hash) VALUES (?, ?, ?, ?, ?)').run(name, uuid, role, salt, hash);
    return { name, uuid, role };
  }
  setPassword(name: string, password: string): void {
    const { salt, hash } = hashPassword(password);
    if (this.store.db.prepare('UPDATE users SET salt = ?, hash = ? WHERE name = ?').run(salt, hash, name).changes === 0) throw new ApiFailure('SUBJECT_DOES_NOT_EXIST', [name]);
  }
  removeUser(name: string): void {
    this.store.tx(() => {
      if (this.store.db.prepare('DELETE FROM users WHERE name = ?').run(name).changes === 0) throw new ApiFailure('SUBJECT_DOES_NOT_EXIST', [name]);
      this.store.db.prepare('DELETE FROM sessions WHERE user = ?').run(name);
    });
    for (const [k, s] of this.cache) if (s.user === name) this.cache.delete(k);
  }

  private verify(name: string, password: string): UserRow | undefined {
    const row = this.store.db.prepare('SELECT name, uuid, role, salt, hash FROM users WHERE name = ?').get(name) as (UserRow & { salt: Buffer; hash: Buffer }) | undefined;
    // A missing user costs the same scrypt as a wrong password (no user enumeration by timing).
    const { hash } = hashPassword(password, row?.salt ?? Buffer.alloc(16));
    return row && timingSafeEqual(hash, row.hash) ? { name: row.name, uuid: row.uuid, role: row.role } : undefined;
  }

  /** session.login_with_password; failures from one client wait longer each time. */
  async login(name: string, password: string, originator: string, client: string): Promise<Session> {
    const f = this.failures.get(client);
    const wait = f ? f.until - Date.now() : 0;
    if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 5000)));
    const user = this.verify(name, password);
    if (!user) {
      const n = (f?.n ?? 0) + 1;
      this.failures.set(client, { n, until: Date.now() + (n > FREE_FAILURES ? Math.min(250 * 2 ** (n - FREE_FAILURES), 5000) : 0) });
      if (this.failures.size > 10000) this.failures.clear();
      throw new ApiFailure('SESSION_AUTHENTICATION_FAILED', [name, 'Authentication failure']);
    }
    this.failures.delete(client);
    const now = Date.now();
    // 122 random bits from the CSPRNG: unguessable.
    const s: Session = { ref: `OpaqueRef:${randomUUID()}`, uuid: randomUUID(), user: user.name, role: user.role, originator, created: now, last: now };
    this.store.db.prepare('INSERT INTO sessions (ref, uuid, user, originator, created, last) VALUES (?, ?, ?, ?, ?, ?)').run(s.ref, s.uuid, s.user, s.originator, s.created, s.last);
    this.cache.set(s.ref, s);
    return s;
  }

  /** The session of a ref, or SESSION_INVALID (unknown, logged out, expired, its user removed). */
  session(ref: unknown): Session {
    if (typeof ref !== 'string') throw new ApiFailure('SESSION_INVALID', [String(ref)]);
    let s = this.cache.get(ref);
    if (!s) {
      const row = this.store.db.prepare('SELECT s.ref, s.uuid, s.user, s.originator, s.created, s.last, u.role FROM sessions s JOIN users u ON u.name = s.user WHERE s.ref = ?').get(ref) as Session | undefined;
      if (row) this.cache.set(ref, (s = row));
    }
    const now = Date.now();
    if (!s || now - s.last > this.idleMs) {
      if (s) this.logout(ref);
      throw new ApiFailure('SESSION_INVALID', [ref]);
    }
    // Touch the store at most once a minute per session (a read-heavy client is not a write load).
    if (now - (this.written.get(ref) ?? s.last) > 60000) {
      this.store.db.prepare('UPDATE sessions SET last = ? WHERE ref = ?').run(now, ref);
      this.written.set(ref, now);
    }
    s.last = now;
    return s;
  }

  logout(ref: string): void {
    this.cache.delete(ref);
    this.written.delete(ref);
    this.store.db.prepare('DELETE FROM sessions WHERE ref = ?').run(ref);
  }

  sessions(): Session[] {
    return this.store.db.prepare('SELECT s.*, u.role FROM sessions s JOIN users u ON u.name = s.user').all() as Session[];
  }

  /** First start: user root with $XENKIT_ADMIN_PASSWORD, or a random password returned to print once. */
  ensureRoot(envPassword: string | undefined): string | undefined {
    if (this.user('root')) return undefined;
    const pw = envPassword && envPassword.length > 0 ? envPassword : randomBytes(12).toString('base64url');
    this.addUser('root', 'pool-admin', pw);
    return envPassword ? undefined : pw;
  }
}
