import { Amf0EcmaArray, type Amf0Value } from '@flvcast/amf0';
import { inspectAudio, inspectVideo, parseAudioSpecificConfig, parseAvcDecoderConfig, sequenceHeaderProblem } from '@flvcast/flv';
import type { DataFrame, Format, Frame, MediaFrame, StreamState, TrackLayout, TrackState } from '@flvcast/media';
import { EndReason, type HubEndReason } from './end-reason.js';
import { HubError, HubErrorCode } from './hub-error.js';
import { AudioWindow } from './audio-window.js';
import { GopCache } from './gop-cache.js';
import { IngestRate } from './ingest-rate.js';
import type { HubEvents } from './hub-events.js';
import type { HubOptions } from './hub-options.js';
import type { Packet } from './packet.js';
import type { Publisher } from './publisher.js';
import { type PublisherTarget } from './publisher.js';
import { StreamOutput } from './stream-output.js';
import { streamKeyToString, type StreamKey } from './stream-key.js';
import type { Subscriber, SubscriberOwner } from './subscriber.js';
import { TimestampCorrector } from './timestamp-corrector.js';

export type { TrackState } from '@flvcast/media';

/**
 * How much media (stream time) a listener of an audio-only format waits for the first audio frame once media
 * flows, when onMetaData announced audio (or nothing): after that the stream counts as having no audio.
 */
const AUDIO_WAIT_MS = 1000;

/** An audio-only viewer's layout. */
const AUDIO_ONLY: TrackLayout = Object.freeze({ hasAudio: true, hasVideo: false });

/**
 * Stands for onMetaData in a viewer's queue: script data, kept when a slow viewer's backlog is cut. It is
 * timed with the stream when sent (a copy per update): at 0, a queue holding it and a frame an hour in would
 * span an hour, past maxQueueMs, and cut every merge-window viewer back to a keyframe at each republish.
 */
const METADATA_FRAME: DataFrame = Object.freeze({ kind: 'data', timestamp: 0, keyframe: false, config: false, name: 'onMetaData', value: null });

interface StreamHooks {
  /** Nothing uses the stream any more: the hub forgets it. */
  release(stream: LiveStream): void;
  readonly events: HubEvents;
}

/**
 * One live stream: its current publisher, metadata, decoder configurations, GOP cache and viewers. Every
 * incoming message becomes one neutral frame; each output (container format) with viewers encodes it
 * once, and every viewer of that format gets the same bytes by reference. The stream serializes nothing.
 */
export class LiveStream implements PublisherTarget, SubscriberOwner, StreamState {
  readonly name: string;
  readonly subscribers = new Set<Subscriber>();
  /** Internal subscribers among them (recorders, forwarders, remuxers): not viewers. */
  #internal = 0;
  #demand = 0;
  /** Formats with viewers now; an output is made with its first viewer and dropped with its last. */
  readonly #outputs = new Map<Format, StreamOutput>();
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
  /** Stream time of the first media frame of this publish (see AUDIO_WAIT_MS). */
  #firstMediaTs = 0;
  #gop: GopCache;
  /** Recent audio for new listeners of the audio mounts (audioFastCacheMs). */
  #audioWindow: AudioWindow;
  /** Requests waiting to learn whether a format can serve this stream (see whenDecided). */
  #deciding = new Set<{ format: Format; done: () => void }>();
  #time: TimestampCorrector;
  #graceTimer: ReturnType<typeof setTimeout> | undefined;
  #pending = new Set<Subscriber>();
  /**
   * mergeWriteMs: per window length (viewers may have their own, RTMP players a longer one), the viewers with
   * tags waiting for the end of the current window, and its timer.
   */
  #merges = new Map<number, { dirty: Subscriber[]; timer: ReturnType<typeof setTimeout> }>();
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
    // As big as one listener's backlog may be: more would be cut the moment it was handed over.
    this.#audioWindow = new AudioWindow(options.audioFastCacheMs, options.maxQueueBytes, options.gopCacheMaxFrames);
    this.#time = new TimestampCorrector(options.timeJumpMs);
  }

  /** The output of `format` for a new viewer (made on first use: no encoding for a format nobody watches). */
  outputFor(format: Format): StreamOutput {
    let output = this.#outputs.get(format);
    if (output === undefined) {
      output = new StreamOutput(format, this);
      this.#outputs.set(format, output);
    }
    return output;
  }

  /** People watching: subscribers that are not internal (recorder, forwarder, remuxer). */
  get viewerCount(): number {
    return this.subscribers.size - this.#internal;
  }

  /**
   * Subscribers that keep an on-demand source running: viewers, and internal ones that stand for viewers
   * elsewhere (`demand`: a worker process's pull). A recorder or forwarder does not.
   */
  get demandCount(): number {
    return this.viewerCount + this.#demand;
  }

  get gopCacheBytes(): number {
    return this.#gop.bytes;
  }

  /** Bytes of audio kept for new listeners of the audio mounts. */
  get audioWindowBytes(): number {
    return this.#audioWindow.bytes;
  }

  /**
   * Whether `format` can serve this stream: undefined when it can, the reason (naming the codec) when it
   * cannot, null while that cannot be told yet (just published: codecs unknown). Transports answer 415 with
   * the reason before any body byte.
   */
  unsupported(format: Format): string | undefined | null {
    if (!this.#decided(format)) return null;
    const reason = format.unsupported?.(this);
    if (reason !== undefined) return reason;
    // An audio-only format on a stream found to carry no audio, whatever the format itself could tell.
    if (format.audioOnly === true && this.audio.frames === 0 && this.publisher !== undefined) return `the stream has no audio track: the ${format.name} format carries audio only`;
    return undefined;
  }

  /**
   * Resolves once `unsupported(format)` is no longer null, when the stream goes, or when `signal` aborts
   * (the client left): a request never outlives its interest in the answer.
   */
  whenDecided(format: Format, signal?: AbortSignal): Promise<void> {
    if (this.#decided(format) || signal?.aborted === true) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        format,
        done: () => {
          this.#deciding.delete(waiter);
          signal?.removeEventListener('abort', waiter.done);
          resolve();
        },
      };
      this.#deciding.add(waiter);
      signal?.addEventListener('abort', waiter.done, { once: true });
    });
  }

  /**
   * The codecs `format` depends on are known: media flows (configuration comes before it), or the publisher
   * left (what is known is all there will be). An audio-only format waits for the audio itself, unless the
   * metadata denies an audio track or media has flowed for AUDIO_WAIT_MS without any.
   */
  #decided(format: Format): boolean {
    if (this.publisher === undefined) return true;
    if (format.audioOnly !== true) return this.#mediaSeen || (format.unsupported === undefined && this.settled);
    if (this.audio.frames > 0) return true;
    if (!this.#mediaSeen) return false;
    return (this.metadata !== undefined && !announces(this.metadata, 'audio')) || this.#time.last - this.#firstMediaTs >= AUDIO_WAIT_MS;
  }

  /** The track layout can be told: metadata came, or media did, or the flags are fixed by configuration. */
  get settled(): boolean {
    return !this.options.guessHasAv || this.metadata !== undefined || this.#mediaSeen;
  }

  /** The tracks a viewer starting now is told of (FLV header flags; SRS `guess_has_av` semantics). */
  tracks(): TrackLayout {
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
    // Audio of another publish may have another configuration: a listener must not get it framed with the new one.
    this.#audioWindow.clear();
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
      const frame: DataFrame = { ...METADATA_FRAME, timestamp: Math.max(0, this.#time.last) };
      for (const sub of this.subscribers) {
        if (!sub.started) continue;
        const bytes = sub.output.muxer.metadataChanged({ hasAudio: sub.hasAudio, hasVideo: sub.hasVideo });
        if (bytes !== undefined) sub.deliver({ frame, bytes });
      }
      this.#settle();
      return;
    }
    this.#broadcast({ kind: 'data', timestamp: Math.max(0, this.#time.last), keyframe: false, config: false, name, value });
  }

  pushMedia(_publisher: Publisher, type: 8 | 9, timestamp_: number, payload: Uint8Array): void {
    if (payload.byteLength === 0) return; // some encoders send empty media messages: nothing to deliver
    // Checked before anything changes: a broken one is dropped and the last good configuration stays.
    const problem = sequenceHeaderProblem(type, payload);
    if (problem !== undefined) throw new HubError(HubErrorCode.badSequenceHeader, `${type === 9 ? 'video' : 'audio'} sequence header dropped: ${problem}`);
    let keyframe = false;
    let config = false;
    let codec: string;
    let compositionTime = 0;
    if (type === 9) {
      const info = inspectVideo(payload);
      config = info.isSequenceHeader;
      keyframe = info.isKeyframe && !config && !info.isCommandFrame;
      codec = info.codec;
      compositionTime = info.compositionTime ?? 0;
      this.video.codec = codec;
      this.video.frames++;
    } else {
      const info = inspectAudio(payload);
      config = info.isSequenceHeader;
      codec = info.codec;
      this.audio.codec = codec;
      if (info.sampleRate !== undefined) this.audio.sampleRate = info.sampleRate;
      if (info.channels !== undefined) this.audio.channels = info.channels;
      this.audio.frames++;
    }
    const timestamp = this.#time.correct(type, timestamp_);
    const frame: MediaFrame = { kind: type === 9 ? 'video' : 'audio', timestamp, compositionTime, keyframe, config, codec, payload };
    this.tagsIn++;
    this.bytesIn += payload.byteLength;
    this.rate.add(this.options.now(), payload.byteLength, type === 9 && !config);
    if (keyframe) {
      if (this.#lastKeyframeTs !== undefined && timestamp > this.#lastKeyframeTs) this.gopMs = timestamp - this.#lastKeyframeTs;
      this.#lastKeyframeTs = timestamp;
    }
    if (config) {
      const track = type === 9 ? this.video : this.audio;
      track.config = frame;
      describeConfig(track, payload);
    } else if (!this.#mediaSeen) {
      this.#mediaSeen = true;
      this.#firstMediaTs = timestamp;
    }
    // Viewers may be waiting for the layout, audio listeners for the audio track (its configuration counts).
    if (this.#pending.size > 0 || this.#deciding.size > 0) this.#settle();
    this.#gop.add(frame, this.video.frames > 0);
    this.#audioWindow.add(frame);
    this.#broadcast(frame);
  }

  unpublish(publisher: Publisher): void {
    if (this.publisher !== publisher) return;
    this.publisher = undefined;
    this.#unpublishedAt = this.options.now();
    this.hooks.events.emit('unpublish', { stream: this, publisher });
    this.#settle(); // viewers still waiting for a layout get what is known
    if (this.subscribers.size === 0 || this.options.reconnectGraceMs === 0) {
      this.#endAll(EndReason.unpublished);
      return;
    }
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = undefined;
      this.#endAll(EndReason.unpublished);
    }, this.options.reconnectGraceMs);
    this.#graceTimer.unref?.();
  }

  // --- viewer side ------------------------------------------------------------------------------

  addSubscriber(sub: Subscriber): void {
    this.subscribers.add(sub);
    if (sub.info.internal === true) this.#internal++;
    if (sub.info.internal === true && sub.info.demand === true) this.#demand++;
    sub.output.subscribers.add(sub);
    this.hooks.events.emit('play', { stream: this, subscriber: sub });
    if (this.#ready(sub)) this.#start(sub);
    else this.#pending.add(sub);
  }

  schedule(sub: Subscriber): void {
    // One timer per stream and window length, not per viewer: the windows of equal length end together.
    const ms = sub.mergeWriteMs;
    let merge = this.#merges.get(ms);
    if (merge === undefined) {
      const dirty: Subscriber[] = [];
      const timer = setTimeout(() => {
        this.#merges.delete(ms);
        for (const s of dirty) s.flush();
      }, ms);
      merge = { dirty, timer };
      this.#merges.set(ms, merge);
    }
    merge.dirty.push(sub);
  }

  detach(sub: Subscriber, reason: EndReason): void {
    if (this.subscribers.delete(sub) && sub.info.internal === true) {
      this.#internal--;
      if (sub.info.demand === true) this.#demand--;
    }
    const output = sub.output;
    output.subscribers.delete(sub);
    // Nobody watches this format any more: its muxer and packets go (a later viewer starts afresh).
    if (output.subscribers.size === 0 && this.#outputs.get(output.format) === output) this.#outputs.delete(output.format);
    this.#pending.delete(sub);
    this.hooks.events.emit('stop', { stream: this, subscriber: sub, reason });
    this.#releaseIfUnused();
  }

  firstFrame(sub: Subscriber): void {
    this.hooks.events.emit('firstFrame', { stream: this, subscriber: sub, ms: (sub.firstFrameAt ?? sub.createdAt) - sub.createdAt });
  }

  /** Ends every viewer and evicts the publisher (hub shutdown, API stop). */
  close(reason: HubEndReason): void {
    // Viewers first: evicting the publisher first would end them as 'unpublished' when there is no grace.
    this.#endAll(reason);
    this.publisher?.evict(reason === EndReason.kicked ? 'kicked' : 'closed');
  }

  #endAll(reason: HubEndReason): void {
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
    for (const merge of this.#merges.values()) clearTimeout(merge.timer);
    this.#merges.clear();
    if (this.#graceTimer !== undefined) {
      clearTimeout(this.#graceTimer);
      this.#graceTimer = undefined;
    }
    for (const waiter of [...this.#deciding]) waiter.done();
    this.hooks.release(this);
  }

  /** A viewer can start: the layout is known, and for an audio-only viewer whether there is audio. */
  #ready(sub: Subscriber): boolean {
    if (sub.output.format.audioOnly === true) return this.#decided(sub.output.format);
    return this.settled || this.publisher === undefined;
  }

  #settle(): void {
    for (const waiter of [...this.#deciding]) if (this.#decided(waiter.format)) waiter.done();
    if (this.#pending.size === 0) return;
    for (const sub of [...this.#pending]) {
      if (!this.#ready(sub)) continue;
      this.#pending.delete(sub);
      this.#start(sub);
    }
  }

  #broadcast(frame: Frame): void {
    for (const output of this.#outputs.values()) {
      const packet = output.packet(frame);
      if (packet === undefined) continue;
      for (const sub of output.subscribers) sub.deliver(packet);
    }
  }

  /**
   * The container's preamble (header, metadata, configuration) stamped at the viewer's start, then the cached
   * GOP; for an audio-only format, the audio window instead, and no keyframe to wait for.
   */
  #start(sub: Subscriber): void {
    if (sub.output.format.audioOnly === true) {
      const backlog: Packet[] = [];
      for (const frame of this.#audioWindow.frames) {
        const packet = sub.output.packet(frame);
        if (packet !== undefined) backlog.push(packet);
      }
      const startTs = backlog[0]?.frame.timestamp ?? Math.max(0, this.#time.last);
      sub.start(AUDIO_ONLY, sub.output.muxer.begin(AUDIO_ONLY, startTs), backlog, false);
      return;
    }
    const tracks = this.tracks();
    const frames = this.options.gopCache ? this.#gop.frames : [];
    const backlog: Packet[] = [];
    for (const frame of frames) {
      const packet = sub.output.packet(frame);
      if (packet !== undefined) backlog.push(packet);
    }
    const startTs = frames[0]?.timestamp ?? Math.max(0, this.#time.last);
    const preamble = sub.output.muxer.begin(tracks, startTs);
    const waitKeyframe = !this.options.gopCache || frames.length === 0 || !frames[0]!.keyframe;
    sub.start(tracks, preamble, backlog, waitKeyframe && this.video.frames > 0);
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
