/** Error codes of the relay clients (RTMP client, forwards, pulls): the `code` property of a RelayError. */
export const RelayErrorCode = {
  /** The URL cannot be used (scheme, host, app, port). */
  badUrl: 'ERR_RELAY_BAD_URL',
  /** TCP (and TLS, for rtmps) did not connect within the connect timeout. */
  connectTimeout: 'ERR_RELAY_CONNECT_TIMEOUT',
  /** The RTMP handshake and connect did not complete within the handshake timeout. */
  handshakeTimeout: 'ERR_RELAY_HANDSHAKE_TIMEOUT',
  /** No NetStream.Publish.Start (push) or no first media (pull) within the start timeout. */
  startTimeout: 'ERR_RELAY_START_TIMEOUT',
  /** A pulled upstream sent nothing for the idle timeout. */
  idleTimeout: 'ERR_RELAY_IDLE_TIMEOUT',
  /** The peer refused (an error onStatus or _error: bad name, unauthorized, HTTP 4xx/5xx). */
  refused: 'ERR_RELAY_REFUSED',
  /** The peer closed the connection, or the played stream ended. */
  closed: 'ERR_RELAY_CLOSED',
  /** A socket error (refused, reset, TLS failure, DNS). */
  socket: 'ERR_RELAY_SOCKET',
  /** The peer broke the protocol (RTMP chunk stream, FLV), or sent more than the bounds allow. */
  protocol: 'ERR_RELAY_PROTOCOL',
  /** An HTTP-FLV upstream redirected more than allowed. */
  tooManyRedirects: 'ERR_RELAY_TOO_MANY_REDIRECTS',
} as const;
export type RelayErrorCode = (typeof RelayErrorCode)[keyof typeof RelayErrorCode];

/** Every failure of a relay client, typed by `code`; the `cause` keeps the underlying error. */
export class RelayError extends Error {
  override readonly name = 'RelayError';
  readonly code: RelayErrorCode;

  constructor(code: RelayErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
