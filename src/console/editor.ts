import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { syntaxHighlighting, HighlightStyle } from '@codemirror/language';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { tags as t } from '@lezer/highlight';
import { xlcfgLanguage } from './xlcfg-language.js';

export interface Mark { line: number; col: number; severity: 'error' | 'warning'; code?: string; message: string; hint?: string }

const style = HighlightStyle.define([
  { tag: t.comment, color: '#6a737d', fontStyle: 'italic' },
  { tag: t.propertyName, color: '#005cc5' },
  { tag: t.string, color: '#22863a' },
  { tag: t.number, color: '#b31d28' },
  { tag: t.atom, color: '#6f42c1' },
  { tag: t.operator, color: '#d73a49' },
  { tag: t.invalid, color: '#fff', backgroundColor: '#b31d28' },
]);

/** The message, and the hint when the message does not already say it. */
export const withHint = (m: Mark) => (m.hint && !m.message.includes(m.hint) ? `${m.message} (${m.hint})` : m.message);

/** A mark's line and column as a document range (the rest of the token, at least one character). */
export function rangeOf(state: EditorState, m: Mark): { from: number; to: number } {
  const line = state.doc.line(Math.min(Math.max(1, m.line), state.doc.lines));
  const from = Math.min(line.from + Math.max(0, m.col - 1), line.to);
  const word = /^[^\s,\];]*/.exec(state.doc.sliceString(from, line.to))![0].length;
  return { from, to: Math.min(line.to, from + Math.max(1, word)) };
}

/**
 * The xl.cfg editor: highlighting, and the service's marks (xenkit.xlcfg.preview) as diagnostics at
 * their line and column, refreshed as the text changes. `check` returns the marks for a text.
 */
export function createEditor(parent: HTMLElement, text: string, check: (text: string) => Promise<Mark[]>, onChange: (text: string) => void): EditorView {
  const lint = linter(async (view) => {
    const marks = await check(view.state.doc.toString());
    return marks.map((m): Diagnostic => ({ ...rangeOf(view.state, m), severity: m.severity, message: `${m.line}:${m.col}: ${withHint(m)}` }));
  }, { delay: 250 });
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(), history(), drawSelection(), highlightActiveLine(), xlcfgLanguage, syntaxHighlighting(style), lintGutter(), lint,
        keymap.of([...defaultKeymap, ...historyKeymap]),
        EditorView.contentAttributes.of({ 'aria-label': 'xl.cfg text', 'aria-describedby': 'xlcfg-problems' }),
        EditorView.updateListener.of((u) => u.docChanged && onChange(u.state.doc.toString())),
      ],
    }),
  });
}

export function setText(view: EditorView, text: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

export function goTo(view: EditorView, m: Mark): void {
  view.dispatch({ selection: { anchor: rangeOf(view.state, m).from }, scrollIntoView: true });
  view.focus();
}
