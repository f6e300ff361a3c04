/** Identifies a live stream. `vhost` is '' when the mount has no [vhost] part. */
export interface StreamKey {
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
}

/** Letters, digits, `_ - .`; at most 128 characters; never `..` anywhere, never `.` alone. */
const NAME = /^[A-Za-z0-9_.-]{1,128}$/;

export function isValidName(name: string): boolean {
  return NAME.test(name) && !name.includes('..') && name !== '.';
}

/** Checks every part of a key; returns the offending part's name, or undefined when all are valid. */
export function invalidKeyPart(key: StreamKey): keyof StreamKey | undefined {
  if (key.vhost !== '' && !isValidName(key.vhost)) return 'vhost';
  if (!isValidName(key.app)) return 'app';
  if (!isValidName(key.stream)) return 'stream';
  return undefined;
}

export function streamKeyToString(key: StreamKey): string {
  return key.vhost === '' ? `${key.app}/${key.stream}` : `${key.vhost}/${key.app}/${key.stream}`;
}
