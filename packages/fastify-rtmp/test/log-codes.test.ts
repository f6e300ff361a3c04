import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Amf0ErrorCode } from '@flvcast/amf0';
import { FlvErrorCode } from '@flvcast/flv';
import { HubErrorCode } from '@flvcast/hub';
import { LOG_CODES } from '@flvcast/limits';
import { RtmpErrorCode } from '@flvcast/rtmp';

test('every error code the RTMP ingest may log for a peer (the protocol packages\' and the hub\'s) is in the registry', () => {
  // The ingest logs the code of whatever the session, the parsers or the hub threw on a peer's bytes;
  // an unregistered one would be logged as ERR_UNEXPECTED. ERR_HUB_BAD_OPTION is thrown at startup only.
  const codes = [...Object.values(RtmpErrorCode), ...Object.values(FlvErrorCode), ...Object.values(Amf0ErrorCode), ...Object.values(HubErrorCode)].filter((c) => c !== HubErrorCode.badOption);
  assert.deepEqual(codes.filter((c) => !Object.hasOwn(LOG_CODES, c)), []);
});
