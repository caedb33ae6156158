import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ChainableCommander, Redis } from 'ioredis';

/** Buffers go to Redis byte for byte (binary-safe). */
type LuaArgument = string | number | Buffer;

/**
 * One Lua script kept as a `.lua` file and run by its SHA1 (EVALSHA), falling back to EVAL the
 * first time a Redis server has not seen it (NOSCRIPT). Scripts are read once, when the module
 * that names them is loaded, so a missing file fails at start and not in the middle of a turn.
 */
export class LuaScript {
  readonly sha: string;

  private constructor(
    readonly name: string,
    readonly source: string,
    /** How many of a call's arguments are keys. */
    readonly numberOfKeys: number,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Reads `<name>.lua` from the folder `dir` (a file URL, e.g. `new URL('../lua/', import.meta.url)`). */
  static load(dir: URL, name: string, numberOfKeys: number): LuaScript {
    return new LuaScript(name, readFileSync(new URL(`${name}.lua`, dir), 'utf8'), numberOfKeys);
  }

  /** Runs the script; `keys` must hold exactly `numberOfKeys` keys. */
  async run(redis: Redis, keys: readonly string[], args: readonly LuaArgument[]): Promise<unknown> {
    this.checkKeys(keys);
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  /**
   * Runs the script as EVAL, its text sent along: for a call that must reach Redis in order with
   * the commands after it on the same connection (a NOSCRIPT retry of EVALSHA would come after them).
   */
  async runInOrder(redis: Redis, keys: readonly string[], args: readonly LuaArgument[]): Promise<unknown> {
    this.checkKeys(keys);
    return redis.eval(this.source, keys.length, ...keys, ...args);
  }

  /**
   * Queues the script on a pipeline or MULTI as EVAL (a pipeline cannot retry one command on
   * NOSCRIPT); the script's text travels with it.
   */
  queue(pipeline: ChainableCommander, keys: readonly string[], args: readonly LuaArgument[]): ChainableCommander {
    this.checkKeys(keys);
    return pipeline.eval(this.source, keys.length, ...keys, ...args);
  }

  private checkKeys(keys: readonly string[]): void {
    if (keys.length !== this.numberOfKeys) throw new Error(`Lua script ${this.name} takes ${this.numberOfKeys} keys, got ${keys.length}`);
  }
}
