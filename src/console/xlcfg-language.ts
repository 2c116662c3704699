import { StreamLanguage, type StringStream } from '@codemirror/language';

/**
 * xl.cfg as libxlu reads it (tools/libs/util/libxlu_cfg_l.l @RELEASE-4.17.0): `key = value` settings
 * separated by newlines or `;`, values are numbers, "strings" or 'strings', or [lists]; `#` comments.
 */
interface State { afterEquals: boolean }

function token(stream: StringStream, state: State): string | null {
  if (stream.sol()) state.afterEquals = false;
  if (stream.eatSpace()) return null;
  if (stream.peek() === '#') return (stream.skipToEnd(), 'comment');
  if (stream.match(/^"(?:[^"\\\n]|\\.)*"?/) || stream.match(/^'[^'\n]*'?/)) return 'string';
  if (stream.match(/^(?:0x[0-9a-fA-F]+|\d+)/)) return 'number';
  if (stream.match(/^[A-Za-z_][A-Za-z0-9_.]*/)) return state.afterEquals ? 'atom' : 'propertyName';
  const ch = stream.next();
  if (ch === '=' || ch === '+') return (state.afterEquals = true, 'operator');
  if (ch === ';') return (state.afterEquals = false, 'punctuation');
  if (ch === '[' || ch === ']' || ch === ',') return 'bracket';
  return 'invalid';
}

export const xlcfgLanguage = StreamLanguage.define<State>({
  name: 'xl.cfg',
  startState: () => ({ afterEquals: false }),
  copyState: (s) => ({ ...s }),
  token,
  languageData: { commentTokens: { line: '#' } },
});
