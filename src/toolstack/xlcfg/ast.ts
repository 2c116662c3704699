/**
 * The xl.cfg syntax tree. libxlu keeps every atom as text (XLU_STRING: a NUMBER token and a
 * quoted string are the same once stored, tools/libs/util/libxlu_cfg.c @RELEASE-4.17.0), and so do
 * we; turning text into numbers is the spec layer's job, as it is xl's getters'.
 */

/** 1-based line and column (in UTF-16 code units) of the first character. */
export interface XlPos {
  line: number;
  col: number;
}

export interface XlString extends XlPos {
  kind: 'string';
  /** Decoded text: quotes stripped and escapes applied; a number's digits as written (`0x10`). */
  value: string;
  /** Written in quotes (false: a bare number). */
  quoted: boolean;
}

export interface XlList extends XlPos {
  kind: 'list';
  items: XlValue[];
}

export type XlValue = XlString | XlList;

/** One `key = value` or `key += value`, at the key's position. */
export interface XlSetting extends XlPos {
  key: string;
  /** '+=' when this setting was (or was merged with) an append: xl refuses such a setting as a number. */
  op: '=' | '+=';
  value: XlValue;
  /** The source it came from: the config file's name, or "command line" for overrides. */
  file: string;
}

export interface XlCfg {
  file: string;
  /** The effective setting per key: the last assignment wins, `+=` appends (libxlu_cfg.c xlu__cfg_set_store). */
  settings: Map<string, XlSetting>;
  /** Every assignment in source order, before merging (to report keys set twice). */
  assignments: XlSetting[];
}
