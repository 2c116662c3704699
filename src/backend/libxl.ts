import { XenkitError } from '../errors.js';
import { loadKoffi } from './koffi.js';

/**
 * Real guests through libxenlight (issue: "guests on real Xen" in DESIGN.md): xenkit hands libxl the
 * same libxl_domain_config JSON `xl create -n` prints, and libxl builds the guest (kernel loading,
 * xenstore, consoles, backends). Loaded through koffi, only when the xen backend creates a guest.
 * libxl calls with a NULL ao_how are synchronous (tools/include/libxl.h).
 */
type Koffi = typeof import('koffi');
type Fn = (...args: unknown[]) => number;

/** libxl error codes (tools/include/libxl.h, libxl_types.idl libxl_error). */
export const LIBXL_ERRORS: Record<number, string> = {
  [-1]: 'ERROR_NONSPECIFIC',
  [-2]: 'ERROR_VERSION',
  [-3]: 'ERROR_FAIL',
  [-4]: 'ERROR_NI',
  [-5]: 'ERROR_NOMEM',
  [-6]: 'ERROR_INVAL',
  [-7]: 'ERROR_BADFAIL',
  [-8]: 'ERROR_GUEST_TIMEDOUT',
  [-9]: 'ERROR_TIMEDOUT',
  [-10]: 'ERROR_NOPARAVIRT',
  [-11]: 'ERROR_NOT_READY',
  [-12]: 'ERROR_OSEVENT_REG_FAIL',
  [-13]: 'ERROR_BUFFERFULL',
  [-14]: 'ERROR_UNKNOWN_CHILD',
  [-15]: 'ERROR_LOCK_FAIL',
  [-16]: 'ERROR_JSON_CONFIG_EMPTY',
  [-17]: 'ERROR_DEVICE_EXISTS',
  [-18]: 'ERROR_CHECKPOINT_DEVICE_NOT_SUPPORTED',
  [-19]: 'ERROR_CHECKPOINT_DEVOPS_DOES_NOT_MATCH',
  [-20]: 'ERROR_VNUMA_CONFIG_INVALID',
  [-21]: 'ERROR_DOMAIN_NOTFOUND',
  [-22]: 'ERROR_ABORTED',
  [-23]: 'ERROR_NOTFOUND',
  [-24]: 'ERROR_DOMAIN_DESTROYED',
  [-25]: 'ERROR_FEATURE_REMOVED',
  [-26]: 'ERROR_PROTOCOL_ERROR_QMP',
  [-27]: 'ERROR_UNKNOWN_QMP_ERROR',
  [-28]: 'ERROR_QMP_GENERIC_ERROR',
  [-29]: 'ERROR_QMP_COMMAND_NOT_FOUND',
  [-30]: 'ERROR_QMP_DEVICE_NOT_ACTIVE',
  [-31]: 'ERROR_QMP_DEVICE_NOT_FOUND',
  [-32]: 'ERROR_QEMU_API',
};

/** sizeof(libxl_domain_config) is 1288 bytes in 4.17; libxl only needs the storage, so be generous. */
const DOMAIN_CONFIG_BYTES = 16384;

/**
 * libxl aborts on an assertion (not an error) when c_info.type is missing or b_info lacks the matching
 * `type.<t>` union member: validate first (measured on Xen 4.17).
 */
export function validateLibxlJson(json: Record<string, unknown>): string {
  const c = json.c_info as Record<string, unknown> | undefined;
  const b = json.b_info as Record<string, unknown> | undefined;
  const t = c?.type;
  if (t !== 'pv' && t !== 'pvh' && t !== 'hvm')
    throw new XenkitError('BAD_INPUT', `c_info.type: ${JSON.stringify(t)} is not a guest type libxl builds`, { field: 'c_info.type', value: t, hint: '"pv", "pvh" or "hvm"' });
  if (!b || typeof b[`type.${t}`] !== 'object')
    throw new XenkitError('BAD_INPUT', `b_info["type.${t}"] is missing: libxl needs the build info of the guest's type`, { field: `b_info.type.${t}`, hint: `add "type.${t}": {} to b_info` });
  return t;
}

export class Libxl {
  private readonly k: Koffi;
  private readonly ctx: unknown;
  private readonly f: Record<string, Fn>;
  private readonly toName: (ctx: unknown, domid: number) => string | null;

  constructor(release: string) {
    this.k = loadKoffi();
    const k = this.k;
    let xl, tl, libc;
    try {
      xl = k.load(`libxenlight.so.${release}`);
      tl = k.load('libxentoollog.so.1');
      libc = k.load('libc.so.6');
    } catch (e) {
      throw new XenkitError('NO_LIBXL', `libxl backend: libxenlight.so.${release} cannot be loaded (${(e as Error).message.split('\n')[0]})`, {
        field: 'backend',
        value: 'xen',
        hint: `install Xen ${release}'s tools libraries (Debian: apt-get install libxenmisc${release})`,
      });
    }
    const fdopen = libc.func('void *fdopen(int fd, const char *mode)');
    const logger = tl.func('void *xtl_createlogger_stdiostream(void *f, int min_level, unsigned int flags)')(fdopen(2, 'w'), 7 /* XTL_WARN (xentoollog.h) */, 0);
    const alloc = xl.func('int libxl_ctx_alloc(_Out_ void **pctx, int version, unsigned int flags, void *lg)') as unknown as Fn;
    const pctx: unknown[] = [null];
    const rc = alloc(pctx, 0 /* LIBXL_VERSION */, 0, logger);
    // libxl_ctx_alloc fails where there is no Xen to talk to (no privcmd, no xenstore): the host, not the input.
    if (rc !== 0 || !pctx[0])
      throw new XenkitError('NO_XEN', `libxl_ctx_alloc failed: ${LIBXL_ERRORS[rc] ?? `error ${rc}`} (${rc}): libxl cannot reach Xen here (its log lines above say why)`, {
        field: 'backend',
        value: 'xen',
        hint: 'run xk in a Xen dom0 with xenstored running, or use --backend sim',
      });
    this.ctx = pctx[0];
    const fn = (p: string) => xl.func(p) as unknown as Fn;
    this.f = {
      init: fn('void libxl_domain_config_init(uint8_t *d_config)'),
      dispose: fn('void libxl_domain_config_dispose(uint8_t *d_config)'),
      fromJson: fn('int libxl_domain_config_from_json(void *ctx, uint8_t *d_config, const char *s)'),
      createNew: fn('int libxl_domain_create_new(void *ctx, uint8_t *d_config, _Inout_ uint32_t *domid, void *ao_how, void *aop_console_how)'),
      unpause: fn('int libxl_domain_unpause(void *ctx, uint32_t domid, void *ao_how)'),
      shutdown: fn('int libxl_domain_shutdown(void *ctx, uint32_t domid, void *ao_how)'),
      reboot: fn('int libxl_domain_reboot(void *ctx, uint32_t domid, void *ao_how)'),
      destroy: fn('int libxl_domain_destroy(void *ctx, uint32_t domid, void *ao_how)'),
      free: fn('int libxl_ctx_free(void *ctx)'),
    };
    // Returns a malloc'd string (or NULL): the worker process is short-lived, so it is not freed.
    this.toName = xl.func('const char *libxl_domid_to_name(void *ctx, uint32_t domid)') as unknown as (ctx: unknown, domid: number) => string | null;
  }

  private err(op: string, rc: number): XenkitError {
    const name = LIBXL_ERRORS[rc] ?? `error ${rc}`;
    return new XenkitError('LIBXL_' + (LIBXL_ERRORS[rc] ?? 'ERROR'), `${op} failed: ${name} (${rc}); libxl's own log lines above say why`, { field: op, value: rc, hint: 'see the libxl messages on stderr (and /var/log/xen)' });
  }

  /** libxl_domain_config_from_json + libxl_domain_create_new (+ unpause unless paused). Returns the domid. */
  createNew(json: Record<string, unknown>, paused: boolean): number {
    validateLibxlJson(json);
    const cfg = Buffer.alloc(DOMAIN_CONFIG_BYTES);
    this.f.init!(cfg);
    try {
      let rc = this.f.fromJson!(this.ctx, cfg, JSON.stringify(json));
      if (rc !== 0) throw this.err('libxl_domain_config_from_json', rc);
      const domid = [0];
      rc = this.f.createNew!(this.ctx, cfg, domid, null, null);
      if (rc !== 0) throw this.err('libxl_domain_create_new', rc);
      if (!paused) {
        rc = this.f.unpause!(this.ctx, domid[0], null);
        if (rc !== 0) {
          this.f.destroy!(this.ctx, domid[0], null);
          throw this.err('libxl_domain_unpause', rc);
        }
      }
      return domid[0]!;
    } finally {
      this.f.dispose!(cfg);
    }
  }

  shutdown(domid: number): void {
    const rc = this.f.shutdown!(this.ctx, domid, null);
    if (rc !== 0) throw this.err('libxl_domain_shutdown', rc);
  }
  reboot(domid: number): void {
    const rc = this.f.reboot!(this.ctx, domid, null);
    if (rc !== 0) throw this.err('libxl_domain_reboot', rc);
  }
  destroy(domid: number): void {
    const rc = this.f.destroy!(this.ctx, domid, null);
    if (rc !== 0) throw this.err('libxl_domain_destroy', rc);
  }
  /** The names xenstore holds for these domains (libxl_domid_to_name(); null where there is none). */
  names(domids: number[]): Record<number, string | null> {
    return Object.fromEntries(domids.map((d) => [d, this.toName(this.ctx, d) ?? null]));
  }
  close(): void {
    this.f.free!(this.ctx);
  }
}
