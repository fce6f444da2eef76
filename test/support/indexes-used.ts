/**
 * The names of the indexes a query plan uses, from an `explain()` result of either engine:
 * MongoDB's `queryPlanner.winningPlan` (IXSCAN stages with `indexName`, also inside an
 * aggregation's `$cursor` stage or a sharded plan's `shards`), or the local engine's
 * (FerretDB 2 + DocumentDB) PostgreSQL plan tree under `queryPlanner.Plan`, whose index scan
 * nodes carry "Index Name". Rejected plans (and their trial runs) are never looked at: only
 * what runs counts.
 */
export function indexesUsed(explain: unknown): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (typeof node !== 'object' || node === null) {
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'rejectedPlans' || key === 'allPlansExecution') {
        continue;
      }
      if ((key === 'Index Name' || key === 'indexName') && typeof value === 'string') {
        names.add(value);
      } else {
        visit(value);
      }
    }
  };
  visit(explain);
  return names;
}
