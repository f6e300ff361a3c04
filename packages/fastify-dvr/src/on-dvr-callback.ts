import type { FinishedRecording } from '@flvcast/dvr';

/** The least of a logger the callback needs. */
export interface CallbackLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * SRS's `on_dvr` notification: POSTs `{action: 'on_dvr', client_id, ip, vhost, app, stream, param, cwd,
 * file}` (SRS's fields; `file` relative to `cwd` when below it, as SRS sends it) plus flvcast's own
 * (`path`, `startedAt`, `endedAt`, `durationMs`, `bytes`) to every URL. Answers are not waited on by the
 * recording and not read beyond their status; a failure is one warning.
 */
export function onDvrCallback(urls: readonly string[], timeoutMs: number, log: CallbackLog, cwd = process.cwd()): (info: FinishedRecording) => Promise<void> {
  return async (info) => {
    const file = info.path.startsWith(`${cwd}/`) ? `./${info.path.slice(cwd.length + 1)}` : info.path;
    const body = JSON.stringify({
      action: 'on_dvr',
      client_id: info.clientId,
      ip: info.ip,
      vhost: info.vhost === '' ? '__defaultVhost__' : info.vhost,
      app: info.app,
      stream: info.stream,
      param: info.param,
      cwd,
      file,
      path: info.path,
      startedAt: info.startedAt,
      endedAt: info.endedAt,
      durationMs: info.durationMs,
      bytes: info.bytes,
    });
    await Promise.all(
      urls.map(async (url) => {
        try {
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
          await res.body?.cancel();
          if (res.status !== 200) log.warn({ url, event: 'on_dvr', status: res.status }, 'http callback answered with an error');
        } catch (err) {
          log.warn({ url, event: 'on_dvr', err: (err as Error).message }, 'http callback failed');
        }
      }),
    );
  };
}
