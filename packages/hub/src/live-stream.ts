import { Amf0EcmaArray, encodeAmf0, type Amf0Value } from '@flvcast/amf0';
import {
  encodeFlvHeader,
  encodeOnMetaData,
  encodeTag,
  inspectAudio,
  inspectVideo,
  parseAudioSpecificConfig,
  parseAvcDecoderConfig,
  sequenceHeaderProblem,
} from '@flvcast/flv';
import { HubError, HubErrorCode } from './hub-error.js';
import { GopCache } from './gop-cache.js';
import { IngestRate } from './ingest-rate.js';
import type { HubEvents } from './hub-events.js';
import type { HubOptions } from './hub-options.js';
import type { MediaTag } from './media-tag.js';
import type { Publisher} from './publisher.js';
import { type PublisherTarget } from './publisher.js';
import { streamKeyToString, type StreamKey } from './stream-key.js';
import type { Subscriber} from './subscriber.js';
import { SubscriberEndReason, type SubscriberOwner } from './subscriber.js';
import { TimestampCorrector } from './timestamp-corrector.js';

/** What the stream knows of one track, for viewers' headers and for the API. */
export interface TrackState {
  /** Codec name from the last sequence header or frame ('avc', 'hevc', 'aac', …). */
  codec?: string;
  /** Latest sequence header: payload (to restamp for late joiners) and its shared tag. */
  config?: { payload: Uint8Array; tag: MediaTag };
  /** Frames seen since this publish began (sequence headers included). */
  frames: number;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
}

interface StreamHooks {
  /** Nothing uses the stream any more: the hub forgets it. */
  release(stream: LiveStream): void;
  readonly events: HubEvents;
}

/**
 * One live stream: its current publisher, metadata, sequence headers, GOP cache and viewers. Every
 * incoming message becomes one FLV tag serialized once and handed to each viewer by reference.
 */
export class LiveStream implements PublisherTarget, SubscriberOwner {
  readonly name: string;
  readonly subscribers = new Set<Subscriber>();
  publisher: Publisher | undefined;
  metadata: Record<string, Amf0Value> | undefined;
  readonly audio: TrackState = { frames: 0 };
  readonly video: TrackState = { frames: 0 };
  readonly createdAt: number;
  publishedAt: number | undefined;
  /** Wall-clock time the last publisher left (for reconnect continuity). */
  #unpublishedAt: number | undefined;
  /** Media arrived (not only configuration): the track layout is as known as it will get. */
  #mediaSeen = false;
  #gop: GopCache;
  #time: TimestampCorrector;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #pending = new Set<Subscriber>();
  /** mergeWriteMs: viewers with tags waiting for the end of the current merge window. */
  #dirty: Subscriber[] = [];
  #mergeTimer: ReturnType<typeof setTimeout> | undefined;
  tagsIn = 0;
  bytesIn = 0;
  /** Ingest bitrate and frame rate over the last couple of seconds. */
  readonly rate = new IngestRate();
  /** Media time between the last two keyframes (0 until two have come). */
  gopMs = 0;
  #lastKeyframeTs: number | undefined;

  constructor(
    readonly key: StreamKey,
    private readonly options: HubOptions,
    private readonly hooks: StreamHooks,
  ) {
    this.name = streamKeyToString(key);
    this.createdAt = options.now();
    this.#gop = new GopCache(options.gopCacheMaxFrames, options.gopCacheMaxBytes, options.fastCacheMs);
    this.#time = new TimestampCorrector(options.timeJumpMs);
  }

  get gopCacheBytes(): number {
    return this.#gop.bytes;
  }

  /** The track layout can be told: metadata came, or media did, or the flags are fixed by configuration. */
  get settled(): boolean {
    return !this.options.guessHasAv || this.metadata !== undefined || this.#mediaSeen;
  }

  /** FLV header flags for a viewer starting now (SRS `guess_has_av` semantics). */
  tracks(): { hasAudio: boolean; hasVideo: boolean } {
    if (!this.options.guessHasAv) return { hasAudio: this.options.hasAudio, hasVideo: this.options.hasVideo };
    const meta = this.metadata;
    const hasAudio = this.audio.frames > 0 || announces(meta, 'audio');
    const hasVideo = this.video.frames > 0 || announces(meta, 'video');
    if (!hasAudio && !hasVideo) return { hasAudio: this.options.hasAudio, hasVideo: this.options.hasVideo };
    return { hasAudio, hasVideo };
  }

  // --- publisher side ---------------------------------------------------------------------------

  attachPublisher(publisher: Publisher): void {
    const now = this.options.now();
    if (this.#graceTimer !== undefined) {
      clearTimeout(this.#graceTimer);
      this.#graceTimer = undefined;
    }
    if (this.#unpublishedAt !== undefined) this.#time.restart(now - this.#unpublishedAt);
    // A new publisher may bring other codecs: nothing of the old one may reach new viewers.
    this.metadata = undefined;
    this.audio.config = undefined;
    this.video.config = undefined;
    this.audio.frames = 0;
    this.video.frames = 0;
    this.#mediaSeen = false;
    this.#gop.clear();
    this.rate.reset();
    this.gopMs = 0;
    this.#lastKeyframeTs = undefined;
    this.publisher = publisher;
    this.publishedAt = now;
    this.#unpublishedAt = undefined;
    this.hooks.events.emit('publish', { stream: this, publisher });
  }

  pushData(_publisher: Publisher, name: string, value: Amf0Value): void {
    if (name === 'onMetaData') {
      this.metadata = value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)
        ? { ...(value instanceof Amf0EcmaArray ? value.entries : value) }
        : {};
      // Viewers already playing get the update; their header cannot change any more.
      for (const sub of this.subscribers) if (sub.started) sub.deliver(this.#metadataTag(sub));
      this.#settle();
      return;
    }
    const bytes = encodeTag(18, Math.max(0, this.#time.last), encodeAmf0(name, value));
    this.#broadcast({ type: 18, timestamp: Math.max(0, this.#time.last), bytes, keyframe: false, config: false });
  }

  pushMedia(_publisher: Publisher, type: 8 | 9, timestamp: number, payload: Uint8Array): void {
    if (payload.byteLength === 0) return; // some encoders send empty media messages: nothing to deliver
    // Checked before anything changes: a broken one is dropped and the last good configuration stays.
    const problem = sequenceHeaderProblem(type, payload);
    if (problem !== undefined) throw new HubError(HubErrorCode.badSequenceHeader, `${type === 9 ? 'video' : 'audio'} sequence header dropped: ${problem}`);
    let keyframe = false;
    let config = false;
    if (type === 9) {
      const info = inspectVideo(payload);
      config = info.isSequenceHeader;
      keyframe = info.isKeyframe && !config && !info.isCommandFrame;
      this.video.codec = info.codec;
      this.video.frames++;
    } else {
      const info = inspectAudio(payload);
      config = info.isSequenceHeader;
      this.audio.codec = info.codec;
      if (info.sampleRate !== undefined) this.audio.sampleRate = info.sampleRate;
      if (info.channels !== undefined) this.audio.channels = info.channels;
      this.audio.frames++;
    }
    const ts = this.#time.correct(type, timestamp);
    const tag: MediaTag = { type, timestamp: ts, bytes: encodeTag(type, ts, payload), keyframe, config };
    this.tagsIn++;
    this.bytesIn += payload.byteLength;
    this.rate.add(this.options.now(), payload.byteLength, type === 9 && !config);
    if (keyframe) {
      if (this.#lastKeyframeTs !== undefined && ts > this.#lastKeyframeTs) this.gopMs = ts - this.#lastKeyframeTs;
      this.#lastKeyframeTs = ts;
    }
    if (config) {
      (type === 9 ? this.video : this.audio).config = { payload, tag };
      describeConfig(type === 9 ? this.video : this.audio, payload);
    } else if (!this.#mediaSeen) {
      this.#mediaSeen = true;
      this.#settle();
    }
    this.#gop.add(tag, this.video.frames > 0);
    this.#broadcast(tag);
  }

  unpublish(publisher: Publisher): void {
    if (this.publisher !== publisher) return;
    this.publisher = undefined;
    this.#unpublishedAt = this.options.now();
    this.hooks.events.emit('unpublish', { stream: this, publisher });
    this.#settle(); // viewers still waiting for a layout get what is known
    if (this.subscribers.size === 0 || this.options.reconnectGraceMs === 0) {
      this.#endAll(SubscriberEndReason.unpublished);
      return;
    }
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = undefined;
      this.#endAll(SubscriberEndReason.unpublished);
    }, this.options.reconnectGraceMs);
    this.#graceTimer.unref?.();
  }

  // --- viewer side ------------------------------------------------------------------------------

  addSubscriber(sub: Subscriber): void {
    this.subscribers.add(sub);
    this.hooks.events.emit('play', { stream: this, subscriber: sub });
    if (this.settled) this.#start(sub);
    else this.#pending.add(sub);
  }

  schedule(sub: Subscriber): void {
    this.#dirty.push(sub);
    // One timer per stream, not per viewer: every viewer's window ends together.
    this.#mergeTimer ??= setTimeout(() => {
      this.#mergeTimer = undefined;
      const dirty = this.#dirty;
      this.#dirty = [];
      for (const s of dirty) s.flush();
    }, this.options.mergeWriteMs);
  }

  detach(sub: Subscriber, reason: SubscriberEndReason | 'left'): void {
    this.subscribers.delete(sub);
    this.#pending.delete(sub);
    this.hooks.events.emit('stop', { stream: this, subscriber: sub, reason });
    this.#releaseIfUnused();
  }

  firstFrame(sub: Subscriber): void {
    this.hooks.events.emit('firstFrame', { stream: this, subscriber: sub, ms: (sub.firstFrameAt ?? sub.createdAt) - sub.createdAt });
  }

  /** Ends every viewer and evicts the publisher (hub shutdown, API stop). */
  close(reason: SubscriberEndReason): void {
    // Viewers first: evicting the publisher first would end them as 'unpublished' when there is no grace.
    this.#endAll(reason);
    this.publisher?.evict(reason === SubscriberEndReason.kicked ? 'kicked' : 'closed');
  }

  #endAll(reason: SubscriberEndReason): void {
    if (this.#graceTimer !== undefined) {
      clearTimeout(this.#graceTimer);
      this.#graceTimer = undefined;
    }
    for (const sub of [...this.subscribers]) sub.end(reason);
    this.#releaseIfUnused();
  }

  /** Nobody publishes and nobody watches (or waits for a publisher to return): forget the stream. */
  #releaseIfUnused(): void {
    if (this.subscribers.size > 0 || this.publisher !== undefined) return;
    if (this.#mergeTimer !== undefined) {
      clearTimeout(this.#mergeTimer);
      this.#mergeTimer = undefined;
      this.#dirty = [];
    }
    if (this.#graceTimer !== undefined) {
      clearTimeout(this.#graceTimer);
      this.#graceTimer = undefined;
    }
    this.hooks.release(this);
  }

  #settle(): void {
    if (this.#pending.size === 0 || !(this.settled || this.publisher === undefined)) return;
    const waiting = [...this.#pending];
    this.#pending.clear();
    for (const sub of waiting) this.#start(sub);
  }

  #broadcast(tag: MediaTag): void {
    for (const sub of this.subscribers) sub.deliver(tag);
  }

  /** Header, metadata and sequence headers stamped at the viewer's start time, then the cached GOP. */
  #start(sub: Subscriber): void {
    const tracks = this.tracks();
    const backlog = this.options.gopCache ? this.#gop.tags : [];
    const startTs = backlog[0]?.timestamp ?? Math.max(0, this.#time.last);
    const preamble: Uint8Array[] = [encodeFlvHeader(tracks)];
    preamble.push(this.#metadataTagFor(tracks));
    if (tracks.hasVideo && this.video.config) preamble.push(encodeTag(9, startTs, this.video.config.payload));
    if (tracks.hasAudio && this.audio.config) preamble.push(encodeTag(8, startTs, this.audio.config.payload));
    const waitKeyframe = !this.options.gopCache || backlog.length === 0 || !backlog[0]!.keyframe;
    sub.start(tracks, preamble, backlog, waitKeyframe && this.video.frames > 0);
  }

  #metadataTag(sub: Subscriber): MediaTag {
    const bytes = this.#metadataTagFor({ hasAudio: sub.hasAudio, hasVideo: sub.hasVideo });
    return { type: 18, timestamp: 0, bytes, keyframe: false, config: true };
  }

  /**
   * onMetaData as players get it: the publisher's keys plus explicit track flags mpegts.js honours. Always
   * stamped 0: ffmpeg's FLV reader takes script data at any other time for a data track.
   */
  #metadataTagFor(tracks: { hasAudio: boolean; hasVideo: boolean }): Uint8Array {
    const meta: Record<string, Amf0Value> = { ...(this.metadata ?? {}) };
    // A live stream has no length or size; a file's values would make players treat it as a recording.
    delete meta.duration;
    delete meta.filesize;
    if (this.video.width !== undefined && meta.width === undefined) meta.width = this.video.width;
    if (this.video.height !== undefined && meta.height === undefined) meta.height = this.video.height;
    meta.hasAudio = tracks.hasAudio;
    meta.hasVideo = tracks.hasVideo;
    meta.server = 'flvcast';
    return encodeTag(18, 0, encodeOnMetaData(meta));
  }
}

/** onMetaData announces a track through its codec id (what ffmpeg and OBS write) or an explicit flag. */
function announces(meta: Record<string, Amf0Value> | undefined, track: 'audio' | 'video'): boolean {
  if (meta === undefined) return false;
  const flag = meta[track === 'audio' ? 'hasAudio' : 'hasVideo'];
  if (typeof flag === 'boolean') return flag;
  const id = meta[`${track}codecid`];
  return id !== undefined && id !== null && id !== '';
}

/** Width/height or sample rate/channels from a sequence header, where the codec is one we parse. */
function describeConfig(track: TrackState, payload: Uint8Array): void {
  try {
    if (track.codec === 'avc' && payload.byteLength > 5 && (payload[0]! & 0x80) === 0) {
      const avc = parseAvcDecoderConfig(payload.subarray(5));
      if (avc.width !== undefined) track.width = avc.width;
      if (avc.height !== undefined) track.height = avc.height;
    } else if (track.codec === 'aac' && payload.byteLength > 2 && (payload[0]! >> 4) === 10) {
      const asc = parseAudioSpecificConfig(payload.subarray(2));
      track.sampleRate = asc.sampleRate;
      track.channels = asc.channels;
    }
  } catch {
    // A sequence header we cannot describe is still forwarded as is.
  }
}
