/** A XenAPI failure as the service answers it over JSON-RPC: the code and its params. */
export class XapiError extends Error {
  constructor(readonly code: string, readonly params: string[]) {
    super(`${code} ${params.join(' ')}`);
  }
}

const KEY = 'xenkit.session';
let session: string | null = sessionStorage.getItem(KEY);
let nextId = 1;
/** Called when the session is gone (logged out elsewhere, expired): the app shows the login again. */
let onLost: () => void = () => {};

export const currentSession = () => session;
export const onSessionLost = (fn: () => void) => void (onLost = fn);

/** One JSON-RPC 2.0 call to this origin's /jsonrpc (the only place the console talks to). */
export const call = <T = any>(method: string, ...params: unknown[]) => callWith<T>(undefined, method, params);

/** A call that stops waiting when `signal` aborts (the event loop's long poll, at logout). */
export async function callWith<T = any>(signal: AbortSignal | undefined, method: string, params: unknown[]): Promise<T> {
  let res: Response;
  try {
    res = await fetch('/jsonrpc', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', method, params, id: nextId++ }), signal });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new XapiError('CONSOLE_UNREACHABLE', ['the service does not answer']);
  }
  const body = (await res.json().catch(() => null)) as { result?: T; error?: { message: string; data?: string[] } } | null;
  if (!body) throw new XapiError('CONSOLE_BAD_REPLY', [`HTTP ${res.status}`]);
  if (body.error) {
    const e = new XapiError(body.error.message, (body.error.data ?? []).map(String));
    if (e.code === 'SESSION_INVALID' && session) {
      setSession(null);
      onLost();
    }
    throw e;
  }
  return body.result as T;
}

/** A call with the tab's session as its first parameter. */
export const api = <T = any>(method: string, ...params: unknown[]) => call<T>(method, session, ...params);

function setSession(s: string | null): void {
  session = s;
  if (s) sessionStorage.setItem(KEY, s);
  else sessionStorage.removeItem(KEY);
}

export async function login(user: string, password: string): Promise<void> {
  setSession(await call<string>('session.login_with_password', user, password, '1.0', 'xenkit-console'));
}

export async function logout(): Promise<void> {
  const s = session;
  setSession(null);
  if (s) await call('session.logout', s).catch(() => {});
}
