import { EmbeddedDocumentStore, defineCollection } from "@lienthong/storage";
import { tempDir, type TempDir } from "@lienthong/testing";
import { messagingCollections } from "../../src";

/** What a test handler writes: which event it saw and what it said. */
export interface Effect {
  eventId?: string;
  body?: string;
  status?: number;
}

export const EFFECTS = defineCollection<Effect>("effects");

/** A real embedded store on a temp file, with the messaging collections and one for the handlers' writes. */
export async function openTestStore(): Promise<{ store: EmbeddedDocumentStore; dir: TempDir; path: string }> {
  const dir = await tempDir("lienthong-messaging-store");
  const path = dir.file("store.db");
  const store = await EmbeddedDocumentStore.open({ path });
  await store.ensureCollections([...messagingCollections, EFFECTS]);
  return { store, dir, path };
}
