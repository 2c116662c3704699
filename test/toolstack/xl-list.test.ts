import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import type { DomainInfo } from '../../src/hv/hypervisor.js';
import { formatList as formatTable, stateString as stateOfRow } from '../../src/toolstack/xl-list.js';
import { recordsTable } from '../../src/toolstack/domain-table.js';
import type { DomainRecord } from '../../src/toolstack/toolstack.js';
import { tempState, xk } from '../helpers/xk.js';

// The truth is xl's own printf, tools/xl/xl_info.c list_domains() @RELEASE-4.17.0:
//   printf("Name                                        ID   Mem VCPUs\tState\tTime(s)");
//   printf("%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f", name, domid, mem MiB, vcpus,
//          r, b, p, shutdown ? 's' : '-', "-rscwS"[shutdown_reason], dying, cpu_time / 1e9);
// written out here by hand (C's %-40s pads and never cuts; %5d pads and never cuts).
const XL_HEAD = 'Name' + ' '.repeat(40) + 'ID   Mem VCPUs\tState\tTime(s)';
const c = (n: number | string, w: number) => String(n).padStart(w);
const xlLine = (name: string, id: number, mib: number, vcpus: number, state: string, time: string) => `${name.padEnd(40)} ${c(id, 5)} ${c(mib, 5)} ${c(vcpus, 5)}     ${state}  ${c(time, 8)}`;

const formatList = (rs: DomainRecord[]) => formatTable(recordsTable(rs));
const stateString = (i: DomainInfo) => stateOfRow(recordsTable([{ domid: i.domid, name: 'x', info: i }]), 0);

function info(over: Partial<DomainInfo>): DomainInfo {
  return { domid: 1, dying: false, hvm: false, shutdown: false, paused: false, blocked: false, running: true, hap: false, xs_domain: false, shutdown_reason: null, tot_pages: 131072, max_pages: 131328, nr_online_vcpus: 2, max_vcpu_id: 1, cpu_time_ns: 0, ssidref: 0, handle: new Uint8Array(16), cpupool: 0, ...over };
}

test('xk list prints xl\'s columns: header, name padded to 40 then a space, %5d fields, a long name pushes only its own line', () => {
  const long = 'a-guest-name-that-is-longer-than-forty-chars';
  const text = formatList([
    { domid: 0, name: 'Domain-0', info: info({ domid: 0, tot_pages: 1048576, nr_online_vcpus: 16, cpu_time_ns: 12_345_000_000 }) },
    { domid: 7, name: long, info: info({ domid: 7, tot_pages: 2 ** 28 }) },
  ]).toString();
  assert.equal(text, [XL_HEAD, xlLine('Domain-0', 0, 4096, 16, 'r-----', '12.3'), xlLine(long, 7, 1048576, 2, 'r-----', '0.0'), ''].join('\n'));
});

test('xk list pads a UTF-8 name by bytes, as C\'s %-40s does', () => {
  const name = 'caf\u00e9-\u00fcber';
  const text = formatList([{ domid: 3, name, info: info({ domid: 3 }) }]).toString();
  const bytes = Buffer.byteLength(name);
  assert.equal(text.split('\n')[1], `${name}${' '.repeat(40 - bytes)} ${c(3, 5)} ${c(512, 5)} ${c(2, 5)}     r-----  ${c('0.0', 8)}`);
});

test('xk list state letters: s on every shutdown, then the reason from "-rscwS" (xl_info.c)', () => {
  const st = (shutdown_reason: DomainInfo['shutdown_reason']) => stateString(info({ running: false, shutdown: true, shutdown_reason }));
  assert.deepEqual(
    (['poweroff', 'reboot', 'suspend', 'crash', 'watchdog', 'soft_reset'] as const).map(st),
    ['---s--', '---sr-', '---ss-', '---sc-', '---sw-', '---sS-'],
  );
  assert.equal(stateString(info({ running: false, paused: true })), '--p---');
  assert.equal(stateString(info({ running: false, dying: true })), '-----d');
});

test('a plain xk list (no commander) and the same list through commander print the same, and bad options still get commander\'s answer', () => {
  const s = tempState();
  const EX = resolve(import.meta.dirname, '../../examples');
  assert.equal(xk(['--state', s, 'create', join(EX, 'pv.cfg')]).status, 0);
  const plain = xk(['--state', s, 'list']);
  // -vv is read by commander only (combined short flags): the same grammar, the other parser.
  const viaCommander = xk(['list', '-vv', '--state', s]);
  const quickVerbose = xk(['--state=' + s, 'list', '--verbose']);
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(quickVerbose.stdout, viaCommander.stdout);
  // The sim runs no guest code: Time(s) is "-" (README), in xl's %8.1f column.
  assert.ok(plain.stdout.split('\n').includes(xlLine('web-pv', 1, 512, 2, 'r-----', '-')), plain.stdout);
  const bad = xk(['--state', s, 'list', '--bogus']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option '--bogus'/);
  const help = xk(['list', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: xk list \[options\] \[domains\.\.\.\]/);
});
