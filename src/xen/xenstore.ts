/**
 * The xenstore wire protocol as a dom0 tool speaks it to xenstored's Unix socket: a 16-byte header
 * (type, req_id, tx_id, len; host byte order, little-endian on x86 and Arm) and `len` bytes of
 * NUL-terminated strings. xen/include/public/io/xs_wire.h @RELEASE-4.17.0 (unchanged in 4.20):
 * enum xsd_sockmsg_type, struct xsd_sockmsg, XENSTORE_PAYLOAD_MAX. test/xen/xenstore.test.ts reads
 * the installed header (libxen-dev) and checks these numbers against it.
 */
export const XS_HEADER_BYTES = 16;
/** enum xsd_sockmsg_type, the values xenkit sends or reads. */
export const XS_TYPE = { XS_WATCH: 4, XS_UNWATCH: 5, XS_WATCH_EVENT: 15, XS_ERROR: 16 } as const;
/** The largest payload of one message. */
export const XENSTORE_PAYLOAD_MAX = 4096;

/**
 * The watch libxl's domain-death event is built on (libxl_evenable_domain_death():
 * tools/libs/light/libxl_event.c @RELEASE-4.17.0): xenstored fires it when a domain is released or
 * shuts down (VIRQ_DOM_EXC, tools/xenstore/xenstored_domain.c domain_cleanup()), and once when the
 * watch is set.
 */
export const RELEASE_DOMAIN_WATCH = '@releaseDomain';

/**
 * Where xenstored listens: $XENSTORED_PATH, else $XENSTORED_RUNDIR/socket, the run directory being
 * /var/run/xenstored by default (tools/libs/store/xs_lib.c xenstore_daemon_path() and
 * xenstore_daemon_rundir() @RELEASE-4.17.0; the three strings are in Debian 12's libxenstore.so.4).
 * oxenstored listens at the same path (tools/ocaml/xenstored/define.ml xs_daemon_socket).
 */
export function xenstoredSocket(env: NodeJS.ProcessEnv = process.env): string {
  return env.XENSTORED_PATH || `${env.XENSTORED_RUNDIR || '/var/run/xenstored'}/socket`;
}
