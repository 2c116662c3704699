# Dump libxl's IDL (libxl_types.idl as Xen's own idl.py reads it) to JSON on stdout:
# run by scripts/gen-libxl-types.mjs with the idl.py of the same release on sys.path.
import json, sys
import idl

def ref(t, names):
    if t is None:
        return None
    if isinstance(t, idl.Array):
        return {"k": "array", "elem": ref(t.elem_type, names), "len": t.lenvar.name}
    if isinstance(t, idl.KeyedUnion):
        return {"k": "keyed", "keyvar": t.keyvar.name, "keytype": t.keyvar.type.typename,
                "keyinit": t.keyvar.init_val,
                "cases": [[f.name, ref(f.type, names)] for f in t.fields]}
    if isinstance(t, idl.Builtin):
        return {"k": "builtin", "name": names.get(id(t), t.typename)}
    if isinstance(t, idl.Enumeration):
        return {"k": "enum", "name": t.typename}
    if isinstance(t, idl.Aggregate):
        if t.typename is not None:
            return {"k": "struct", "name": t.typename}
        return {"k": "struct", "fields": fields(t, names)}
    raise Exception("unknown type %r" % t)

def fields(t, names):
    return [{"name": f.name, "type": ref(f.type, names), "init": f.init_val, "const": f.const,
             "private": bool(f.type is not None and f.type.private)} for f in t.fields]

_Base = idl.OrderedDict
class Locals(_Base):
    """idl.parse()'s namespace, kept so that Builtins made in the IDL (MemKB) keep their names."""
    last = None
    def __init__(self):
        _Base.__init__(self)
        Locals.last = self

def main(path):
    idl.OrderedDict = Locals
    builtins, types = idl.parse(path)
    names = {}
    for n, t in vars(idl).items():
        if isinstance(t, idl.Builtin):
            names[id(t)] = n
    for n, t in Locals.last.ordered_items():
        if isinstance(t, idl.Builtin):
            names[id(t)] = t.typename if t.namespace else n
    out = {"builtins": {}, "enums": [], "structs": []}
    seen = set()
    for t in builtins + list(vars(idl).values()):
        if not isinstance(t, idl.Builtin) or id(t) in seen:
            continue
        seen.add(id(t))
        n = names[id(t)]
        out["builtins"][n] = {"c": t.typename, "json": t.json_gen_fn, "check": t.check_default_fn,
                              "init": t.init_val, "signed": bool(getattr(t, "signed", False)),
                              "number": isinstance(t, idl.Number)}
    for t in types:
        if isinstance(t, idl.Enumeration):
            out["enums"].append({"name": t.typename, "init": t.init_val,
                                 "values": [[v.value, v.valuename.lower(), v.name] for v in t.values]})
        elif isinstance(t, idl.Aggregate):
            out["structs"].append({"name": t.typename, "private": t.private, "json": t.json_gen_fn,
                                   "fields": fields(t, names)})
    json.dump(out, sys.stdout, indent=1)

if __name__ == "__main__":
    main(sys.argv[1])
