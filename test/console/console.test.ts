import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { PASSWORD, rpc, startService } from '../service/harness.js';
import { buildConsole, collectErrors, launch, logIn, noBrowser, shot } from './browser.js';

const skip = noBrowser();
const HVM = readFileSync(new URL('../../examples/hvm.cfg', import.meta.url), 'utf8');

describe('web console in chromium', { skip, timeout: 240_000 }, () => {
  let s: Awaited<ReturnType<typeof startService>>;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let sid: string;
  const row = (name: string) => page.locator(`tr[data-name="${name}"]`);
  const vmRef = async (name: string) => (await rpc(s.url, 'VM.get_by_name_label', [sid, name])).body.result[0] as string;

  before(async () => {
    buildConsole();
    s = await startService();
    sid = (await rpc(s.url, 'session.login_with_password', ['root', PASSWORD, '1.0', 'test'])).body.result;
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    errors = collectErrors(page);
  });
  after(async () => {
    await browser?.close();
    await s?.close();
  });

  test('served at / by default, same origin only (CSP), and a wrong password is refused in words', async () => {
    const res = await fetch(s.url + '/');
    assert.match(res.headers.get('content-security-policy') ?? '', /connect-src 'self'/);
    await page.goto(s.url + '/');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong user name or password.' }).waitFor();
    await shot(page, 'login-error');
  });

  test('log in; the VM list shows the imported VMs with type, memory and the host release verdict', async () => {
    await logIn(page, s.url, PASSWORD);
    for (const [name, type] of [['web-pv', 'PV'], ['db-pvh', 'PVH'], ['win-hvm', 'HVM']]) {
      await row(name).waitFor();
      assert.equal(await row(name).locator('td').nth(4).innerText(), type);
      assert.match(await row(name).locator('td').nth(5).innerText(), /accepted by 4\.\d+/);
    }
    assert.equal(await row('win-hvm').locator('td').nth(0).innerText(), 'Halted');
    assert.equal(await row('win-hvm').locator('td').nth(2).innerText(), '2048 MiB');
    // The session is kept for the tab: a reload stays logged in.
    await page.reload();
    await row('win-hvm').waitFor();
    await shot(page, 'vms');
  });

  test('start a VM from the console: the row turns Running without a reload, with the task shown', async () => {
    await page.getByRole('button', { name: 'Start win-hvm' }).click();
    await row('win-hvm').locator('.power.running').waitFor();
    await row('win-hvm').getByText('Start: done').waitFor();
    assert.match(await row('win-hvm').locator('td').nth(1).innerText(), /^\d+$/);
    const rec = (await rpc(s.url, 'VM.get_record', [sid, await vmRef('win-hvm')])).body.result;
    assert.equal(rec.power_state, 'Running');
    await shot(page, 'vms-started');
  });

  test("a start the host's release refuses: the verdict column says so and the task's failure is shown in words", async () => {
    // nested_virt without hap: Xen's arch_sanitise_domain_config() refuses it (EINVAL), as `xk check` says.
    await rpc(s.url, 'xenkit.VM.create_from_xlcfg', [sid, 'name = "nested"\ntype = "hvm"\nmemory = 512\nhap = 0\nnestedhvm = 1\n']);
    await row('nested').getByText('refused by').waitFor();
    assert.match(await row('nested').locator('td').nth(5).innerText(), /NESTED_VIRT_WITHOUT_HAP/);
    await page.getByRole('button', { name: 'Start nested' }).click();
    await row('nested').getByRole('alert').filter({ hasText: /Start: Xen refuses it \(NESTED_VIRT_WITHOUT_HAP, EINVAL\)/ }).waitFor();
    assert.equal(await row('nested').locator('td').nth(0).innerText(), 'Halted');
  });

  test('a VM started and a VM created through the API appear without a reload', async () => {
    await rpc(s.url, 'VM.start', [sid, await vmRef('db-pvh'), false, false]);
    await row('db-pvh').locator('.power.running').waitFor();
    const text = HVM.replace('name = "win-hvm"', 'name = "api-made"');
    await rpc(s.url, 'xenkit.VM.create_from_xlcfg', [sid, text]);
    await row('api-made').waitFor();
    await row('api-made').getByText('accepted by').waitFor();
    await shot(page, 'vms-live');
  });

  test('host panel: release, arch, CPUs, capabilities and memory', async () => {
    await page.getByRole('link', { name: 'Host' }).click();
    await page.locator('[data-field="release"]').waitFor();
    const pi = (await rpc(s.url, 'xenkit.host.get_physinfo', [sid, (await rpc(s.url, 'session.get_this_host', [sid, sid])).body.result])).body.result;
    assert.match(await page.locator('[data-field="release"]').innerText(), new RegExp(`^${pi.release.replace('.', '\\.')} `));
    assert.equal(await page.locator('[data-field="arch"]').innerText(), pi.arch);
    await page.getByRole('meter', { name: 'Memory used' }).waitFor();
    await shot(page, 'host');
  });
});
