import type { GraphNode } from '../../graph/ir.js';
import { SwpruneError } from '../../errors.js';

/** An attribute value swprune cannot run: an error that names the node, never a wrong result. */
export const unsupportedAttr = (n: GraphNode, what: string) =>
  new SwpruneError(
    'E_UNSUPPORTED_OP',
    `node "${n.name}" (${n.op}) uses ${what}, which swprune does not support; re-export the model without it`,
  );
