/** Every fuzz target, in the order a pass runs them. A new parser adds its file here. */
import type { FuzzTarget } from '../harness.js';
import amf0Reader from './amf0-reader.js';
import audioMuxers from './audio-muxers.js';
import audioSpecificConfig from './audio-specific-config.js';
import avcDecoderConfig from './avc-decoder-config.js';
import avcSps from './avc-sps.js';
import flvAudioTag from './flv-audio-tag.js';
import flvDemuxer from './flv-demuxer.js';
import flvFileIndex from './flv-file-index.js';
import flvScriptData from './flv-script-data.js';
import flvVideoTag from './flv-video-tag.js';
import hevcDecoderConfig from './hevc-decoder-config.js';
import hevcSps from './hevc-sps.js';
import hub from './hub.js';
import mount from './mount.js';
import query from './query.js';
import rtmpChunkReader from './rtmp-chunk-reader.js';
import rtmpClientSession from './rtmp-client-session.js';
import rtmpHandshake from './rtmp-handshake.js';
import rtmpPlay from './rtmp-play.js';
import rtmpServerSession from './rtmp-server-session.js';
import rtmpUrl from './rtmp-url.js';
import sequenceHeaderProblem from './sequence-header-problem.js';
import signedUrl from './signed-url.js';
import tsMuxer from './ts-muxer.js';

export const targets: readonly FuzzTarget<never>[] = [
  amf0Reader,
  flvDemuxer,
  flvFileIndex,
  flvScriptData,
  flvVideoTag,
  flvAudioTag,
  avcDecoderConfig,
  avcSps,
  hevcDecoderConfig,
  hevcSps,
  audioSpecificConfig,
  sequenceHeaderProblem,
  rtmpHandshake,
  rtmpChunkReader,
  rtmpServerSession,
  rtmpClientSession,
  rtmpPlay,
  hub,
  tsMuxer,
  audioMuxers,
  mount,
  signedUrl,
  query,
  rtmpUrl,
] as FuzzTarget<never>[];
