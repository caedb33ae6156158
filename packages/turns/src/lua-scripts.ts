import { LuaScript } from '@bedrock-mcp/common';

/** This package's `lua/` folder: beside `src/` and `dist/`, so the same URL works from both. */
const LUA_DIR = new URL('../lua/', import.meta.url);

/** Loads one of this package's scripts; see the header of each `.lua` file for its KEYS and ARGV. */
export function turnScript(name: string, numberOfKeys: number): LuaScript {
  return LuaScript.load(LUA_DIR, name, numberOfKeys);
}
