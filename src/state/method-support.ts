// Which method combinations the core accepts, asked of the core's own validateRequest (so the studio follows
// the core: when MRP + SparseGPT becomes supported there, the studio offers it without a change here).
import { requestRefusal, type PruneRequest } from '../core/prune/prune-options.ts';

/** The core's refusal of `req` (on a one-layer model), or null when it is accepted. */
export const refusal = (req: PruneRequest): string | null => requestRefusal(req, 1);

/** Why MRP cannot run with SparseGPT, or null when the core accepts the pair. */
export const mrpWithSparseGptRefusal = (): string | null => refusal({ metric: 'sparsegpt', sparsity: 0.5, allocation: 'mrp' });
