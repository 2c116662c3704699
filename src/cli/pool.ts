import type { Command } from 'commander';
import { XenkitError } from '../errors.js';
import { jsonOut, out } from './io.js';

/** One JSON-RPC call to a XenAPI service; a XenAPI failure becomes an error naming its code and params. */
async function call(url: string, method: string, params: unknown[]): Promise<any> {
  let res: Response;
  try {
    res = await fetch(`${url}/jsonrpc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }), signal: AbortSignal.timeout(15000) });
  } catch (e) {
    throw new XenkitError('POOL_UNREACHABLE', `--url: ${url} did not answer ${method}: ${(e as Error).message}`, { field: '--url', value: url, hint: 'the address of a pool member (xk serve --pool)' });
  }
  const j = (await res.json().catch(() => ({}))) as { result?: unknown; error?: { message: string; data?: string[] } };
  if (j.error) throw Object.assign(new XenkitError('POOL_CALL_FAILED', `${method}: ${j.error.message} ${(j.error.data ?? []).join(' ')}`.trim(), { field: method, hint: 'see the code and its parameters' }), { apiCode: j.error.message, apiParams: j.error.data ?? [] });
  return j.result;
}

/** Log in; on a supporter, follow HOST_IS_SLAVE to the coordinator's address (same port, as the xen-api client does). */
async function login(url: string, user: string, pw: string): Promise<{ url: string; sid: string }> {
  try {
    return { url, sid: await call(url, 'session.login_with_password', [user, pw]) };
  } catch (e) {
    const x = e as { apiCode?: string; apiParams?: string[] };
    if (x.apiCode !== 'HOST_IS_SLAVE' || !x.apiParams?.[0]) throw e;
    const u = new URL(url);
    u.hostname = x.apiParams[0];
    const to = u.origin;
    return { url: to, sid: await call(to, 'session.login_with_password', [user, pw]) };
  }
}

/** `xk pool check`: for each VM of a pool, which members can run it now, and why the others cannot. */
export function register(program: Command): void {
  const pool = program.command('pool').description('a pool of xk serve hosts (xk serve --pool)');
  pool
    .command('check')
    .description('for each VM, which members can run it (release verdict, enabled, live, room); password in $XENKIT_PASSWORD')
    .option('--url <url>', 'a pool member', 'http://127.0.0.1:8080')
    .option('--user <name>', 'user', 'root')
    .option('--json', 'print JSON: VM name -> host name -> "ok" or the reason')
    .addHelpText('after', '\nExamples:\n  XENKIT_PASSWORD=secret xk pool check --url http://127.0.0.2:8080')
    .action(async (o: { url: string; user: string; json?: boolean }) => {
      if (!/^https?:\/\/[^/]+$/.test(o.url)) throw new XenkitError('BAD_INPUT', `--url: ${JSON.stringify(o.url)} is not accepted; expected http(s)://HOST:PORT`, { field: '--url', value: o.url, hint: 'http(s)://HOST:PORT' });
      const pw = process.env.XENKIT_PASSWORD;
      if (!pw) throw new XenkitError('BAD_INPUT', 'XENKIT_PASSWORD is not set: the password of --user', { field: 'XENKIT_PASSWORD', hint: 'XENKIT_PASSWORD=... xk pool check' });
      const s = await login(o.url, o.user, pw);
      const check = (await call(s.url, 'xenkit.pool.check', [s.sid])) as Record<string, Record<string, string>>;
      const hosts = (await call(s.url, 'host.get_all_records', [s.sid])) as Record<string, { name_label: string }>;
      const vms = (await call(s.url, 'VM.get_all_records', [s.sid])) as Record<string, { name_label: string }>;
      const named = Object.fromEntries(Object.entries(check).map(([vm, per]) => [vms[vm]?.name_label ?? vm, Object.fromEntries(Object.entries(per).map(([h, v]) => [hosts[h]?.name_label ?? h, v]))]));
      await call(s.url, 'session.logout', [s.sid]).catch(() => undefined);
      if (o.json) return jsonOut(named);
      const w = Math.max(2, ...Object.keys(named).map((n) => n.length));
      const hw = Math.max(4, ...Object.values(hosts).map((h) => h.name_label.length));
      out(`${'VM'.padEnd(w)}  ${'HOST'.padEnd(hw)}  CAN RUN IT`);
      for (const [vm, per] of Object.entries(named)) for (const [h, v] of Object.entries(per)) out(`${vm.padEnd(w)}  ${h.padEnd(hw)}  ${v}`);
    });
}
