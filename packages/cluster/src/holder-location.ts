/**
 * Where an HTTP viewer is redirected for a stream another origin holds: the holder's pull URL
 * (`http://10.0.0.5:8080/live/cam1.flv[?vhost=v]`, from the directory) with the extension the viewer asked
 * for and the viewer's query (its token: the holder checks it; its parameters win). Undefined for an RTMP
 * holder, which an HTTP client cannot be sent to (that stream is relayed instead).
 */
export function holderLocation(holderUrl: string, extension: string, query: string): string | undefined {
  let url: URL;
  try {
    url = new URL(holderUrl);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.pathname.endsWith('.flv')) return undefined;
  const params = new URLSearchParams(url.search);
  for (const [name, value] of new URLSearchParams(query)) params.set(name, value);
  const search = params.toString();
  return `${url.protocol}//${url.host}${url.pathname.slice(0, -'flv'.length)}${extension}${search === '' ? '' : `?${search}`}`;
}
