import { Amf0EcmaArray, Amf0Error, decodeAmf0, encodeAmf0, type Amf0Value } from '@flvcast/amf0';
import { FlvError, FlvErrorCode } from './flv-error.js';

export interface ScriptData {
  /** Handler name, e.g. 'onMetaData'. */
  name: string;
  /** First argument (undefined when absent); ECMA arrays arrive as plain objects. */
  value: Amf0Value;
}

/** RTMP publishers wrap metadata as "@setDataFrame", "onMetaData", {...}; players never see it. */
const SET_DATA_FRAME = '@setDataFrame';

/**
 * Decodes a script tag (or RTMP data message) payload into its handler name and
 * first argument, unwrapping "@setDataFrame". Throws ERR_FLV_BAD_SCRIPT_DATA when the
 * payload is not valid AMF0 or does not start with a string (the AMF0 error is the cause).
 */
export function decodeScriptData(payload: Uint8Array): ScriptData {
  let values: Amf0Value[];
  try {
    values = decodeAmf0(payload);
  } catch (err) {
    if (err instanceof Amf0Error) {
      throw new FlvError(FlvErrorCode.badScriptData, `script data is not valid AMF0: ${err.message}`, { cause: err });
    }
    throw err;
  }
  let [name, value] = values;
  if (name === SET_DATA_FRAME && typeof value === 'string') {
    name = value;
    value = values[2];
  }
  if (typeof name !== 'string') {
    throw new FlvError(FlvErrorCode.badScriptData, 'script data does not start with a handler name string');
  }
  return { name, value };
}

/**
 * The onMetaData script tag payload sent to players: AMF0 "onMetaData" followed by an
 * ECMA array, the form flv.js/mpegts.js and ffmpeg expect.
 */
export function encodeOnMetaData(meta: Record<string, Amf0Value>): Uint8Array {
  return encodeAmf0('onMetaData', new Amf0EcmaArray(meta));
}
