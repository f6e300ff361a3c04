import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MpegTsError, StreamType, crc32Mpeg2, dvbText, opusDescriptors, patSection, pmtSection, sdtSection, writeSectionPacket, ServiceType } from '../src/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('PAT: one program, its PMT at 0x1000', () => {
  assert.equal(
    hex(patSection(1, 1, 0x1000)),
    '00' + 'b00d' + // table 0, section_syntax 1, '0', reserved '11', length 13
      '0001' + 'c1' + '00' + '00' + // transport_stream_id 1, version 0 current, section 0 of 0
      '0001' + 'f000' + // program 1 → reserved '111' + PMT PID 0x1000
      '2ab104b2', // CRC-32/MPEG-2
  );
});

test('PMT: H.264 on 0x100 carrying the PCR, AAC in ADTS on 0x101', () => {
  const s = pmtSection(1, 3, 0x100, [
    { streamType: StreamType.h264, pid: 0x100 },
    { streamType: StreamType.adtsAac, pid: 0x101 },
  ]);
  assert.equal(
    hex(s.subarray(0, -4)),
    '02' + 'b017' + // table 2, length 23
      '0001' + 'c7' + '0000' + // program 1, version 3 ('11' 00011 1), section 0 of 0
      'e100' + 'f000' + // PCR_PID 0x100, no program descriptors
      '1b' + 'e100' + 'f000' + // H.264, PID 0x100, no ES descriptors
      '0f' + 'e101' + 'f000', // ADTS AAC, PID 0x101
  );
  assert.equal(crc32Mpeg2(s), 0, 'the CRC closes the section');
});

test('PMT: HEVC, and Opus with its registration and extension descriptors', () => {
  const s = pmtSection(1, 0, 0x100, [
    { streamType: StreamType.hevc, pid: 0x100 },
    { streamType: StreamType.privatePes, pid: 0x101, descriptors: opusDescriptors(2) },
  ]);
  assert.equal(
    hex(s.subarray(8, -4)),
    'e100f000' + '24' + 'e100' + 'f000' + // HEVC (0x24)
      '06' + 'e101' + 'f00a' + // private PES data, 10 bytes of descriptors:
      '05' + '04' + '4f707573' + // registration_descriptor, format_identifier 'Opus'
      '7f' + '02' + '80' + '02', // extension_descriptor, tag 0x80 (Opus), channel_config_code 2
  );
  assert.equal(hex(opusDescriptors(0).subarray(-1)), '02', 'an unknown count is said as stereo');
});

test('SDT: the actual TS, one running service with a service descriptor (provider, name)', () => {
  const s = sdtSection({ transportStreamId: 1, originalNetworkId: 0xff01, serviceId: 1, serviceType: ServiceType.digitalTelevision, provider: 'flvcast', name: 'live/cam1' });
  assert.equal(
    hex(s.subarray(0, -4)),
    '42' + 'f026' + // SDT actual, section_syntax 1, reserved_future_use 1, '11', length 38 (5 + 29 of body + 4 of CRC)
      '0001' + 'c1' + '00' + '00' + // transport_stream_id 1, version 0, section 0 of 0
      'ff01' + 'ff' + // original_network_id 0xFF01, reserved_future_use
      '0001' + 'fc' + // service_id 1, no EIT flags
      '8015' + // running_status 4, not scrambled, 21 bytes of descriptors
      '48' + '13' + '01' + // service_descriptor, 19 bytes, digital television
      '07' + Buffer.from('flvcast').toString('hex') +
      '09' + Buffer.from('live/cam1').toString('hex'),
  );
  assert.equal(crc32Mpeg2(s), 0);
});

test('DVB text: ASCII as is, anything else UTF-8 behind 0x15, cut on a character boundary', () => {
  assert.equal(hex(dvbText('ab')), '6162');
  assert.equal(hex(dvbText('é')), '15c3a9');
  const long = dvbText('é'.repeat(100));
  assert.equal(long[0], 0x15);
  assert.equal(long.length, 1 + 94, 'at most 95 bytes of UTF-8 fit; 94 is the last whole character');
  assert.equal(dvbText('x'.repeat(300)).length, 96);
});

test('a section goes in one packet: pointer_field 0, the section, 0xFF stuffing; too long a section is a typed error', () => {
  const out = new Uint8Array(188);
  const pat = patSection(1, 1, 0x1000);
  writeSectionPacket(out, 0, 0, 7, pat);
  assert.equal(hex(out.subarray(0, 5)), '47' + '4000' + '17' + '00', 'PUSI, PID 0, payload only cc 7, pointer 0');
  assert.deepEqual(out.subarray(5, 5 + pat.length), pat);
  assert.ok(out.subarray(5 + pat.length).every((b) => b === 0xff));
  const many = Array.from({ length: 40 }, (_, i) => ({ streamType: 0x06, pid: 0x200 + i }));
  assert.throws(() => pmtSection(1, 0, 0x200, many), (e: unknown) => e instanceof MpegTsError && e.code === 'ERR_MPEGTS_TABLE_TOO_LARGE');
});
