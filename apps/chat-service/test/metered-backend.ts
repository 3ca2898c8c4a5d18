import { createMemoryBackend, type StateBackend } from "@troupe/actor-runtime";

/** A memory backend that counts what is written to it: transactions, their JSON bytes, the last one's size. */
export function meteredBackend(): StateBackend & { writes: number; bytes: number; lastWrite: number } {
  const inner = createMemoryBackend();
  const metered = Object.create(inner) as StateBackend & { writes: number; bytes: number; lastWrite: number };
  Object.assign(metered, { writes: 0, bytes: 0, lastWrite: 0 });
  metered.apply = async (type, id, ops) => {
    metered.lastWrite = JSON.stringify(ops).length;
    metered.bytes += metered.lastWrite;
    metered.writes += 1;
    return inner.apply(type, id, ops);
  };
  return metered;
}
