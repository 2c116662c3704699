import { CLASSES, ENUMS, ROLES, type FieldRow } from './model.gen.js';
import { parseType, type ApiType } from './types.js';

/** One message of the model, indexed: its wire name, parameters with types, result, errors and roles. */
export interface MessageSig {
  cls: string;
  name: string;
  wire: string;
  params: { name: string; type: ApiType; raw: string }[];
  result: ApiType;
  errors: readonly string[];
  roles: number;
  implicit: boolean;
}

export const MESSAGES = new Map<string, MessageSig>();
export const FIELDS = new Map<string, readonly FieldRow[]>();
for (const [cls, c] of Object.entries(CLASSES)) {
  FIELDS.set(cls, c.fields);
  for (const [name, params, result, errors, roles, implicit] of c.messages) {
    const wire = `${cls}.${name}`;
    MESSAGES.set(wire, { cls, name, wire, params: params.map(([n, t]) => ({ name: n, type: parseType(t), raw: t })), result: parseType(result), errors, roles, implicit: implicit === 1 });
  }
}

export type RoleName = (typeof ROLES)[number];
export const ROLE_NAMES: readonly string[] = ROLES;

/** Whether a role may call a message (the datamodel's per-message role list). */
export function roleAllows(role: string, sig: MessageSig): boolean {
  const i = ROLE_NAMES.indexOf(role);
  return i >= 0 && (sig.roles & (1 << i)) !== 0;
}

/** The permission name XAPI reports in RBAC_PERMISSION_DENIED: the message's wire name, lower case. */
export function permissionOf(sig: MessageSig): string {
  return sig.wire.toLowerCase();
}

/** The default value of a field's type, so a record carries every field the model has. */
export function defaultOf(t: ApiType): unknown {
  switch (t.k) {
    case 'string': return '';
    case 'int': return 0;
    case 'float': return 0;
    case 'bool': return false;
    case 'datetime': return '19700101T00:00:00Z';
    case 'ref': return 'OpaqueRef:NULL';
    case 'set': return [];
    case 'map': return {};
    case 'enum': return undefined;
    default: return undefined;
  }
}

/** A complete record of a class: the model's defaults, then the values given. */
export function fullRecord(cls: string, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, type] of FIELDS.get(cls) ?? []) {
    if (name in values) out[name] = values[name];
    else {
      const t = parseType(type);
      const d = t.k === 'enum' ? enumFirst(t.name) : defaultOf(t);
      if (d !== undefined) out[name] = d;
    }
  }
  return out;
}

function enumFirst(name: string): string | undefined {
  return ENUMS[name]?.[0];
}
