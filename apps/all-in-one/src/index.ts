export { startEmbeddedSystem, type EmbeddedSystem, type EmbeddedSystemOptions } from "./embedded-system.ts";
