/** FLV TagType values (the low 5 bits of a tag header's first byte). */
export const TagType = {
  audio: 8,
  video: 9,
  script: 18,
} as const;

export type TagType = (typeof TagType)[keyof typeof TagType];
