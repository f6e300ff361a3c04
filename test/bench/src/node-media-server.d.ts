// node-media-server ships no type declarations: the little the launcher uses.
declare module 'node-media-server' {
  export default class NodeMediaServer {
    constructor(config: Record<string, unknown>, configPath: string);
    run(): Promise<void>;
    stop(): Promise<void>;
  }
}
