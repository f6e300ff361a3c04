export { DEFAULT_VHOST, dvrRoot, dvrTemplate, renderDvrPath, type DvrPathVars } from './path-template.js';
export { DEFAULT_INDEX_CAPACITY, RecordingFile, type RecordedTag, type RecordingFileSummary } from './recording-file.js';
export { WriteQueue, type Coalesce, type WriteChunks } from './write-queue.js';
export { FileRecordingWriter, TMP_SUFFIX, freePath, openFileRecordingWriter, type OpenRecordingWriter, type RecordingWriter } from './file-writer.js';
export { NotFlvError, indexFlvFile, reindexFlvFile } from './reindex-file.js';
export { Recording, type ActiveRecording, type DvrLog, type DvrPlan, type FinishedRecording, type RecordingListener, type RecordingOptions } from './recording.js';
export { DvrRecorder, type DvrRecorderOptions, type DvrTotals } from './recorder.js';
export { repairRecordings, type RepairResult } from './repair.js';
