import { decodeAmf0, encodeAmf0, type Amf0Object, type Amf0Value } from '@flvcast/amf0';
import { MessageType } from './message-type.js';
import { RtmpError, RtmpErrorCode } from './rtmp-error.js';

/** A decoded AMF command (RTMP 1.0 §7.1.1): name, transaction id, command object, then arguments. */
export interface RtmpCommand {
  name: string;
  transactionId: number;
  /** the command object (null for most stream commands) */
  commandObject: Amf0Value;
  /** values after the command object */
  args: Amf0Value[];
}

/** AMF3 command/data messages (types 17/15) start with a format byte; 0 means the rest is plain AMF0. */
export function amf0Body(type: number, payload: Uint8Array): Uint8Array {
  if ((type === MessageType.CommandAmf3 || type === MessageType.DataAmf3) && payload[0] === 0) return payload.subarray(1);
  return payload;
}

export function decodeCommand(type: number, payload: Uint8Array): RtmpCommand {
  let values: Amf0Value[];
  try {
    values = decodeAmf0(amf0Body(type, payload));
  } catch (err) {
    throw new RtmpError(RtmpErrorCode.BadCommand, `malformed AMF0 in command message: ${(err as Error).message}`, { cause: err });
  }
  const [name, transactionId, commandObject, ...args] = values;
  if (typeof name !== 'string') {
    throw new RtmpError(RtmpErrorCode.BadCommand, 'command message does not start with a command name string');
  }
  return {
    name,
    transactionId: typeof transactionId === 'number' ? transactionId : 0,
    commandObject: commandObject ?? null,
    args,
  };
}

export function encodeCommand(name: string, transactionId: number, commandObject: Amf0Object | null, ...args: Amf0Value[]): Uint8Array {
  return encodeAmf0(name, transactionId, commandObject, ...args);
}

/** The info object of onStatus / _result replies. */
export function statusInfo(level: string, code: string, description: string, extra: Amf0Object = {}): Amf0Object {
  return { level, code, description, ...extra };
}
