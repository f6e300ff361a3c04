/**
 * The flvcast web player and live dashboard: polls the server's public stream feed, lists the streams and
 * plays one with mpegts.js as FLV or MPEG-TS, over HTTP or WebSocket, with latency chasing, showing what it
 * measures.
 * Runs in the browser (no Node APIs); mpegts.js is a global loaded by index.html before this module.
 *
 * `?server=http://host:8080` points the page at a flvcast server on another origin (the feed, the FLV
 * routes and the assets carry CORS headers).
 */
import type Mpegts from 'mpegts.js';
import type { StreamSummary } from '@flvcast/hub';

declare global {
  interface Window {
    mpegts?: typeof Mpegts;
    ManagedMediaSource?: MediaSourceApi;
  }
}

/** What the page reads from `dashboard/config.json` (see DashboardConfig in the server). */
interface DashboardConfig {
  version: string;
  flvPath: string;
  /** Mount templates by extension (`flv`, `ts`, `aac`, `mp3`). */
  paths: Record<string, string>;
  websocket: boolean;
  rtmp: Array<{ host: string; port: number }>;
  pollMs: number;
  /** The VOD recordings feed (`vod.json`, answering `{ recordings }`); '' or absent: no recordings here. */
  recordingsFeed?: string;
}

/** One entry of the recordings feed: a finished recording the server serves over VOD. */
interface RecordingEntry {
  id: string;
  /** Below the VOD directory, e.g. `live/cam1.1733580000000.flv`. */
  path: string;
  /** The VOD URL (absolute path on the server). */
  url: string;
  stream: string;
  /** ISO time the recording started (from its name, else its file time minus its duration). */
  start: string;
  durationMs: number;
  bytes: number;
  /** The file has a keyframes index: the seek bar works. */
  seekable: boolean;
}

type Transport = 'http' | 'ws';
/** The container the player reads (mpegts.js plays both). */
type Container = 'flv' | 'ts';

interface MediaSourceApi {
  isTypeSupported(type: string): boolean;
}

// --- DOM ----------------------------------------------------------------------------------------------

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

const video = $<HTMLVideoElement>('video');
const messageEl = $('message');
const feedStatus = $('feed-status');

function showMessage(text: string | undefined, kind: 'info' | 'error' = 'info'): void {
  messageEl.hidden = text === undefined;
  messageEl.textContent = text ?? '';
  messageEl.dataset.kind = kind;
}

// --- server and URLs ----------------------------------------------------------------------------------

function serverBase(): URL {
  const param = new URLSearchParams(location.search).get('server');
  if (param === null || param === '') return new URL('./', location.href);
  const url = new URL(param, location.href);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
}

const base = serverBase();
const crossOrigin = base.origin !== location.origin;

async function fetchJson<T>(path: string, timeoutMs = 5000): Promise<T> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const res = await fetch(new URL(path, base), { cache: 'no-store', signal: abort.signal });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return (await res.json()) as T;
  } finally {
    clearTimeout(timer);
  }
}

/** The URL of a stream on the mount of extension `ext`, or undefined when the server has no such mount. */
function mediaUrl(config: DashboardConfig, s: Pick<StreamSummary, 'vhost' | 'app' | 'stream'>, ext: string, transport: Transport): string | undefined {
  const template = config.paths?.[ext] ?? (ext === 'flv' && config.flvPath !== '' ? config.flvPath : undefined);
  if (template === undefined) return undefined;
  const path = template
    .replace('[vhost]', encodeURIComponent(s.vhost))
    .replace('[app]', encodeURIComponent(s.app))
    .replace('[stream]', encodeURIComponent(s.stream));
  const url = new URL(path, base);
  if (transport === 'ws') url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** The RTMP base URL an encoder on this machine's network would use: the page's host when RTMP listens everywhere. */
function rtmpBase(config: DashboardConfig): string | undefined {
  const first = config.rtmp[0];
  if (first === undefined) return undefined;
  const wildcard = first.host === '0.0.0.0' || first.host === '::';
  const host = wildcard ? base.hostname : first.host.includes(':') ? `[${first.host}]` : first.host;
  return `rtmp://${host}:${first.port}`;
}

// --- what this browser can play -----------------------------------------------------------------------

function mediaSource(): { name: string; api: MediaSourceApi } | undefined {
  // W3C MediaSource first (mpegts.js uses ManagedMediaSource only where MediaSource is absent: iPhone Safari 17.1+).
  if (typeof window.MediaSource === 'function') return { name: 'MediaSource', api: window.MediaSource };
  if (typeof window.ManagedMediaSource === 'function') return { name: 'ManagedMediaSource', api: window.ManagedMediaSource };
  return undefined;
}

interface CodecInfo {
  label: string;
  /** MSE type strings; any one supported is enough. */
  types: string[];
  /** mpegts.js can read it from FLV. */
  demuxed: boolean;
}

const VIDEO_CODECS: Record<string, CodecInfo> = {
  avc: { label: 'H.264', types: ['video/mp4; codecs="avc1.42E01E"', 'video/mp4; codecs="avc1.64001F"'], demuxed: true },
  hevc: { label: 'HEVC (H.265)', types: ['video/mp4; codecs="hvc1.1.6.L93.B0"', 'video/mp4; codecs="hev1.1.6.L93.B0"'], demuxed: true },
  av1: { label: 'AV1', types: ['video/mp4; codecs="av01.0.08M.08"'], demuxed: true },
  vp9: { label: 'VP9', types: [], demuxed: false },
  vp8: { label: 'VP8', types: [], demuxed: false },
  h263: { label: 'Sorenson H.263', types: [], demuxed: false },
  vp6: { label: 'VP6', types: [], demuxed: false },
  vp6a: { label: 'VP6 alpha', types: [], demuxed: false },
  screen: { label: 'Screen video', types: [], demuxed: false },
  screen2: { label: 'Screen video 2', types: [], demuxed: false },
};

const AUDIO_CODECS: Record<string, CodecInfo> = {
  aac: { label: 'AAC', types: ['audio/mp4; codecs="mp4a.40.2"'], demuxed: true },
  mp3: { label: 'MP3', types: ['audio/mpeg', 'audio/mp4; codecs="mp3"'], demuxed: true },
  opus: { label: 'Opus', types: ['audio/mp4; codecs="opus"'], demuxed: true },
  flac: { label: 'FLAC', types: ['audio/mp4; codecs="flac"'], demuxed: true },
  lpcm: { label: 'PCM', types: ['audio/mp4; codecs="ipcm"'], demuxed: true },
};

const codecLabel = (table: Record<string, CodecInfo>, codec: string): string => table[codec]?.label ?? codec.toUpperCase();

function supported(types: string[]): boolean {
  const ms = mediaSource();
  return ms !== undefined && types.some((t) => {
    try {
      return ms.api.isTypeSupported(t);
    } catch {
      return false;
    }
  });
}

type Verdict = { ok: true; hasAudio: boolean; note?: string } | { ok: false; reason: string };

/** Can this page play the stream? A clear reason when it cannot (no MSE, HEVC without a decoder, …). */
function verdict(s: StreamSummary): Verdict {
  if (window.mpegts === undefined) return { ok: false, reason: 'mpegts.js did not load (vendor/mpegts.js): the player cannot start.' };
  const ms = mediaSource();
  if (ms === undefined) {
    return { ok: false, reason: 'This browser has no Media Source Extensions (neither MediaSource nor ManagedMediaSource), so a web page cannot play FLV here. Use one of the URLs below in ffplay or VLC, or a browser with MSE (iPhone: iOS 17.1 or later).' };
  }
  const v = s.video?.codec;
  const a = s.audio?.codec;
  if (v !== undefined) {
    const info = VIDEO_CODECS[v];
    const label = codecLabel(VIDEO_CODECS, v);
    if (info === undefined || !info.demuxed) return { ok: false, reason: `This stream's video is ${label}: the web player (mpegts.js) plays H.264, HEVC and AV1 from FLV, not ${label}. Use ffplay or VLC with the URL below.` };
    if (!supported(info.types)) {
      const what = v === 'hevc' ? `${label} (codec strings hvc1/hev1)` : label;
      return { ok: false, reason: `This browser cannot decode ${what} through ${ms.name}. Try a browser with ${label} support (Safari; Chrome or Edge with a hardware decoder), or ffplay/VLC with the URL below.` };
    }
  }
  if (a !== undefined) {
    const info = AUDIO_CODECS[a];
    if (info === undefined || !info.demuxed || !supported(info.types)) {
      if (v === undefined) return { ok: false, reason: `This browser cannot play ${codecLabel(AUDIO_CODECS, a)} audio through ${ms.name}, and the stream has no video.` };
      return { ok: true, hasAudio: false, note: `Audio (${codecLabel(AUDIO_CODECS, a)}) is not playable in this browser: video only.` };
    }
  }
  return { ok: true, hasAudio: true };
}

function describeSupport(): string {
  const ms = mediaSource();
  if (ms === undefined) return 'This browser: no Media Source Extensions (FLV cannot play in a page)';
  const mark = (info: CodecInfo) => `${info.label} ${supported(info.types) ? '✓' : '✗'}`;
  const codecs = [VIDEO_CODECS.avc, VIDEO_CODECS.hevc, VIDEO_CODECS.av1, AUDIO_CODECS.aac, AUDIO_CODECS.opus].filter((c): c is CodecInfo => c !== undefined);
  const player = window.mpegts === undefined ? 'mpegts.js missing' : `mpegts.js ${window.mpegts.version}`;
  return `This browser: ${ms.name} ✓ · ${codecs.map(mark).join(' · ')} · ${player}`;
}

// --- formatting ---------------------------------------------------------------------------------------

const numberFormat = new Intl.NumberFormat();

function formatUptime(ms: number): string {
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

function formatBytes(n: number): string {
  if (n < 1024 * 1024) return `${numberFormat.format(Math.round(n / 1024))} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1048576).toFixed(1)} MB`;
  return `${(n / 1073741824).toFixed(2)} GB`;
}

function describeVideo(s: StreamSummary): string {
  const v = s.video;
  if (v === null) return '–';
  const parts = [codecLabel(VIDEO_CODECS, v.codec)];
  if (v.width !== null && v.height !== null) parts.push(`${v.width}×${v.height}`);
  if (v.fps > 0) parts.push(`${Math.round(v.fps * 10) / 10} fps`);
  return parts.join(' · ');
}

function describeAudio(s: StreamSummary): string {
  const a = s.audio;
  if (a === null) return '–';
  const parts = [codecLabel(AUDIO_CODECS, a.codec)];
  if (a.sampleRate !== null) parts.push(`${a.sampleRate / 1000} kHz`);
  if (a.channels !== null) parts.push(a.channels === 1 ? 'mono' : a.channels === 2 ? 'stereo' : `${a.channels} ch`);
  return parts.join(' · ');
}

// --- state --------------------------------------------------------------------------------------------

let config: DashboardConfig | undefined;
let streams: StreamSummary[] = [];
let receivedAt = performance.now();
/** The feed answered at least once (before that, "not live" would be a guess). */
let feedReceived = false;
let selected: string | undefined;
let transport: Transport = 'http';
let container: Container = 'flv';
/** Set once a selection came from the user or the URL, so the page stops picking a stream itself. */
let chosen = false;
let recordings: RecordingEntry[] = [];
/** The recording being played (then no live stream is selected). */
let selectedRecording: string | undefined;

interface Playback {
  name: string;
  transport: Transport;
  container: Container;
  url: string;
  player: Mpegts.Player | undefined;
  state: 'starting' | 'playing' | 'failed' | 'unsupported';
  /** performance.now() at load(). */
  startedAt: number;
  firstFrameMs: number | undefined;
  failedAt: number;
  /** For 'unsupported': the codecs that were refused (a new publisher may bring others). */
  codecs: string;
}

let playback: Playback | undefined;

// --- the stream list ----------------------------------------------------------------------------------

const tbody = $<HTMLTableElement>('streams').tBodies[0]!;
const rows = new Map<string, HTMLTableRowElement>();

function renderStreams(): void {
  const seen = new Set<string>();
  for (const [index, s] of streams.entries()) {
    seen.add(s.name);
    let row = rows.get(s.name);
    if (row === undefined) {
      row = el('tr', { 'data-stream': s.name });
      const nameCell = el('td', { class: 'name' });
      const button = el('button', { type: 'button', class: 'play', 'data-stream': s.name, title: `Play ${s.name}` }, s.name);
      button.addEventListener('click', () => select(s.name, transport, true));
      nameCell.append(button, el('span', { class: 'badge' }));
      row.append(nameCell);
      for (const cls of ['video', 'audio', 'bitrate', 'viewers', 'uptime']) row.append(el('td', { class: cls }));
      rows.set(s.name, row);
    }
    row.classList.toggle('selected', s.name === selected);
    const cells = row.cells;
    const badge = cells[0]!.querySelector('.badge')!;
    badge.textContent = s.publishing ? 'live' : 'waiting';
    badge.setAttribute('data-live', String(s.publishing));
    cells[1]!.textContent = describeVideo(s);
    cells[2]!.textContent = describeAudio(s);
    cells[3]!.textContent = s.publishing ? `${numberFormat.format(Math.round(s.ingestKbps))} kb/s` : '–';
    cells[4]!.textContent = String(s.viewers.total);
    cells[4]!.title = Object.entries(s.viewers.byProtocol).map(([p, n]) => `${p}: ${n}`).join(', ') || 'no viewers';
    cells[5]!.textContent = s.publishing ? formatUptime(s.uptimeMs) : '–';
    // The feed's order (sorted by name); rows already in place stay put (a moved button would lose focus).
    if (tbody.rows[index] !== row) tbody.insertBefore(row, tbody.rows[index] ?? null);
  }
  for (const [name, row] of rows) {
    if (!seen.has(name)) {
      row.remove();
      rows.delete(name);
    }
  }
  $('empty').hidden = streams.length > 0;
}

/** Uptime keeps counting between polls. */
function tickUptime(): void {
  const elapsed = performance.now() - receivedAt;
  for (const s of streams) {
    const cell = rows.get(s.name)?.cells[5];
    if (cell !== undefined && s.publishing) cell.textContent = formatUptime(s.uptimeMs + elapsed);
  }
}

let pollTimer: ReturnType<typeof setTimeout> | undefined;
let polling = false;

function schedulePoll(ms: number): void {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(() => void poll(), ms);
}

async function poll(): Promise<void> {
  if (polling) return;
  polling = true;
  try {
    streams = await fetchJson<StreamSummary[]>('dashboard/streams.json');
    receivedAt = performance.now();
    feedReceived = true;
    feedStatus.textContent = `${streams.length} stream${streams.length === 1 ? '' : 's'} · updated ${new Date().toLocaleTimeString()}`;
    feedStatus.dataset.state = 'ok';
    renderStreams();
    autoSelect();
    ensurePlayback();
  } catch (err) {
    feedStatus.textContent = `server unreachable (${(err as Error).message}): retrying`;
    feedStatus.dataset.state = 'error';
  } finally {
    polling = false;
    // A hidden tab (a phone in a pocket) asks less often, and at once when it is shown again.
    schedulePoll(document.hidden ? 10_000 : (config?.pollMs ?? 2000));
  }
}

/** A newcomer gets a picture: with nothing chosen, play live/demo or the first live stream. */
function autoSelect(): void {
  if (chosen || selected !== undefined) return;
  const pick = streams.find((s) => s.name === 'live/demo' && s.publishing) ?? streams.find((s) => s.publishing);
  if (pick !== undefined) select(pick.name, transport, false, container);
}

// --- selection (kept in the URL hash: #stream=live/demo&transport=ws&format=ts) ------------------------

function select(name: string, t: Transport, byUser: boolean, c: Container = container): void {
  const restart = name === selected && t === transport && c === container && byUser;
  if (selectedRecording !== undefined) {
    selectedRecording = undefined;
    stopPlayback();
    renderRecordings();
  }
  selected = name;
  transport = t;
  container = c;
  if (byUser) chosen = true;
  const hash = `#${new URLSearchParams({ stream: name, transport: t, ...(c === 'flv' ? {} : { format: c }) }).toString()}`;
  if (location.hash !== hash) history.replaceState(null, '', hash);
  for (const input of document.querySelectorAll<HTMLInputElement>('input[name="transport"]')) input.checked = input.value === t;
  for (const input of document.querySelectorAll<HTMLInputElement>('input[name="container"]')) input.checked = input.value === c;
  $('now-playing').textContent = name;
  for (const [n, row] of rows) row.classList.toggle('selected', n === name);
  renderUrls();
  if (restart) stopPlayback();
  ensurePlayback();
}

function readHash(): void {
  const params = new URLSearchParams(location.hash.slice(1));
  const recording = params.get('recording');
  if (recording !== null && recording !== '') {
    if (recording !== selectedRecording) playRecordingById(recording);
    return;
  }
  const name = params.get('stream');
  const t = params.get('transport') === 'ws' ? 'ws' : 'http';
  const c = params.get('format') === 'ts' ? 'ts' : 'flv';
  if (name !== null && name !== '' && (name !== selected || t !== transport || c !== container)) select(name, t, true, c);
}

// --- playback -----------------------------------------------------------------------------------------

function stopPlayback(): void {
  if (playback?.player !== undefined) {
    const player = playback.player;
    playback.player = undefined;
    try {
      player.pause();
      player.unload();
      player.detachMediaElement();
      player.destroy();
    } catch {
      // a player that failed half-way may throw on teardown; it is gone either way
    }
  }
  playback = undefined;
  video.removeAttribute('data-url');
  video.removeAttribute('data-transport');
  video.removeAttribute('data-format');
  video.removeAttribute('data-state');
  video.removeAttribute('data-kind');
  resetStats();
}

/** Starts, restarts or leaves alone the player so that it plays the selected stream over the chosen transport. */
function ensurePlayback(): void {
  if (config === undefined || selected === undefined) return;
  const s = streams.find((x) => x.name === selected);
  const codecs = `${s?.video?.codec ?? ''}/${s?.audio?.codec ?? ''}`;
  if (playback !== undefined && playback.name === selected && playback.transport === transport && playback.container === container) {
    if (playback.state === 'starting' || playback.state === 'playing') return;
    if (playback.state === 'unsupported' && playback.codecs === codecs) return;
    if (playback.state === 'failed' && performance.now() - playback.failedAt < 3000) return;
  }
  if (s === undefined || !s.publishing) {
    if (!feedReceived) return;
    if (playback === undefined || playback.name !== selected || playback.transport !== transport || playback.container !== container) {
      stopPlayback();
      showMessage(`${selected} is not live: it plays as soon as a publisher starts.`);
    }
    return;
  }
  start(s, config);
}

function start(s: StreamSummary, cfg: DashboardConfig): void {
  stopPlayback();
  const t = transport === 'ws' && !cfg.websocket ? 'http' : transport;
  // TS only where the server has a .ts mount; FLV otherwise.
  const c: Container = container === 'ts' && mediaUrl(cfg, s, 'ts', t) !== undefined ? 'ts' : 'flv';
  const url = mediaUrl(cfg, s, c, t) ?? '';
  const codecs = `${s.video?.codec ?? ''}/${s.audio?.codec ?? ''}`;
  const pb: Playback = { name: s.name, transport, container, url, player: undefined, state: 'starting', startedAt: performance.now(), firstFrameMs: undefined, failedAt: 0, codecs };
  playback = pb;
  video.dataset.url = url;
  video.dataset.transport = t;
  video.dataset.format = c;
  const v = verdict(s);
  if (!v.ok) {
    pb.state = 'unsupported';
    video.dataset.state = 'unsupported';
    showMessage(v.reason, 'error');
    return;
  }
  showMessage(v.note);
  const mpegts = window.mpegts!;
  const player = mpegts.createPlayer(
    // The server's FLV header (TS: its PMT) says which tracks exist; only audio this browser cannot play is switched off.
    { type: c === 'ts' ? 'mpegts' : 'flv', isLive: true, url, ...(v.hasAudio ? {} : { hasAudio: false }) },
    {
      isLive: true,
      enableWorker: false,
      // Hand bytes to the demuxer as they arrive: no stash to fill first.
      enableStashBuffer: false,
      lazyLoad: false,
      // Latency chasing: a buffer grown beyond 1.5 s is cut back to 0.5 s at once (new viewers start
      // with the server's cached GOP), and between 0.8 and 1.5 s playback runs 10% fast until it is back.
      liveBufferLatencyChasing: true,
      liveBufferLatencyMaxLatency: 1.5,
      liveBufferLatencyMinRemain: 0.5,
      liveSync: true,
      liveSyncMaxLatency: 0.8,
      liveSyncTargetLatency: 0.5,
      liveSyncPlaybackRate: 1.1,
      autoCleanupSourceBuffer: true,
      autoCleanupMaxBackwardDuration: 30,
      autoCleanupMinBackwardDuration: 10,
    },
  );
  run(pb, player, { what: s.name, live: true, note: v.note });
}

/**
 * What live and recorded playback share: the player's errors and first frame shown on the page, then
 * attach, load and play. A live stream that ends or fails is retried while it is live; a recording that
 * loaded completely has simply been read to its end.
 */
function run(pb: Playback, player: Mpegts.Player, opts: { what: string; live: boolean; note: string | undefined }): void {
  const mpegts = window.mpegts!;
  pb.player = player;
  video.dataset.state = 'starting';

  const fail = (text: string): void => {
    if (playback !== pb) return;
    pb.state = 'failed';
    pb.failedAt = performance.now();
    video.dataset.state = 'failed';
    showMessage(opts.live ? `${text} Retrying while the stream is live…` : text, 'error');
  };
  player.on(mpegts.Events.ERROR, (type: string, detail: string, info: { code?: number; msg?: string } | undefined) => {
    if (detail === mpegts.ErrorDetails.MEDIA_CODEC_UNSUPPORTED || detail === mpegts.ErrorDetails.MEDIA_FORMAT_UNSUPPORTED) {
      pb.state = 'unsupported';
      video.dataset.state = 'unsupported';
      showMessage(`The player cannot play this ${opts.live ? 'stream' : 'recording'}'s codec: ${info?.msg ?? detail}.`, 'error');
      return;
    }
    if (detail === mpegts.ErrorDetails.NETWORK_STATUS_CODE_INVALID && info?.code === 404) return fail(opts.live ? `${opts.what} is not live (404).` : `${opts.what} is gone (404).`);
    fail(`Playback error: ${type} / ${detail}${info?.msg ? ` (${info.msg})` : ''}.`);
  });
  if (opts.live) player.on(mpegts.Events.LOADING_COMPLETE, () => fail('The stream ended.'));
  player.on(mpegts.Events.MEDIA_INFO, (info: Mpegts.MSEPlayerMediaInfo) => {
    if (playback !== pb) return;
    $('stat-codecs').textContent = [info.videoCodec, info.audioCodec].filter((c) => c).join(', ') || '–';
    const ms = mediaSource();
    if (info.videoCodec && ms !== undefined && !supported([`video/mp4; codecs="${info.videoCodec}"`])) {
      showMessage(`This browser reports no support for ${info.videoCodec} through ${ms.name}; the picture may stay black.`, 'error');
    }
  });

  const firstFrame = (): void => {
    if (playback !== pb || pb.firstFrameMs !== undefined) return;
    pb.firstFrameMs = performance.now() - pb.startedAt;
    pb.state = 'playing';
    video.dataset.state = 'playing';
    const first = $('stat-first-frame');
    first.textContent = `${Math.round(pb.firstFrameMs)} ms`;
    first.dataset.ms = String(Math.round(pb.firstFrameMs));
    if (messageEl.dataset.kind === 'error') showMessage(opts.note);
  };
  if (typeof video.requestVideoFrameCallback === 'function') video.requestVideoFrameCallback(firstFrame);
  else video.addEventListener('playing', firstFrame, { once: true });

  player.attachMediaElement(video);
  player.load();
  // The element starts muted (autoplay is allowed muted); once the user unmutes, later starts keep the sound.
  const played = player.play();
  if (played instanceof Promise) {
    played.catch((err: Error) => {
      if (playback === pb && err.name === 'NotAllowedError') showMessage('The browser blocked autoplay: press play.');
    });
  }
}

// --- recordings (VOD) ---------------------------------------------------------------------------------

const recordingsBody = $<HTMLTableElement>('recordings').tBodies[0]!;

/** The VOD URL of a recording, on the server the page talks to. */
const recordingUrl = (r: RecordingEntry): string => new URL(r.url.replace(/^\/+/, ''), base).href;

function renderRecordings(): void {
  $('recordings-card').hidden = !config?.recordingsFeed;
  $('recordings-empty').hidden = recordings.length > 0;
  const rowsNow = recordings.map((r) => {
    const row = el('tr', { 'data-recording': r.id });
    row.classList.toggle('selected', r.id === selectedRecording);
    const nameCell = el('td', { class: 'name' });
    const button = el('button', { type: 'button', class: 'play', 'data-recording': r.id, title: `Play ${r.path}` }, r.path);
    button.addEventListener('click', () => playRecording(r));
    nameCell.append(button);
    if (!r.seekable) nameCell.append(el('span', { class: 'badge', title: 'no keyframes index: plays, but cannot seek (flvcast index FILE adds one)' }, 'no seek'));
    const download = el('a', { href: recordingUrl(r), download: r.path.split('/').pop() ?? 'recording.flv' }, 'Download');
    const start = new Date(r.start).toLocaleString();
    const duration = formatUptime(r.durationMs);
    row.append(nameCell, el('td', {}, r.stream), el('td', {}, start), el('td', { class: 'duration' }, duration), el('td', { class: 'size' }, formatBytes(r.bytes)));
    const last = el('td');
    last.append(download);
    row.append(last);
    return row;
  });
  recordingsBody.replaceChildren(...rowsNow);
}

let recordingsTimer: ReturnType<typeof setTimeout> | undefined;

/** Recordings change when one finishes: polled less often than the live list. */
async function pollRecordings(): Promise<void> {
  clearTimeout(recordingsTimer);
  const feed = config?.recordingsFeed;
  if (!feed) return;
  try {
    recordings = (await fetchJson<{ recordings: RecordingEntry[] }>(feed)).recordings;
    renderRecordings();
    // A #recording= link opened before the list arrived.
    const wanted = new URLSearchParams(location.hash.slice(1)).get('recording');
    if (wanted !== null && wanted !== selectedRecording) playRecordingById(wanted);
  } catch {
    // The live feed's status line already says when the server is unreachable.
  } finally {
    recordingsTimer = setTimeout(() => void pollRecordings(), document.hidden ? 60_000 : 10_000);
  }
}

function playRecordingById(id: string): void {
  const r = recordings.find((x) => x.id === id);
  if (r !== undefined) playRecording(r);
}

/** Plays a recording with a seek bar: mpegts.js reads its keyframes index and seeks with HTTP Range. */
function playRecording(r: RecordingEntry): void {
  if (window.mpegts === undefined || mediaSource() === undefined) {
    showMessage('This browser cannot play FLV in a page (no Media Source Extensions or no mpegts.js): use the Download link.', 'error');
    return;
  }
  chosen = true;
  selected = undefined;
  selectedRecording = r.id;
  const hash = `#${new URLSearchParams({ recording: r.id }).toString()}`;
  if (location.hash !== hash) history.replaceState(null, '', hash);
  for (const row of rows.values()) row.classList.remove('selected');
  renderRecordings();
  $('now-playing').textContent = `${r.path} (recording)`;
  $('urls').replaceChildren();
  stopPlayback();
  const url = recordingUrl(r);
  const pb: Playback = { name: `recording:${r.id}`, transport: 'http', container: 'flv', url, player: undefined, state: 'starting', startedAt: performance.now(), firstFrameMs: undefined, failedAt: 0, codecs: '' };
  playback = pb;
  video.dataset.url = url;
  video.dataset.transport = 'http';
  video.dataset.format = 'flv';
  video.dataset.kind = 'recording';
  showMessage(r.seekable ? undefined : 'This recording has no keyframes index: it plays from the start only.');
  const player = window.mpegts!.createPlayer(
    { type: 'flv', isLive: false, url, duration: r.durationMs },
    // Seeks ask for the keyframe's byte offset with a Range request; accurateSeek then decodes up to the exact time.
    { isLive: false, enableWorker: false, lazyLoad: false, seekType: 'range', accurateSeek: true },
  );
  run(pb, player, { what: r.path, live: false, note: undefined });
}

// --- measurements -------------------------------------------------------------------------------------

function resetStats(): void {
  for (const id of ['stat-latency', 'stat-first-frame', 'stat-decoded', 'stat-dropped', 'stat-speed', 'stat-codecs']) {
    const node = $(id);
    node.textContent = '–';
    delete node.dataset.ms;
  }
}

function updateStats(): void {
  if (playback?.player === undefined) return;
  const b = video.buffered;
  if (b.length > 0 && video.dataset.kind !== 'recording') {
    const latency = b.end(b.length - 1) - video.currentTime;
    const rate = video.playbackRate === 1 ? '' : ` (catching up ×${video.playbackRate.toFixed(2)})`;
    $('stat-latency').textContent = `${latency.toFixed(2)} s${rate}`;
  }
  const q = typeof video.getVideoPlaybackQuality === 'function' ? video.getVideoPlaybackQuality() : undefined;
  const stats = playback.player.statisticsInfo as Mpegts.MSEPlayerStatisticsInfo;
  const decoded = q?.totalVideoFrames ?? stats.decodedFrames;
  const dropped = q?.droppedVideoFrames ?? stats.droppedFrames;
  if (decoded !== undefined) $('stat-decoded').textContent = numberFormat.format(decoded);
  if (dropped !== undefined) $('stat-dropped').textContent = numberFormat.format(dropped);
  if (typeof stats.speed === 'number') $('stat-speed').textContent = `${numberFormat.format(Math.round(stats.speed * 8))} kb/s`;
}

// --- URLs to copy -------------------------------------------------------------------------------------

async function copy(text: string, input: HTMLInputElement, button: HTMLButtonElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No Clipboard API outside secure contexts (a LAN address over http): the old way.
    input.focus();
    input.select();
    document.execCommand('copy');
  }
  button.textContent = 'Copied';
  setTimeout(() => (button.textContent = 'Copy'), 1500);
}

function renderUrls(): void {
  const box = $('urls');
  box.replaceChildren();
  if (config === undefined || selected === undefined) return;
  const s = streams.find((x) => x.name === selected);
  const [app, stream] = s === undefined ? (selected.split('/').slice(-2) as [string, string]) : [s.app, s.stream];
  const summary: StreamSummary = s ?? ({ vhost: '', app, stream } as StreamSummary);
  const entries: Array<[string, string]> = [];
  const add = (label: string, ext: string, t: Transport): void => {
    const url = mediaUrl(config!, summary, ext, t);
    if (url !== undefined) entries.push([label, url]);
  };
  add('HTTP-FLV', 'flv', 'http');
  if (config.websocket) add('WS-FLV', 'flv', 'ws');
  add('HTTP-TS', 'ts', 'http');
  if (config.websocket) add('WS-TS', 'ts', 'ws');
  // The audio mounts answer 415 unless the stream's audio is theirs: listed only where the codec fits.
  const audio = s?.audio?.codec;
  if (audio === 'aac') add('AAC', 'aac', 'http');
  if (audio === 'mp3') add('MP3', 'mp3', 'http');
  const http = entries[0]?.[1];
  if (http !== undefined) entries.push(['ffplay', `ffplay -fflags nobuffer -flags low_delay -framedrop "${http}"`]);
  const rtmp = rtmpBase(config);
  if (rtmp !== undefined) {
    entries.push(['OBS server', `${rtmp}/${app}`], ['OBS stream key', stream], ['ffmpeg publish', `ffmpeg -re -i input.mp4 -c copy -f flv ${rtmp}/${app}/${stream}`]);
  }
  for (const [label, value] of entries) {
    const row = el('div', { class: 'url' });
    const id = `url-${label.toLowerCase().replace(/[^a-z]+/g, '-')}`;
    const input = el('input', { id, type: 'text', readonly: '', value, spellcheck: 'false', 'aria-label': label });
    input.addEventListener('focus', () => input.select());
    const button = el('button', { type: 'button' }, 'Copy');
    button.addEventListener('click', () => void copy(value, input, button));
    row.append(el('label', { for: id }, label), input, button);
    box.append(row);
  }
}

function renderPublishHint(): void {
  if (config === undefined) return;
  const rtmp = rtmpBase(config);
  $('publish-hint').textContent = rtmp === undefined ? 'RTMP ingest is not listening' : `ffmpeg -re -i input.mp4 -c copy -f flv ${rtmp}/live/cam1`;
}

// --- boot ---------------------------------------------------------------------------------------------

async function boot(): Promise<void> {
  $('support').textContent = `${describeSupport()}${crossOrigin ? ` · server ${base.origin}` : ''}`;
  for (const input of document.querySelectorAll<HTMLInputElement>('input[name="transport"]')) {
    input.addEventListener('change', () => {
      if (input.checked && selected !== undefined) select(selected, input.value === 'ws' ? 'ws' : 'http', true);
      else if (input.checked) transport = input.value === 'ws' ? 'ws' : 'http';
    });
  }
  for (const input of document.querySelectorAll<HTMLInputElement>('input[name="container"]')) {
    input.addEventListener('change', () => {
      const c: Container = input.value === 'ts' ? 'ts' : 'flv';
      if (input.checked && selected !== undefined) select(selected, transport, true, c);
      else if (input.checked) container = c;
    });
  }
  $('reload').addEventListener('click', () => {
    if (selected !== undefined) select(selected, transport, true);
  });
  window.addEventListener('hashchange', readHash);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && config !== undefined) {
      schedulePoll(0);
      void pollRecordings();
    }
  });
  setInterval(updateStats, 250);
  setInterval(tickUptime, 1000);
  for (;;) {
    try {
      config = await fetchJson<DashboardConfig>('dashboard/config.json');
      break;
    } catch (err) {
      feedStatus.textContent = `server unreachable (${(err as Error).message}): retrying`;
      feedStatus.dataset.state = 'error';
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
  if (!config.websocket) {
    const ws = document.querySelector<HTMLInputElement>('input[name="transport"][value="ws"]');
    if (ws !== null) {
      ws.disabled = true;
      ws.parentElement?.setAttribute('title', 'WS-FLV is off on this server');
    }
  }
  if (config.paths?.ts === undefined) {
    const ts = document.querySelector<HTMLInputElement>('input[name="container"][value="ts"]');
    if (ts !== null) {
      ts.disabled = true;
      ts.parentElement?.setAttribute('title', 'MPEG-TS is not served here (no .ts mount)');
    }
  }
  renderPublishHint();
  renderRecordings();
  readHash();
  void pollRecordings();
  await poll();
}

void boot();
