// Real `xl create -n` (run in dom0 by init.sh, tests named xlcreaten-DIR-NAME) on the project's own
// configs: each answer is recorded in test/xen-qemu/recorded/xl-create-n/DIR-NAME.json (+ .stdout,
// the exact bytes) and compared with xenkit's `xk create FILE --dry-run --libxl-json`.
// npm test (test/toolstack/xl-recorded.test.ts) then checks xenkit against these recordings.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DIRS = { examples: 'examples', guests: 'test/xen-qemu/guests', real: 'test/xlcfg-corpus/real', keys: 'test/xlcfg-corpus/keys' };
/** xlcreaten-examples-pv -> examples/pv.cfg; guests-pv -> test/xen-qemu/guests/pv.cfg; the corpus: real-X, keys-K -> test/xlcfg-corpus/{real,keys}/ */
export function cfgOf(name) {
  const m = /^xlcreaten-(examples|guests|real|keys)-(.+)$/.exec(name);
  return m ? `${DIRS[m[1]]}/${m[2]}.cfg` : undefined;
}
/** The corpus's recordings live in recorded/xl-create-n/corpus/ (the project's configs' tests read the directory itself). */
const isCorpus = (base) => /^(real|keys)-/.test(base);
/** The corpus's known differences (file -> reason; npm test keeps it exact): a difference listed there is no failure here. */
function knownDifferences(root, rel) {
  const f = join(root, `test/xlcfg-corpus/known-differences${rel === '4.17' ? '' : `-${rel}`}.json`);
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : {};
}

/** "xen_version : 4.17.7-pre" from `xl info`'s lines. */
export function xenVersion(lines) {
  for (const l of lines) {
    const m = /^xen_version\s*:\s*(\S+)/.exec(l);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * Where a release's answers are kept: 4.17's (the release npm test compares with) in
 * recorded/xl-create-n/, any other release's in recorded/xl-create-n-X.Y/ (4.20: trixie's xl).
 */
export function recordedDir(version) {
  const rel = /^(\d+\.\d+)/.exec(version ?? '')?.[1];
  return !rel || rel === '4.17' ? 'test/xen-qemu/recorded/xl-create-n' : `test/xen-qemu/recorded/xl-create-n-${rel}`;
}

const withUuid = (cfg, uuid) => ({ ...cfg, c_info: { ...cfg.c_info, uuid } });
/** ms_vm_genid = "generate": 16 random bytes on both sides; xenkit's (when 16 and not all zero) replaced by xl's, as the uuid is. */
const genidOf = (cfg) => cfg.b_info?.['type.hvm']?.ms_vm_genid;
const random = (g) => Array.isArray(g) && g.length === 16 && g.some((x) => x !== 0);
function withGenid(cfg, xl) {
  if (!random(genidOf(cfg)) || !random(genidOf(xl))) return cfg;
  return { ...cfg, b_info: { ...cfg.b_info, 'type.hvm': { ...cfg.b_info['type.hvm'], ms_vm_genid: genidOf(xl) } } };
}

/** xenkit's libxl JSON for a config in a release's layout (sim backend, a throwaway state file). */
function xenkitJson(root, file, release) {
  const dir = mkdtempSync(join(tmpdir(), 'xk-xlcn-'));
  try {
    const out = execFileSync(process.execPath, [join(root, 'dist/cli/main.js'), 'create', join(root, file), '--dry-run', '--libxl-json', ...(release === '4.17' ? [] : ['--xen', release])], {
      encoding: 'utf8',
      // Debian's xen-utils-X.Y puts pvgrub in /usr/lib/xen-X.Y/boot (real xl 4.17.7: keys/firmware.cfg)
      env: { ...process.env, XENKIT_STATE: join(dir, 'sim.db'), XENKIT_FIRMWARE_DIR: `/usr/lib/xen-${release}/boot` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { stdout: out, json: JSON.parse(out) };
  } catch (e) {
    return { error: `${e.message}\n${e.stderr ?? ''}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One real answer: the record written to recorded/xl-create-n/, without the raw stdout. */
function recordOf(name, t, version, debian) {
  const stdout = t.out.join('\n') + '\n';
  // xl's last stderr line may lack its newline ("failed to parse channel configuration: %s"): init.sh's XKEND then follows on it
  const err = t.err.map((l) => l.replace(/XKEND:\S+$/, ''));
  let libxl_config = null;
  try {
    libxl_config = JSON.parse(stdout);
  } catch {
    /* xl printed no JSON: xl_rc and stderr say why */
  }
  return {
    rec: { file: cfgOf(name), xen_version: version ?? null, debian_package: debian ?? null, xl: 'xl create -n', xl_rc: t.rc, stderr: err, libxl_config },
    stdout,
  };
}

/** Record and compare; returns the number of failures. */
export function checkXlCreateN({ tests, root, say, record, debian }) {
  const names = [...tests.keys()].filter((n) => n.startsWith('xlcreaten-'));
  if (!names.length) return 0;
  const version = xenVersion(tests.get('xlinfo')?.out ?? []);
  const dir = join(root, recordedDir(version));
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(dir, 'corpus'), { recursive: true });
  const known = knownDifferences(root, /^(\d+\.\d+)/.exec(version ?? '')?.[1] ?? '4.17');
  say('');
  say(`real xl create -n (Xen ${version ?? '?'}, Debian xen-utils ${debian ?? '?'}) on the project's own configs:`);
  let bad = 0;
  for (const name of names) {
    const t = tests.get(name);
    const base = name.slice('xlcreaten-'.length);
    if (t.rc === undefined) {
      say(`  FAIL: ${cfgOf(name)}: real xl's answer is not in the log (the boot ended first): not recorded`);
      bad++;
      continue;
    }
    const { rec, stdout } = recordOf(name, t, version, debian);
    const rdir = isCorpus(base) ? join(dir, 'corpus') : dir;
    const recFile = join(rdir, `${base}.json`);
    if (record || !existsSync(recFile)) {
      writeFileSync(recFile, JSON.stringify(rec, null, 1) + '\n');
      writeFileSync(join(rdir, `${base}.stdout`), stdout);
      say(`  recorded ${recFile.slice(root.length + 1)}`);
    } else {
      const old = JSON.parse(readFileSync(recFile, 'utf8'));
      // a refusal (no JSON) is the same answer when xl's exit status and words are
      const same = old.libxl_config && rec.libxl_config
        ? JSON.stringify(withUuid(old.libxl_config, '')) === JSON.stringify(withUuid(rec.libxl_config, ''))
        : old.xl_rc === rec.xl_rc && JSON.stringify(old.stderr) === JSON.stringify(rec.stderr);
      if (!same) say(`  note: real xl's answer for ${rec.file} differs from the recording (XK_RECORD=1 rewrites it)`);
    }
    const corpusFile = isCorpus(base) ? rec.file.replace('test/xlcfg-corpus/', '') : undefined;
    if (corpusFile && known[corpusFile] !== undefined) {
      say(`  known difference: ${rec.file}: ${known[corpusFile]} (xl exited ${t.rc})`);
      continue;
    }
    if (corpusFile && t.rc !== 0) {
      say(`  xl refused ${rec.file} (exit ${t.rc}): ${t.err.join(' | ')}; npm test checks that xenkit refuses it too`);
      continue;
    }
    if (t.rc !== 0 || !rec.libxl_config) {
      say(`  FAIL: ${rec.file}: real xl exited ${t.rc}: ${t.err.join(' | ')}`);
      bad++;
      continue;
    }
    const xk = xenkitJson(root, rec.file, /^(\d+\.\d+)/.exec(version ?? '')?.[1] ?? '4.17');
    if (xk.error) {
      say(`  FAIL: ${rec.file}: xk create --dry-run --libxl-json failed: ${xk.error}`);
      bad++;
      continue;
    }
    const uuid = rec.libxl_config.c_info?.uuid;
    const ours = JSON.stringify(withGenid(withUuid(xk.json, uuid), rec.libxl_config));
    const theirs = JSON.stringify(rec.libxl_config);
    const genid = (t) => t.replace(/"ms_vm_genid": \[[^\]]*\]/, '"ms_vm_genid": [random]');
    const bytes = genid(xk.stdout.replace(xk.json.c_info.uuid, uuid)) === genid(stdout);
    if (ours === theirs && bytes) say(`  PASS: ${rec.file}: xenkit's libxl JSON is real xl's, byte for byte (uuid aside)`);
    else {
      bad++;
      say(`  FAIL: ${rec.file}: xenkit's libxl JSON differs from real xl's (${ours === theirs ? 'same JSON, other bytes' : 'other JSON'}):`);
      say(`    xl:      ${theirs}`);
      say(`    xenkit:  ${ours}`);
    }
  }
  return bad;
}
