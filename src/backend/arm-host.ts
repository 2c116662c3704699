import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Arch } from '../xen/arch.js';

/**
 * What an Arm dom0 knows of its host that physinfo does not say: the GIC, read from the device tree
 * Xen gave dom0 (/proc/device-tree: the interrupt controller's `compatible`, as Linux's irq-gic.c and
 * irq-gic-v3.c match it). Xen writes a node of the host's GIC version into dom0's tree
 * (xen/arch/arm/domain_build.c, make_gic_node() @RELEASE-4.17.0).
 */
export function hostArch(): Arch {
  return process.arch === 'arm64' ? 'arm64' : 'x86_64';
}

/** The GIC a `compatible` property names (NUL-separated strings), or undefined. */
export function gicOfCompatible(compatible: string): 'v2' | 'v3' | undefined {
  const names = compatible.split(/[\0\s]+/);
  if (names.includes('arm,gic-v3')) return 'v3';
  if (names.some((n) => ['arm,cortex-a15-gic', 'arm,cortex-a9-gic', 'arm,cortex-a7-gic', 'arm,gic-400'].includes(n))) return 'v2';
  return undefined;
}

/** The host GIC of dom0's device tree (top-level nodes), or undefined (no tree: an ACPI dom0). */
export function dom0Gic(tree = '/proc/device-tree'): 'v2' | 'v3' | undefined {
  let nodes: string[];
  try {
    nodes = readdirSync(tree);
  } catch {
    return undefined;
  }
  for (const n of nodes) {
    let c: string;
    try {
      c = readFileSync(join(tree, n, 'compatible'), 'latin1');
    } catch {
      continue;
    }
    const g = gicOfCompatible(c);
    if (g) return g;
  }
  return undefined;
}
