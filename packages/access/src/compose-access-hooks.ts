import type { AccessContext, AccessHook, AccessVerdict } from './access-context.js';

/** One hook from several, run in order: the first refusal wins, all must allow. */
export function composeAccessHooks(...hooks: (AccessHook | undefined)[]): AccessHook | undefined {
  const list = hooks.filter((h): h is AccessHook => h !== undefined);
  if (list.length <= 1) return list[0];
  return async (ctx: AccessContext): Promise<AccessVerdict> => {
    for (const hook of list) {
      const verdict = await hook(ctx);
      if (verdict !== undefined && verdict !== true) return verdict;
    }
    return undefined;
  };
}
