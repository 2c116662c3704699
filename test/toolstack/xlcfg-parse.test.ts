import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXlCfg, type XlValue } from '../../src/toolstack/xlcfg/parse.js';
import { exampleFiles, NO_SHARED, readExample, xerr } from './util.js';

/** A setting's value with positions dropped: strings as text, lists as arrays. */
function plain(v: XlValue | undefined): unknown {
  if (v === undefined) return undefined;
  return v.kind === 'string' ? v.value : v.items.map(plain);
}
const values = (text: string) => Object.fromEntries([...parseXlCfg(text, 't.cfg').settings].map(([k, s]) => [k, plain(s.value)]));
/** The full message of the syntax error `text` raises. */
const syntax = (text: string) => xerr(() => parseXlCfg(text, 't.cfg'), 'XLCFG_SYNTAX').message;

test("every example config in shared/xl-examples parses", { skip: NO_SHARED }, () => {
  const files = exampleFiles();
  assert.ok(files.length >= 3, files.join(', '));
  for (const f of files) {
    const cfg = parseXlCfg(readExample(f), f);
    assert.ok(cfg.settings.has('name'), f);
    assert.equal(cfg.file, f);
  }
});

test('the hvm example, setting by setting, with positions', { skip: NO_SHARED }, () => {
  const cfg = parseXlCfg(readExample('xlexample.hvm'), 'xlexample.hvm');
  assert.deepEqual([...cfg.settings.keys()], ['type', 'name', 'memory', 'vcpus', 'vif', 'disk', 'sdl']);
  const disk = cfg.settings.get('disk')!;
  assert.deepEqual({ line: disk.line, col: disk.col, op: disk.op, file: disk.file }, { line: 43, col: 1, op: '=', file: 'xlexample.hvm' });
  assert.equal(disk.value.kind, 'list');
  const item = disk.value.kind === 'list' ? disk.value.items[0]! : undefined;
  assert.deepEqual(item, { kind: 'string', value: '/dev/vg/guest-volume,raw,xvda,rw', quoted: true, line: 43, col: 10 });
  assert.deepEqual(cfg.settings.get('memory')!.value, { kind: 'string', value: '128', quoted: false, line: 25, col: 10 });
});

test('settings: newline or ; separated, empty statements, a final one without newline', () => {
  assert.deepEqual(values('a = 1; b = "x"\n;;\nc = \'y\';\n\nd = 2'), { a: '1', b: 'x', c: 'y', d: '2' });
  assert.deepEqual(values(''), {});
  assert.deepEqual(values('\n\n# only a comment\n'), {});
  assert.deepEqual(values('a\t=\t1\t\n'), { a: '1' });
  assert.deepEqual(values('vif.default.script = "s"\nx9_y.z = 1\n'), { 'vif.default.script': 's', 'x9_y.z': '1' });
});

test('numbers are kept as written (hex, octal, junk): converting them is the getter\'s job', () => {
  assert.deepEqual(values('a = 0x10\nb = 010\nc = 12abc\nd = 1e5\ne = "0x1f"\n'), { a: '0x10', b: '010', c: '12abc', d: '1e5', e: '0x1f' });
  const cfg = parseXlCfg('a = 7\nb = "7"\n', 't.cfg');
  assert.equal((cfg.settings.get('a')!.value as { quoted: boolean }).quoted, false);
  assert.equal((cfg.settings.get('b')!.value as { quoted: boolean }).quoted, true);
});

test('lists: several lines, comments inside, one trailing comma, nesting, empty', () => {
  const text = 'disk = [ \'a\', # the first\n   "b",\n\n   ]\nd = [[1,2],[3]]\ne = []\nf = [ 1, 2, ]\n';
  assert.deepEqual(values(text), { disk: ['a', 'b'], d: [['1', '2'], ['3']], e: [], f: ['1', '2'] });
  const d = parseXlCfg(text, 't.cfg').settings.get('disk')!.value;
  assert.equal(d.kind, 'list');
  if (d.kind === 'list') assert.deepEqual(d.items.map((i) => [i.line, i.col]), [[1, 10], [2, 4]]);
});

test('strings: both quotes, C escapes, \\x and octal decoded', () => {
  assert.deepEqual(values(String.raw`a = "q\"x\\y\tz\'w"` + '\n' + String.raw`b = 'it\'s "dq"'` + '\n' + String.raw`c = "\x41\101\a\b\f\n\r\v"`), {
    a: 'q"x\\y\tz\'w',
    b: 'it\'s "dq"',
    c: 'AA\x07\b\f\n\r\v',
  });
  assert.deepEqual(values('a = "# not a comment"  # a comment\n'), { a: '# not a comment' });
});

test('duplicate keys: the last wins, every assignment is kept in order', () => {
  const cfg = parseXlCfg('a = 1\nb = 2\na = 3\n', 't.cfg');
  assert.equal(plain(cfg.settings.get('a')!.value), '3');
  assert.equal(cfg.settings.get('a')!.line, 3);
  assert.deepEqual(cfg.assignments.map((s) => s.key), ['a', 'b', 'a']);
});

test('+= appends a string to a string and a list to a list, for any key', () => {
  assert.deepEqual(values('extra = "a"\nextra += " b"\nl = [1]\nl += [2, 3]\nn += "z"\n'), { extra: 'a b', l: ['1', '2', '3'], n: 'z' });
  const cfg = parseXlCfg('n = 1\nn += 2\n', 't.cfg');
  assert.equal(cfg.settings.get('n')!.op, '+=');
  assert.equal(plain(cfg.settings.get('n')!.value), '12');
  assert.equal(
    syntax('a = "x"\na += [1]\n'),
    't.cfg:2:6: expected a string to add to a (a string in t.cfg line 1), found a list\na += [1]\n     ^',
  );
});

test('lenient where libxlu is buggy: CRLF, upper-case hex', () => {
  assert.deepEqual(values('a = 1\r\nb = "x" # c\r\n'), { a: '1', b: 'x' });
  assert.deepEqual(values('a = 0xFF'), { a: '0xFF' });
});

test('a last line that is a comment without a newline is refused, as libxlu refuses it (real xl: real/babrakov-infoza.cfg)', () => {
  assert.deepEqual(values('a = 1\n# trailing comment\n'), { a: '1' });
  assert.match(syntax('a = 1\n# trailing comment'), /^t\.cfg:2:1: expected a newline at the end of this comment, found the end of the file/);
});

test('overrides: parsing onto a base extends it (last wins, += appends), the base is unchanged', () => {
  const base = parseXlCfg('memory = 128\nextra = "ro"\n', 'f.cfg');
  const more = parseXlCfg('extra += " quiet"', 'command line', parseXlCfg('memory = 256', 'command line', base));
  assert.equal(plain(more.settings.get('memory')!.value), '256');
  assert.equal(more.settings.get('memory')!.file, 'command line');
  assert.equal(plain(more.settings.get('extra')!.value), 'ro quiet');
  assert.equal(more.file, 'f.cfg');
  assert.equal(plain(base.settings.get('memory')!.value), '128');
});

test('syntax errors: position, what was expected, what was found, the line and a caret', () => {
  const cases: [string, string][] = [
    ['a = = 1', "t.cfg:1:5: expected a value (a quoted string, a number or '['), found '='\na = = 1\n    ^"],
    ['a 1', "t.cfg:1:3: expected '=' or '+=', found '1'\na 1\n  ^"],
    ['a = [1, 2\nb = 3', "t.cfg:2:1: expected ',' or ']', found 'b'\nb = 3\n^"],
    ['a=1 b=2', "t.cfg:1:5: expected ';' or end of line, found 'b'\na=1 b=2\n    ^"],
    ['x = 1\nAbc = 1', "t.cfg:2:1: expected a setting (key = value), found 'Abc'\nAbc = 1\n^"],
    ['a = abc', "t.cfg:1:5: expected a value (a quoted string, a number or '['), found 'abc'\na = abc\n    ^"],
    ['f = -1', "t.cfg:1:5: expected a value (a quoted string, a number or '['), found '-1'\nf = -1\n    ^"],
    ['a = 1 + 2', "t.cfg:1:7: expected ';' or end of line, found '+'\na = 1 + 2\n      ^"],
    ['a =\n[1]', "t.cfg:1:4: expected a value (a quoted string, a number or '['), found end of line\na =\n   ^"],
    ['a = [1,,2]', "t.cfg:1:8: expected a value or ']', found ','\na = [1,,2]\n       ^"],
    ['e = [,]', "t.cfg:1:6: expected a value or ']', found ','\ne = [,]\n     ^"],
    ['a = [1', "t.cfg:1:7: expected ',' or ']', found end of file\na = [1\n      ^"],
    ['a = "abc\nb = 2', 't.cfg:1:9: expected the closing " of the string at column 5, found end of line\na = "abc\n        ^'],
    ['a = "A\\qB"', 't.cfg:1:7: expected an escape (\\n \\t \\r \\\\ \\" \\\' \\a \\b \\f \\v \\xHH \\ooo), found \\q\na = "A\\qB"\n      ^'],
    ['\tab = = 1', "t.cfg:1:7: expected a value (a quoted string, a number or '['), found '='\n\tab = = 1\n\t     ^"],
    ['a = 1\rb = 2', "t.cfg:1:6: expected ';' or end of line, found '\\r'\na = 1\\rb = 2\n     ^"], // the excerpt escapes control characters
  ];
  for (const [text, message] of cases) assert.equal(syntax(text), message, JSON.stringify(text));
});

test('a syntax error carries the position and a hint', () => {
  const e = xerr(() => parseXlCfg('name = "x"\nf = -1\n', 'g.cfg'), 'XLCFG_SYNTAX');
  assert.deepEqual(e.details, { file: 'g.cfg', line: 2, col: 5 });
  assert.match(e.hint!, /quoted: "-1"/);
  assert.match(xerr(() => parseXlCfg('_x = 1', 'g.cfg'), 'XLCFG_SYNTAX').hint!, /lower case/);
});
