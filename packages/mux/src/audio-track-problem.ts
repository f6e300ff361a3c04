import type { StreamState } from '@flvcast/media';

/**
 * Why an audio-only container cannot serve `stream`, or undefined when it can (or the codec is not known yet):
 * the audio codec is another, or the stream has said it carries no audio (its onMetaData denies an audio
 * track while video already flows). `extension` and `wanted` name the mount in the message.
 */
export function audioTrackProblem(stream: StreamState, wanted: string, extension: string): string | undefined {
  const codec = stream.audio.codec;
  if (codec !== undefined) return codec === wanted ? undefined : `audio codec ${codec}: .${extension} carries ${wanted.toUpperCase()} only`;
  if (stream.video.codec !== undefined && stream.metadata !== undefined && !announcesAudio(stream.metadata)) {
    return `the stream has no audio track: .${extension} carries ${wanted.toUpperCase()} audio only`;
  }
  return undefined;
}

/** onMetaData announces audio by an explicit flag or an audio codec id (what ffmpeg and OBS write). */
function announcesAudio(meta: Readonly<Record<string, unknown>>): boolean {
  const flag = meta.hasAudio;
  if (typeof flag === 'boolean') return flag;
  const id = meta.audiocodecid;
  return id !== undefined && id !== null && id !== '';
}
