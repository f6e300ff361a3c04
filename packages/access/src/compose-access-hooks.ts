import type { AccessContext, AccessHook, AccessVerdict } from './access-context.js';

/** One hook from several, run in order: the first refusal wins, all must allow; their forward URLs add up. */
export function composeAccessHooks(...hooks: (AccessHook | undefined)[]): AccessHook | undefined {
  const list = hooks.filter((h): h is AccessHook => h !== undefined);
  if (list.length <= 1) return list[0];
  return async (ctx: AccessContext): Promise<AccessVerdict> => {
    const forward: string[] = [];
    for (const hook of list) {
      const verdict = await hook(ctx);
      if (verdict === undefined || verdict === true) continue;
      if (verdict !== false && typeof verdict === 'object' && verdict !== null && 'forward' in verdict && !('status' in verdict)) {
        forward.push(...verdict.forward);
        continue;
      }
      return verdict;
    }
    return forward.length === 0 ? undefined : { forward };
  };
}
