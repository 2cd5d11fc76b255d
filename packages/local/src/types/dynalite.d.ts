// dynalite ships no types; this is the part of its API the engines module uses.
declare module 'dynalite' {
  import type { Server } from 'node:http';

  type DynaliteOptions = {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  };

  export default function dynalite(options?: DynaliteOptions): Server;
}
