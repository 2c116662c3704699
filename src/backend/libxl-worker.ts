/**
 * One libxl operation in a short-lived process of its own: `node libxl-worker.js OP RELEASE [DOMID]`
 * (for `create`, the libxl JSON on stdin and `paused` as the third argument). It prints one JSON line
 * and exits at once.
 *
 * Why a process: on real Xen 4.17 under QEMU, about 1 run in 12 of an in-process libxl create was
 * followed, 0.1-0.5 s later, by a crash of node itself (SIGSEGV, "Invalid bytecode"): native code in
 * libxl (or a library it starts, such as libxenstore's reader thread) overwrote the node heap. Run
 * apart, whatever libxl does to its process cannot reach xk's, and the answer is written before the
 * worker can be hurt (test/xen-qemu/README.md).
 */
import { writeSync } from 'node:fs';
import { XenkitError } from '../errors.js';
import { Libxl } from './libxl.js';

function reply(v: Record<string, unknown>): never {
  writeSync(1, JSON.stringify(v) + '\n');
  process.exit(v.ok ? 0 : 1);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<void> {
  const [op, release, arg] = process.argv.slice(2);
  try {
    const libxl = new Libxl(String(release));
    if (op === 'create') {
      const json = JSON.parse(await readStdin()) as Record<string, unknown>;
      const domid = libxl.createNew(json, arg === 'paused');
      reply({ ok: true, domid });
    }
    if (op === 'names') reply({ ok: true, names: libxl.names(String(arg ?? '').split(',').filter(Boolean).map(Number)) });
    const domid = Number(arg);
    if (op === 'destroy' || op === 'shutdown' || op === 'reboot') {
      libxl[op](domid);
      reply({ ok: true, domid });
    }
    reply({ ok: false, code: 'BAD_INPUT', message: `libxl worker: unknown operation ${JSON.stringify(op)}` });
  } catch (e) {
    // The whole error crosses the pipe (LibxlClient rebuilds it): code, message, field, value, hint,
    // errno, source and details.
    if (e instanceof XenkitError) reply({ ok: false, ...e.toJSON(), ...(e.details ? { details: e.details } : {}) });
    reply({ ok: false, code: 'INTERNAL', message: `libxl worker: ${(e as Error)?.message ?? String(e)}` });
  }
}

await main();
