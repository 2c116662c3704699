/**
 * SHUTDOWN_* reason codes of SCHEDOP_shutdown/SCHEDOP_remote_shutdown, by code (the index):
 * xen/include/public/sched.h @RELEASE-4.7.0 .. @RELEASE-4.22.0. SHUTDOWN_soft_reset (5) is new in 4.7
 * (sched.h @RELEASE-4.6.0 stops at SHUTDOWN_watchdog); 4.6's SCHEDOP_remote_shutdown does not check
 * the reason (xen/common/schedule.c @RELEASE-4.6.0), so code 5 is stored and reported there too.
 */
export const SHUTDOWN_REASONS = ['poweroff', 'reboot', 'suspend', 'crash', 'watchdog', 'soft_reset'] as const;
export type ShutdownReason = (typeof SHUTDOWN_REASONS)[number];

export function isShutdownReason(s: unknown): s is ShutdownReason {
  return typeof s === 'string' && (SHUTDOWN_REASONS as readonly string[]).includes(s);
}

/** The SHUTDOWN_* code of a reason. */
export function shutdownCode(reason: ShutdownReason): number {
  return SHUTDOWN_REASONS.indexOf(reason);
}

/** The reason of a code, or null for a code no release defines. */
export function shutdownReasonOf(code: number): ShutdownReason | null {
  return SHUTDOWN_REASONS[code] ?? null;
}
