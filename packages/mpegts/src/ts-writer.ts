import { annexBAccessUnit } from './annex-b.js';
import type { VideoCodec } from './nal-units.js';
import { opusControlHeader } from './opus-control-header.js';
import { PAT_PID, patSection } from './pat.js';
import { PesStreamId, pesHeaderSize, writePesHeader } from './pes-header.js';
import { opusDescriptors, pmtSection, type PmtStream } from './pmt.js';
import { writeSectionPacket } from './psi-section.js';
import { SDT_PID, ServiceType, sdtSection } from './sdt.js';
import { StreamType } from './stream-type.js';
import { AdaptationFieldControl, AdaptationFlag, TS_PACKET_SIZE, TS_PAYLOAD_SIZE, writeAdaptationOnlyPacket, writePcr, writeTsHeader } from './ts-packet.js';

/** The PIDs of our one program (the PMT's where ffmpeg puts it; elementary streams at 0x100 and up). */
export const TsPid = {
  pat: PAT_PID,
  sdt: SDT_PID,
  pmt: 0x1000,
  video: 0x100,
  audio: 0x101,
} as const;

/** 90 kHz ticks per millisecond: PTS, DTS and the PCR base count at 90 kHz. */
export const TICKS_PER_MS = 90;

/**
 * How far every PCR trails the DTS of the PES data after it: 200 ms. Players (VLC, set-top boxes) decode a PES
 * when their PCR-driven clock reaches its DTS, so this is the buffer we give them, and the slack for audio
 * that RTMP interleaves up to 200 ms behind video: such audio still has DTS ≥ the last PCR. ffmpeg's own muxer
 * leaves 700 ms; more would only add latency for PCR-clocked players.
 */
export const PCR_OFFSET_MS = 200;
/** The PCR PID carries a PCR at least this often in PCR time (ETSI TR 101 290: 40 ms). */
export const PCR_INTERVAL_MS = 40;
/** PAT, PMT and SDT go out again once this much PCR time has passed (so at least every 500 ms). */
export const PSI_INTERVAL_MS = 400;
/**
 * A gap in time longer than this is not filled with PCR-only packets (25 of them at most): the next PCR
 * comes with the discontinuity indicator, a new time base as far as the player is concerned.
 */
export const PCR_GAP_MAX_MS = 1000;

export interface TsVideoTrack {
  readonly codec: VideoCodec;
  /** The current decoder configuration's parameter sets (VPS, SPS, PPS), sent before every keyframe. */
  readonly parameterSets: readonly Uint8Array[];
}

export interface TsAudioTrack {
  readonly codec: 'aac' | 'mp3' | 'opus';
  /** MP3 at the MPEG-2/2.5 rates (below 32 kHz): stream_type 0x04 instead of 0x03. */
  readonly lowSamplingRate?: boolean;
  /** Opus: the channel count for its PMT descriptor. */
  readonly channels?: number;
}

/** The elementary streams of the program; a missing one is not in the PMT. */
export interface TsProgram {
  readonly video?: TsVideoTrack;
  readonly audio?: TsAudioTrack;
}

export interface TsWriterOptions {
  /** The SDT's service name (the stream's name). */
  readonly serviceName: string;
  /** The SDT's provider name. Default `flvcast`. */
  readonly provider?: string;
}

export interface VideoAccessUnit {
  /** Decode and presentation time, 90 kHz ticks, not wrapped (the writer wraps them to 33 bits). */
  readonly dts: number;
  readonly pts: number;
  readonly keyframe: boolean;
  /** The NAL units, without length prefixes or start codes. */
  readonly nalUnits: readonly Uint8Array[];
}

export interface AudioAccessUnit {
  /** Presentation time, 90 kHz ticks, not wrapped. */
  readonly pts: number;
  /**
   * The PES payload as parts written one after the other (AAC: ADTS header and raw frame; MP3: the frames),
   * except for Opus, where each part is one Opus packet, given its control header here.
   */
  readonly parts: readonly Uint8Array[];
}

/** The tables of one program version: every snapshot taken while it holds shares the object. */
export interface TsTables {
  readonly pat: Uint8Array;
  readonly pmt: Uint8Array;
  readonly sdt: Uint8Array;
  readonly video: boolean;
  readonly audio: boolean;
}

/** Where the shared sequence stood before an access unit: each PID's counter, and the tables in force. */
export interface TsSnapshot {
  /** Continuity counters (next to use) of PAT, PMT, SDT, video, audio: 4 bits each, in that order. */
  readonly counters: number;
  readonly tables: TsTables;
}

/** Index of each PID in the counter arrays and snapshots. */
const PIDS = [TsPid.pat, TsPid.pmt, TsPid.sdt, TsPid.video, TsPid.audio] as const;
const VIDEO = 3;
const AUDIO = 4;
/** A step before a PES: a PCR-only packet (its PCR, ≥ 0), or the tables. */
const TABLES = -1;

/**
 * One MPEG-TS program (ISO/IEC 13818-1) written access unit by access unit: PAT, PMT and SDT, one PES per
 * access unit, the PCR, and each PID's continuity counter. Each call returns whole 188-byte packets in one
 * allocation, so a muxer can share them between every viewer; `snapshot` and `resync` let a viewer who did
 * not get every packet rejoin the counters without changing what others get.
 */
export class TsWriter {
  /** The continuity counter the next packet with payload gets, per PID (PIDS order). */
  readonly #cc = new Uint8Array(PIDS.length);
  #program: TsProgram = {};
  #pmtVersion = 0;
  #sdtVersion = 0;
  #tables: TsTables;
  readonly #provider: string;
  readonly #serviceName: string;
  /** The last PCR written (90 kHz, not wrapped), undefined before the first. */
  #lastPcr: number | undefined;
  /** The PCR at the last tables, undefined when they are due at the next access unit whatever the time. */
  #lastTables: number | undefined;
  /** PIDs whose next packet carries the discontinuity indicator (their codec changed). */
  #discontinuity = 0;
  /** PIDs that have carried a PES: a stream appearing on a fresh PID needs no discontinuity indicator. */
  #used = 0;
  readonly #pesHeader = new Uint8Array(pesHeaderSize(true));

  constructor(options: TsWriterOptions) {
    this.#provider = options.provider ?? 'flvcast';
    this.#serviceName = options.serviceName;
    this.#tables = { pat: patSection(1, 1, TsPid.pmt), pmt: this.#makePmt(), sdt: this.#makeSdt(), video: false, audio: false };
  }

  get program(): TsProgram {
    return this.#program;
  }

  get pmtVersion(): number {
    return this.#pmtVersion;
  }

  /** The PID that carries the PCR: video's when there is video, else audio's; 0x1FFF for an empty program. */
  get pcrPid(): number {
    return this.#program.video !== undefined ? TsPid.video : this.#program.audio !== undefined ? TsPid.audio : 0x1fff;
  }

  /**
   * Sets the program's streams. When the PMT changes (a stream appears, goes or changes codec), its version
   * goes up, the tables go out before the next access unit, and the changed PIDs' next packet carries the
   * discontinuity indicator. Returns whether the PMT changed. New parameter sets alone change nothing in it.
   */
  setProgram(program: TsProgram): boolean {
    const before = this.#program;
    this.#program = program;
    const videoChanged = before.video?.codec !== program.video?.codec;
    const audioChanged = !sameAudio(before.audio, program.audio);
    if (!videoChanged && !audioChanged) return false;
    if (videoChanged) this.#discontinuity |= (1 << VIDEO) & this.#used;
    if (audioChanged) this.#discontinuity |= (1 << AUDIO) & this.#used;
    this.#pmtVersion = (this.#pmtVersion + 1) & 0x1f;
    const pmt = this.#makePmt();
    let sdt = this.#makeSdt();
    if (!equalBytes(sdt.subarray(0, -4), this.#tables.sdt.subarray(0, -4))) {
      this.#sdtVersion = (this.#sdtVersion + 1) & 0x1f;
      sdt = this.#makeSdt();
    } else {
      sdt = this.#tables.sdt;
    }
    this.#tables = { pat: this.#tables.pat, pmt, sdt, video: program.video !== undefined, audio: program.audio !== undefined };
    this.#lastTables = undefined;
    return true;
  }

  /**
   * Each PID's continuity counter now, and the tables in force: keep it with the access unit about to be
   * written, to `resync` a viewer just before that unit's packets.
   */
  snapshot(): TsSnapshot {
    const cc = this.#cc;
    return { counters: cc[0]! | (cc[1]! << 4) | (cc[2]! << 8) | (cc[3]! << 12) | (cc[4]! << 16), tables: this.#tables };
  }

  /**
   * What a viewer needs before the packets written after `snapshot()` returned `at` when it did not get the
   * packets before them (its first packet, or the first after a cut): PAT, PMT and SDT as they were then, and
   * for each elementary stream of that program one adaptation-field-only packet, all with the discontinuity
   * indicator and each PID's counter just before the snapshot's, so the next packet of every PID is in
   * sequence. The tables come here, not in a separate start of the response, because their counters must run
   * on into the shared packets: libdvbpsi (VLC) checks PSI counters and knows nothing of the discontinuity
   * indicator. (An AF-only packet has no payload, so it does not count; the indicator makes any jump from
   * before it legal.) For a viewer's `first` packet nothing came before, so there is no discontinuity to
   * signal: the tables alone, unflagged (a flag on the PCR PID would also announce a new time base).
   */
  resync(at: TsSnapshot, first = false): Uint8Array {
    const { tables, counters } = at;
    const streams: number[] = [];
    if (!first && tables.video) streams.push(VIDEO);
    if (!first && tables.audio) streams.push(AUDIO);
    const flags = first ? 0 : AdaptationFlag.discontinuity;
    const out = new Uint8Array((3 + streams.length) * TS_PACKET_SIZE);
    const ccBefore = (i: number): number => ((counters >>> (4 * i)) - 1) & 0x0f;
    const sections = [tables.pat, tables.pmt, tables.sdt];
    for (let i = 0; i < 3; i++) writeSectionPacket(out, i * TS_PACKET_SIZE, PIDS[i]!, ccBefore(i), sections[i]!, flags);
    streams.forEach((i, n) => writeAdaptationOnlyPacket(out, (3 + n) * TS_PACKET_SIZE, PIDS[i]!, ccBefore(i), flags));
    return out;
  }

  /** PAT, PMT and SDT now, in the shared sequence (after a program change, say). */
  tables(): Uint8Array {
    const out = new Uint8Array(3 * TS_PACKET_SIZE);
    this.#writeTables(out, 0);
    this.#lastTables = this.#lastPcr;
    return out;
  }

  /** One video access unit as packets (see annexBAccessUnit for what it holds); empty without a video stream. */
  writeVideo(au: VideoAccessUnit): Uint8Array {
    const track = this.#program.video;
    if (track === undefined) return new Uint8Array(0);
    const annexB = annexBAccessUnit(track.codec, au.nalUnits, track.parameterSets, au.keyframe);
    return this.#write(VIDEO, PesStreamId.video, au.dts, au.pts, annexB.randomAccess, annexB.parts, annexB.length, false);
  }

  /** One audio access unit as packets; empty without an audio stream. */
  writeAudio(au: AudioAccessUnit): Uint8Array {
    const track = this.#program.audio;
    if (track === undefined) return new Uint8Array(0);
    let parts = au.parts;
    if (track.codec === 'opus') {
      const framed: Uint8Array[] = [];
      for (const packet of au.parts) framed.push(opusControlHeader(packet.length), packet);
      parts = framed;
    }
    let length = 0;
    for (const p of parts) length += p.length;
    const streamId = track.codec === 'opus' ? PesStreamId.privateStream1 : PesStreamId.audio;
    // Every audio frame can be decoded alone: each is a random access point.
    return this.#write(AUDIO, streamId, au.pts, au.pts, true, parts, length, true);
  }

  /**
   * The packets of one PES: first PCR-only packets on the PCR PID where PCR time would otherwise step more than
   * PCR_INTERVAL_MS, with the tables among them when due; the tables before a keyframe; then the PES, whose
   * first packet carries the PCR when it is on the PCR PID. Counted first, written into one buffer.
   */
  #write(index: number, streamId: number, dts: number, pts: number, randomAccess: boolean, parts: readonly Uint8Array[], length: number, bounded: boolean): Uint8Array {
    const pid = PIDS[index]!;
    const pcrPid = this.pcrPid;
    const onPcrPid = pid === pcrPid;
    const pcrOffset = PCR_OFFSET_MS * TICKS_PER_MS;
    const interval = PCR_INTERVAL_MS * TICKS_PER_MS;
    const tablesInterval = PSI_INTERVAL_MS * TICKS_PER_MS;
    // The PCR this data wants; never negative (the first 200 ms of a stream starting at 0 get a PCR of 0).
    const target = Math.max(0, dts - pcrOffset);
    const steps: number[] = [];
    let pesPcr: number | undefined;
    let newTimeBase = false;
    let clock = this.#lastPcr;
    let tablesAt = this.#lastTables;
    if (clock === undefined || target - clock > PCR_GAP_MAX_MS * TICKS_PER_MS) {
      newTimeBase = clock !== undefined;
      if (onPcrPid) pesPcr = target;
      else steps.push(target);
      clock = target;
    } else {
      while (target - clock > interval) {
        clock += interval;
        steps.push(clock);
        if (tablesAt !== undefined && clock - tablesAt >= tablesInterval) {
          steps.push(TABLES);
          tablesAt = clock;
        }
      }
      // On the PCR PID every PES carries a PCR; it never goes back (audio a little behind repeats the last).
      if (onPcrPid) pesPcr = Math.max(clock, target);
    }
    const keyframe = index === VIDEO && randomAccess;
    const tablesFirst = keyframe || tablesAt === undefined || (this.#lastPcr !== undefined && clock - tablesAt >= tablesInterval);
    if (tablesFirst) tablesAt = clock;
    if (pesPcr !== undefined) clock = pesPcr;

    // The PES: its header, then the data; the first packet's adaptation field holds the flags and PCR.
    const pesHeader = this.#pesHeader;
    const headerSize = writePesHeader(pesHeader, 0, streamId, bounded ? length : 0, pts, dts);
    const total = headerSize + length;
    let flags = randomAccess ? AdaptationFlag.randomAccess : 0;
    if ((this.#discontinuity & (1 << index)) !== 0 || (newTimeBase && pesPcr !== undefined)) flags |= AdaptationFlag.discontinuity;
    const firstAf = flags !== 0 || pesPcr !== undefined ? 2 + (pesPcr !== undefined ? 6 : 0) : 0;
    const firstCapacity = TS_PAYLOAD_SIZE - firstAf;
    const pesPackets = total <= firstCapacity ? 1 : 1 + Math.ceil((total - firstCapacity) / TS_PAYLOAD_SIZE);
    let count = pesPackets + (tablesFirst ? 3 : 0);
    for (const s of steps) count += s === TABLES ? 3 : 1;

    const out = new Uint8Array(count * TS_PACKET_SIZE);
    let at = 0;
    const pcrIndex = PIDS.indexOf(pcrPid as (typeof PIDS)[number]);
    for (const s of steps) {
      if (s === TABLES) {
        this.#writeTables(out, at);
        at += 3 * TS_PACKET_SIZE;
      } else {
        // No payload: the counter stays at the last one sent on that PID.
        const cc = (this.#cc[pcrIndex]! - 1) & 0x0f;
        writeAdaptationOnlyPacket(out, at, pcrPid, cc, newTimeBase ? AdaptationFlag.discontinuity : 0, s);
        at += TS_PACKET_SIZE;
      }
    }
    if (tablesFirst) {
      this.#writeTables(out, at);
      at += 3 * TS_PACKET_SIZE;
    }

    const sources = [pesHeader.subarray(0, headerSize), ...parts];
    let part = 0;
    let partAt = 0;
    let remaining = total;
    let cc = this.#cc[index]!;
    for (let n = 0; n < pesPackets; n++) {
      const first = n === 0;
      let af = first ? firstAf : 0;
      const take = Math.min(remaining, TS_PAYLOAD_SIZE - af);
      if (take < TS_PAYLOAD_SIZE - af) af = TS_PAYLOAD_SIZE - take; // the last packet: stuffing in its adaptation field
      writeTsHeader(out, at, pid, first, af > 0 ? AdaptationFieldControl.adaptationAndPayload : AdaptationFieldControl.payloadOnly, cc);
      if (af > 0) {
        out[at + 4] = af - 1; // adaptation_field_length
        if (af > 1) {
          const pcr = first ? pesPcr : undefined;
          out[at + 5] = (first ? flags : 0) | (pcr !== undefined ? AdaptationFlag.pcr : 0);
          let p = at + 6;
          if (pcr !== undefined) {
            writePcr(out, p, pcr);
            p += 6;
          }
          out.fill(0xff, p, at + 4 + af);
        }
      }
      // Copy `take` bytes of the PES, across part boundaries.
      let dst = at + 4 + af;
      let need = take;
      while (need > 0) {
        const src = sources[part]!;
        const k = Math.min(need, src.length - partAt);
        out.set(k === src.length ? src : src.subarray(partAt, partAt + k), dst);
        dst += k;
        need -= k;
        partAt += k;
        if (partAt === src.length) {
          part++;
          partAt = 0;
        }
      }
      remaining -= take;
      cc = (cc + 1) & 0x0f;
      at += TS_PACKET_SIZE;
    }
    this.#cc[index] = cc;
    this.#discontinuity &= ~(1 << index);
    this.#used |= 1 << index;
    this.#lastPcr = clock;
    this.#lastTables = tablesAt;
    return out;
  }

  /** PAT, PMT, SDT: three packets at `at`, in the shared sequence. */
  #writeTables(out: Uint8Array, at: number): void {
    const { pat, pmt, sdt } = this.#tables;
    const sections = [pat, pmt, sdt];
    for (let i = 0; i < 3; i++) {
      writeSectionPacket(out, at + i * TS_PACKET_SIZE, PIDS[i]!, this.#cc[i]!, sections[i]!);
      this.#cc[i] = (this.#cc[i]! + 1) & 0x0f;
    }
  }

  #makePmt(): Uint8Array {
    const { video, audio } = this.#program;
    const streams: PmtStream[] = [];
    if (video !== undefined) streams.push({ streamType: video.codec === 'avc' ? StreamType.h264 : StreamType.hevc, pid: TsPid.video });
    if (audio !== undefined) {
      if (audio.codec === 'aac') streams.push({ streamType: StreamType.adtsAac, pid: TsPid.audio });
      else if (audio.codec === 'mp3') streams.push({ streamType: audio.lowSamplingRate === true ? StreamType.mpeg2Audio : StreamType.mpeg1Audio, pid: TsPid.audio });
      else streams.push({ streamType: StreamType.privatePes, pid: TsPid.audio, descriptors: opusDescriptors(audio.channels ?? 2) });
    }
    return pmtSection(1, this.#pmtVersion, this.pcrPid, streams);
  }

  #makeSdt(): Uint8Array {
    const serviceType = this.#program.video === undefined && this.#program.audio !== undefined ? ServiceType.digitalRadio : ServiceType.digitalTelevision;
    return sdtSection(
      { transportStreamId: 1, originalNetworkId: 0xff01, serviceId: 1, serviceType, provider: this.#provider, name: this.#serviceName },
      this.#sdtVersion,
    );
  }
}

function sameAudio(a: TsAudioTrack | undefined, b: TsAudioTrack | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.codec === b.codec && (a.lowSamplingRate === true) === (b.lowSamplingRate === true) && (a.codec !== 'opus' || a.channels === b.channels);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
