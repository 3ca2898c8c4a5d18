import { defineDacaSuite } from "./daca/suite.ts";
import { startEmbeddedSut } from "./embedded-sut.ts";

defineDacaSuite("DACA over HTTP, embedded runtime (npm start)", () =>
  startEmbeddedSut({ summaryPeriod: "1h" }),
);
